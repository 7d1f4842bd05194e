// Test and benchmark helper: a "source" tor joined to the lab (SOCKS + control port) and a small
// HTTP/1.1 client over its SOCKS port for GET and streamed multipart uploads to a .onion. Never
// imported by the app; it lives here so the drop's integration test and benchmark share it.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { TorLab } from '../../../lab/tor/tor-lab';
import { socksConnect, startLabClient, type SocksTarget } from '../../../lab/tor/lab-client';
import type { ProcessRegistry } from '../../../supervisor/registry';
import { parsePortFile } from '../../tor/tor-process';
import { TorController } from '../../tor/control';

export { socksConnect, type SocksTarget };
export interface SourceTor {
  socks: SocksTarget;
  controller: TorController;
}

const BOUNDARY = '----underpassDropLabSource';

/** The source: a second tor joined to the lab, with SOCKS and a control port of its own. */
export async function startSourceTor(lab: TorLab, registry: ProcessRegistry, resourcesDir: string, name = 'drop-source'): Promise<SourceTor> {
  const client = await startLabClient(lab, registry, resourcesDir, { name, label: 'Drop test source tor' });
  const target = parsePortFile(await readFile(client.controlPortFile, 'utf8'));
  if (!target) throw new Error('the source tor wrote no control port file');
  const controller = await TorController.connect(target.kind === 'tcp' ? { host: target.host, port: target.port } : { path: target.path });
  await controller.authenticate();
  return { socks: client.socks, controller };
}

/** One HTTP/1.1 exchange through the source's tor; the body parts are written in order, streamed. */
export async function request(s: SocksTarget, host: string, head: string, body: (Buffer | (() => AsyncIterable<Buffer>))[] = []): Promise<{ status: number; text: string }> {
  const socket = await socksConnect(s, host);
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

export async function getWithRetry(s: SocksTarget, host: string, ms = 60_000): Promise<{ status: number; text: string; afterMs: number }> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    try {
      const r = await request(s, host, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      return { ...r, afterMs: Date.now() - t0 };
    } catch (e) {
      last = e; // "No more HSDir available" / general failure while the descriptor publishes
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`the drop did not answer through tor: ${last instanceof Error ? last.message : String(last)}`);
}

export async function upload(s: SocksTarget, host: string, parts: { name: string; filename?: string; data: Buffer | string | { file: string; size: number } }[]): Promise<{ status: number; text: string }> {
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
  return request(s, host, head, pieces);
}

/** One HTTP/1.1 request whose body may be cut off after `cutAfter` bytes (the socket destroyed: a dead circuit). */
async function exchange(s: SocksTarget, host: string, method: string, path: string, body: Buffer | null, type: string, cutAfter?: number): Promise<{ status: number; json: Record<string, unknown> } | null> {
  const socket = await socksConnect(s, host);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  const len = body?.length ?? 0;
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: ${len}\r\n\r\n`);
  if (body && cutAfter !== undefined) {
    socket.write(body.subarray(0, cutAfter));
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    await closed;
    return null;
  }
  if (body && !socket.write(body)) await once(socket, 'drain');
  await closed;
  const all = Buffer.concat(chunks).toString('utf8');
  const split = all.indexOf('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(all)?.[1] ?? 0);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(all.slice(split + 4)) as Record<string, unknown>;
  } catch {
    // not JSON: the caller sees the status
  }
  return { status, json };
}

/**
 * The page script's protocol, as a test client: POST /u/new, PUT chunks, and after a cut (the
 * socket destroyed once `cutAt` bytes were sent) GET /u/<id> and resume from the stored size.
 */
export async function resumableUpload(
  s: SocksTarget,
  host: string,
  file: { name: string; data: Buffer },
  opts: { chunk: number; cutAt?: number },
): Promise<{ status: number; sentBodyBytes: number; resumedFrom: number | null; cuts: number }> {
  const { data } = file;
  const created = await exchange(s, host, 'POST', '/u/new', Buffer.from(JSON.stringify({ name: file.name, size: data.length })), 'application/json');
  if (created?.status !== 201 || typeof created.json.id !== 'string') throw new Error(`POST /u/new answered ${created?.status}: ${JSON.stringify(created?.json)}`);
  const id = created.json.id;
  let stored = 0;
  let sent = 0;
  let cuts = 0;
  let resumedFrom: number | null = null;
  let cutPending = opts.cutAt;
  while (stored < data.length) {
    const chunk = data.subarray(stored, Math.min(stored + opts.chunk, data.length));
    let cutAfter: number | undefined;
    if (cutPending !== undefined && sent + chunk.length > cutPending) {
      cutAfter = Math.max(1, cutPending - sent);
      cutPending = undefined;
    }
    let r: Awaited<ReturnType<typeof exchange>>;
    try {
      r = await exchange(s, host, 'PUT', `/u/${id}?offset=${stored}`, chunk, 'application/octet-stream', cutAfter);
      sent += cutAfter ?? chunk.length;
    } catch {
      r = null;
    }
    if (r?.status === 200 && typeof r.json.stored === 'number') {
      stored = r.json.stored;
      continue;
    }
    if (r?.status === 409 && typeof r.json.stored === 'number') {
      stored = r.json.stored;
      if (r.json.busy) await new Promise((res) => setTimeout(res, 200));
      continue;
    }
    if (r) throw new Error(`PUT answered ${r.status}: ${JSON.stringify(r.json)}`);
    // Cut off: ask the drop what it has, then continue from there.
    cuts++;
    await new Promise((res) => setTimeout(res, 500));
    const g = await exchange(s, host, 'GET', `/u/${id}`, null, 'application/json');
    if (g?.status !== 200 || typeof g.json.stored !== 'number') throw new Error(`GET /u/${id} answered ${g?.status}`);
    stored = g.json.stored;
    resumedFrom ??= stored;
  }
  const done = await exchange(s, host, 'POST', `/u/${id}/done`, null, 'application/json');
  return { status: done?.status ?? 0, sentBodyBytes: sent, resumedFrom, cuts };
}
