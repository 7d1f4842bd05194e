// GETINFO circuit-status value and CIRC event arguments → CircuitInfo (control-spec §3.9, §4.1.1).
// Pure. events.ts reuses circuitFromArgs, so a circuit means the same thing in both places.
//
//   250+circuit-status=
//   1 BUILT $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth BUILD_FLAGS=ONEHOP_TUNNEL,IS_INTERNAL,NEED_CAPACITY PURPOSE=GENERAL TIME_CREATED=2026-11-25T22:42:52.906118
//   .
//   250 OK
import { TorProtocolError } from '../errors';
import { splitArgs, splitList, type SplitArgs } from '../keywords';
import { parsePath, type RelayRef } from './relay-ref';

// Unknown values are kept (§4.1.1: "Clients MUST accept … not listed above"); the literal members
// are there for editors and exhaustiveness hints, not as a closed set.
export type CircuitStatus = 'LAUNCHED' | 'BUILT' | 'GUARD_WAIT' | 'EXTENDED' | 'FAILED' | 'CLOSED' | (string & {});

export interface CircuitInfo {
  id: string;
  status: CircuitStatus;
  // Empty until the first hop is done (§4.1.1: "provided only when … extended at least one hop").
  path: RelayRef[];
  buildFlags: string[];
  purpose?: string;
  hsState?: string;
  rendQuery?: string;
  // ISOTime2Frac as tor wrote it, e.g. "2026-11-25T22:42:52.906118" (UTC, no zone suffix).
  timeCreated?: string;
  reason?: string;
  remoteReason?: string;
  socksUsername?: string;
  socksPassword?: string;
  hsPow?: string;
  // Not in the 2023 spec text; tor 0.4.8+ adds it to conflux circuits (seen in tor-lab transcripts).
  confluxId?: string;
}

export function circuitFromArgs(args: SplitArgs, first: number): CircuitInfo {
  return readCircuit(args, first, {});
}

// `first` indexes the circuit id in args.positional (0 for GETINFO lines, 1 after "CIRC").
// Fields are written into `into` so the CIRC event object is built once, not copied.
export function readCircuit<T extends object>(args: SplitArgs, first: number, into: T): T & CircuitInfo {
  const { positional: p, keywords: kw } = args;
  const id = p[first];
  const status = p[first + 1];
  if (id === undefined || status === undefined) {
    throw new TorProtocolError('circuit line needs a circuit id and a status');
  }
  const c = into as T & CircuitInfo;
  c.id = id;
  c.status = status;
  c.path = parsePath(p[first + 2]);
  c.buildFlags = splitList(kw.BUILD_FLAGS);
  c.purpose = kw.PURPOSE;
  c.hsState = kw.HS_STATE;
  c.rendQuery = kw.REND_QUERY;
  c.timeCreated = kw.TIME_CREATED;
  c.reason = kw.REASON;
  c.remoteReason = kw.REMOTE_REASON;
  c.socksUsername = kw.SOCKS_USERNAME;
  c.socksPassword = kw.SOCKS_PASSWORD;
  c.hsPow = kw.HS_POW;
  c.confluxId = kw.CONFLUX_ID;
  return c;
}

export function parseCircuitStatus(value: string): CircuitInfo[] {
  const out: CircuitInfo[] = [];
  for (const line of value.split('\n')) {
    if (line === '') continue;
    out.push(circuitFromArgs(splitArgs(line), 0));
  }
  return out;
}
