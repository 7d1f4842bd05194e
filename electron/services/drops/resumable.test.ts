// The resumable chunk protocol over loopback HTTP: create, stored-size queries, offset mismatch,
// oversize files and chunks, malformed ids/offsets/JSON, done with the wrong size, a cut-off chunk
// resumed from the stored size, abandonment, and the static script with its CSP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../logging/logger';
import { DropServer, type RefusalKind, type UploadProgress } from './drop-server';
import { DropStorage, INCOMPLETE_MARKER, type StorageLimits } from './storage';
import type { DropPageInfo } from './pages';
import { MAX_CHUNK_BYTES } from './resumable';

const LIMITS: StorageLimits = { maxFileBytes: 4 << 20, maxUploadBytes: 6 << 20, maxFiles: 5, maxMessageBytes: 1000, minFreeBytes: 0 };
const INFO: DropPageInfo = { title: 'Desk', note: '', accept: 'both', maxFileBytes: LIMITS.maxFileBytes, maxUploadBytes: LIMITS.maxUploadBytes, maxMessageBytes: LIMITS.maxMessageBytes };

let dir: string;
let server: DropServer;
let base: string;
let events: UploadProgress[];
let logged: string[];
let free: number;
let refused: RefusalKind[];

async function start(opts: { info?: DropPageInfo; abandonAfterMs?: number } = {}): Promise<void> {
  await server?.stop();
  server = new DropServer({
    info: opts.info ?? INFO,
    storage: new DropStorage(join(dir, 'uploads'), LIMITS, { freeBytes: async () => free }),
    log: new Logger({ sink: (f) => logged.push(f) }).scope('drop'),
    onUpload: (p) => events.push(p),
    onRefused: (k) => refused.push(k),
    progressEveryMs: 0,
    ...(opts.abandonAfterMs ? { abandonAfterMs: opts.abandonAfterMs } : {}),
  });
  base = `http://127.0.0.1:${await server.start()}`;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drop-resumable-'));
  events = [];
  logged = [];
  refused = [];
  free = 100 * 1024 ** 3;
  await start();
});
afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

type J = Record<string, unknown>;
async function call(method: string, path: string, body?: Buffer | string, type = 'application/octet-stream'): Promise<{ status: number; body: J; headers: Headers }> {
  const payload = typeof body === 'string' || body === undefined ? body : new Uint8Array(body);
  const res = await fetch(base + path, { method, ...(payload !== undefined ? { body: payload, headers: { 'Content-Type': type } } : {}) });
  const text = await res.text();
  let parsed: J;
  try {
    parsed = JSON.parse(text) as J;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
const create = (name: string, size: number) => call('POST', '/u/new', JSON.stringify({ name, size }), 'application/json');
const uploadDirs = async () => (await readdir(join(dir, 'uploads')).catch(() => [] as string[])).sort();

describe('resumable uploads', () => {
  it('stores a file sent in chunks; offsets must match the stored size; done renames and clears the marker', async () => {
    const data = randomBytes(2_500_000);
    const c = await create('../../etc/report.pdf', data.length);
    expect(c.status).toBe(201);
    const id = c.body.id as string;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.body.stored).toBe(0);
    expect((await call('PUT', `/u/${id}?offset=0`, data.subarray(0, 1_000_000))).body.stored).toBe(1_000_000);
    // A repeated (already stored) chunk and a gap are both refused with the stored size.
    const again = await call('PUT', `/u/${id}?offset=0`, data.subarray(0, 1_000_000));
    expect(again.status).toBe(409);
    expect(again.body.stored).toBe(1_000_000);
    expect((await call('PUT', `/u/${id}?offset=2000000`, data.subarray(2_000_000))).status).toBe(409);
    expect((await call('GET', `/u/${id}`)).body).toEqual({ stored: 1_000_000, size: data.length });
    // Done before everything arrived: refused, the upload stays open.
    const early = await call('POST', `/u/${id}/done`);
    expect(early.status).toBe(409);
    expect(early.body.stored).toBe(1_000_000);
    expect((await call('PUT', `/u/${id}?offset=1000000`, data.subarray(1_000_000))).body.stored).toBe(data.length);
    const done = await call('POST', `/u/${id}/done`);
    expect(done.status).toBe(200);
    const [folder] = await uploadDirs();
    const files = await readdir(join(dir, 'uploads', folder!));
    expect(files).toEqual(['report.pdf']);
    expect(createHash('sha256').update(await readFile(join(dir, 'uploads', folder!, 'report.pdf'))).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(events.at(-1)?.state).toBe('complete');
    const stored = events.map((e) => e.stored);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
    expect(events.some((e) => e.stored === 1_000_000)).toBe(true);
    // Finished uploads are gone; the id no longer answers.
    expect((await call('GET', `/u/${id}`)).status).toBe(404);
    expect(logged.join('\n')).not.toMatch(/report|etc/);
  });

  it('refuses oversize files, chunks that run past the size and chunks over the chunk limit', async () => {
    const big = await create('big.bin', LIMITS.maxFileBytes + 1);
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/larger than this drop accepts/);
    expect(refused).toEqual(['too_large']);
    const c = await create('small.bin', 10);
    const id = c.body.id as string;
    const past = await call('PUT', `/u/${id}?offset=0`, Buffer.alloc(11));
    expect(past.status).toBe(413);
    expect((await call('GET', `/u/${id}`)).body.stored).toBe(0);
    const c2 = await create('chunk.bin', LIMITS.maxFileBytes);
    const huge = await call('PUT', `/u/${c2.body.id as string}?offset=0`, Buffer.alloc(MAX_CHUNK_BYTES + 1));
    expect(huge.status).toBe(413);
  });

  it('validates ids, offsets, JSON and methods with clear errors', async () => {
    expect((await call('GET', '/u/not-an-id')).status).toBe(400);
    expect((await call('GET', `/u/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await call('GET', `/u/${'A'.repeat(43)}`)).body.error).toMatch(/No such upload/);
    expect((await call('POST', '/u/new', '{"name":', 'application/json')).body.error).toMatch(/not valid JSON/);
    expect((await call('POST', '/u/new', JSON.stringify({ name: 'a', size: -1 }), 'application/json')).status).toBe(400);
    expect((await call('POST', '/u/new', JSON.stringify({ name: '', size: 1 }), 'application/json')).status).toBe(400);
    expect((await call('POST', '/u/new', JSON.stringify({ name: 'a', size: 1, extra: 1 }), 'application/json')).status).toBe(400);
    expect((await call('POST', '/u/new', JSON.stringify({ name: 'a', size: 1.5 }), 'application/json')).status).toBe(400);
    expect((await call('POST', '/u/new', JSON.stringify({ name: 'a', size: 1 }), 'text/plain')).status).toBe(415);
    expect((await call('POST', '/u/new', JSON.stringify({ name: 'x'.repeat(5000), size: 1 }), 'application/json')).status).toBe(413);
    expect((await call('GET', '/u/new')).status).toBe(405);
    const id = (await create('a.bin', 4)).body.id as string;
    for (const bad of ['', '?offset=', '?offset=-1', '?offset=01', '?offset=1e3', '?offset=abc', '?offset=99999999999999999999']) {
      const r = await call('PUT', `/u/${id}${bad}`, Buffer.alloc(1));
      expect(r.status, bad).toBe(400);
      expect(r.body.error).toMatch(/offset/);
    }
    expect((await call('DELETE', `/u/${id}`)).status).toBe(405);
    expect(await uploadDirs()).toHaveLength(1);
  });

  it('keeps what arrived before a cut-off chunk and resumes from there', async () => {
    const data = randomBytes(3_000_000);
    const id = (await create('cut.bin', data.length)).body.id as string;
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/u/${id}?offset=0`, { method: 'PUT', headers: { 'Content-Length': String(2_000_000) } });
      req.on('error', () => resolve());
      req.write(data.subarray(0, 1_200_000), () => setTimeout(() => req.destroy(), 100));
    });
    let stored = 0;
    for (let i = 0; i < 50 && stored === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stored = (await call('GET', `/u/${id}`)).body.stored as number;
    }
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThanOrEqual(1_200_000);
    expect((await call('PUT', `/u/${id}?offset=${stored}`, data.subarray(stored))).body.stored).toBe(data.length);
    expect((await call('POST', `/u/${id}/done`)).status).toBe(200);
    const [folder] = await uploadDirs();
    expect((await readFile(join(dir, 'uploads', folder!, 'cut.bin'))).equals(data)).toBe(true);
  });

  it('an abandoned upload stays marked incomplete with its .part', async () => {
    await start({ abandonAfterMs: 200 });
    const id = (await create('left.bin', 100)).body.id as string;
    await call('PUT', `/u/${id}?offset=0`, Buffer.alloc(40));
    await new Promise((r) => setTimeout(r, 500));
    expect((await call('GET', `/u/${id}`)).status).toBe(404);
    const [folder] = await uploadDirs();
    const names = (await readdir(join(dir, 'uploads', folder!))).sort();
    expect(names).toEqual([INCOMPLETE_MARKER, 'left.bin.part']);
    expect(await readFile(join(dir, 'uploads', folder!, INCOMPLETE_MARKER), 'utf8')).toMatch(/did not finish/);
    expect(events.at(-1)).toMatchObject({ state: 'incomplete', stored: 40 });
  });

  it('checks free disk space, and a text-only drop refuses files', async () => {
    free = 1000;
    expect((await create('a.bin', 5000)).status).toBe(507);
    expect(refused).toEqual(['disk_full']);
    free = 100 * 1024 ** 3;
    await start({ info: { ...INFO, accept: 'text' } });
    expect((await create('a.bin', 10)).status).toBe(400);
  });

  it('serves the script with the strict CSP; other pages still allow no script', async () => {
    const js = await call('GET', '/upload.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('content-security-policy')).not.toMatch(/script-src/);
    expect(js.body.text).toMatch(/\/u\/new/);
    expect(js.body.text).not.toMatch(/https?:\/\//);
    const err = await call('GET', '/nothing');
    expect(err.headers.get('content-security-policy')).not.toMatch(/script-src/);
  });
});
