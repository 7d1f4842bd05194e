// TunnelManager against the fake SAM bridge: persistence and key permissions, the server and client
// data paths, and the restart races that once left i2pd with two sessions on one key (the second
// one's close deleted the destination under the first).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger } from '../../logging/logger';
import { FakeSam } from './sam/__fixtures__/fake-sam';
import { SamSession } from './sam';
import { TunnelManager } from './tunnels';
import { I2pServiceError } from './errors';

const log = new Logger({ sink: () => undefined }).scope('i2p');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function echoRoundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    s.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.length >= text.length) {
        s.destroy();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.write(text);
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** SESSION CREATE lines the fake saw for one server tunnel. */
const createsFor = (sam: FakeSam, id: string) => sam.received.filter((l) => l.startsWith('SESSION CREATE') && l.includes(` ID=srv-${id}-`));

describe('TunnelManager (fake SAM)', () => {
  let dir = '';
  let sam: FakeSam;
  let echo: Server;
  let echoPort = 0;
  const managers: TunnelManager[] = [];
  const fakes: FakeSam[] = [];

  const manager = (createTimeoutMs = 5000) => {
    const m = new TunnelManager({ dir, log, i2cp: () => ({ 'inbound.length': 1, 'outbound.length': 1 }), createTimeoutMs });
    managers.push(m);
    return m;
  };
  const fake = async (sessionReadyDelayMs = 0) => {
    const f = await FakeSam.start({ sessionReadyDelayMs });
    fakes.push(f);
    return f;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'utunnels-'));
    sam = await fake();
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as { port: number }).port;
  });

  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close();
    for (const f of fakes.splice(0)) await f.stop();
    await new Promise((r) => echo.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a server tunnel with an owner-only persisted key and pipes incoming streams to the local port', async () => {
    const m = manager();
    await m.load();
    m.resume(sam.sam);
    const t = await m.createServer('echo', echoPort);
    expect(t.b32).toMatch(/^[a-z2-7]{52}\.b32\.i2p$/);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    const keyFile = join(dir, 'keys', `${t.id}.key`);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = (await readFile(keyFile, 'utf8')).trim();
    expect(sam.received.some((l) => l.startsWith('DEST GENERATE') && l.includes('SIGNATURE_TYPE=7') && l.includes('CRYPTO_TYPE=4'))).toBe(true);
    await until('running', () => m.list().servers.find((s) => s.id === t.id && s.state === 'running'));
    const [create] = createsFor(sam, t.id);
    expect(create).toContain(`DESTINATION=${key}`);
    expect(create).toContain('i2cp.leaseSetEncType=4');
    expect(create).toContain('inbound.length=1');
    expect(sam.b32Of(await m.serverDestination(t.id))).toBe(t.b32);

    const peer = await SamSession.create({ ...sam.sam, style: 'STREAM' });
    try {
      const stream = await peer.connect(t.b32);
      const reply = await new Promise<string>((resolve) => {
        let got = '';
        stream.on('data', (c: Buffer) => {
          got += c.toString();
          if (got === 'over i2p') resolve(got);
        });
        stream.write('over i2p');
      });
      expect(reply).toBe('over i2p');
      stream.destroy();
    } finally {
      peer.close();
    }
    const stored = JSON.parse(await readFile(join(dir, 'tunnels.json'), 'utf8')) as { servers: Array<{ id: string; b32: string; enabled: boolean }> };
    expect(stored.servers).toEqual([{ id: t.id, name: 'echo', targetPort: echoPort, b32: t.b32, enabled: true }]);
  });

  it('a router that closes the session before it exits gets exactly one new session per key on its next run', async () => {
    const m = manager();
    await m.load();
    m.resume(sam.sam);
    const t = await m.createServer('echo', echoPort);
    await until('running', () => m.list().servers.find((s) => s.state === 'running'));
    // i2pd shutting down (or kill -9): the control socket ends first, the exit is seen a moment later.
    await sam.stop();
    fakes.splice(fakes.indexOf(sam), 1);
    await until('not running', () => m.list().servers.find((s) => s.state !== 'running'));
    m.suspend();
    // The next run answers SESSION CREATE only after 2.5 s (tunnels): the old close handler's 2 s
    // retry falls inside that window, which is where the duplicate used to come from.
    const next = await fake(2500);
    m.resume(next.sam);
    await until('running on the next run', () => m.list().servers.find((s) => s.state === 'running'), 10_000);
    await sleep(2500);
    expect(createsFor(next, t.id)).toHaveLength(1);
    expect(next.sessions.size).toBe(1);
    expect(m.list().servers[0]?.state).toBe('running');
  });

  it('stop and start while SESSION CREATE is pending ends with one session, not a second one on the same key', async () => {
    const slow = await fake(1500);
    const m = manager();
    await m.load();
    m.resume(slow.sam);
    const t = await m.createServer('echo', echoPort);
    await until('create sent', () => createsFor(slow, t.id).length === 1);
    await m.setServerEnabled(t.id, false);
    expect(m.list().servers[0]?.state).toBe('stopped');
    await m.setServerEnabled(t.id, true);
    await until('running', () => m.list().servers.find((s) => s.state === 'running'), 10_000);
    await sleep(500);
    expect(createsFor(slow, t.id)).toHaveLength(1);
    expect(slow.sessions.size).toBe(1);
  });

  it('a stopped tunnel whose create finishes late closes that session and stays stopped', async () => {
    const slow = await fake(800);
    const m = manager();
    await m.load();
    m.resume(slow.sam);
    const t = await m.createServer('echo', echoPort);
    await until('create sent', () => createsFor(slow, t.id).length === 1);
    await m.setServerEnabled(t.id, false);
    await sleep(1500);
    expect(slow.sessions.size).toBe(0);
    expect(m.list().servers[0]?.state).toBe('stopped');
  });

  it('client tunnel: 127.0.0.1:<port> → STREAM CONNECT to the destination; a used port is refused', async () => {
    const target = await SamSession.create({ ...sam.sam, style: 'STREAM' });
    const forward = await target.forward({ port: echoPort, silent: true });
    const m = manager();
    await m.load();
    m.resume(sam.sam);
    const port = await freePort();
    const c = await m.createClient('to-echo', port, target.b32Address);
    await until('client running', () => m.list().clients.find((x) => x.id === c.id && x.state === 'running'));
    expect(await echoRoundTrip(port, 'through the client tunnel')).toBe('through the client tunnel');
    await expect(m.createClient('again', port, target.b32Address)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await m.removeClient(c.id)).toBe(true);
    await expect(echoRoundTrip(port, 'x')).rejects.toThrow(/ECONNREFUSED/);
    forward.close();
    target.close();
  });

  it('definitions survive a restart of the app; a damaged key file fails that tunnel with a clear error', async () => {
    const m = manager();
    await m.load();
    m.resume(sam.sam);
    const t = await m.createServer('echo', echoPort);
    await until('running', () => m.list().servers.find((s) => s.state === 'running'));
    await m.close();

    const again = manager();
    await again.load();
    expect(again.list().servers).toMatchObject([{ id: t.id, b32: t.b32, state: 'stopped' }]);
    await writeFile(join(dir, 'keys', `${t.id}.key`), 'not a key', { mode: 0o600 });
    again.resume(sam.sam);
    const failed = await until('failed', () => again.list().servers.find((s) => s.state === 'failed'));
    expect(failed.error).toMatch(/key file .* is damaged/);
    await expect(again.setServerEnabled('nope', true)).rejects.toBeInstanceOf(I2pServiceError);
  });

  it('ignores a tunnels.json that does not match the schema instead of crashing', async () => {
    await manager().load();
    await writeFile(join(dir, 'tunnels.json'), JSON.stringify({ version: 1, servers: [{ id: 'x' }], clients: [] }));
    const m = manager();
    await m.load();
    expect(m.list()).toEqual({ servers: [], clients: [] });
  });
});
