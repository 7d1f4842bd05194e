// Measures I2P as it runs now: a STREAM session on the app's own i2pd connects to an echo
// destination (a lab router's) and times small echoes (round trip) and one 256 KiB echo
// (throughput). The session is kept between measurements: building its tunnels takes 3–21 s.
import type { Socket } from 'node:net';
import type { Measurement } from '../../../shared/domain/guidance';
import type { I2pService } from '../i2p/i2p-service';
import { SamResultError, SamSession, type SamConnectionOptions } from '../i2p/sam';

export interface I2pEchoTarget {
  /** Full base64 destination that writes back every byte it receives. */
  destination: string;
  /** Human-readable label of where it runs ("echo on lab router r1"). */
  label: string;
}

const PING_BYTES = 64;
const PINGS = 5;
const BULK_BYTES = 256 * 1024;
const READ_TIMEOUT_MS = 60_000;

/** Resolves with exactly `bytes` bytes read from the socket (or rejects on close/error/timeout). */
function readExactly(socket: Socket, bytes: number, timeoutMs = READ_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (c: Buffer) => {
      // Never read past this request: the rest belongs to the next one.
      const need = bytes - size;
      if (c.length > need) {
        chunks.push(c.subarray(0, need));
        socket.unshift(c.subarray(need));
      } else chunks.push(c);
      size += Math.min(c.length, need);
      if (size >= bytes) done(null);
    };
    const onClose = () => done(new Error(`the I2P stream closed after ${size} of ${bytes} echoed bytes`));
    const onError = (e: Error) => done(e);
    const timer = setTimeout(() => done(new Error(`the echo returned ${size} of ${bytes} bytes in ${timeoutMs / 1000} s`)), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}

async function echo(socket: Socket, payload: Buffer, timeoutMs = READ_TIMEOUT_MS): Promise<number> {
  const started = performance.now();
  const back = readExactly(socket, payload.length, timeoutMs);
  socket.write(payload);
  const got = await back;
  const ms = performance.now() - started;
  if (!got.equals(payload)) throw new Error('the echo destination returned different bytes');
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * CONNECT and one first echo (which carries the stream's SYN handshake), retrying while a
 * just-published LeaseSet is still spreading: i2pd answers CANT_REACH_PEER then, or OK followed by
 * EOF when the peer's streaming layer is not listening yet (observed on 2.45 and 2.58).
 */
async function openEchoStream(session: SamSession, destination: string): Promise<Socket> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let socket: Socket | null = null;
    try {
      socket = await session.connect(destination, { timeoutMs: 45_000 });
      socket.setNoDelay(true);
      await echo(socket, Buffer.alloc(PING_BYTES, 0xff), 20_000);
      return socket;
    } catch (e) {
      socket?.destroy();
      const retriable = (e instanceof SamResultError && e.code === 'CANT_REACH_PEER') || (e instanceof Error && /closed after 0 of/.test(e.message));
      if (!retriable || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

export function i2pProbe(i2p: I2pService, echoTarget: (() => Promise<I2pEchoTarget>) | null): () => Promise<Measurement> {
  let cached: { key: string; session: SamSession } | null = null;
  let running: Promise<Measurement> | null = null;

  const session = async (sam: SamConnectionOptions): Promise<SamSession> => {
    const key = `${sam.host ?? ''}:${sam.port ?? ''}`;
    if (cached && cached.key === key && cached.session.isOpen) return cached.session;
    cached?.session.close();
    cached = null;
    const created = await SamSession.create({ ...sam, style: 'STREAM', id: `underpass-probe-${Date.now().toString(36)}`, i2cp: i2p.sessionOptions(), createTimeoutMs: 90_000 });
    cached = { key, session: created };
    return created;
  };

  const measure = async (): Promise<Measurement> => {
    const sam = i2p.samOptions();
    if (!i2p.status().ready || !sam) return { ok: false, network: 'i2p', code: 'notRunning', reason: 'I2P is not running', at: Date.now() };
    if (!echoTarget) {
      return { ok: false, network: 'i2p', code: 'noEchoTarget', reason: 'no echo destination to measure against outside the lab', at: Date.now() };
    }
    // The echo (on a lab router) and the app's session build their tunnels at the same time.
    const [target, own] = await Promise.all([echoTarget(), session(sam)]);
    const socket = await openEchoStream(own, target.destination);
    try {
      const rtts: number[] = [];
      for (let i = 0; i < PINGS; i += 1) rtts.push(await echo(socket, Buffer.alloc(PING_BYTES, i)));
      const bulk = Buffer.alloc(BULK_BYTES);
      for (let i = 0; i < bulk.length; i += 1) bulk[i] = (i * 31) & 0xff;
      const bulkMs = await echo(socket, bulk);
      return {
        ok: true,
        network: 'i2p',
        rttMs: median(rtts),
        throughputBps: BULK_BYTES / (bulkMs / 1000),
        at: Date.now(),
        target: `${target.label}, ${PING_BYTES}-byte echoes and one ${BULK_BYTES / 1024} KiB echo`,
      };
    } finally {
      socket.destroy();
    }
  };

  return () => {
    // One measurement at a time: two would compete for the same tunnels and skew each other.
    running ??= measure().finally(() => {
      running = null;
    });
    return running;
  };
}
