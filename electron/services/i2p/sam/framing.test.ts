import { describe, expect, it } from 'vitest';

import { SamInvalidArgument, SamLineTooLong, SamProtocolError } from './errors';
import { LineFramer, encodeDatagramPacket, splitForwardedDatagram } from './framing';

function allLines(framer: LineFramer): string[] {
  const out: string[] = [];
  for (let line = framer.nextLine(); line !== undefined; line = framer.nextLine()) out.push(line);
  return out;
}

describe('LineFramer', () => {
  const wire = Buffer.from('HELLO REPLY RESULT=OK VERSION=3.1\nSESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"\nNAMING REPLY RESULT=OK NAME=ME VALUE=AAcAAA==\n');
  const expected = ['HELLO REPLY RESULT=OK VERSION=3.1', 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"', 'NAMING REPLY RESULT=OK NAME=ME VALUE=AAcAAA=='];

  it('gives the same lines whatever two chunks the bytes arrive in', () => {
    for (let cut = 0; cut <= wire.length; cut++) {
      const framer = new LineFramer();
      const lines: string[] = [];
      framer.push(wire.subarray(0, cut));
      lines.push(...allLines(framer));
      framer.push(wire.subarray(cut));
      lines.push(...allLines(framer));
      expect(lines, `cut at ${cut}`).toEqual(expected);
      expect(framer.bufferedBytes).toBe(0);
    }
  });

  it('gives the same lines when fed one byte at a time', () => {
    const framer = new LineFramer();
    const lines: string[] = [];
    for (const byte of wire) {
      framer.push(Uint8Array.of(byte));
      lines.push(...allLines(framer));
    }
    expect(lines).toEqual(expected);
  });

  it('strips one trailing CR and keeps empty lines', () => {
    const framer = new LineFramer();
    framer.push(Buffer.from('PONG x\r\n\nA\r\r\n'));
    expect(allLines(framer)).toEqual(['PONG x', '', 'A\r']);
  });

  it('decodes UTF-8 split across chunks and rejects invalid UTF-8', () => {
    const framer = new LineFramer();
    const bytes = Buffer.from('MESSAGE="ü"\n');
    framer.push(bytes.subarray(0, 10));
    expect(framer.nextLine()).toBeUndefined();
    framer.push(bytes.subarray(10));
    expect(framer.nextLine()).toBe('MESSAGE="ü"');
    framer.push(Buffer.from([0x41, 0xff, 0x0a]));
    expect(() => framer.nextLine()).toThrow(SamProtocolError);
  });

  it('hands back the raw bytes that follow a reply line', () => {
    const framer = new LineFramer();
    framer.push(Buffer.from('STREAM STATUS RESULT=OK\n\x00\x01binary\nnot-a-line'));
    expect(framer.nextLine()).toBe('STREAM STATUS RESULT=OK');
    expect(framer.takeRest()).toEqual(Buffer.from('\x00\x01binary\nnot-a-line'));
    expect(framer.bufferedBytes).toBe(0);
    expect(framer.nextLine()).toBeUndefined();
  });

  it('takes exactly SIZE payload bytes once they are all there', () => {
    const framer = new LineFramer();
    framer.push(Buffer.from('DATAGRAM RECEIVED DESTINATION=x SIZE=5\nhel'));
    expect(framer.nextLine()).toBe('DATAGRAM RECEIVED DESTINATION=x SIZE=5');
    expect(framer.takeBytes(5)).toBeUndefined();
    framer.push(Buffer.from('lo\nNEXT LINE\n'));
    expect(framer.takeBytes(5)).toEqual(Buffer.from('hello'));
    expect(framer.nextLine()).toBe('');
    expect(framer.nextLine()).toBe('NEXT LINE');
  });

  it('fails with SamLineTooLong when a partial line passes the cap', () => {
    const framer = new LineFramer(16);
    framer.push(Buffer.alloc(16, 0x41));
    expect(framer.nextLine()).toBeUndefined();
    framer.push(Buffer.from('A'));
    expect(() => framer.nextLine()).toThrow(SamLineTooLong);
  });

  it('fails with SamLineTooLong when a complete line is over the cap, but not at the cap', () => {
    const ok = new LineFramer(4);
    ok.push(Buffer.from('ABCD\n'));
    expect(ok.nextLine()).toBe('ABCD');
    const tooLong = new LineFramer(4);
    tooLong.push(Buffer.from('ABCDE\n'));
    const error = (() => {
      try {
        tooLong.nextLine();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SamLineTooLong);
    expect(error).toBeInstanceOf(SamProtocolError);
    expect((error as SamLineTooLong).limit).toBe(4);
  });
});

describe('datagram envelopes', () => {
  it('encodes the UDP forwarding format `3.0 <nick> <dest>\\n<payload>` with no options', () => {
    const packet = encodeDatagramPacket('nick', 'AAAA', Buffer.from([1, 2, 10, 3]));
    expect(packet).toEqual(Buffer.concat([Buffer.from('3.0 nick AAAA\n'), Buffer.from([1, 2, 10, 3])]));
  });

  it('refuses a nickname or destination that would break the header', () => {
    expect(() => encodeDatagramPacket('two words', 'AAAA', Buffer.alloc(1))).toThrow(SamInvalidArgument);
    expect(() => encodeDatagramPacket('nick', 'AA\nAA', Buffer.alloc(1))).toThrow(SamInvalidArgument);
    expect(() => encodeDatagramPacket('', 'AAAA', Buffer.alloc(1))).toThrow(SamInvalidArgument);
  });

  it('splits a forwarded repliable datagram at its first newline only', () => {
    const frame = splitForwardedDatagram(Buffer.from('DEST== FROM_PORT=1\npay\nload'), true);
    expect(frame.header).toBe('DEST== FROM_PORT=1');
    expect(frame.payload.toString()).toBe('pay\nload');
  });

  it('passes a raw datagram through whole and rejects a headerless repliable one', () => {
    expect(splitForwardedDatagram(Buffer.from('raw\npayload'), false)).toEqual({ header: undefined, payload: Buffer.from('raw\npayload') });
    expect(() => splitForwardedDatagram(Buffer.from('no newline'), true)).toThrow(SamProtocolError);
  });
});
