// 650 replies → TorEvent, a discriminated union on `type` (control-spec §4.1).
// Pure and allocation-light: one tokenizer pass per event line, no regex over whole lines.
// It never sees a socket and never decides what to subscribe to.
import { TorProtocolError } from './errors';
import type { Reply } from './framing';
import { splitArgs, splitKeyValue, type SplitArgs } from './keywords';
import { bootstrapFromKeywords, type BootstrapPhase } from './replies/bootstrap-phase';
import { readCircuit, type CircuitInfo } from './replies/circuit-status';
import { optionalInt, toInt } from './replies/common';
import { readOrConn, type OrConnInfo } from './replies/orconn-status';
import { parseLongName, type RelayRef } from './replies/relay-ref';
import { readStream, type StreamInfo } from './replies/stream-status';

export type CircEvent = { type: 'CIRC' } & CircuitInfo;
export type StreamEvent = { type: 'STREAM' } & StreamInfo;
export type OrConnEvent = { type: 'ORCONN' } & OrConnInfo;

// §4.1.4: "650 BW" SP BytesRead SP BytesWritten *(SP Type "=" Num)
export interface BwEvent {
  type: 'BW';
  read: number;
  written: number;
  // Per-connection-type breakdown (DIR=, OR=, EXIT=, APP=…), when tor sends one.
  byType: Record<string, number>;
}

// §4.1.22
export interface CircBwEvent {
  type: 'CIRC_BW';
  id: string;
  read: number;
  written: number;
  time?: string;
  deliveredRead?: number;
  overheadRead?: number;
  deliveredWritten?: number;
  overheadWritten?: number;
  // Congestion control (tor ≥ 0.4.7.5), only on circuits that negotiated it.
  slowStart?: boolean;
  congestionWindow?: number;
  rttMs?: number;
  minRttMs?: number;
}

// §4.1.13: note the order — written before read, from the application's point of view.
export interface StreamBwEvent {
  type: 'STREAM_BW';
  id: string;
  written: number;
  read: number;
  time?: string;
}

// §4.1.25
export interface HsDescEvent {
  type: 'HS_DESC';
  action: 'REQUESTED' | 'UPLOAD' | 'RECEIVED' | 'UPLOADED' | 'IGNORE' | 'FAILED' | 'CREATED' | (string & {});
  // 56 base32 characters, or "UNKNOWN".
  address: string;
  authType: string;
  // The HSDir as tor named it: a LongName, a bare fingerprint, or "UNKNOWN".
  hsDir: string;
  hsDirRelay: RelayRef | undefined;
  descriptorId?: string;
  reason?: string;
  replica?: number;
  hsDirIndex?: string;
}

export type StatusEventType = 'STATUS_CLIENT' | 'STATUS_GENERAL' | 'STATUS_SERVER';

// §4.1.10: "650" SP StatusType SP StatusSeverity SP StatusAction [SP StatusArguments]
export interface StatusEvent<T extends StatusEventType = StatusEventType> {
  type: T;
  severity: 'NOTICE' | 'WARN' | 'ERR' | (string & {});
  action: string;
  args: Record<string, string>;
  // Filled when action is BOOTSTRAP (STATUS_CLIENT): progress, tag, summary, warning…
  bootstrap?: BootstrapPhase;
}

export type LogSeverity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARN' | 'ERR';

// §4.1.5: "650 NOTICE text" or "650+NOTICE" CRLF Data "650 OK" for multi-line messages.
export interface LogEvent<T extends LogSeverity = LogSeverity> {
  type: T;
  message: string;
}

// §4.1.27
export interface NetworkLivenessEvent {
  type: 'NETWORK_LIVENESS';
  status: 'UP' | 'DOWN' | (string & {});
}

// §4.1.18: 650-CONF_CHANGED / 650-Key=Value … / 650 OK. A key without "=" was reset to unset.
export interface ConfChangedEvent {
  type: 'CONF_CHANGED';
  changes: { key: string; value: string | null }[];
}

export interface UnknownEvent {
  type: 'UNKNOWN';
  // The event keyword tor sent (e.g. "GUARD", "ADDRMAP").
  name: string;
  // Line texts joined by "\n", data blocks included.
  raw: string;
}

export type TorEvent =
  | CircEvent
  | StreamEvent
  | OrConnEvent
  | BwEvent
  | CircBwEvent
  | StreamBwEvent
  | HsDescEvent
  | StatusEvent<'STATUS_CLIENT'>
  | StatusEvent<'STATUS_GENERAL'>
  | StatusEvent<'STATUS_SERVER'>
  | LogEvent<'DEBUG'>
  | LogEvent<'INFO'>
  | LogEvent<'NOTICE'>
  | LogEvent<'WARN'>
  | LogEvent<'ERR'>
  | NetworkLivenessEvent
  | ConfChangedEvent
  | UnknownEvent;

export type TorEventType = TorEvent['type'];
export type TorEventOf<T extends TorEventType> = Extract<TorEvent, { type: T }>;

// Event names SETEVENTS accepts that this module types. Others can still be subscribed to and
// arrive as UNKNOWN.
export const TYPED_EVENT_NAMES = [
  'CIRC', 'STREAM', 'ORCONN', 'BW', 'CIRC_BW', 'STREAM_BW', 'HS_DESC',
  'STATUS_CLIENT', 'STATUS_GENERAL', 'STATUS_SERVER',
  'DEBUG', 'INFO', 'NOTICE', 'WARN', 'ERR', 'NETWORK_LIVENESS', 'CONF_CHANGED',
] as const satisfies readonly Exclude<TorEventType, 'UNKNOWN'>[];

export function parseEvent(reply: Reply): TorEvent {
  const first = reply.lines[0];
  if (!first) throw new TorProtocolError('empty event reply');
  const text = first.text;
  const space = text.indexOf(' ');
  const name = space === -1 ? text : text.slice(0, space);

  // Multi-line log events carry the message as a data block (§4.1.5).
  if (first.divider === '+' && isLogSeverity(name)) {
    return logEvent(name, first.data ?? '');
  }
  if (name === 'CONF_CHANGED') return confChanged(reply);
  if (first.divider === '+') return unknown(name, reply);

  // §4.1: events may grow extra lines ("650-CIRC … / 650-EXTRAMAGIC=99 / 650 ANONYMITY=high");
  // they are extra arguments of the same event. A closing "650 OK" carries nothing.
  let line = text;
  if (reply.lines.length > 1) {
    const parts: string[] = [];
    for (let i = 0; i < reply.lines.length; i++) {
      const l = reply.lines[i] as (typeof reply.lines)[number];
      if (i === reply.lines.length - 1 && i > 0 && l.text === 'OK') break;
      parts.push(l.text);
    }
    line = parts.join(' ');
  }

  switch (name) {
    case 'CIRC':
      return readCircuit(splitArgs(line), 1, { type: 'CIRC' as const });
    case 'STREAM':
      return readStream(splitArgs(line), 1, { type: 'STREAM' as const });
    case 'ORCONN':
      return readOrConn(splitArgs(line), 1, { type: 'ORCONN' as const });
    case 'BW':
      return bw(splitArgs(line));
    case 'CIRC_BW':
      return circBw(splitArgs(line));
    case 'STREAM_BW':
      return streamBw(splitArgs(line));
    case 'HS_DESC':
      return hsDesc(splitArgs(line));
    case 'STATUS_CLIENT':
    case 'STATUS_GENERAL':
    case 'STATUS_SERVER':
      return status(name, splitArgs(line));
    // Tor before 0.2.0.22-rc misspelled it (§4.1.10 compatibility note).
    case 'STATUS_SEVER':
      return status('STATUS_SERVER', splitArgs(line));
    case 'DEBUG':
    case 'INFO':
    case 'NOTICE':
    case 'WARN':
    case 'ERR':
      return logEvent(name, space === -1 ? '' : line.slice(space + 1));
    case 'NETWORK_LIVENESS': {
      const value = splitArgs(line).positional[1];
      if (value === undefined) throw new TorProtocolError('NETWORK_LIVENESS without a status');
      return { type: 'NETWORK_LIVENESS', status: value };
    }
    default:
      return unknown(name, reply);
  }
}

function isLogSeverity(name: string): name is LogSeverity {
  return name === 'NOTICE' || name === 'WARN' || name === 'ERR' || name === 'INFO' || name === 'DEBUG';
}

function logEvent(severity: LogSeverity, message: string): TorEvent {
  return { type: severity, message };
}

function confChanged(reply: Reply): ConfChangedEvent {
  const changes: ConfChangedEvent['changes'] = [];
  const last = reply.lines.length - 1;
  for (let i = 1; i < reply.lines.length; i++) {
    const l = reply.lines[i] as (typeof reply.lines)[number];
    if (i === last && l.text === 'OK') break;
    const { key, value } = splitKeyValue(l.text);
    changes.push({ key, value });
  }
  return { type: 'CONF_CHANGED', changes };
}

// What a reply becomes when it cannot be typed (also used by the controller when parseEvent throws).
export function unknownEvent(reply: Reply): UnknownEvent {
  const text = reply.lines[0]?.text ?? '';
  const space = text.indexOf(' ');
  return unknown(space === -1 ? text : text.slice(0, space), reply);
}

function unknown(name: string, reply: Reply): UnknownEvent {
  const parts: string[] = [];
  for (const l of reply.lines) {
    parts.push(l.text);
    if (l.data !== undefined) parts.push(l.data);
  }
  return { type: 'UNKNOWN', name, raw: parts.join('\n') };
}

function bw(args: SplitArgs): BwEvent {
  const [, read, written] = args.positional;
  if (read === undefined || written === undefined) throw new TorProtocolError('BW event needs read and written counts');
  const byType: Record<string, number> = {};
  for (const key in args.keywords) byType[key] = toInt(args.keywords[key] as string, `BW ${key}`);
  return { type: 'BW', read: toInt(read, 'BW read'), written: toInt(written, 'BW written'), byType };
}

function circBw(args: SplitArgs): CircBwEvent {
  const kw = args.keywords;
  if (kw.ID === undefined || kw.READ === undefined || kw.WRITTEN === undefined) {
    throw new TorProtocolError('CIRC_BW event needs ID, READ and WRITTEN');
  }
  return {
    type: 'CIRC_BW',
    id: kw.ID,
    read: toInt(kw.READ, 'CIRC_BW READ'),
    written: toInt(kw.WRITTEN, 'CIRC_BW WRITTEN'),
    time: kw.TIME,
    deliveredRead: optionalInt(kw.DELIVERED_READ, 'DELIVERED_READ'),
    overheadRead: optionalInt(kw.OVERHEAD_READ, 'OVERHEAD_READ'),
    deliveredWritten: optionalInt(kw.DELIVERED_WRITTEN, 'DELIVERED_WRITTEN'),
    overheadWritten: optionalInt(kw.OVERHEAD_WRITTEN, 'OVERHEAD_WRITTEN'),
    slowStart: kw.SS === undefined ? undefined : kw.SS === '1',
    congestionWindow: optionalInt(kw.CWND, 'CWND'),
    rttMs: optionalInt(kw.RTT, 'RTT'),
    minRttMs: optionalInt(kw.MIN_RTT, 'MIN_RTT'),
  };
}

function streamBw(args: SplitArgs): StreamBwEvent {
  const [, id, written, read, time] = args.positional;
  if (id === undefined || written === undefined || read === undefined) {
    throw new TorProtocolError('STREAM_BW event needs id, written and read');
  }
  return {
    type: 'STREAM_BW',
    id,
    written: toInt(written, 'STREAM_BW written'),
    read: toInt(read, 'STREAM_BW read'),
    time,
  };
}

function hsDesc(args: SplitArgs): HsDescEvent {
  const [, action, address, authType, hsDir, descriptorId] = args.positional;
  if (action === undefined || address === undefined || authType === undefined || hsDir === undefined) {
    throw new TorProtocolError('HS_DESC event needs action, address, auth type and HSDir');
  }
  const kw = args.keywords;
  return {
    type: 'HS_DESC',
    action,
    address,
    authType,
    hsDir,
    hsDirRelay: parseLongName(hsDir) ?? undefined,
    descriptorId,
    reason: kw.REASON,
    replica: optionalInt(kw.REPLICA, 'REPLICA'),
    hsDirIndex: kw.HSDIR_INDEX,
  };
}

function status(type: StatusEventType, args: SplitArgs): TorEvent {
  const [, severity, action] = args.positional;
  if (severity === undefined || action === undefined) {
    throw new TorProtocolError(`${type} event needs a severity and an action`);
  }
  const event: StatusEvent = { type, severity, action, args: args.keywords };
  if (action === 'BOOTSTRAP') event.bootstrap = bootstrapFromKeywords(severity, args.keywords);
  return event;
}
