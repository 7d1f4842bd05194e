// The SAM client end to end across two lab routers (bundled i2pd): stream echo, 10 MB each way with
// sha256, STREAM FORWARD, a datagram round trip, and the router's own error RESULTs mapped to typed
// errors. One lab for the whole file; sessions use 1 hop (the lab has 2 routers).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '../../logging/logger';
import { ProcessRegistry } from '../../supervisor/registry';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { i2pErrorToIpc } from '../../services/i2p/errors';
import { generateDestination, SamDatagramSession, SamResultError, SamSession, type ReceivedDatagram } from '../../services/i2p/sam';
import { startI2pLab, type I2pLab } from './i2p-lab';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));
const HOPS1 = { 'inbound.length': 1, 'outbound.length': 1, 'inbound.quantity': 2, 'outbound.quantity': 2, 'i2cp.leaseSetEncType': '4,0' };
const TEN_MB = 10 * 1024 * 1024;

function readAll(socket: Socket, bytes: number, timeoutMs = 120_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => reject(new Error(`read ${size} of ${bytes} bytes`)), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= bytes) {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).subarray(0, bytes));
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (size < bytes) reject(new Error(`closed after ${size} of ${bytes} bytes`));
    });
  });
}

/** CONNECT with retries: a LeaseSet just published may take a few seconds to reach the floodfills. */
async function connectRetry(from: SamSession, to: string): Promise<Socket> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await from.connect(to, { timeoutMs: 60_000 });
    } catch (e) {
      if (attempt >= 10 || !(e instanceof SamResultError && e.code === 'CANT_REACH_PEER')) throw e;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/** Sends `size` random bytes from one session to the other (ACCEPT side reads); returns both hashes. */
async function transfer(sender: SamSession, receiver: SamSession, size: number): Promise<{ sent: string; received: string; seconds: number }> {
  const pending = await receiver.accept();
  const socket = await connectRetry(sender, receiver.publicDestination);
  const accepted = await pending.incoming;
  const data = randomBytes(size);
  const started = Date.now();
  const reading = readAll(accepted.socket, size);
  socket.write(data);
  const got = await reading;
  const seconds = (Date.now() - started) / 1000;
  socket.destroy();
  accepted.socket.destroy();
  return { sent: createHash('sha256').update(data).digest('hex'), received: createHash('sha256').update(got).digest('hex'), seconds };
}

describe.skipIf(!haveBundle)('SAM across two lab routers (bundled i2pd)', () => {
  let lab: I2pLab | undefined;
  let registry: ProcessRegistry;
  let runDir = '';
  let a: SamSession;
  let b: SamSession;

  const sam = (i: number) => {
    const r = lab?.routers[i];
    if (!r) throw new Error(`no router ${i}`);
    return { host: '127.0.0.1', port: r.app.samPort };
  };

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'ui2psam-'));
    const logger = new Logger({ minLevel: 'warn', sink: (formatted, line) => line.level === 'error' && process.stderr.write(`${formatted}\n`) });
    registry = new ProcessRegistry(runDir, logger);
    lab = await startI2pLab({ registry, logger, resourcesDir, routers: 2 });
    [a, b] = await Promise.all([
      SamSession.create({ ...sam(0), style: 'STREAM', id: 'LAB-A', i2cp: HOPS1, createTimeoutMs: 90_000 }),
      SamSession.create({ ...sam(1), style: 'STREAM', id: 'LAB-B', i2cp: HOPS1, createTimeoutMs: 90_000 }),
    ]);
  }, 180_000);

  afterAll(async () => {
    a?.close();
    b?.close();
    await lab?.stop();
    await registry?.stopAll();
    if (runDir) await rm(runDir, { recursive: true, force: true });
  }, 60_000);

  it('echo over a stream from router 1 to router 2', async () => {
    const pending = await b.accept();
    const socket = await connectRetry(a, b.publicDestination);
    const accepted = await pending.incoming;
    expect(accepted.peer.destination).toBe(a.publicDestination);
    accepted.socket.pipe(accepted.socket);
    const reply = readAll(socket, 5);
    socket.write('hello');
    expect((await reply).toString()).toBe('hello');
    socket.destroy();
  }, 120_000);

  it('10 MB A→B and B→A arrive with matching sha256', async () => {
    const there = await transfer(a, b, TEN_MB);
    expect(there.received).toBe(there.sent);
    const back = await transfer(b, a, TEN_MB);
    expect(back.received).toBe(back.sent);
    process.stderr.write(`10 MB: A→B ${(10 / there.seconds).toFixed(2)} MB/s, B→A ${(10 / back.seconds).toFixed(2)} MB/s\n`);
  }, 300_000);

  it('STREAM FORWARD delivers the peer line and the data to a local listener', async () => {
    const f = await SamSession.create({ ...sam(1), style: 'STREAM', id: 'LAB-F', i2cp: HOPS1, createTimeoutMs: 90_000 });
    const got = new Promise<string>((resolve) => {
      const server = createServer((s) => {
        let text = '';
        s.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.endsWith('forwarded')) {
            server.close();
            s.destroy();
            resolve(text);
          }
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port;
        void f.forward({ port }).then(async () => {
          const s = await connectRetry(a, f.publicDestination);
          s.write('forwarded');
        });
      });
    });
    const text = await got;
    expect(text.split('\n')[0]).toBe(a.publicDestination);
    expect(text.endsWith('forwarded')).toBe(true);
    f.close();
  }, 180_000);

  it('a datagram round trip between the routers (UDP forward both ways)', async (ctx) => {
    if (lab?.needsBridge) ctx.skip();
    const r1 = lab?.routers[0];
    const r2 = lab?.routers[1];
    if (!r1 || !r2) throw new Error('no routers');
    const [d1, d2] = await Promise.all([
      SamDatagramSession.open({ ...sam(0), udpPort: r1.samUdpPort, id: 'LAB-D1', i2cp: HOPS1, createTimeoutMs: 90_000 }),
      SamDatagramSession.open({ ...sam(1), udpPort: r2.samUdpPort, id: 'LAB-D2', i2cp: HOPS1, createTimeoutMs: 90_000 }),
    ]);
    try {
      // d2 echoes to whoever sent (repliable datagrams carry the sender).
      d2.on('message', (m: ReceivedDatagram) => {
        if (m.source) void d2.send(m.source, Buffer.concat([Buffer.from('re:'), m.payload]));
      });
      const reply = new Promise<ReceivedDatagram>((resolve) => d1.once('message', resolve));
      // The first datagram to a new peer is often lost during the LeaseSet lookup: resend until answered.
      let answered = false;
      void reply.then(() => (answered = true));
      for (let i = 0; i < 30 && !answered; i += 1) {
        await d1.send(d2.session.publicDestination, Buffer.from('ping'));
        await Promise.race([reply, new Promise((r) => setTimeout(r, 2000))]);
      }
      const m = await reply;
      expect(m.payload.toString()).toBe('re:ping');
      expect(m.source).toBe(d2.session.publicDestination);
    } finally {
      d1.close();
      d2.close();
    }
  }, 180_000);

  it('CANT_REACH_PEER, INVALID_KEY and DUPLICATED_ID from the router become typed errors', async () => {
    const stranger = await generateDestination(sam(0));
    const unreachable = await a.connect(stranger.publicDestination, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(SamResultError);
    expect(unreachable).toMatchObject({ code: 'CANT_REACH_PEER' });
    expect(i2pErrorToIpc(unreachable)).toMatchObject({ code: 'SAM_FAILED', details: { result: 'CANT_REACH_PEER' } });

    const badKey = await a.connect('AAAA').catch((e: unknown) => e);
    expect(badKey).toMatchObject({ code: 'INVALID_KEY' });
    expect(i2pErrorToIpc(badKey)).toMatchObject({ code: 'SAM_FAILED', details: { result: 'INVALID_KEY' } });

    const dup = await SamSession.create({ ...sam(0), style: 'STREAM', id: 'LAB-A', i2cp: HOPS1 }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(SamResultError);
    expect(i2pErrorToIpc(dup)).toMatchObject({ code: 'SAM_FAILED', details: { result: 'DUPLICATED_ID' } });
    expect(a.isOpen).toBe(true);
  }, 120_000);
});
