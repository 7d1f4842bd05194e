// Onion drops on the app's real tor in the private lab: a second lab tor (the "source") uploads a
// 50 MB file and a message over its SOCKS port to the drop's .onion; client authorization blocks
// the source until ONION_CLIENT_AUTH_ADD; a persistent drop keeps its .onion after tor is killed; a
// resumable (chunked) upload survives its connection being cut; a drop with an age recipient stores
// only ciphertext (multipart and resumable paths) and decrypts to the right sha256.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import type { TorLab } from '../../lab/tor/tor-lab';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import * as src from './__fixtures__/lab-source';
import { unwrap } from '../../../shared/ipc/result';
import type { Drop, DropUpload } from '../../../shared/domain/drop';
import { privateKeyBase64 } from '../onion/client-auth';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));

let core: Core;
let dir: string;
let lab: TorLab;
let source: src.SourceTor;
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

const sha256File = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-drop-'));
  core = await createCore({
    dataDir: dir,
    mode: 'lab',
    host: 'headless',
    autostart: false,
    logger: new Logger({ sink: () => undefined }),
    // The test adds its own source tor to the same lab, so it keeps a handle on it.
    lab: createLabProvider({ bridge: false, torTimeoutMs: 80_000, onTorLab: (l) => (lab = l) }),
  });
  core.bus.subscribe((channel, payload) => {
    if (channel === 'underpass:drops:onDrop') drops.push(payload as Drop);
    if (channel === 'underpass:drops:onUpload') uploads.push(payload as DropUpload);
  });
  await call('underpass:supervisor:start', { id: 'tor' });
  await waitFor('tor ready', () => core.tor.status().ready, 100_000);
  source = await src.startSourceTor(lab, core.registry, resourcesDir);
}, 180_000);

afterAll(async () => {
  await source?.controller.close().catch(() => undefined);
  await core?.shutdown();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

const publishedEvent = (id: string, address?: string) => drops.find((d) => d.id === id && d.state === 'published' && (!address || d.address === address));

describe.skipIf(!haveBundle)('onion drop on the lab network', () => {
  it('publishes a drop and receives a 50 MB file and a message through a second tor; sha256 matches; progress was reported', async () => {
    const drop = await call<Drop>('underpass:drops:create', { title: 'Lab drop', note: 'Send files', limits: { maxFileBytes: 200 << 20, maxUploadBytes: 400 << 20 } });
    expect(drop.address).toMatch(/^[a-z2-7]{56}\.onion$/);
    expect(['publishing', 'published']).toContain(drop.state);
    await waitFor('HS_DESC UPLOADED → published', () => publishedEvent(drop.id), 60_000);
    const host = drop.address!;
    const page = await src.getWithRetry(source.socks, host);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lab drop');
    expect(page.text).toMatch(/content-security-policy: default-src 'none'/i);
    expect(page.text).not.toMatch(/^date:/im);

    const file = join(dir, 'f50m.bin');
    const data = randomBytes(50 * 1024 * 1024);
    await writeFile(file, data);
    const want = createHash('sha256').update(data).digest('hex');
    const t0 = Date.now();
    const res = await src.upload(source.socks, host, [
      { name: 'file', filename: 'f50m.bin', data: { file, size: data.length } },
      { name: 'message', data: 'Hello from the lab — سلام' },
    ]);
    const secs = (Date.now() - t0) / 1000;
    process.stdout.write(`[drop] 50 MB over the lab onion in ${secs.toFixed(1)} s (${(50 / secs).toFixed(2)} MB/s)\n`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Received: 1 file and 1 message');

    const list = await call<DropUpload[]>('underpass:drops:listUploads', { id: drop.id });
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
    await call('underpass:drops:remove', { id: drop.id });
  }, 240_000);

  it('a 50 MB resumable upload cut off after ~20 MB resumes from the stored size and completes; sha256 matches; stored bytes are not re-sent', async () => {
    const drop = await call<Drop>('underpass:drops:create', { title: 'Resumable drop', limits: { maxFileBytes: 200 << 20, maxUploadBytes: 400 << 20 } });
    await waitFor('published', () => publishedEvent(drop.id), 60_000);
    const host = drop.address!;
    expect((await src.getWithRetry(source.socks, host)).status).toBe(200);
    const data = randomBytes(50 * 1024 * 1024);
    const chunk = 1024 * 1024;
    const t0 = Date.now();
    const r = await src.resumableUpload(source.socks, host, { name: 'resumed.bin', data }, { chunk, cutAt: 20 * 1024 * 1024 + 300_000 });
    process.stdout.write(`[drop] resumable 50 MB (one cut) in ${((Date.now() - t0) / 1000).toFixed(1)} s; resumed from ${r.resumedFrom}; body bytes sent ${r.sentBodyBytes}\n`);
    expect(r.status).toBe(200);
    expect(r.cuts).toBe(1);
    // The drop kept what arrived before the cut, so the source resumed near 20 MB, not from 0…
    expect(r.resumedFrom).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    // …and re-sent at most one chunk.
    expect(r.sentBodyBytes).toBeLessThanOrEqual(data.length + chunk);
    const [up] = await call<DropUpload[]>('underpass:drops:listUploads', { id: drop.id });
    expect(up!.state).toBe('complete');
    expect(await readdir(up!.path)).toEqual(['resumed.bin']);
    expect(await sha256File(join(up!.path, 'resumed.bin'))).toBe(createHash('sha256').update(data).digest('hex'));
    const mine = uploads.filter((u) => u.dropId === drop.id);
    const stored = mine.map((u) => u.stored);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
    expect(mine.at(-1)?.state).toBe('complete');
    await call('underpass:drops:remove', { id: drop.id });
  }, 240_000);

  it('encryption at rest: 50 MB (multipart) and a cut resumable upload are stored as age ciphertext only, and decrypt to the right sha256', async () => {
    const identity = await generateX25519Identity();
    const drop = await call<Drop>('underpass:drops:create', { title: 'Sealed drop', ageRecipient: await identityToRecipient(identity), limits: { maxFileBytes: 200 << 20, maxUploadBytes: 400 << 20 } });
    await waitFor('published', () => publishedEvent(drop.id), 60_000);
    const host = drop.address!;
    expect((await src.getWithRetry(source.socks, host)).status).toBe(200);
    // Random data with a known marker every MiB, so plaintext on disk would contain it.
    const marker = Buffer.from('UNDERPASS-PLAINTEXT-MARKER-31c9');
    const data = randomBytes(50 * 1024 * 1024);
    for (let off = 0; off + marker.length < data.length; off += 1024 * 1024) marker.copy(data, off);
    const want = createHash('sha256').update(data).digest('hex');
    const file = join(dir, 'sealed50m.bin');
    await writeFile(file, data);
    const t0 = Date.now();
    const res = await src.upload(source.socks, host, [
      { name: 'file', filename: 'sealed50m.bin', data: { file, size: data.length } },
      { name: 'message', data: 'UNDERPASS-PLAINTEXT-MARKER-31c9 in a message' },
    ]);
    process.stdout.write(`[drop] 50 MB encrypted at rest over the lab onion in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    expect(res.status).toBe(200);

    // The resumable path, cut after ~5 MB: the age stream goes on in memory, only ciphertext is written.
    const small = data.subarray(0, 12 * 1024 * 1024);
    const r = await src.resumableUpload(source.socks, host, { name: 'sealed-resumed.bin', data: small }, { chunk: 1024 * 1024, cutAt: 5 * 1024 * 1024 + 300_000 });
    expect(r).toMatchObject({ status: 200, cuts: 1 });
    expect(r.resumedFrom).toBeGreaterThanOrEqual(5 * 1024 * 1024);

    const list = await call<DropUpload[]>('underpass:drops:listUploads', { id: drop.id });
    expect(list.map((u) => u.state)).toEqual(['complete', 'complete']);
    for (const up of list) {
      for (const name of await readdir(up.path)) {
        expect(name.endsWith('.age')).toBe(true);
        const onDisk = await readFile(join(up.path, name));
        expect(onDisk.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
        expect(onDisk.indexOf(marker)).toBe(-1);
      }
    }
    const multipart = list.find((u) => u.files.some((f) => f.name === 'sealed50m.bin.age'))!;
    const resumed = list.find((u) => u.files.some((f) => f.name === 'sealed-resumed.bin.age'))!;
    expect(multipart.files.map((f) => [f.name, f.encrypted])).toEqual([
      ['message.txt.age', true],
      ['sealed50m.bin.age', true],
    ]);
    const out = join(dir, 'decrypted-out');
    const d1 = await call<{ folder: string; files: { name: string; bytes: number }[] }>('underpass:drops:decrypt', { id: drop.id, uploadId: multipart.id, identity, destination: out });
    expect(d1.files).toEqual([
      { name: 'message.txt', bytes: Buffer.byteLength('UNDERPASS-PLAINTEXT-MARKER-31c9 in a message') },
      { name: 'sealed50m.bin', bytes: data.length },
    ]);
    expect(await sha256File(join(out, 'sealed50m.bin'))).toBe(want);
    const d2 = await call<{ folder: string }>('underpass:drops:decrypt', { id: drop.id, uploadId: resumed.id, identity });
    expect(d2.folder).toBe(join(resumed.path, 'decrypted'));
    expect(await sha256File(join(d2.folder, 'sealed-resumed.bin'))).toBe(createHash('sha256').update(small).digest('hex'));
    await call('underpass:drops:remove', { id: drop.id });
  }, 300_000);

  it('with client authorization, the source cannot fetch without the key and can after ONION_CLIENT_AUTH_ADD', async () => {
    const drop = await call<Drop>('underpass:drops:create', { title: 'Private drop', clientAuth: true });
    const sid = drop.address!.replace('.onion', '');
    expect(drop.clientKey).toMatch(new RegExp(`^${sid}:descriptor:x25519:[A-Z2-7]{52}$`));
    await waitFor('published', () => publishedEvent(drop.id), 60_000);
    // Without the key every attempt fails (tor cannot decrypt the descriptor): try for 8 s.
    const t0 = Date.now();
    let fetched = false;
    while (Date.now() - t0 < 8000) {
      try {
        await src.request(source.socks, drop.address!, `GET / HTTP/1.1\r\nHost: ${drop.address}\r\nConnection: close\r\n\r\n`);
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
    const page = await src.getWithRetry(source.socks, drop.address!, 30_000);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Private drop');
    await call('underpass:drops:remove', { id: drop.id });
  }, 120_000);

  it('a persistent drop keeps its .onion after tor is killed and restarted, and uploads land afterwards', async () => {
    const drop = await call<Drop>('underpass:drops:create', { title: 'Kept drop', persistent: true });
    await waitFor('published', () => publishedEvent(drop.id), 60_000);
    const keyFile = join(dir, 'drops', drop.id, 'onion.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^ED25519-V3:/);
    const pid = core.tor.proc.pid!;
    const before = drops.length;
    process.kill(pid, 'SIGKILL');
    await waitFor('tor restarted and ready', () => core.tor.proc.pid !== pid && core.tor.status().ready, 90_000);
    await waitFor('re-published on the new tor', () => drops.slice(before).find((d) => d.id === drop.id && d.state === 'published'), 60_000);
    const after = (await call<Drop[]>('underpass:drops:list')).find((d) => d.id === drop.id)!;
    expect(after.address).toBe(drop.address);
    expect(await src.getWithRetry(source.socks, drop.address!, 60_000)).toMatchObject({ status: 200 });
    const res = await src.upload(source.socks, drop.address!, [{ name: 'file', filename: 'after-restart.txt', data: 'still here' }]);
    expect(res.status).toBe(200);
    const [up] = await call<DropUpload[]>('underpass:drops:listUploads', { id: drop.id });
    expect(await readdir(up!.path)).toEqual(['after-restart.txt']);
  }, 240_000);
});
