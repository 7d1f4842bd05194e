// Where a stream goes while the user pins streams to a circuit. Pure, so the rules are tested
// without a tor: the service feeds it each STREAM event and carries out the answer.
import type { StreamInfo } from './control';

export type Placement = { kind: 'leave' } | { kind: 'circuit'; circuitId: string } | { kind: 'any' };

export interface PlacementState {
  /** The circuit the user pinned, or null. */
  pinned: string | null;
  /** Whether that circuit is still open. */
  pinnedAlive: boolean;
  /** Whether tor currently leaves new and detached streams to us (__LeaveStreamsUnattached 1). */
  leftUnattached: boolean;
  /** How often this stream has been detached so far, including this event. */
  detaches: number;
}

/** Tries on the pinned circuit before a detached stream is handed to tor's own choice. */
export const PINNED_TRIES = 2;

export function placeStream(e: Pick<StreamInfo, 'status' | 'circuitId'>, st: PlacementState): Placement {
  const waiting = (e.status === 'NEW' && e.circuitId === '0') || e.status === 'DETACHED';
  // Unless tor leaves streams to us it attaches (and re-attaches) them itself.
  if (!waiting || !st.leftUnattached) return { kind: 'leave' };
  if (st.pinned !== null && st.pinnedAlive && st.detaches < PINNED_TRIES) return { kind: 'circuit', circuitId: st.pinned };
  // A stream must never wait for a circuit that is gone or keeps failing it.
  return { kind: 'any' };
}
