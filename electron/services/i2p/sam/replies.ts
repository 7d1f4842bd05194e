// Typed SAM replies: one parser per reply kind, lines in, discriminated values out.
// Pure: never sees a socket and never decides what to do about a failure beyond typing it;
// callers turn a failure into SamResultError with expectOk().

import { isValidDestination } from './encoding';
import { SamProtocolError, SamResultError, type SamResultCode } from './errors';
import { parseLine, type SamLine } from './tokens';

/** A reply whose RESULT was not OK, kept verbatim. */
export interface SamFailure {
  readonly ok: false;
  readonly kind: 'HELLO REPLY' | 'SESSION STATUS' | 'STREAM STATUS' | 'NAMING REPLY' | 'DEST REPLY';
  readonly result: SamResultCode;
  readonly message: string | undefined;
  /** Every KEY=VALUE of the reply (NAMING REPLY failures repeat NAME, for instance). */
  readonly options: ReadonlyMap<string, string>;
}

/** Throw SamResultError for a failure, return the success otherwise. */
export function expectOk<T extends { readonly ok: true }>(reply: T | SamFailure): T {
  if (reply.ok) return reply;
  throw new SamResultError(reply.kind, reply.result, reply.message);
}

function expectVerb(line: string, parsed: SamLine, verb: string, noun: string): void {
  if (parsed.words[0] !== verb || parsed.words[1] !== noun) {
    throw new SamProtocolError(`expected a ${verb} ${noun} reply`, line);
  }
}

function failureOrNull(kind: SamFailure['kind'], line: string, parsed: SamLine, resultRequired: boolean): SamFailure | null {
  const result = parsed.options.get('RESULT');
  if (result === undefined) {
    if (resultRequired) throw new SamProtocolError(`${kind} without RESULT`, line);
    return null;
  }
  if (!/^[A-Z0-9_]+$/.test(result)) throw new SamProtocolError(`${kind} with a malformed RESULT`, line);
  if (result === 'OK') return null;
  return { ok: false, kind, result, message: parsed.options.get('MESSAGE'), options: parsed.options };
}

function required(line: string, parsed: SamLine, key: string, kind: string): string {
  const value = parsed.options.get(key);
  if (value === undefined || value.length === 0) throw new SamProtocolError(`${kind} without ${key}`, line);
  return value;
}

function optionalInteger(line: string, parsed: SamLine, key: string, max: number): number | undefined {
  const text = parsed.options.get(key);
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) throw new SamProtocolError(`${key} is not an integer in 0..${max}`, line);
  return Number(text);
}

// ---------------------------------------------------------------------------------------------
// HELLO REPLY RESULT=OK VERSION=3.1
// HELLO REPLY RESULT=NOVERSION
// HELLO REPLY RESULT=I2P_ERROR MESSAGE="..."

export interface HelloOk {
  readonly ok: true;
  readonly kind: 'HELLO REPLY';
  /** As sent, e.g. "3.1". SAM 3.1 allows a bare major ("3"). */
  readonly version: string;
  readonly message: string | undefined;
}

export function parseHelloReply(line: string): HelloOk | SamFailure {
  const parsed = parseLine(line);
  expectVerb(line, parsed, 'HELLO', 'REPLY');
  const failure = failureOrNull('HELLO REPLY', line, parsed, true);
  if (failure) return failure;
  const version = required(line, parsed, 'VERSION', 'HELLO REPLY');
  if (!/^\d+(\.\d+)?$/.test(version)) throw new SamProtocolError('HELLO REPLY with a malformed VERSION', line);
  return { ok: true, kind: 'HELLO REPLY', version, message: parsed.options.get('MESSAGE') };
}

// ---------------------------------------------------------------------------------------------
// SESSION STATUS RESULT=OK DESTINATION=<private key, base64>
// SESSION STATUS RESULT=DUPLICATED_ID
// SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"

export interface SessionStatusOk {
  readonly ok: true;
  readonly kind: 'SESSION STATUS';
  /** The full private key (destination + keys). Present after SESSION CREATE; SESSION ADD/REMOVE may omit it. */
  readonly destination: string | undefined;
  readonly message: string | undefined;
}

export function parseSessionStatus(line: string): SessionStatusOk | SamFailure {
  const parsed = parseLine(line);
  expectVerb(line, parsed, 'SESSION', 'STATUS');
  const failure = failureOrNull('SESSION STATUS', line, parsed, true);
  if (failure) return failure;
  const destination = parsed.options.get('DESTINATION');
  return {
    ok: true,
    kind: 'SESSION STATUS',
    destination: destination === '' ? undefined : destination,
    message: parsed.options.get('MESSAGE'),
  };
}

// ---------------------------------------------------------------------------------------------
// STREAM STATUS RESULT=OK
// STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="LeaseSet not found"
// SESSION STATUS RESULT=I2P_ERROR MESSAGE="Already accepting"     (i2pd answers some stream
//   commands with the SESSION verb: SAM.cpp SendSessionI2PError, observed on 2.56 FORWARD)

export interface StreamStatusOk {
  readonly ok: true;
  readonly kind: 'STREAM STATUS';
  readonly message: string | undefined;
}

export function parseStreamStatus(line: string): StreamStatusOk | SamFailure {
  const parsed = parseLine(line);
  if (parsed.words[0] === 'SESSION' && parsed.words[1] === 'STATUS') {
    const failure = failureOrNull('SESSION STATUS', line, parsed, true);
    if (failure) return failure;
    throw new SamProtocolError('SESSION STATUS RESULT=OK in answer to a STREAM command', line);
  }
  expectVerb(line, parsed, 'STREAM', 'STATUS');
  const failure = failureOrNull('STREAM STATUS', line, parsed, true);
  if (failure) return failure;
  return { ok: true, kind: 'STREAM STATUS', message: parsed.options.get('MESSAGE') };
}

// ---------------------------------------------------------------------------------------------
// NAMING REPLY RESULT=OK NAME=ME VALUE=<destination, base64>
// NAMING REPLY RESULT=INVALID_KEY NAME=nope.i2p     (i2pd's answer for unknown names too)
// NAMING REPLY RESULT=KEY_NOT_FOUND NAME=nope.i2p

export interface NamingReplyOk {
  readonly ok: true;
  readonly kind: 'NAMING REPLY';
  readonly name: string;
  readonly value: string;
}

export function parseNamingReply(line: string): NamingReplyOk | SamFailure {
  const parsed = parseLine(line);
  expectVerb(line, parsed, 'NAMING', 'REPLY');
  const failure = failureOrNull('NAMING REPLY', line, parsed, true);
  if (failure) return failure;
  return {
    ok: true,
    kind: 'NAMING REPLY',
    name: required(line, parsed, 'NAME', 'NAMING REPLY'),
    value: required(line, parsed, 'VALUE', 'NAMING REPLY'),
  };
}

// ---------------------------------------------------------------------------------------------
// DEST REPLY PUB=<destination, base64> PRIV=<private key, base64>
// DEST REPLY RESULT=I2P_ERROR          (no RESULT at all on success: SAM.h SAM_DEST_REPLY)

export interface DestReplyOk {
  readonly ok: true;
  readonly kind: 'DEST REPLY';
  readonly publicDestination: string;
  readonly privateKey: string;
}

export function parseDestReply(line: string): DestReplyOk | SamFailure {
  const parsed = parseLine(line);
  expectVerb(line, parsed, 'DEST', 'REPLY');
  const failure = failureOrNull('DEST REPLY', line, parsed, false);
  if (failure) return failure;
  return {
    ok: true,
    kind: 'DEST REPLY',
    publicDestination: required(line, parsed, 'PUB', 'DEST REPLY'),
    privateKey: required(line, parsed, 'PRIV', 'DEST REPLY'),
  };
}

// ---------------------------------------------------------------------------------------------
// PING abc123 / PONG abc123      (SAM 3.2 keepalive: one word, then arbitrary text)

export interface PingLine {
  readonly kind: 'PING' | 'PONG';
  readonly text: string;
}

/** PING or PONG with its text verbatim (not tokenized: the text is arbitrary), else undefined. */
export function parsePingPong(line: string): PingLine | undefined {
  const match = /^(PING|PONG)(?: (.*))?$/.exec(line);
  if (!match) return undefined;
  return { kind: match[1] as 'PING' | 'PONG', text: match[2] ?? '' };
}

// ---------------------------------------------------------------------------------------------
// DATAGRAM RECEIVED DESTINATION=<destination> SIZE=4000      then SIZE bytes of payload
// RAW RECEIVED SIZE=100 [FROM_PORT=0 TO_PORT=0 PROTOCOL=18]  (ports only from SAM 3.2 bridges;
//   i2pd sends none: SAM.h SAM_DATAGRAM_RECEIVED)

/** Upper bound on SIZE: i2pd's datagram buffer (Datagram.h MAX_DATAGRAM_SIZE). */
export const MAX_RECEIVED_DATAGRAM_BYTES = 32 * 1024;

export interface DatagramReceivedHeader {
  readonly kind: 'DATAGRAM RECEIVED' | 'RAW RECEIVED';
  /** Sender, for repliable datagrams only. */
  readonly destination: string | undefined;
  readonly size: number;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly protocol: number | undefined;
}

export function parseReceivedHeader(line: string): DatagramReceivedHeader {
  const parsed = parseLine(line);
  const kind = `${parsed.words[0] ?? ''} ${parsed.words[1] ?? ''}`;
  if (kind !== 'DATAGRAM RECEIVED' && kind !== 'RAW RECEIVED') {
    throw new SamProtocolError('expected DATAGRAM RECEIVED or RAW RECEIVED', line);
  }
  const size = optionalInteger(line, parsed, 'SIZE', MAX_RECEIVED_DATAGRAM_BYTES);
  if (size === undefined) throw new SamProtocolError(`${kind} without SIZE`, line);
  return {
    kind,
    destination: kind === 'DATAGRAM RECEIVED' ? required(line, parsed, 'DESTINATION', kind) : undefined,
    size,
    fromPort: optionalInteger(line, parsed, 'FROM_PORT', 65535),
    toPort: optionalInteger(line, parsed, 'TO_PORT', 65535),
    protocol: optionalInteger(line, parsed, 'PROTOCOL', 255),
  };
}

// ---------------------------------------------------------------------------------------------
// <peer destination, base64>[ FROM_PORT=0 TO_PORT=0]
// The first line on an accepted or forwarded stream, and the header of a forwarded repliable
// datagram (SAMv3 "Accept Response"). i2pd 2.45-2.58 send the destination only.

export interface PeerLine {
  readonly destination: string;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
}

export function parsePeerLine(line: string): PeerLine {
  const parsed = parseLine(line, 1);
  const destination = parsed.words[0];
  if (destination === undefined || !isValidDestination(destination)) {
    throw new SamProtocolError('expected a peer destination line', line);
  }
  return {
    destination,
    fromPort: optionalInteger(line, parsed, 'FROM_PORT', 65535),
    toPort: optionalInteger(line, parsed, 'TO_PORT', 65535),
  };
}

// ---------------------------------------------------------------------------------------------
// HEADER=true raw datagram header: FROM_PORT=0 TO_PORT=0 PROTOCOL=18

export interface RawHeaderLine {
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
  readonly protocol: number | undefined;
}

export function parseRawHeaderLine(line: string): RawHeaderLine {
  const parsed = parseLine(line, 0);
  return {
    fromPort: optionalInteger(line, parsed, 'FROM_PORT', 65535),
    toPort: optionalInteger(line, parsed, 'TO_PORT', 65535),
    protocol: optionalInteger(line, parsed, 'PROTOCOL', 255),
  };
}

// ---------------------------------------------------------------------------------------------

export type SamReply =
  | HelloOk
  | SessionStatusOk
  | StreamStatusOk
  | NamingReplyOk
  | DestReplyOk
  | SamFailure
  | PingLine
  | DatagramReceivedHeader;

/**
 * Dispatch on the first words. For tests, traces and fakes; the client calls the specific
 * parser for the command it sent, so a reply of the wrong kind is a protocol error there.
 */
export function parseReply(line: string): SamReply {
  const ping = parsePingPong(line);
  if (ping) return ping;
  const head = line.split(/[ \t]+/, 2).join(' ');
  switch (head) {
    case 'HELLO REPLY':
      return parseHelloReply(line);
    case 'SESSION STATUS':
      return parseSessionStatus(line);
    case 'STREAM STATUS':
      return parseStreamStatus(line);
    case 'NAMING REPLY':
      return parseNamingReply(line);
    case 'DEST REPLY':
      return parseDestReply(line);
    case 'DATAGRAM RECEIVED':
    case 'RAW RECEIVED':
      return parseReceivedHeader(line);
    default:
      throw new SamProtocolError('unknown SAM reply', line);
  }
}
