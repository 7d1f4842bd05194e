import { describe, expect, it } from 'vitest';

import { encodeI2pBase64 } from './encoding';
import { SamProtocolError, SamResultError } from './errors';
import { LineFramer } from './framing';
import {
  expectOk,
  parseDestReply,
  parseHelloReply,
  parseNamingReply,
  parsePeerLine,
  parsePingPong,
  parseRawHeaderLine,
  parseReceivedHeader,
  parseReply,
  parseSessionStatus,
  parseStreamStatus,
  type SamFailure,
} from './replies';

// Shaped like i2pd's sig-7 keys (DEST GENERATE SIGNATURE_TYPE=7): PUB 391 bytes = 524 chars, PRIV 679 bytes = 908 chars.
const pubBytes = Buffer.concat([Buffer.alloc(384, 0x5a), Buffer.from([5, 0, 4, 0, 7, 0, 0])]);
const PUB = encodeI2pBase64(pubBytes);
const PRIV = encodeI2pBase64(Buffer.concat([pubBytes, Buffer.alloc(256, 0x11), Buffer.alloc(32, 0x22)]));

function failure(reply: { ok: boolean }): SamFailure {
  expect(reply.ok).toBe(false);
  return reply as SamFailure;
}

function resultError(run: () => unknown): SamResultError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SamResultError);
    return error as SamResultError;
  }
  throw new Error('expected a SamResultError');
}

describe('transcript replies', () => {
  it('has keys the size i2pd sends', () => {
    expect(PUB).toHaveLength(524);
    expect(PRIV).toHaveLength(908);
    expect(PUB.endsWith('AAcAAA==')).toBe(true);
  });

  it('HELLO REPLY RESULT=OK VERSION=3.1', () => {
    expect(parseHelloReply('HELLO REPLY RESULT=OK VERSION=3.1')).toEqual({ ok: true, kind: 'HELLO REPLY', version: '3.1', message: undefined });
    expect(parseHelloReply('HELLO REPLY RESULT=OK VERSION=3')).toMatchObject({ ok: true, version: '3' });
  });

  it('SESSION STATUS RESULT=OK DESTINATION=<908 chars>', () => {
    expect(parseSessionStatus(`SESSION STATUS RESULT=OK DESTINATION=${PRIV}`)).toEqual({
      ok: true,
      kind: 'SESSION STATUS',
      destination: PRIV,
      message: undefined,
    });
  });

  it('STREAM STATUS RESULT=OK', () => {
    expect(parseStreamStatus('STREAM STATUS RESULT=OK')).toEqual({ ok: true, kind: 'STREAM STATUS', message: undefined });
  });

  it('NAMING REPLY RESULT=OK NAME=ME VALUE=<524 chars>', () => {
    expect(parseNamingReply(`NAMING REPLY RESULT=OK NAME=ME VALUE=${PUB}`)).toEqual({ ok: true, kind: 'NAMING REPLY', name: 'ME', value: PUB });
  });

  it('DEST REPLY PUB=<524> PRIV=<908> (no RESULT on success)', () => {
    expect(parseDestReply(`DEST REPLY PUB=${PUB} PRIV=${PRIV}`)).toEqual({ ok: true, kind: 'DEST REPLY', publicDestination: PUB, privateKey: PRIV });
  });

  it('PONG abc123 and a bridge PING', () => {
    expect(parsePingPong('PONG abc123')).toEqual({ kind: 'PONG', text: 'abc123' });
    expect(parsePingPong('PING')).toEqual({ kind: 'PING', text: '' });
    expect(parsePingPong('PING with spaces  kept')).toEqual({ kind: 'PING', text: 'with spaces  kept' });
    expect(parsePingPong('PINGX')).toBeUndefined();
  });

  it('DATAGRAM RECEIVED and RAW RECEIVED headers, with SAM 3.2 ports when present', () => {
    expect(parseReceivedHeader(`DATAGRAM RECEIVED DESTINATION=${PUB} SIZE=4000`)).toEqual({
      kind: 'DATAGRAM RECEIVED',
      destination: PUB,
      size: 4000,
      fromPort: undefined,
      toPort: undefined,
      protocol: undefined,
    });
    expect(parseReceivedHeader('RAW RECEIVED SIZE=100 FROM_PORT=7 TO_PORT=9 PROTOCOL=18')).toEqual({
      kind: 'RAW RECEIVED',
      destination: undefined,
      size: 100,
      fromPort: 7,
      toPort: 9,
      protocol: 18,
    });
  });

  it('the peer line after STREAM ACCEPT, bare (i2pd) or with ports (SAM 3.2)', () => {
    expect(parsePeerLine(PUB)).toEqual({ destination: PUB, fromPort: undefined, toPort: undefined });
    expect(parsePeerLine(`${PUB} FROM_PORT=0 TO_PORT=80`)).toEqual({ destination: PUB, fromPort: 0, toPort: 80 });
    expect(parseRawHeaderLine('FROM_PORT=1 TO_PORT=2 PROTOCOL=18')).toEqual({ fromPort: 1, toPort: 2, protocol: 18 });
  });

  it('parseReply dispatches every kind', () => {
    expect(parseReply('HELLO REPLY RESULT=OK VERSION=3.3')).toMatchObject({ ok: true, kind: 'HELLO REPLY', version: '3.3' });
    expect(parseReply('STREAM STATUS RESULT=OK')).toMatchObject({ kind: 'STREAM STATUS' });
    expect(parseReply(`DEST REPLY PUB=${PUB} PRIV=${PRIV}`)).toMatchObject({ kind: 'DEST REPLY' });
    expect(parseReply(`NAMING REPLY RESULT=OK NAME=ME VALUE=${PUB}`)).toMatchObject({ kind: 'NAMING REPLY' });
    expect(parseReply(`SESSION STATUS RESULT=OK DESTINATION=${PRIV}`)).toMatchObject({ kind: 'SESSION STATUS' });
    expect(parseReply('PONG x')).toMatchObject({ kind: 'PONG' });
    expect(parseReply('RAW RECEIVED SIZE=1')).toMatchObject({ kind: 'RAW RECEIVED' });
  });
});

describe('error RESULTs become SamResultError with the code verbatim', () => {
  const cases: Array<[string, (line: string) => { ok: boolean }, string, string, string | undefined]> = [
    ['HELLO REPLY RESULT=NOVERSION', parseHelloReply, 'HELLO REPLY', 'NOVERSION', undefined],
    ['HELLO REPLY RESULT=I2P_ERROR MESSAGE="Must start with HELLO VERSION"', parseHelloReply, 'HELLO REPLY', 'I2P_ERROR', 'Must start with HELLO VERSION'],
    ['SESSION STATUS RESULT=DUPLICATED_ID', parseSessionStatus, 'SESSION STATUS', 'DUPLICATED_ID', undefined],
    ['SESSION STATUS RESULT=DUPLICATED_DEST', parseSessionStatus, 'SESSION STATUS', 'DUPLICATED_DEST', undefined],
    ['SESSION STATUS RESULT=INVALID_ID', parseSessionStatus, 'SESSION STATUS', 'INVALID_ID', undefined],
    ['SESSION STATUS RESULT=INVALID_KEY', parseSessionStatus, 'SESSION STATUS', 'INVALID_KEY', undefined],
    ['SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"', parseSessionStatus, 'SESSION STATUS', 'I2P_ERROR', 'Unknown STYLE'],
    ['STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="LeaseSet not found"', parseStreamStatus, 'STREAM STATUS', 'CANT_REACH_PEER', 'LeaseSet not found'],
    ['STREAM STATUS RESULT=CANT_REACH_PEER', parseStreamStatus, 'STREAM STATUS', 'CANT_REACH_PEER', undefined],
    ['STREAM STATUS RESULT=INVALID_KEY', parseStreamStatus, 'STREAM STATUS', 'INVALID_KEY', undefined],
    ['STREAM STATUS RESULT=INVALID_ID', parseStreamStatus, 'STREAM STATUS', 'INVALID_ID', undefined],
    ['STREAM STATUS RESULT=I2P_ERROR MESSAGE="Already accepting"', parseStreamStatus, 'STREAM STATUS', 'I2P_ERROR', 'Already accepting'],
    ['STREAM STATUS RESULT=TIMEOUT', parseStreamStatus, 'STREAM STATUS', 'TIMEOUT', undefined],
    ['STREAM STATUS RESULT=PEER_NOT_FOUND', parseStreamStatus, 'STREAM STATUS', 'PEER_NOT_FOUND', undefined],
    ['STREAM STATUS RESULT=ALREADY_ACCEPTING', parseStreamStatus, 'STREAM STATUS', 'ALREADY_ACCEPTING', undefined],
    // i2pd answers a refused FORWARD with the SESSION verb (observed on 2.56; SAM.cpp SendSessionI2PError).
    ['SESSION STATUS RESULT=I2P_ERROR MESSAGE="Already accepting"', parseStreamStatus, 'SESSION STATUS', 'I2P_ERROR', 'Already accepting'],
    ['NAMING REPLY RESULT=INVALID_KEY NAME=nope.i2p', parseNamingReply, 'NAMING REPLY', 'INVALID_KEY', undefined],
    ['NAMING REPLY RESULT=KEY_NOT_FOUND NAME=nope.i2p', parseNamingReply, 'NAMING REPLY', 'KEY_NOT_FOUND', undefined],
    ['DEST REPLY RESULT=I2P_ERROR', parseDestReply, 'DEST REPLY', 'I2P_ERROR', undefined],
    ['STREAM STATUS RESULT=SOMETHING_NEW MESSAGE="from a future bridge"', parseStreamStatus, 'STREAM STATUS', 'SOMETHING_NEW', 'from a future bridge'],
  ];

  it.each(cases)('%s', (line, parse, kind, code, message) => {
    const reply = failure(parse(line));
    expect(reply).toMatchObject({ kind, result: code, message });
    const error = resultError(() => expectOk(reply));
    expect(error.code).toBe(code);
    expect(error.reply).toBe(kind);
    expect(error.samMessage).toBe(message);
    expect(error.message).toContain(code);
  });

  it('keeps the NAME of a failed lookup', () => {
    expect(failure(parseNamingReply('NAMING REPLY RESULT=INVALID_KEY NAME=nope.i2p')).options.get('NAME')).toBe('nope.i2p');
  });
});

describe('malformed replies are SamProtocolError', () => {
  const malformed: Array<[string, (line: string) => unknown]> = [
    ['HELLO REPLY VERSION=3.1', parseHelloReply],
    ['HELLO REPLY RESULT=OK', parseHelloReply],
    ['HELLO REPLY RESULT=OK VERSION=three', parseHelloReply],
    ['HELLO REPLY RESULT=ok VERSION=3.1', parseHelloReply],
    ['HELLO REPLY RESULT= VERSION=3.1', parseHelloReply],
    ['HELLO REPLY RESULT=OK RESULT=OK VERSION=3.1', parseHelloReply],
    ['SESSION REPLY RESULT=OK', parseSessionStatus],
    ['SESSION STATUS', parseSessionStatus],
    ['SESSION STATUS RESULT=I2P_ERROR MESSAGE="unterminated', parseSessionStatus],
    ['STREAM STATUS RESULT=OK MESSAGE="a', parseStreamStatus],
    ['SESSION STATUS RESULT=OK', parseStreamStatus],
    ['STREAM REPLY RESULT=OK', parseStreamStatus],
    ['NAMING REPLY RESULT=OK NAME=ME', parseNamingReply],
    ['NAMING REPLY RESULT=OK NAME=ME VALUE=', parseNamingReply],
    [`DEST REPLY PUB=${PUB}`, parseDestReply],
    ['DEST STATUS PUB=a PRIV=b', parseDestReply],
    ['DATAGRAM RECEIVED SIZE=10', parseReceivedHeader],
    [`DATAGRAM RECEIVED DESTINATION=${PUB}`, parseReceivedHeader],
    [`DATAGRAM RECEIVED DESTINATION=${PUB} SIZE=-1`, parseReceivedHeader],
    [`DATAGRAM RECEIVED DESTINATION=${PUB} SIZE=99999999`, parseReceivedHeader],
    ['RAW RECEIVED SIZE=1 FROM_PORT=70000', parseReceivedHeader],
    ['STREAM RECEIVED SIZE=1', parseReceivedHeader],
    ['', parsePeerLine],
    ['STREAM STATUS RESULT=OK', parsePeerLine],
    [`${PUB} FROM_PORT=x`, parsePeerLine],
    ['AAAA==', parsePeerLine],
    ['GARBAGE LINE', parseReply],
    ['', parseReply],
  ];

  const short = (line: string): string => (line.length > 70 ? `${line.slice(0, 50)}…(${line.length} chars)` : line);
  it.each(malformed.map(([line, parse]) => [short(line), line, parse] as const))('%s', (_title, line, parse) => {
    expect(() => parse(line)).toThrow(SamProtocolError);
  });

  it('redacts long base64 from the message of a malformed reply', () => {
    try {
      parseDestReply(`DEST REPLY PUB=${PUB}`);
      throw new Error('unreachable');
    } catch (error) {
      expect((error as Error).message).not.toContain(PUB);
      expect((error as Error).message).toContain('<524 chars>');
    }
  });

  it('fails the same way when the malformed bytes arrive split at every offset', () => {
    const wire = Buffer.from('HELLO REPLY RESULT=OK VERSION=3.1\nSESSION STATUS RESULT=I2P_ERROR MESSAGE="no end\nSTREAM STATUS RESULT=OK\n');
    for (let cut = 0; cut <= wire.length; cut++) {
      const framer = new LineFramer();
      const outcomes: string[] = [];
      for (const part of [wire.subarray(0, cut), wire.subarray(cut)]) {
        framer.push(part);
        for (let line = framer.nextLine(); line !== undefined; line = framer.nextLine()) {
          try {
            const reply = parseReply(line);
            outcomes.push('ok' in reply ? String(reply.ok) : reply.kind);
          } catch (error) {
            outcomes.push((error as Error).name);
          }
        }
      }
      expect(outcomes, `cut at ${cut}`).toEqual(['true', 'SamProtocolError', 'true']);
    }
  });
});
