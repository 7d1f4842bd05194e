// GETINFO stream-status value and STREAM event arguments → StreamInfo (control-spec §3.9, §4.1.2).
// Pure. events.ts reuses streamFromArgs.
//
//   250-stream-status=80 SUCCEEDED 2 127.0.0.1:8080
//   250 OK
import { TorProtocolError } from '../errors';
import { splitArgs, splitList, type SplitArgs } from '../keywords';
import { optionalInt } from './common';

export type StreamStatus =
  | 'NEW' | 'NEWRESOLVE' | 'REMAP' | 'SENTCONNECT' | 'SENTRESOLVE' | 'SUCCEEDED' | 'FAILED'
  | 'CLOSED' | 'DETACHED' | 'CONTROLLER_WAIT' | 'XOFF_SENT' | 'XOFF_RECV' | 'XON_SENT' | 'XON_RECV'
  | (string & {});

export interface StreamInfo {
  id: string;
  status: StreamStatus;
  // "0" while unattached (§4.1.2).
  circuitId: string;
  // Target = TargetAddress ":" Port, as tor wrote it; address may be "(Tor_internal)".
  target: string;
  targetAddress: string;
  targetPort: number | undefined;
  reason?: string;
  remoteReason?: string;
  source?: string;
  sourceAddr?: string;
  purpose?: string;
  clientProtocol?: string;
  nymEpoch?: number;
  sessionGroup?: number;
  isoFields: string[];
  socksUsername?: string;
  socksPassword?: string;
}

export function splitTarget(target: string): { address: string; port: number | undefined } {
  const colon = target.lastIndexOf(':');
  const digits = target.length - colon - 1;
  if (colon === -1 || digits < 1 || digits > 5) return { address: target, port: undefined };
  let port = 0;
  for (let i = colon + 1; i < target.length; i++) {
    const d = target.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return { address: target, port: undefined };
    port = port * 10 + d;
  }
  if (port > 65535) return { address: target, port: undefined };
  return { address: target.slice(0, colon), port };
}

export function streamFromArgs(args: SplitArgs, first: number): StreamInfo {
  return readStream(args, first, {});
}

// Same contract as readCircuit: fields go into `into` (the STREAM event object).
export function readStream<T extends object>(args: SplitArgs, first: number, into: T): T & StreamInfo {
  const { positional: p, keywords: kw } = args;
  const id = p[first];
  const status = p[first + 1];
  const circuitId = p[first + 2];
  const target = p[first + 3];
  if (id === undefined || status === undefined || circuitId === undefined || target === undefined) {
    throw new TorProtocolError('stream line needs id, status, circuit id and target');
  }
  const { address, port } = splitTarget(target);
  const s = into as T & StreamInfo;
  s.id = id;
  s.status = status;
  s.circuitId = circuitId;
  s.target = target;
  s.targetAddress = address;
  s.targetPort = port;
  s.reason = kw.REASON;
  s.remoteReason = kw.REMOTE_REASON;
  s.source = kw.SOURCE;
  s.sourceAddr = kw.SOURCE_ADDR;
  s.purpose = kw.PURPOSE;
  s.clientProtocol = kw.CLIENT_PROTOCOL;
  s.nymEpoch = optionalInt(kw.NYM_EPOCH, 'NYM_EPOCH');
  s.sessionGroup = optionalInt(kw.SESSION_GROUP, 'SESSION_GROUP');
  s.isoFields = splitList(kw.ISO_FIELDS);
  s.socksUsername = kw.SOCKS_USERNAME;
  s.socksPassword = kw.SOCKS_PASSWORD;
  return s;
}

export function parseStreamStatus(value: string): StreamInfo[] {
  const out: StreamInfo[] = [];
  for (const line of value.split('\n')) {
    if (line === '') continue;
    out.push(streamFromArgs(splitArgs(line), 0));
  }
  return out;
}
