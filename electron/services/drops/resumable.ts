// The drop's resumable path for pages that run JavaScript: POST /u/new, GET /u/<id>, PUT
// /u/<id>?offset=N, POST /u/<id>/done. One upload id is one file in its own upload folder; the
// stored size a source resumes from only counts fsynced bytes. Logs no names or sizes of sources' data.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ScopedLogger } from '../../logging/logger';
import { SECURITY_HEADERS } from './pages';
import { StorageError, type DropStorage, type ResumableFile } from './storage';
import type { UploadProgress } from './progress';

/** Larger PUT bodies are refused: a cut circuit should cost at most this much again. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const MAX_JSON_BYTES = 4096;
/** Uploads in progress at once; more would let one source hold many open files. */
const MAX_OPEN = 32;
const ID_RE = /^[A-Za-z0-9_-]{43}$/;
const OFFSET_RE = /^(0|[1-9]\d{0,15})$/;

const NewUpload = z.strictObject({
  name: z.string().min(1).max(1024),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

interface Session {
  file: ResumableFile;
  size: number;
  timer: NodeJS.Timeout | null;
}

export interface ResumableOptions {
  storage: DropStorage;
  log: ScopedLogger;
  acceptsFiles: () => boolean;
  progress: (p: UploadProgress) => void;
  /** A source was turned away for lack of space or over a limit (the journalist is told). */
  refused: (kind: 'disk_full' | 'too_large') => void;
  now: () => Date;
  /** An upload with no request for this long is given up and stays marked incomplete. */
  abandonAfterMs: number;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function statusOf(e: StorageError): number {
  switch (e.kind) {
    case 'file_too_large':
    case 'upload_too_large':
    case 'message_too_large':
    case 'too_many_files':
      return 413;
    case 'disk_full':
      return 507;
    case 'io':
      return 500;
  }
}

export class ResumableUploads {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly opts: ResumableOptions) {}

  /** Handles /u/… requests; false when the path is not ours. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): boolean {
    if (!path.startsWith('/u/')) return false;
    void this.route(req, res, path, query).catch((e: unknown) => {
      const f = e instanceof HttpFailure ? e : e instanceof StorageError ? new HttpFailure(statusOf(e), e.message) : new HttpFailure(500, 'The upload could not be saved.');
      this.json(res, f.status, { error: f.message, ...f.extra });
      if (!req.complete) drainQuietly(req);
    });
    return true;
  }

  async stop(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.abandon(id, 'the drop was stopped before the upload finished');
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> {
    if (path === '/u/new') {
      if (req.method !== 'POST') throw new HttpFailure(405, 'Use POST.');
      return this.create(req, res);
    }
    const m = /^\/u\/([^/]+)(\/done)?$/.exec(path);
    if (!m) throw new HttpFailure(404, 'There is nothing here.');
    const id = m[1]!;
    if (!ID_RE.test(id)) throw new HttpFailure(400, 'The upload id is malformed.');
    const s = this.sessions.get(id);
    if (!s) throw new HttpFailure(404, 'No such upload (it finished, expired or never existed).');
    this.touch(id, s);
    if (m[2]) {
      if (req.method !== 'POST') throw new HttpFailure(405, 'Use POST.');
      req.resume();
      return this.done(res, id, s);
    }
    if (req.method === 'GET') {
      req.resume();
      return this.json(res, 200, { stored: s.file.stored, size: s.size });
    }
    if (req.method === 'PUT') return this.put(req, res, id, s, query);
    throw new HttpFailure(405, 'Use GET, PUT or POST …/done.');
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { storage } = this.opts;
    if (!this.opts.acceptsFiles()) throw new HttpFailure(400, 'This drop accepts text messages only.');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpFailure(415, 'Send JSON.');
    if (this.sessions.size >= MAX_OPEN) throw new HttpFailure(503, 'Too many uploads in progress; try again later.');
    const raw = await readLimited(req, MAX_JSON_BYTES);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpFailure(400, 'The request is not valid JSON.');
    }
    const r = NewUpload.safeParse(parsed);
    if (!r.success) throw new HttpFailure(400, `Invalid upload: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    const { name, size } = r.data;
    const { limits } = storage;
    if (size > limits.maxFileBytes || size > limits.maxUploadBytes) {
      this.opts.refused('too_large');
      throw new HttpFailure(413, `The file is larger than this drop accepts (${Math.min(limits.maxFileBytes, limits.maxUploadBytes)} bytes).`);
    }
    try {
      await storage.checkFree(size);
    } catch (e) {
      if (e instanceof StorageError) {
        this.opts.refused('disk_full');
        throw new HttpFailure(507, 'The receiving computer is out of disk space. Please try again later.');
      }
      throw e;
    }
    const folder = await storage.beginUpload(this.opts.now());
    let file: ResumableFile;
    try {
      file = await folder.beginResumable(name, size);
    } catch (e) {
      await folder.fail(e instanceof Error ? e.message : 'the upload could not be started');
      throw e;
    }
    const id = randomBytes(32).toString('base64url');
    const s: Session = { file, size, timer: null };
    this.sessions.set(id, s);
    this.touch(id, s);
    this.emit(s, 'receiving');
    this.json(res, 201, { id, stored: 0, size, chunk: MAX_CHUNK_BYTES });
  }

  private async put(req: IncomingMessage, res: ServerResponse, id: string, s: Session, query: string): Promise<void> {
    const offsetRaw = new URLSearchParams(query).get('offset');
    if (offsetRaw === null || !OFFSET_RE.test(offsetRaw)) throw new HttpFailure(400, 'The offset must be a non-negative whole number.');
    const offset = Number(offsetRaw);
    // Busy: an earlier request (perhaps on a dead circuit) is still being written.
    if (s.file.writing) throw new HttpFailure(409, 'An earlier chunk is still being stored; ask again shortly.', { stored: s.file.stored, busy: true });
    if (offset !== s.file.stored) throw new HttpFailure(409, 'The offset does not match the bytes stored.', { stored: s.file.stored });
    const len = req.headers['content-length'];
    if (len !== undefined && (!/^\d+$/.test(len) || Number(len) > MAX_CHUNK_BYTES)) throw new HttpFailure(413, `A chunk may be at most ${MAX_CHUNK_BYTES} bytes.`);
    if (len !== undefined && offset + Number(len) > s.size) throw new HttpFailure(413, `The chunk runs past the declared size (${s.size} bytes).`);
    const free = await s.file.folder.freeAboveReserve();
    if (free < Math.min(MAX_CHUNK_BYTES, s.size - offset)) {
      this.opts.refused('disk_full');
      throw new HttpFailure(507, 'The receiving computer is out of disk space. Please try again later.');
    }
    let inChunk = 0;
    const limited = async function* (): AsyncIterable<Buffer> {
      for await (const c of req as AsyncIterable<Buffer>) {
        inChunk += c.length;
        if (inChunk > MAX_CHUNK_BYTES) throw new StorageError('file_too_large', `A chunk may be at most ${MAX_CHUNK_BYTES} bytes.`);
        yield c;
      }
    };
    try {
      await s.file.append(limited());
    } catch (e) {
      this.emit(s, 'receiving');
      // A cut connection: what arrived is stored; the source resumes from GET /u/<id>.
      if (req.socket.destroyed || !req.complete) {
        if (!(e instanceof StorageError) || e.kind === 'io') return;
      }
      throw e;
    }
    this.emit(s, 'receiving');
    this.json(res, 200, { stored: s.file.stored, size: s.size });
  }

  private async done(res: ServerResponse, id: string, s: Session): Promise<void> {
    if (s.file.writing) throw new HttpFailure(409, 'A chunk is still being stored.', { stored: s.file.stored, busy: true });
    if (s.file.stored !== s.size) throw new HttpFailure(409, `Only ${s.file.stored} of ${s.size} bytes were received.`, { stored: s.file.stored });
    this.forget(id, s);
    try {
      await s.file.finish();
    } catch (e) {
      await s.file.abandon('the upload could not be finished');
      this.emit(s, 'incomplete', 'the upload could not be finished');
      throw e;
    }
    this.emit(s, 'complete');
    this.opts.log.info(`upload ${s.file.folder.id} complete (resumable): 1 file(s), ${s.file.stored} bytes`);
    this.json(res, 200, { stored: s.file.stored, size: s.size, complete: true });
  }

  private touch(id: string, s: Session): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => void this.abandon(id, 'the source stopped sending before the upload finished'), this.opts.abandonAfterMs);
    s.timer.unref();
  }

  private forget(id: string, s: Session): void {
    if (s.timer) clearTimeout(s.timer);
    this.sessions.delete(id);
  }

  private async abandon(id: string, reason: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    if (s.file.writing) return this.touch(id, s); // still receiving: look again later
    this.forget(id, s);
    await s.file.abandon(reason);
    this.emit(s, 'incomplete', reason);
    this.opts.log.warn(`upload ${s.file.folder.id} incomplete: ${reason}`);
  }

  private emit(s: Session, state: UploadProgress['state'], reason: string | null = null): void {
    const f = s.file.folder;
    this.opts.progress({
      id: f.id,
      receivedAt: f.receivedAt,
      state,
      received: s.file.stored,
      expected: s.size,
      // Only fsynced bytes: the one file of this folder.
      stored: s.file.stored,
      files: f.files.map((x) => ({ ...x })),
      reason,
    });
  }

  private json(res: ServerResponse, status: number, body: Record<string, unknown>): void {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  }
}

async function readLimited(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new HttpFailure(413, `The request body may be at most ${max} bytes.`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function drainQuietly(req: IncomingMessage): void {
  let n = 0;
  req.on('data', (c: Buffer) => {
    n += c.length;
    if (n > MAX_CHUNK_BYTES) req.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
  setTimeout(() => req.destroy(), 30_000).unref();
}
