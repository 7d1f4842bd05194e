// Onion drops on the app's real tor in the private lab: a second lab tor (the "source") uploads a
// 50 MB file and a message over its SOCKS port to the drop's .onion; client authorization blocks
// the source until ONION_CLIENT_AUTH_ADD; a persistent drop keeps its .onion after tor is killed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocksClient } from 'socks';
import { createCore, type Core, type LabProvider } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import { startTorLab, torArgs, torLineLevel, type TorLab } from '../../lab/tor/tor-lab';
import { LineWatch } from '../../lab/tor/line-watch';
import { assertLabTorrc } from '../../lab/tor/torrc';
import { bundleDir, defaultResourcesDir, resolveBinary } from '../../supervisor/binaries';
import { parsePortFile, stripTorLogPrefix } from '../tor/tor-process';
import { TorController } from '../tor/control';
import { unwrap } from '../../../shared/ipc/result';
import type { Drop, DropUpload } from '../../../shared/domain/drop';
import { privateKeyBase64 } from './client-auth';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));
const BOUNDARY = '----underpassDropIntegration';

let core: Core;
let dir: string;
let lab: TorLab;
let source: { socks: { path: string } | { port: number }; controller: TorController };
const drops: Drop[] = [];
const uploads: DropUpload[] = [];

async function call<T>(channel: string, args?: unknown): Promise<T> {
  return unwrap(await core.router.dispatch(channel, args)) as T;
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The source: a second tor joined to the lab, with SOCKS and a control port of its own. */
async function startSourceTor(): Promise<typeof source> {
  const tor = await resolveBinary('tor', { resourcesDir });
  const root = join(lab.dir, 'drop-source');
  const run = join(root, 'run');
  await mkdir(run, { recursive: true, mode: 0o700 });
  const unix = lab.needsUnixSockets;
  const socksSocket = join(run, 'socks.sock');
  const portFile = join(run, 'control-port');
  const text = [
    `DataDirectory ${join(root, 'data')}`,
    'Log notice stdout',
    'ShutdownWaitLength 0',
    `__OwningControllerProcess ${process.pid}`,
    'CookieAuthentication 1',
    unix ? `SocksPort unix:${socksSocket}` : 'SocksPort 127.0.0.1:auto',
    unix ? `ControlPort unix:${join(run, 'control.sock')}` : 'ControlPort 127.0.0.1:auto',
    `ControlPortWriteToFile ${portFile}`,
    ...lab.clientTorrcLines,
  ].join('\n');
  assertLabTorrc(text, lab.dirAuthority);
  const torrc = join(root, 'torrc');
  await writeFile(torrc, `${text}\n`, { mode: 0o600 });
  const watch = new LineWatch();
  const proc = core.registry.create({
    id: 'lab:drop-source',
    label: 'Drop test source tor',
    restart: { enabled: false },
    readyTimeoutMs: 60_000,
    hooks: {
      plan: async () => lab.wrapSpawn({ command: tor.command, args: torArgs(tor, torrc), env: { ...process.env, ...tor.env } }),
      probe: async ({ signal }) => {
        await watch.waitFor(/Bootstrapped 100%/, 60_000, signal);
      },
      classifyLine: (_stream, line) => {
        watch.push(line);
        return { level: torLineLevel(line), text: stripTorLogPrefix(line) };
      },
    },
  });
  await proc.start();
  const socks = unix ? { path: socksSocket } : { port: Number((await watch.waitFor(/Opened Socks listener connection \(ready\) on 127\.0\.0\.1:(\d+)/, 5000))[1]) };
  const target = parsePortFile(await readFile(portFile, 'utf8'));
  if (!target) throw new Error('the source tor wrote no control port file');
  const controller = await TorController.connect(target.kind === 'tcp' ? { host: target.host, port: target.port } : { path: target.path });
  await controller.authenticate();
  return { socks, controller };
}

async function socksConnect(host: string): Promise<Socket> {
  const s = source.socks;
  let existing: Socket | undefined;
  if ('path' in s) {
    existing = connect({ path: s.path });
    await once(existing, 'connect');
  }
  const { socket } = await SocksClient.createConnection({
    proxy: { host: '127.0.0.1', port: 'port' in s ? s.port : 0, type: 5 },
    command: 'connect',
    destination: { host, port: 80 },
    timeout: 30_000,
    ...(existing ? { existing_socket: existing } : {}),
  });
  return socket;
}

/** One HTTP/1.1 exchange through the source's tor; the body parts are written in order, streamed. */
async function request(host: string, head: string, body: (Buffer | (() => AsyncIterable<Buffer>))[] = []): Promise<{ status: number; text: string }> {
  const socket = await socksConnect(host);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(socket, 'end');
  socket.write(head);
  for (const part of body) {
    if (Buffer.isBuffer(part)) {
      if (!socket.write(part)) await once(socket, 'drain');
    } else {
      for await (const c of part()) if (!socket.write(c)) await once(socket, 'drain');
    }
  }
  await ended;
  socket.destroy();
  const all = Buffer.concat(chunks).toString('utf8');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(all)?.[1] ?? 0), text: all };
}

async function getWithRetry(host: string, ms = 60_000): Promise<{ status: number; text: string; afterMs: number }> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    try {
      const r = await request(host, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      return { ...r, afterMs: Date.now() - t0 };
    } catch (e) {
      last = e; // "No more HSDir available" / general failure while the descriptor publishes
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`the drop did not answer through tor: ${last instanceof Error ? last.message : String(last)}`);
}

async function upload(host: string, parts: { name: string; filename?: string; data: Buffer | string | { file: string; size: number } }[]): Promise<{ status: number; text: string }> {
  const pieces: (Buffer | (() => AsyncIterable<Buffer>))[] = [];
  let length = 0;
  for (const p of parts) {
    const disp = p.filename === undefined ? `form-data; name="${p.name}"` : `form-data; name="${p.name}"; filename="${p.filename}"`;
    const h = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disp}\r\n\r\n`);
    pieces.push(h);
    length += h.length;
    if (typeof p.data === 'string' || Buffer.isBuffer(p.data)) {
      const b = Buffer.from(p.data);
      pieces.push(b);
      length += b.length;
    } else {
      const { file, size } = p.data;
      pieces.push(async function* () {
        const { createReadStream } = await import('node:fs');
        for await (const c of createReadStream(file, { highWaterMark: 256 * 1024 })) yield c as Buffer;
      });
      length += size;
    }
    pieces.push(Buffer.from('\r\n'));
    length += 2;
  }
  const end = Buffer.from(`--${BOUNDARY}--\r\n`);
  pieces.push(end);
  length += end.length;
  const head = `POST /upload HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${length}\r\n\r\n`;
  return request(host, head, pieces);
}

const sha256File = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-drop-'));
  core = await createCore({
    dataDir: dir,
    mode: 'lab',
    host: 'headless',
    autostart: false,
    logger: new Logger({ sink: () => undefined }),
    // The lab is started here, not lazily by the provider, so the test can add its own source tor.
    lab: (deps): LabProvider => {
      const base = createLabProvider({ bridge: false })(deps);
      return {
        ...base,
        tor: async () => {
          lab ??= await startTorLab({ registry: deps.registry, logger: deps.logger, resourcesDir: deps.resourcesDir, bridge: false, timeoutMs: 80_000 });
          return { extraTorrcLines: lab.clientTorrcLines, wrapSpawn: (p) => lab.wrapSpawn(p), unixSockets: lab.needsUnixSockets, labOrigin: null };
        },
        stop: async () => {
          await base.stop();
          await lab?.stop();
        },
      };
    },
  });
  core.bus.subscribe((channel, payload) => {
    if (channel === 'underpass:drop:onDrop') drops.push(payload as Drop);
    if (channel === 'underpass:drop:onUpload') uploads.push(payload as DropUpload);
  });
  await call('underpass:supervisor:start', { id: 'tor' });
  await waitFor('tor ready', () => core.tor.status().ready, 100_000);
  source = await startSourceTor();
}, 180_000);

afterAll(async () => {
  await source?.controller.close().catch(() => undefined);
  await core?.shutdown();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

const publishedEvent = (id: string, address?: string) => drops.find((d) => d.id === id && d.state === 'published' && (!address || d.address === address));

describe.skipIf(!haveBundle)('onion drop on the lab network', () => {
  it('publishes a drop and receives a 50 MB file and a message through a second tor; sha256 matches; progress was reported', async () => {
    const drop = await call<Drop>('underpass:drop:create', { title: 'Lab drop', note: 'Send files', limits: { maxFileBytes: 200 << 20, maxUploadBytes: 400 << 20 } });
    expect(drop.address).toMatch(/^[a-z2-7]{56}\.onion$/);
    expect(['publishing', 'published']).toContain(drop.state);
    await waitFor('HS_DESC UPLOADED → published', () => publishedEvent(drop.id), 60_000);
    const host = drop.address!;
    const page = await getWithRetry(host);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lab drop');
    expect(page.text).toMatch(/content-security-policy: default-src 'none'/i);
    expect(page.text).not.toMatch(/^date:/im);

    const file = join(dir, 'f50m.bin');
    const data = randomBytes(50 * 1024 * 1024);
    await writeFile(file, data);
    const want = createHash('sha256').update(data).digest('hex');
    const t0 = Date.now();
    const res = await upload(host, [
      { name: 'file', filename: 'f50m.bin', data: { file, size: data.length } },
      { name: 'message', data: 'Hello from the lab — سلام' },
    ]);
    const secs = (Date.now() - t0) / 1000;
    process.stdout.write(`[drop] 50 MB over the lab onion in ${secs.toFixed(1)} s (${(50 / secs).toFixed(2)} MB/s)\n`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Received: 1 file and 1 message');

    const list = await call<DropUpload[]>('underpass:drop:listUploads', { id: drop.id });
    expect(list).toHaveLength(1);
    const up = list[0]!;
    expect(up.state).toBe('complete');
    expect(await sha256File(join(up.path, 'f50m.bin'))).toBe(want);
    expect(await readFile(join(up.path, 'message.txt'), 'utf8')).toBe('Hello from the lab — سلام');
    const progress = uploads.filter((u) => u.dropId === drop.id && u.state === 'receiving');
    expect(progress.length).toBeGreaterThan(5);
    const stored = progress.map((u) => u.stored);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
    expect(uploads.filter((u) => u.dropId === drop.id).at(-1)?.state).toBe('complete');
    await call('underpass:drop:remove', { id: drop.id });
  }, 240_000);

  it('with client authorization, the source cannot fetch without the key and can after ONION_CLIENT_AUTH_ADD', async () => {
    const drop = await call<Drop>('underpass:drop:create', { title: 'Private drop', clientAuth: true });
    const sid = drop.address!.replace('.onion', '');
    expect(drop.clientKey).toMatch(new RegExp(`^${sid}:descriptor:x25519:[A-Z2-7]{52}$`));
    await waitFor('published', () => publishedEvent(drop.id), 60_000);
    // Without the key every attempt fails (tor cannot decrypt the descriptor): try for 8 s.
    const t0 = Date.now();
    let fetched = false;
    while (Date.now() - t0 < 8000) {
      try {
        await request(drop.address!, `GET / HTTP/1.1\r\nHost: ${drop.address}\r\nConnection: close\r\n\r\n`);
        fetched = true;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    expect(fetched).toBe(false);
    const priv = drop.clientKey!.split(':')[3]!;
    const added = await source.controller.onionClientAuthAdd(sid, privateKeyBase64(priv));
    expect([250, 251, 252]).toContain(added.status);
    const page = await getWithRetry(drop.address!, 30_000);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Private drop');
    await call('underpass:drop:remove', { id: drop.id });
  }, 120_000);

  it('a persistent drop keeps its .onion after tor is killed and restarted, and uploads land afterwards', async () => {
    const drop = await call<Drop>('underpass:drop:create', { title: 'Kept drop', persistent: true });
    await waitFor('published', () => publishedEvent(drop.id), 60_000);
    const keyFile = join(dir, 'drops', drop.id, 'onion.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^ED25519-V3:/);
    const pid = core.tor.proc.pid!;
    const before = drops.length;
    process.kill(pid, 'SIGKILL');
    await waitFor('tor restarted and ready', () => core.tor.proc.pid !== pid && core.tor.status().ready, 90_000);
    await waitFor('re-published on the new tor', () => drops.slice(before).find((d) => d.id === drop.id && d.state === 'published'), 60_000);
    const after = (await call<Drop[]>('underpass:drop:list')).find((d) => d.id === drop.id)!;
    expect(after.address).toBe(drop.address);
    expect(await getWithRetry(drop.address!, 60_000)).toMatchObject({ status: 200 });
    const res = await upload(drop.address!, [{ name: 'file', filename: 'after-restart.txt', data: 'still here' }]);
    expect(res.status).toBe(200);
    const [up] = await call<DropUpload[]>('underpass:drop:listUploads', { id: drop.id });
    expect(await readdir(up!.path)).toEqual(['after-restart.txt']);
  }, 240_000);
});
