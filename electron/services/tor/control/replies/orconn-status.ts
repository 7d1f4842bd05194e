// GETINFO orconn-status value and ORCONN event arguments → OrConnInfo (control-spec §3.9, §4.1.3).
// Pure. events.ts reuses orConnFromArgs.
//
//   250+orconn-status=
//   $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth CONNECTED
//   .
//   250 OK
import { TorProtocolError } from '../errors';
import { splitArgs, type SplitArgs } from '../keywords';
import { optionalInt } from './common';
import { parseLongName, type RelayRef } from './relay-ref';
import { splitTarget } from './stream-status';

export type OrConnStatus = 'NEW' | 'LAUNCHED' | 'CONNECTED' | 'FAILED' | 'CLOSED' | (string & {});

export interface OrConnInfo {
  // LongName, or Address:Port for incoming (NEW) connections whose peer is not known yet.
  target: string;
  relay: RelayRef | undefined;
  address: string | undefined;
  port: number | undefined;
  status: OrConnStatus;
  reason?: string;
  circuitCount?: number;
  connectionId?: string;
}

export function orConnFromArgs(args: SplitArgs, first: number): OrConnInfo {
  return readOrConn(args, first, {});
}

// Same contract as readCircuit: fields go into `into` (the ORCONN event object).
export function readOrConn<T extends object>(args: SplitArgs, first: number, into: T): T & OrConnInfo {
  const { positional: p, keywords: kw } = args;
  const target = p[first];
  const status = p[first + 1];
  if (target === undefined || status === undefined) throw new TorProtocolError('OR connection line needs target and status');
  const relay = parseLongName(target) ?? undefined;
  let address: string | undefined;
  let port: number | undefined;
  if (!relay) {
    const split = splitTarget(target);
    address = split.address;
    port = split.port;
  }
  const o = into as T & OrConnInfo;
  o.target = target;
  o.relay = relay;
  o.address = address;
  o.port = port;
  o.status = status;
  o.reason = kw.REASON;
  o.circuitCount = optionalInt(kw.NCIRCS, 'NCIRCS');
  o.connectionId = kw.ID;
  return o;
}

export function parseOrConnStatus(value: string): OrConnInfo[] {
  const out: OrConnInfo[] = [];
  for (const line of value.split('\n')) {
    if (line === '') continue;
    out.push(orConnFromArgs(splitArgs(line), 0));
  }
  return out;
}
