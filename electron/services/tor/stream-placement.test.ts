import { describe, expect, it } from 'vitest';
import { PINNED_TRIES, placeStream, type PlacementState } from './stream-placement';

const pinnedOn: PlacementState = { pinned: '7', pinnedAlive: true, leftUnattached: true, detaches: 0 };

describe('placeStream', () => {
  it('attaches a new stream to the pinned circuit', () => {
    expect(placeStream({ status: 'NEW', circuitId: '0' }, pinnedOn)).toEqual({ kind: 'circuit', circuitId: '7' });
  });

  it('leaves streams alone while tor attaches them itself', () => {
    expect(placeStream({ status: 'NEW', circuitId: '0' }, { ...pinnedOn, pinned: null, leftUnattached: false })).toEqual({ kind: 'leave' });
    expect(placeStream({ status: 'DETACHED', circuitId: '3' }, { ...pinnedOn, pinned: null, leftUnattached: false, detaches: 1 })).toEqual({ kind: 'leave' });
  });

  it('ignores streams that are not waiting for a circuit', () => {
    for (const status of ['SENTCONNECT', 'SUCCEEDED', 'CONTROLLER_WAIT', 'REMAP'] as const) {
      expect(placeStream({ status, circuitId: '7' }, pinnedOn)).toEqual({ kind: 'leave' });
    }
  });

  it('retries a detached stream on the pinned circuit, then hands it to tor', () => {
    expect(placeStream({ status: 'DETACHED', circuitId: '7' }, { ...pinnedOn, detaches: 1 })).toEqual({ kind: 'circuit', circuitId: '7' });
    expect(placeStream({ status: 'DETACHED', circuitId: '7' }, { ...pinnedOn, detaches: PINNED_TRIES })).toEqual({ kind: 'any' });
  });

  it('never leaves a waiting stream for a circuit that is gone', () => {
    // The pinned circuit closed, tor still leaves streams to us until SETCONF lands.
    expect(placeStream({ status: 'NEW', circuitId: '0' }, { ...pinnedOn, pinnedAlive: false })).toEqual({ kind: 'any' });
    expect(placeStream({ status: 'NEW', circuitId: '0' }, { ...pinnedOn, pinned: null })).toEqual({ kind: 'any' });
    expect(placeStream({ status: 'DETACHED', circuitId: '7' }, { ...pinnedOn, pinnedAlive: false, detaches: 1 })).toEqual({ kind: 'any' });
  });
});
