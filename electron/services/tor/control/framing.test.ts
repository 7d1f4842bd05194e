// ReplyFramer on transcript bytes split at every offset, and on malformed bytes.
// Pure: no socket.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from './errors';
import { frameAll, ReplyFramer, type Frame } from './framing';
import { fixtureBytes } from './__fixtures__/fixtures';

function feedInPieces(bytes: Buffer, cuts: number[]): Frame[] {
  const framer = new ReplyFramer();
  const frames: Frame[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    frames.push(...framer.feed(bytes.subarray(start, cut)));
    start = cut;
  }
  framer.end();
  return frames;
}

function expectProtocolError(fn: () => unknown, message: RegExp): void {
  expect(fn).toThrow(TorProtocolError);
  expect(fn).toThrow(message);
}

describe('ReplyFramer on tor-lab transcripts', () => {
  it('frames PROTOCOLINFO into one reply with its lines and dividers', () => {
    const frames = frameAll(fixtureBytes('protocolinfo-cookie.txt'));
    expect(frames).toEqual([
      {
        kind: 'reply',
        reply: {
          status: 250,
          lines: [
            { status: 250, divider: '-', text: 'PROTOCOLINFO 1' },
            { status: 250, divider: '-', text: 'AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="$LAB/client/control_auth_cookie"' },
            { status: 250, divider: '-', text: 'VERSION Tor="0.4.9.11"' },
            { status: 250, divider: ' ', text: 'OK' },
          ],
        },
      },
    ]);
  });

  it('collects a 250+ data block up to the lone "." and keeps the closing 250 OK in the same reply', () => {
    const [frame] = frameAll(fixtureBytes('getinfo-onions-current.txt'));
    expect(frame?.kind).toBe('reply');
    expect(frame?.reply.lines).toEqual([
      {
        status: 250,
        divider: '+',
        text: 'onions/current=',
        data: 'wfsxg6zxjghxf6mlclseb7qlu4rxb74eqlf26d3jrzl6vsyzdkxiohqd\npk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad',
      },
      { status: 250, divider: ' ', text: 'OK' },
    ]);
  });

  it('separates 650 events from synchronous replies, one frame per event line', () => {
    const frames = frameAll(fixtureBytes('events-client.txt'));
    expect(frames).toHaveLength(24);
    expect(frames.every((f) => f.kind === 'event' && f.reply.status === 650)).toBe(true);
    expect(frames[0]?.reply.lines[0]?.text).toBe('BW 0 0');
  });

  it('keeps an event that arrives between a command and its reply as its own frame (control-spec §4.1)', () => {
    const wire = Buffer.concat([fixtureBytes('events-client.txt').subarray(0, 12), fixtureBytes('getinfo-version.txt')]);
    const frames = frameAll(wire);
    expect(frames.map((f) => f.kind)).toEqual(['event', 'reply']);
  });

  it('frames the multi-line event forms: 650+ log data and 650- CONF_CHANGED', () => {
    const frames = frameAll(fixtureBytes('events-composed.txt'));
    const warn = frames.find((f) => f.reply.lines[0]?.text === 'WARN');
    expect(warn?.reply.lines).toEqual([
      {
        status: 650,
        divider: '+',
        text: 'WARN',
        data: 'Problem bootstrapping. Stuck at 75% (enough_dirinfo):\n.dot-stuffed second line',
      },
      { status: 650, divider: ' ', text: 'OK' },
    ]);
    const conf = frames.find((f) => f.reply.lines[0]?.text === 'CONF_CHANGED');
    expect(conf?.reply.lines.map((l) => `${l.divider}${l.text}`)).toEqual([
      '-CONF_CHANGED',
      '-SocksPort=127.0.0.1:20100',
      '-__OwningControllerProcess',
      ' OK',
    ]);
  });

  it('gives the same frames whatever byte offset a transcript is split at', () => {
    const bytes = Buffer.concat([
      fixtureBytes('protocolinfo-cookie.txt'),
      fixtureBytes('getinfo-circuit-status.txt'),
      Buffer.from('650 NOTICE Grüße aus dem Labor 🧅\r\n', 'utf8'),
      fixtureBytes('events-composed.txt'),
      fixtureBytes('getinfo-onions-current.txt'),
      fixtureBytes('del-onion-552.txt'),
    ]);
    const whole = frameAll(bytes);
    expect(whole).toHaveLength(20);
    // Compared as JSON: a deep toEqual per offset would make this the slowest test in the suite.
    const expected = JSON.stringify(whole);
    const mismatches: number[] = [];
    for (let cut = 0; cut <= bytes.length; cut++) {
      if (JSON.stringify(feedInPieces(bytes, [cut])) !== expected) mismatches.push(cut);
    }
    expect(mismatches).toEqual([]);
    // And one byte at a time: every CRLF and every UTF-8 sequence is split.
    expect(feedInPieces(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(whole);
  });

  it('decodes a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('650 NOTICE 🧅 onion\r\n', 'utf8');
    const at = bytes.indexOf(0xf0) + 2;
    const [frame] = feedInPieces(bytes, [at]);
    expect(frame?.reply.lines[0]?.text).toBe('NOTICE 🧅 onion');
  });

  it('dot-unescapes data lines and allows empty lines and empty blocks (control-spec §2.4)', () => {
    const [a] = frameAll('250+config-text=\r\n..hidden\r\n\r\n...\r\nplain\r\n.\r\n250 OK\r\n');
    expect(a?.reply.lines[0]?.data).toBe('.hidden\n\n..\nplain');
    const [b] = frameAll('250+onions/current=\r\n.\r\n250 OK\r\n');
    expect(b?.reply.lines[0]?.data).toBe('');
  });

  it('reports error replies as replies with their status', () => {
    const [frame] = frameAll(fixtureBytes('authenticate-515.txt'));
    expect(frame?.kind).toBe('reply');
    expect(frame?.reply.status).toBe(515);
  });
});

describe('ReplyFramer on malformed input', () => {
  it('rejects a bad status code', () => {
    expectProtocolError(() => frameAll('25O OK\r\n'), /bad status code/);
    expectProtocolError(() => frameAll('099 OK\r\n'), /bad status code/);
  });

  it('rejects a line without a divider after the status', () => {
    expectProtocolError(() => frameAll('2500 OK\r\n'), /missing divider/);
    expectProtocolError(() => frameAll('250\r\n'), /too short/);
  });

  it('rejects garbage and bare-LF lines', () => {
    expectProtocolError(() => frameAll('HTTP/1.1 400 Bad Request\r\n'), /bad status code/);
    expectProtocolError(() => frameAll('250 OK\n'), /CRLF/);
    expectProtocolError(() => frameAll(Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x42, 0x0d, 0x0a])), /bad status code/);
  });

  it('rejects mixed status codes inside one reply (control-spec §2.3), including a 650 inside a 250 reply', () => {
    expectProtocolError(() => frameAll('250-version=1\r\n552 OK\r\n'), /status 552 inside a reply that began with 250/);
    expectProtocolError(() => frameAll('250-SOCKSPORT=9050\r\n650 CIRC 1000 EXTENDED moria1\r\n250 ORPORT=0\r\n'), /status 650/);
  });

  it('rejects a stream that ends inside a data block or mid-reply', () => {
    const framer = new ReplyFramer();
    expect(framer.feed(Buffer.from('250+circuit-status=\r\n1 BUILT $AAAA\r\n'))).toEqual([]);
    expectProtocolError(() => framer.end(), /inside a data block/);
    const half = new ReplyFramer();
    half.feed(Buffer.from('250-version=0.4.9.11\r\n'));
    expectProtocolError(() => half.end(), /middle of a reply/);
    const partialLine = new ReplyFramer();
    partialLine.feed(Buffer.from('250 O'));
    expectProtocolError(() => partialLine.end(), /middle of a reply/);
  });

  it('treats "250 OK" inside an unterminated data block as data, not as the end', () => {
    const framer = new ReplyFramer();
    expect(framer.feed(Buffer.from('250+ns/all=\r\nr a b\r\n250 OK\r\n'))).toEqual([]);
    expect(framer.midReply).toBe(true);
  });

  it('caps a line that never ends (default 1 MiB)', () => {
    const framer = new ReplyFramer();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    expect(() => {
      for (let i = 0; i < 17; i++) framer.feed(chunk);
    }).toThrow(/longer than 1048576 bytes/);
    // The framer stays failed: later bytes cannot resynchronise it.
    expect(() => framer.feed(Buffer.from('250 OK\r\n'))).toThrow(TorProtocolError);
  });

  it('caps a complete line longer than maxLineBytes and a reply larger than maxReplyBytes', () => {
    expectProtocolError(() => frameAll(`250 ${'x'.repeat(100)}\r\n`, { maxLineBytes: 64 }), /longer than 64/);
    expectProtocolError(
      () => frameAll(`250+x=\r\n${'y'.repeat(50)}\r\n${'y'.repeat(50)}\r\n.\r\n250 OK\r\n`, { maxReplyBytes: 100 }),
      /reply larger than 100/,
    );
  });
});
