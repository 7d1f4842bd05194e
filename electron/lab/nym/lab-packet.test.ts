import { describe, expect, it } from 'vitest';
import {
  FRAGMENT_DATA,
  HEADER_SIZE,
  PACKET_SIZE,
  Reassembler,
  SURB_SIZE,
  buildHeader,
  buildPacket,
  decodeLabMessage,
  decodeSurb,
  encodeLabMessage,
  encodeSurb,
  fragmentCount,
  fragmentMessage,
  peelHop,
  readPacket,
  routeHeader,
  type LabMessage,
  type LabTopology,
} from './lab-packet';

const id = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const topology: LabTopology = { gateway: id(9), layers: [[id(1)], [id(2)], [id(3)]] };

describe('lab packets', () => {
  it('have the Sphinx sizes of nym.md §5.2: 348 + 17 + 2048 = 2413', () => {
    expect(HEADER_SIZE).toBe(348);
    expect(PACKET_SIZE).toBe(2413);
    const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'plain', message: new Uint8Array(10) }));
    expect(buildPacket(routeHeader(topology, id(7), 15), { reply: false }, fragment!)).toHaveLength(2413);
  });

  it('are peeled one hop at a time in route order, keeping their size', () => {
    const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'loopCover' }));
    let packet = buildPacket(routeHeader(topology, id(7), 15), { reply: false }, fragment!);
    const seen: Array<[string, number]> = [];
    for (let hop = 0; hop < 5; hop++) {
      const peeled = peelHop(packet);
      seen.push([peeled.hop.action, peeled.hop.address[0] ?? -1]);
      expect(peeled.packet).toHaveLength(PACKET_SIZE);
      packet = peeled.packet;
    }
    expect(seen).toEqual([
      ['forward', 1],
      ['forward', 2],
      ['forward', 3],
      ['forward', 9],
      ['deliver', 7],
    ]);
    expect(() => peelHop(packet)).toThrow(/routing flag/);
    expect(() => peelHop(new Uint8Array(10))).toThrow(/2413/);
  });

  it('carry sender-chosen exponential delays for the three mix hops only', () => {
    const delays = Array.from({ length: 2000 }, () => {
      let packet = buildPacket(
        routeHeader(topology, id(7), 15),
        { reply: false },
        fragmentMessage(encodeLabMessage({ kind: 'loopCover' }))[0]!,
      );
      const hops: number[] = [];
      for (let i = 0; i < 5; i++) {
        const peeled = peelHop(packet);
        hops.push(peeled.hop.delayUs);
        packet = peeled.packet;
      }
      return hops;
    });
    expect(delays.every((h) => h[0] === 0 && h[4] === 0)).toBe(true);
    const mixDelays = delays.flatMap((h) => h.slice(1, 4));
    const mean = mixDelays.reduce((a, b) => a + b, 0) / mixDelays.length / 1000;
    expect(mean).toBeGreaterThan(12);
    expect(mean).toBeLessThan(18);
  });

  it('fragment a message into 1601-byte pieces and reassemble out of order', () => {
    const message = new Uint8Array(5000).map((_, i) => i % 251);
    const stream = encodeLabMessage({ kind: 'plain', message });
    const fragments = fragmentMessage(stream, 77);
    expect(fragments).toHaveLength(fragmentCount(stream.length));
    expect(fragments).toHaveLength(Math.ceil((5000 + 5) / FRAGMENT_DATA));
    const reassembler = new Reassembler();
    const packets = fragments.map((f) => buildPacket(buildHeader(Array.from({ length: 5 }, () => ({ action: 'forward' as const, address: id(1), delayUs: 0 }))), { reply: false }, f));
    let done: Uint8Array | null = null;
    for (const packet of packets.reverse()) done = reassembler.add(readPacket(packet).fragment) ?? done;
    expect(decodeLabMessage(done!)).toEqual({ kind: 'plain', message });
  });

  it('a repliable message with 20 SURBs is about 15 packets (nym.md §5.4)', () => {
    const surbs = Array.from({ length: 20 }, () => new Uint8Array(SURB_SIZE));
    const stream = encodeLabMessage({ kind: 'repliable', senderTag: new Uint8Array(16), surbs, message: new Uint8Array(100) });
    expect(fragmentCount(stream.length)).toBe(15);
    const decoded = decodeLabMessage(stream);
    expect(decoded.kind).toBe('repliable');
    if (decoded.kind === 'repliable') expect(decoded.surbs).toHaveLength(20);
  });

  it('SURBs are 1164 bytes and replies carry the SURB id in the key area', () => {
    const surbId = new Uint8Array(16).fill(5);
    const surb = { header: routeHeader(topology, id(7), 15), surbId, firstHop: id(9) };
    const bytes = encodeSurb(surb);
    expect(bytes).toHaveLength(1164);
    expect(decodeSurb(bytes)).toEqual(surb);
    const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'reply', message: new Uint8Array(3) }));
    const read = readPacket(buildPacket(surb.header, { reply: true, surbId }, fragment!));
    expect(read.key).toEqual({ reply: true, surbId });
  });

  it('round-trips every message kind', () => {
    const tag = new Uint8Array(16).fill(1);
    const messages: LabMessage[] = [
      { kind: 'plain', message: Uint8Array.of(1) },
      { kind: 'reply', message: new Uint8Array(0) },
      { kind: 'surbRequest', amount: 42 },
      { kind: 'additionalSurbs', senderTag: tag, surbs: [new Uint8Array(SURB_SIZE)] },
      { kind: 'loopCover' },
    ];
    for (const message of messages) {
      expect(decodeLabMessage(encodeLabMessage(message))).toEqual(message);
    }
    expect(() => decodeLabMessage(Uint8Array.of(9, 0, 0, 0, 0))).toThrow(/unknown message kind/);
  });
});
