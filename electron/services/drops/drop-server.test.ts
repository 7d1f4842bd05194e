// The drop's HTTP server against hostile and broken clients over raw sockets: headers and CSP, path
// and control-character names, 300-character and reserved names, oversize bodies, malformed
// multipart, a client hanging up mid-upload, a full disk, and earlier uploads left intact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../logging/logger';
import { DropServer, type RefusalKind, type UploadProgress } from './drop-server';
import { DropStorage, INCOMPLETE_MARKER, type StorageLimits } from './storage';
import type { DropPageInfo } from './pages';

const LIMITS: StorageLimits = { maxFileBytes: 256 * 1024, maxUploadBytes: 512 * 1024, maxFiles: 5, maxMessageBytes: 1000, minFreeBytes: 0 };
const INFO: DropPageInfo = { title: 'Tips <b>desk</b>', note: 'Send us "documents"', accept: 'both', maxFileBytes: LIMITS.maxFileBytes, maxUploadBytes: LIMITS.maxUploadBytes, maxMessageBytes: LIMITS.maxMessageBytes };
const BOUNDARY = '----underpassTestBoundary7MA4YWxkTrZu0gW';

let dir: string;
let server: DropServer;
let port: number;
let events: UploadProgress[];
let refused: RefusalKind[];
let logged: string[];
let free: number;

async function startServer(info: DropPageInfo = INFO, limits: StorageLimits = LIMITS): Promise<void> {
  await server?.stop();
  const storage = new DropStorage(join(dir, 'uploads'), limits, { freeBytes: async () => free });
  server = new DropServer({
    info,
    storage,
    log: new Logger({ sink: (formatted) => logged.push(formatted) }).scope('drop'),
    onUpload: (p) => events.push(p),
    onRefused: (k) => refused.push(k),
    progressEveryMs: 0,
  });
  port = await server.start();
}

beforeEach(async () => {
  refused = [];
  dir = await mkdtemp(join(tmpdir(), 'drop-server-'));
  events = [];
  logged = [];
  free = 100 * 1024 ** 3;
  await startServer();
});
afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

type Part = { name: string; filename?: string; data: string | Buffer; encoded?: boolean };
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    // RFC 5987 filename*= carries bytes a quoted string cannot (NUL, controls); busboy decodes it.
    const fn = p.encoded ? `filename*=utf-8''${encodeURIComponent(p.filename ?? '')}` : `filename="${p.filename}"`;
    const disp = p.filename === undefined ? `form-data; name="${p.name}"` : `form-data; name="${p.name}"; ${fn}`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disp}\r\n${p.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n`, 'utf8'));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 request over a raw socket, so nothing "fixes" what we send. */
async function raw(opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer; cutAfter?: number; host?: string }): Promise<RawResponse | null> {
  const sock = connect({ host: '127.0.0.1', port });
  await once(sock, 'connect');
  const body = opts.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    Host: opts.host ?? `127.0.0.1:${port}`,
    Connection: 'close',
    ...(opts.body ? { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(body.length) } : {}),
    ...opts.headers,
  };
  const head = `${opts.method ?? 'GET'} ${opts.path ?? '/'} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => undefined);
  const closed = once(sock, 'close');
  sock.write(head);
  if (opts.cutAfter !== undefined) {
    sock.write(body.subarray(0, opts.cutAfter));
    await new Promise((r) => setTimeout(r, 100));
    sock.destroy();
    await closed;
    return null;
  }
  sock.write(body);
  await closed;
  const all = Buffer.concat(chunks).toString('utf8');
  const split = all.indexOf('\r\n\r\n');
  if (split < 0) return null;
  const [statusLine, ...lines] = all.slice(0, split).split('\r\n');
  const hdrs: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    hdrs[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers: hdrs, body: all.slice(split + 4) };
}

const uploadsDir = () => join(dir, 'uploads');
async function folders(): Promise<string[]> {
  return (await readdir(uploadsDir()).catch(() => [] as string[])).sort();
}
async function until(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('drop pages', () => {
  it('serves the form with strict headers, no Server/Date, only the same-origin script and escaped text', async () => {
    const r = await raw({});
    expect(r?.status).toBe(200);
    const h = r!.headers;
    // The form alone may load the same-origin /upload.js (resumable uploads); nothing else.
    expect(h['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    expect(h['referrer-policy']).toBe('no-referrer');
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h.server).toBeUndefined();
    expect(h.date).toBeUndefined();
    expect(r!.body).toContain('<form method="post" action="/upload" enctype="multipart/form-data">');
    expect(r!.body).toContain('Tips &lt;b&gt;desk&lt;/b&gt;');
    expect(r!.body).toContain('Send us &quot;documents&quot;');
    expect(r!.body.match(/<script[^>]*>/g)).toEqual(['<script src="/upload.js" defer>']);
    expect(r!.body).not.toMatch(/<script>|src="(?!\/upload\.js")|href="http|style=|\son\w+=/i);
  });

  it('refuses other hosts, methods and paths', async () => {
    expect((await raw({ host: 'evil.example' }))?.status).toBe(421);
    expect((await raw({ path: '/../../etc/passwd' }))?.status).toBe(404);
    expect((await raw({ path: '/upload' }))?.status).toBe(405);
    server.setOnionHost('abc.onion');
    expect((await raw({ host: 'abc.onion' }))?.status).toBe(200);
  });
});

describe('uploads', () => {
  it('stores files under safe names and a message as UTF-8; the page confirms', async () => {
    const body = multipart([
      { name: 'file', filename: '../../../etc/passwd', data: 'one' },
      { name: 'file', filename: '/abs/path/two.txt', data: 'two' },
      { name: 'file', filename: 'ev\u0000\u0001il\u007f\u202e.txt', data: 'three', encoded: true },
      { name: 'file', filename: 'CON.txt', data: 'four' },
      { name: 'file', filename: `${'n'.repeat(300)}.pdf`, data: 'five' },
      { name: 'message', data: 'Hello — سلام\nline 2' },
    ]);
    const r = await raw({ method: 'POST', path: '/upload', body });
    expect(r?.status).toBe(200);
    expect(r?.body).toContain('Received: 5 files and 1 message');
    const [f] = await folders();
    const names = (await readdir(join(uploadsDir(), f!))).sort();
    expect(names).toContain('passwd');
    expect(names).toContain('two.txt');
    expect(names).toContain('evil.txt');
    expect(names).toContain('_CON.txt');
    expect(names).toContain('message.txt');
    expect(names).not.toContain(INCOMPLETE_MARKER);
    const long = names.find((n) => n.startsWith('nnn'));
    expect(long && Buffer.byteLength(long)).toBeLessThanOrEqual(180);
    expect(long?.endsWith('.pdf')).toBe(true);
    expect(await readFile(join(uploadsDir(), f!, 'message.txt'), 'utf8')).toBe('Hello — سلام\nline 2');
    expect(await readdir(dir)).toEqual(['uploads']); // nothing escaped the uploads folder
    expect(events.at(-1)).toMatchObject({ state: 'complete', id: f });
    // The log says what happened without file names or content.
    expect(logged.join('\n')).not.toMatch(/passwd|two\.txt|سلام/);
  });

  it('gives duplicates suffixes and skips the empty part a browser sends with no file chosen', async () => {
    const body = multipart([
      { name: 'file', filename: 'a.txt', data: '1' },
      { name: 'file', filename: 'A.txt', data: '2' },
      { name: 'file', filename: '', data: '' },
      { name: 'message', data: '' },
    ]);
    expect((await raw({ method: 'POST', path: '/upload', body }))?.status).toBe(200);
    const [f] = await folders();
    expect((await readdir(join(uploadsDir(), f!))).sort()).toEqual(['A-2.txt', 'a.txt']);
  });

  it('says so when nothing was sent', async () => {
    const r = await raw({ method: 'POST', path: '/upload', body: multipart([{ name: 'message', data: '  ' }]) });
    expect(r?.status).toBe(400);
    expect(r?.body).toContain('Choose a file or write a message');
    expect(await folders()).toEqual([]);
  });

  it('rejects an oversize body from its Content-Length before storing anything', async () => {
    const body = multipart([{ name: 'file', filename: 'big.bin', data: Buffer.alloc(2 * 1024 * 1024) }]);
    const r = await raw({ method: 'POST', path: '/upload', body });
    expect(r?.status).toBe(413);
    expect(r?.body).toContain('larger than this drop accepts');
    expect(await folders()).toEqual([]);
    expect(refused).toEqual(['too_large']);
  });

  it('stops an oversize file inside a small-enough body, keeps earlier uploads and marks this one incomplete', async () => {
    expect((await raw({ method: 'POST', path: '/upload', body: multipart([{ name: 'file', filename: 'first.txt', data: 'keep me' }]) }))?.status).toBe(200);
    const body = multipart([
      { name: 'file', filename: 'ok.bin', data: Buffer.alloc(1000, 1) },
      { name: 'file', filename: 'big.bin', data: Buffer.alloc(300 * 1024, 2) },
    ]);
    const r = await raw({ method: 'POST', path: '/upload', body });
    expect(r?.status).toBe(413);
    expect(r?.body).toContain('a file is larger than this drop accepts');
    await until(() => events.some((e) => e.state === 'incomplete'));
    const [first, second] = await folders();
    expect(await readFile(join(uploadsDir(), first!, 'first.txt'), 'utf8')).toBe('keep me');
    expect(await readdir(join(uploadsDir(), first!))).toEqual(['first.txt']);
    const names = (await readdir(join(uploadsDir(), second!))).sort();
    expect(names).toEqual([INCOMPLETE_MARKER, 'big.bin.part', 'ok.bin']);
    expect(await readFile(join(uploadsDir(), second!, INCOMPLETE_MARKER), 'utf8')).toContain('did not finish');
  });

  it('answers 400 to malformed multipart and to a missing boundary', async () => {
    const noBoundary = await raw({ method: 'POST', path: '/upload', body: Buffer.from('x'), headers: { 'Content-Type': 'multipart/form-data' } });
    expect(noBoundary?.status).toBe(400);
    const notMultipart = await raw({ method: 'POST', path: '/upload', body: Buffer.from('a=1'), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(notMultipart?.status).toBe(400);
    // A file part whose closing boundary never comes: the body ends mid-file.
    const truncated = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="t.bin"\r\n\r\npartial data without end`);
    const r = await raw({ method: 'POST', path: '/upload', body: truncated });
    expect(r?.status).toBe(400);
    await until(() => events.some((e) => e.state === 'incomplete'));
    const [f] = await folders();
    const left = await readdir(join(uploadsDir(), f!));
    expect(left).toContain(INCOMPLETE_MARKER);
    expect(left).not.toContain('t.bin');
    // Garbage headers inside a part.
    const garbage = Buffer.from(`--${BOUNDARY}\r\n\u0000\u0001garbage\r\n\r\nx\r\n--${BOUNDARY}--\r\n`);
    const g = await raw({ method: 'POST', path: '/upload', body: garbage });
    expect([200, 400]).toContain(g?.status);
    expect(g?.status === 200 ? g.body : '').not.toContain('Received');
    // Malformed requests are the source's problem, not something the journalist can act on.
    expect(refused).toEqual([]);
  });

  it('marks an upload incomplete when the client hangs up mid-file, leaving the partial as .part', async () => {
    const body = multipart([
      { name: 'file', filename: 'done.txt', data: 'whole' },
      { name: 'file', filename: 'cut.bin', data: Buffer.alloc(200 * 1024, 7) },
    ]);
    await raw({ method: 'POST', path: '/upload', body, cutAfter: 100 * 1024 });
    await until(() => events.some((e) => e.state === 'incomplete'));
    const last = events.at(-1)!;
    expect(last.state).toBe('incomplete');
    expect(last.reason).toContain('connection was lost');
    expect(last.files.find((f) => f.name === 'cut.bin')).toMatchObject({ complete: false });
    expect(last.files.find((f) => f.name === 'done.txt')).toMatchObject({ complete: true });
    const [f] = await folders();
    expect((await readdir(join(uploadsDir(), f!))).sort()).toEqual([INCOMPLETE_MARKER, 'cut.bin.part', 'done.txt']);
    // The server still works afterwards.
    expect((await raw({}))?.status).toBe(200);
  });

  it('tells the source and the journalist when the disk is full', async () => {
    free = 10;
    const r = await raw({ method: 'POST', path: '/upload', body: multipart([{ name: 'file', filename: 'a', data: 'abc' }]) });
    expect(r?.status).toBe(507);
    expect(r?.body).toContain('out of disk space');
    // The journalist hears it too: nothing was stored, so there is no upload to show it on.
    expect(refused).toEqual(['disk_full']);
  });

  it('refuses what the drop does not accept', async () => {
    await startServer({ ...INFO, accept: 'files' });
    const r = await raw({ method: 'POST', path: '/upload', body: multipart([{ name: 'message', data: 'hi' }]) });
    expect(r?.status).toBe(400);
    expect(r?.body).toContain('files only');
    await startServer({ ...INFO, accept: 'text' });
    const page = await raw({});
    expect(page?.body).not.toContain('type="file"');
    const r2 = await raw({ method: 'POST', path: '/upload', body: multipart([{ name: 'file', filename: 'x', data: 'hi' }]) });
    expect(r2?.status).toBe(400);
  });

  it('emits progress while a file streams in', async () => {
    const body = multipart([{ name: 'file', filename: 'p.bin', data: Buffer.alloc(200 * 1024, 3) }]);
    expect((await raw({ method: 'POST', path: '/upload', body }))?.status).toBe(200);
    const receiving = events.filter((e) => e.state === 'receiving');
    expect(receiving.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ state: 'complete', stored: 200 * 1024, expected: body.length });
  });
});
