// Every event in a transcript recorded from the real lab tor (e2e/bench/record-tor-events.ts)
// frames and parses into its typed form: none falls back to UNKNOWN, none throws.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { frameAll, ReplyFramer } from './framing';
import { parseEvent, TYPED_EVENT_NAMES } from './events';

const RAW = readFileSync(fileURLToPath(new URL('./__fixtures__/lab-recorded-events.txt', import.meta.url)));

describe('recorded lab transcript', () => {
  it('parses every recorded event into a typed event', () => {
    const frames = frameAll(RAW);
    expect(frames.length).toBeGreaterThan(100);
    const typed = new Set<string>(TYPED_EVENT_NAMES);
    const kinds = new Map<string, number>();
    for (const f of frames) {
      expect(f.kind).toBe('event');
      const e = parseEvent(f.reply);
      expect(e.type, f.reply.lines[0]?.text).not.toBe('UNKNOWN');
      expect(typed.has(e.type)).toBe(true);
      kinds.set(e.type, (kinds.get(e.type) ?? 0) + 1);
    }
    for (const k of ['CIRC', 'STREAM', 'BW', 'CIRC_BW', 'STREAM_BW', 'STATUS_CLIENT', 'ORCONN']) expect(kinds.get(k), k).toBeGreaterThan(0);
  });

  it('gives the same events whatever the chunking', () => {
    const whole = frameAll(RAW).map((f) => parseEvent(f.reply));
    // Feed 7-byte chunks through one framer, as the connection does with socket reads.
    const framer = new ReplyFramer();
    const chunked: unknown[] = [];
    for (let i = 0; i < RAW.length; i += 7) for (const f of framer.feed(RAW.subarray(i, i + 7))) chunked.push(parseEvent(f.reply));
    framer.end();
    expect(chunked).toEqual(whole);
  });

  it('reads circuit paths with fingerprints and nicknames of lab relays', () => {
    const circ = frameAll(RAW)
      .map((f) => parseEvent(f.reply))
      .find((e) => e.type === 'CIRC' && e.status === 'BUILT');
    expect(circ?.type).toBe('CIRC');
    if (circ?.type === 'CIRC') {
      expect(circ.path.length).toBeGreaterThanOrEqual(3);
      for (const hop of circ.path) {
        expect(hop.fingerprint).toMatch(/^[0-9A-F]{40}$/);
        expect(hop.nickname).toMatch(/^(auth|relay\d)$/);
      }
    }
  });
});
