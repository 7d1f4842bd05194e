// A daemon state as text plus colour (never colour alone).
import { useTranslation } from 'react-i18next';
import type { DaemonState } from '../../shared/domain/network';

export function StatusBadge({ state }: { state: DaemonState | 'unavailable' }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${state}`}>{t(`state.${state}`)}</span>;
}
