// Lab mixnet packet format, pure: Sphinx-sized packets (348 B header + 2065 B payload = 2413 B,
// nym.md §5.2) with per-hop routing slots that each hop peels, fragmentation into 2048 B plaintexts
// (§5.3) and 1164 B reply SURBs (§5.4). No cryptography: sizes, layering and delays only.
import { randomBytes, randomInt } from 'node:crypto';

export const HEADER_SIZE = 348; // 32 + 16 + (32+1+8+3+16)×5
export const PAYLOAD_OVERHEAD = 17; // 16 B payload key + 1 B
export const PLAINTEXT_SIZE = 2048; // PacketSize::Regular
export const PACKET_SIZE = HEADER_SIZE + PAYLOAD_OVERHEAD + PLAINTEXT_SIZE; // 2413

// Header: 32 B "ephemeral key" + 16 B "MAC" (both unused here) + 5 routing slots of 60 B.
const HEADER_PREFIX = 48;
const SLOT_SIZE = 60;
export const ROUTE_LENGTH = 5; // entry gateway → mix1 → mix2 → mix3 → egress gateway → client
export const ADDRESS_SIZE = 32;

// Plaintext: SURB-ACK (19 B first hop + 386 B ack packet) ‖ 32 B key / reply digest ‖ 1611 B.
const SURB_ACK_AREA = 405;
const KEY_AREA = 32;
const FRAGMENT_AREA = PLAINTEXT_SIZE - SURB_ACK_AREA - KEY_AREA; // 1611
const FRAGMENT_HEADER = 10; // nym: 7 B unlinked / 10 B linked; here id u32 ‖ total u24 ‖ index u24
export const FRAGMENT_DATA = FRAGMENT_AREA - FRAGMENT_HEADER; // 1601
const MAX_FRAGMENTS = 0xff_ffff;

export const SURB_ID_SIZE = 16;
export const SURB_SIZE = 1164; // legacy format: 396 B base + 4 × 192 B Lioness keys (nym.md §5.4)

export type HopAction = 'forward' | 'deliver';

export interface RouteHop {
  readonly action: HopAction;
  /** Next node id (forward) or the recipient's identity key (deliver). */
  readonly address: Uint8Array;
  /** How long the node that peels this slot holds the packet; chosen by the sender, as in Sphinx. */
  readonly delayUs: number;
}

export class LabPacketError extends Error {}

// --- header ----------------------------------------------------------------------------------------
export function buildHeader(route: ReadonlyArray<RouteHop>): Uint8Array {
  if (route.length !== ROUTE_LENGTH) throw new LabPacketError(`a route has ${ROUTE_LENGTH} hops, got ${route.length}`);
  const header = new Uint8Array(HEADER_SIZE);
  header.set(randomBytes(32), 0);
  route.forEach((hop, i) => {
    if (hop.address.length !== ADDRESS_SIZE) throw new LabPacketError('hop addresses are 32 bytes');
    const slot = HEADER_PREFIX + i * SLOT_SIZE;
    header[slot] = hop.action === 'forward' ? 1 : 2;
    header.set(hop.address, slot + 1);
    new DataView(header.buffer).setBigUint64(slot + 33, BigInt(Math.max(0, Math.round(hop.delayUs))), false);
  });
  return header;
}

/**
 * One hop's processing: read the first routing slot and shift the rest forward, refilling the
 * tail so the header keeps its size (Sphinx pads with filler the same way). Returns a new packet.
 */
export function peelHop(packet: Uint8Array): { hop: RouteHop; packet: Uint8Array } {
  if (packet.length !== PACKET_SIZE) throw new LabPacketError(`packets are ${PACKET_SIZE} bytes, got ${packet.length}`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const flag = packet[HEADER_PREFIX];
  if (flag !== 1 && flag !== 2) throw new LabPacketError(`invalid routing flag ${flag ?? 'none'}`);
  const hop: RouteHop = {
    action: flag === 1 ? 'forward' : 'deliver',
    address: packet.slice(HEADER_PREFIX + 1, HEADER_PREFIX + 1 + ADDRESS_SIZE),
    delayUs: Number(view.getBigUint64(HEADER_PREFIX + 33, false)),
  };
  const next = packet.slice();
  next.copyWithin(HEADER_PREFIX, HEADER_PREFIX + SLOT_SIZE, HEADER_SIZE);
  next.fill(0, HEADER_SIZE - SLOT_SIZE, HEADER_SIZE);
  return { hop, packet: next };
}

// --- route selection ------------------------------------------------------------------------------
export interface LabTopology {
  readonly gateway: Uint8Array;
  /** Three layers of mix node ids. */
  readonly layers: ReadonlyArray<ReadonlyArray<Uint8Array>>;
}

/** Exponential (Poisson-process) delay with the given mean, in microseconds. */
export function exponentialUs(meanMs: number): number {
  if (meanMs <= 0) return 0;
  return -Math.log(1 - Math.random()) * meanMs * 1000;
}

function pick<T>(items: ReadonlyArray<T>): T {
  const item = items[randomInt(items.length)];
  if (item === undefined) throw new LabPacketError('empty mix layer');
  return item;
}

/** Header for gateway → 3 mixes (exponential delays) → gateway → `destination` (nym.md §5.1). */
export function routeHeader(topology: LabTopology, destination: Uint8Array, meanHopDelayMs: number): Uint8Array {
  const [l1, l2, l3] = topology.layers;
  if (!l1 || !l2 || !l3) throw new LabPacketError('the lab topology needs three mix layers');
  const m1 = pick(l1);
  const m2 = pick(l2);
  const m3 = pick(l3);
  return buildHeader([
    { action: 'forward', address: m1, delayUs: 0 }, // peeled by the entry gateway: no delay there
    { action: 'forward', address: m2, delayUs: exponentialUs(meanHopDelayMs) },
    { action: 'forward', address: m3, delayUs: exponentialUs(meanHopDelayMs) },
    { action: 'forward', address: topology.gateway, delayUs: exponentialUs(meanHopDelayMs) },
    { action: 'deliver', address: destination, delayUs: 0 },
  ]);
}

// --- payload ----------------------------------------------------------------------------------------
export interface Fragment {
  readonly messageId: number;
  readonly total: number;
  readonly index: number;
  /** Always FRAGMENT_DATA bytes; the message length inside the stream says where data ends. */
  readonly data: Uint8Array;
}

/** Reply packets carry the SURB id where forward packets carry an ephemeral key. */
export type KeyArea = { readonly reply: false } | { readonly reply: true; readonly surbId: Uint8Array };

export function buildPacket(header: Uint8Array, key: KeyArea, fragment: Fragment): Uint8Array {
  if (header.length !== HEADER_SIZE) throw new LabPacketError('bad header size');
  const packet = new Uint8Array(PACKET_SIZE);
  packet.set(header, 0);
  const plaintext = HEADER_SIZE + PAYLOAD_OVERHEAD;
  const keyAt = plaintext + SURB_ACK_AREA;
  if (key.reply) {
    packet[keyAt] = 1;
    packet.set(key.surbId, keyAt + 1);
  } else {
    packet.set(randomBytes(KEY_AREA - 1), keyAt + 1);
  }
  const fragAt = keyAt + KEY_AREA;
  const view = new DataView(packet.buffer);
  view.setUint32(fragAt, fragment.messageId >>> 0, false);
  writeU24(packet, fragAt + 4, fragment.total);
  writeU24(packet, fragAt + 7, fragment.index);
  packet.set(fragment.data.subarray(0, FRAGMENT_DATA), fragAt + FRAGMENT_HEADER);
  return packet;
}

export function readPacket(packet: Uint8Array): { key: KeyArea; fragment: Fragment } {
  if (packet.length !== PACKET_SIZE) throw new LabPacketError(`packets are ${PACKET_SIZE} bytes, got ${packet.length}`);
  const keyAt = HEADER_SIZE + PAYLOAD_OVERHEAD + SURB_ACK_AREA;
  const key: KeyArea =
    packet[keyAt] === 1 ? { reply: true, surbId: packet.slice(keyAt + 1, keyAt + 1 + SURB_ID_SIZE) } : { reply: false };
  const fragAt = keyAt + KEY_AREA;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const fragment: Fragment = {
    messageId: view.getUint32(fragAt, false),
    total: readU24(packet, fragAt + 4),
    index: readU24(packet, fragAt + 7),
    data: packet.slice(fragAt + FRAGMENT_HEADER, fragAt + FRAGMENT_HEADER + FRAGMENT_DATA),
  };
  if (fragment.total === 0 || fragment.index >= fragment.total) throw new LabPacketError('bad fragment numbering');
  return { key, fragment };
}

function writeU24(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 16) & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = value & 0xff;
}

function readU24(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 16) | ((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0);
}

// --- messages ---------------------------------------------------------------------------------------
export type LabMessage =
  | { kind: 'plain'; message: Uint8Array }
  | { kind: 'repliable'; senderTag: Uint8Array; surbs: Uint8Array[]; message: Uint8Array }
  | { kind: 'reply'; message: Uint8Array }
  | { kind: 'surbRequest'; amount: number }
  | { kind: 'additionalSurbs'; senderTag: Uint8Array; surbs: Uint8Array[] }
  | { kind: 'loopCover' };

const KIND_BYTE: Record<LabMessage['kind'], number> = {
  plain: 0,
  repliable: 1,
  reply: 2,
  surbRequest: 3,
  additionalSurbs: 4,
  loopCover: 5,
};

function concat(parts: ReadonlyArray<Uint8Array>): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** Stream = kind u8 ‖ body_len u32 ‖ body; the fragments carry it zero-padded. */
export function encodeLabMessage(message: LabMessage): Uint8Array {
  let body: Uint8Array;
  switch (message.kind) {
    case 'plain':
    case 'reply':
      body = message.message;
      break;
    case 'repliable':
      body = concat([message.senderTag, u32(message.surbs.length), ...message.surbs, message.message]);
      break;
    case 'additionalSurbs':
      body = concat([message.senderTag, u32(message.surbs.length), ...message.surbs]);
      break;
    case 'surbRequest':
      body = u32(message.amount);
      break;
    case 'loopCover':
      body = new Uint8Array(0);
      break;
  }
  return concat([Uint8Array.of(KIND_BYTE[message.kind]), u32(body.length), body]);
}

export function decodeLabMessage(stream: Uint8Array): LabMessage {
  if (stream.length < 5) throw new LabPacketError('message stream too short');
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const length = view.getUint32(1, false);
  if (5 + length > stream.length) throw new LabPacketError('message length exceeds its fragments');
  const body = stream.slice(5, 5 + length);
  const surbsAt = (at: number): { surbs: Uint8Array[]; end: number } => {
    const count = new DataView(body.buffer).getUint32(at, false);
    if (at + 4 + count * SURB_SIZE > body.length) throw new LabPacketError('truncated SURBs');
    const surbs: Uint8Array[] = [];
    for (let i = 0; i < count; i++) surbs.push(body.slice(at + 4 + i * SURB_SIZE, at + 4 + (i + 1) * SURB_SIZE));
    return { surbs, end: at + 4 + count * SURB_SIZE };
  };
  switch (stream[0]) {
    case 0:
      return { kind: 'plain', message: body };
    case 1: {
      if (body.length < SURB_ID_SIZE + 4) throw new LabPacketError('truncated repliable message');
      const { surbs, end } = surbsAt(SURB_ID_SIZE);
      return { kind: 'repliable', senderTag: body.slice(0, SURB_ID_SIZE), surbs, message: body.slice(end) };
    }
    case 2:
      return { kind: 'reply', message: body };
    case 3:
      if (body.length < 4) throw new LabPacketError('truncated SURB request');
      return { kind: 'surbRequest', amount: new DataView(body.buffer).getUint32(0, false) };
    case 4: {
      if (body.length < SURB_ID_SIZE + 4) throw new LabPacketError('truncated additional SURBs');
      return { kind: 'additionalSurbs', senderTag: body.slice(0, SURB_ID_SIZE), surbs: surbsAt(SURB_ID_SIZE).surbs };
    }
    case 5:
      return { kind: 'loopCover' };
    default:
      throw new LabPacketError(`unknown message kind ${stream[0] ?? 'none'}`);
  }
}

export function fragmentCount(encodedLength: number): number {
  return Math.max(1, Math.ceil(encodedLength / FRAGMENT_DATA));
}

export function fragmentMessage(stream: Uint8Array, messageId = randomInt(0, 0xffff_ffff)): Fragment[] {
  const total = fragmentCount(stream.length);
  if (total > MAX_FRAGMENTS) throw new LabPacketError('message too large for the lab fragment header');
  const fragments: Fragment[] = [];
  for (let index = 0; index < total; index++) {
    const data = new Uint8Array(FRAGMENT_DATA);
    data.set(stream.subarray(index * FRAGMENT_DATA, (index + 1) * FRAGMENT_DATA));
    fragments.push({ messageId, total, index, data });
  }
  return fragments;
}

/** Collects fragments per message id; messages may complete out of order (nym.md §5.6). */
export class Reassembler {
  private readonly partial = new Map<number, { total: number; parts: Map<number, Uint8Array>; firstSeen: number }>();

  add(fragment: Fragment, now = Date.now()): Uint8Array | null {
    let entry = this.partial.get(fragment.messageId);
    if (!entry || entry.total !== fragment.total) {
      entry = { total: fragment.total, parts: new Map(), firstSeen: now };
      this.partial.set(fragment.messageId, entry);
    }
    entry.parts.set(fragment.index, fragment.data);
    if (entry.parts.size < entry.total) return null;
    this.partial.delete(fragment.messageId);
    const out = new Uint8Array(entry.total * FRAGMENT_DATA);
    for (const [index, data] of entry.parts) out.set(data, index * FRAGMENT_DATA);
    return out;
  }

  /** Drops incomplete messages older than `maxAgeMs`; returns how many were dropped. */
  prune(maxAgeMs: number, now = Date.now()): number {
    let dropped = 0;
    for (const [id, entry] of this.partial) {
      if (now - entry.firstSeen > maxAgeMs) {
        this.partial.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  get pending(): number {
    return this.partial.size;
  }
}

// --- reply SURBs -----------------------------------------------------------------------------------
export interface Surb {
  readonly header: Uint8Array;
  readonly surbId: Uint8Array;
  readonly firstHop: Uint8Array;
}

/** header(348) ‖ surb id / reply key (16) ‖ first hop (32) ‖ 768 B of per-hop key material. */
export function encodeSurb(surb: Surb): Uint8Array {
  const out = new Uint8Array(SURB_SIZE);
  out.set(surb.header, 0);
  out.set(surb.surbId, HEADER_SIZE);
  out.set(surb.firstHop, HEADER_SIZE + SURB_ID_SIZE);
  return out;
}

export function decodeSurb(bytes: Uint8Array): Surb {
  if (bytes.length !== SURB_SIZE) throw new LabPacketError(`SURBs are ${SURB_SIZE} bytes, got ${bytes.length}`);
  return {
    header: bytes.slice(0, HEADER_SIZE),
    surbId: bytes.slice(HEADER_SIZE, HEADER_SIZE + SURB_ID_SIZE),
    firstHop: bytes.slice(HEADER_SIZE + SURB_ID_SIZE, HEADER_SIZE + SURB_ID_SIZE + ADDRESS_SIZE),
  };
}
