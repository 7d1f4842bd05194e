// A daemon state as text plus colour (never colour alone).
import type { DaemonState } from '../../shared/domain/network';

const TEXT: Record<DaemonState | 'unavailable', string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  ready: 'Running',
  degraded: 'Needs attention',
  failed: 'Failed',
  unavailable: 'Not in this build',
};

export function StatusBadge({ state }: { state: DaemonState | 'unavailable' }) {
  return <span className={`badge badge-${state}`}>{TEXT[state]}</span>;
}
