// One drop's HTTP server on 127.0.0.1:<random>, the target of its ADD_ONION. Serves the form,
// streams multipart uploads (busboy) into DropStorage and reports progress. It logs no source
// data: no addresses (all loopback anyway), no user agents, no file names.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { ScopedLogger } from '../../logging/logger';
import { errorPage, FORM_CSP, formPage, receivedPage, SECURITY_HEADERS, type DropPageInfo } from './pages';
import { UPLOAD_SCRIPT } from './page-script';
import { ResumableUploads } from './resumable';
import { StorageError, type DropStorage, type UploadFolder } from './storage';

import type { UploadProgress } from './progress';

export type { UploadProgress };

export interface DropServerOptions {
  info: DropPageInfo;
  storage: DropStorage;
  log: ScopedLogger;
  onUpload?: (p: UploadProgress) => void;
  /** A source was turned away before anything was stored (disk full, over a limit). */
  onRefused?: (kind: RefusalKind) => void;
  now?: () => Date;
  /** ms between progress events of one upload. */
  progressEveryMs?: number;
  /** A connection silent this long is dropped (a dead circuit); the upload is marked incomplete. */
  idleTimeoutMs?: number;
  /**
   * Also listen on this unix socket: the onion's target where the platform has them. No other
   * local user can reach it, and it works when the app's tor runs in another network namespace
   * (the lab), where 127.0.0.1 is not ours.
   */
  unixPath?: string;
  /** A resumable upload with no request for this long stays marked incomplete. */
  abandonAfterMs?: number;
}

/** Multipart framing around the content: boundaries, part headers, the message field. */
const MULTIPART_SLACK = 1024 * 1024;
/** After rejecting a body we read at most this much more so the browser can show our page. */
const DRAIN_LIMIT = 8 * 1024 * 1024;

type Failure = { status: number; message: string };

export type RefusalKind = 'disk_full' | 'too_large';

/** The refusals the journalist hears about: ones they can act on. Malformed requests are not. */
export function refusalKind(e: unknown): RefusalKind | null {
  if (!(e instanceof StorageError)) return null;
  if (e.kind === 'disk_full') return 'disk_full';
  return e.kind === 'file_too_large' || e.kind === 'upload_too_large' ? 'too_large' : null;
}

function failureOf(e: unknown): Failure {
  if (e instanceof StorageError) {
    switch (e.kind) {
      case 'file_too_large':
      case 'upload_too_large':
      case 'message_too_large':
      case 'too_many_files':
        return { status: 413, message: e.message };
      case 'disk_full':
        return { status: 507, message: 'The receiving computer is out of disk space. Nothing you sent was lost on your side; please try again later.' };
      case 'io':
        return { status: 500, message: 'The upload could not be saved. Please try again.' };
    }
  }
  return { status: 400, message: e instanceof Error ? e.message : 'The upload could not be read.' };
}

export class DropServer {
  private server: Server | null = null;
  private unixServer: Server | null = null;
  private onionHost: string | null = null;
  private info: DropPageInfo;
  private readonly active = new Set<IncomingMessage>();
  private readonly resumable: ResumableUploads;

  constructor(private readonly opts: DropServerOptions) {
    this.info = opts.info;
    this.resumable = new ResumableUploads({
      storage: opts.storage,
      log: opts.log,
      acceptsFiles: () => this.info.accept !== 'text',
      progress: (p) => opts.onUpload?.(p),
      refused: (kind) => opts.onRefused?.(kind),
      now: opts.now ?? (() => new Date()),
      abandonAfterMs: opts.abandonAfterMs ?? 30 * 60_000,
    });
  }

  get port(): number | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  /** Requests must name the onion (or the loopback port): other Host values are not ours. */
  setOnionHost(host: string | null): void {
    this.onionHost = host?.toLowerCase() ?? null;
  }

  async start(): Promise<number> {
    this.server = await this.listen((srv, done) => srv.listen(0, '127.0.0.1', done));
    const unixPath = this.opts.unixPath;
    if (unixPath) {
      await rm(unixPath, { force: true });
      this.unixServer = await this.listen((srv, done) => srv.listen(unixPath, done));
      await chmod(unixPath, 0o600);
    }
    return this.port ?? 0;
  }

  /** The unix socket tor should forward to, when there is one. */
  get socketPath(): string | null {
    return this.unixServer ? (this.opts.unixPath ?? null) : null;
  }

  private async listen(bind: (srv: Server, done: () => void) => void): Promise<Server> {
    const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
      this.handle(req, res);
    });
    server.setTimeout(this.opts.idleTimeoutMs ?? 120_000, (socket) => socket.destroy());
    // The client error handler keeps Node from writing a default response with its own headers.
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      bind(server, () => resolve());
    });
    return server;
  }

  async stop(): Promise<void> {
    const servers = [this.server, this.unixServer].filter((s): s is Server => s !== null);
    this.server = null;
    this.unixServer = null;
    for (const req of this.active) req.destroy();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    await this.resumable.stop();
  }

  private allowedHost(host: string | undefined): boolean {
    if (!host) return false;
    const h = host.toLowerCase();
    const port = this.port;
    const local = [`127.0.0.1:${port}`, `localhost:${port}`];
    const onion = this.onionHost ? [this.onionHost, `${this.onionHost}:80`] : [];
    return local.includes(h) || onion.includes(h);
  }

  private send(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)), ...extra });
    res.end(html);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.sendDate = false; // no Date header: it tells the world this machine's clock
    if (!this.allowedHost(req.headers.host)) {
      this.send(res, 421, errorPage(null, 'Unknown host.'), { Connection: 'close' });
      req.resume();
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) return this.send(res, 200, formPage(this.info), { 'Content-Security-Policy': FORM_CSP });
    if (req.method === 'GET' && path === '/upload.js') {
      req.resume();
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': String(Buffer.byteLength(UPLOAD_SCRIPT)) });
      return void res.end(UPLOAD_SCRIPT);
    }
    if (this.resumable.handle(req, res, path, q < 0 ? '' : url.slice(q + 1))) return;
    if (req.method === 'HEAD' && path === '/') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8' });
      return void res.end();
    }
    if (req.method === 'POST' && path === '/upload') return void this.upload(req, res);
    req.resume();
    if (path === '/upload') return this.send(res, 405, errorPage(this.info, 'Use the form to upload.'), { Allow: 'POST' });
    this.send(res, 404, errorPage(this.info, 'There is nothing here.'));
  }

  private async upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { storage, log } = this.opts;
    const limits = storage.limits;
    const receivedAt = (this.opts.now ?? (() => new Date()))();
    const lengthHeader = req.headers['content-length'];
    const expected = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;

    const reject = (f: Failure) => {
      this.send(res, f.status, errorPage(this.info, f.message), { Connection: 'close' });
      drain(req);
    };
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) return reject({ status: 400, message: 'The upload must be sent with the form.' });
    const refuse = (e: unknown) => {
      const kind = refusalKind(e);
      if (kind) this.opts.onRefused?.(kind);
      reject(failureOf(e));
    };
    if (expected !== null && expected > limits.maxUploadBytes + MULTIPART_SLACK) {
      return refuse(new StorageError('upload_too_large', `the upload is larger than this drop accepts (${limits.maxUploadBytes} bytes)`));
    }
    try {
      await storage.checkFree(expected ?? 0);
    } catch (e) {
      return refuse(e);
    }

    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        preservePath: true, // we take the basename ourselves, for both separators
        defParamCharset: 'utf8',
        limits: {
          // One byte over the limit so the storage layer sees it and says which limit was hit.
          fileSize: limits.maxFileBytes + 1,
          files: limits.maxFiles,
          fields: 4,
          fieldSize: limits.maxMessageBytes,
          parts: limits.maxFiles + 4,
          headerPairs: 16,
        },
      });
    } catch (e) {
      return reject({ status: 400, message: `The upload could not be read: ${e instanceof Error ? e.message : 'bad request'}` });
    }

    this.active.add(req);
    let folder: Promise<UploadFolder> | null = null;
    let chain: Promise<void> = Promise.resolve();
    let received = 0;
    let currentFile: Readable | null = null;
    let failed: Failure | null = null;
    let finished = false;
    let lastEmit = 0;
    const fileCounts = { files: 0, messages: 0 };
    const emitEvery = this.opts.progressEveryMs ?? 250;

    const openFolder = () => (folder ??= storage.beginUpload(receivedAt));
    const progress = (state: UploadProgress['state'], f: UploadFolder, reason: string | null = null) => {
      this.opts.onUpload?.({
        id: f.id,
        receivedAt: f.receivedAt,
        state,
        received,
        expected,
        stored: f.bytes,
        files: f.files.map((x) => ({ ...x })),
        reason,
      });
    };
    // Throttled, with a trailing event so the last bytes of a burst are always reported.
    let trailing: NodeJS.Timeout | null = null;
    let openFolderNow: UploadFolder | null = null;
    const tick = (f: UploadFolder) => {
      openFolderNow = f;
      // After the final event nothing may follow it: a refused body is still drained, and its reads
      // must not turn an 'incomplete' upload back into 'receiving' in the journalist's list.
      if (failed || finished) return;
      const t = Date.now();
      if (t - lastEmit >= emitEvery) {
        lastEmit = t;
        progress('receiving', f);
      } else if (!trailing) {
        trailing = setTimeout(() => {
          trailing = null;
          if (failed || finished) return;
          lastEmit = Date.now();
          progress('receiving', f);
        }, emitEvery - (t - lastEmit));
      }
    };

    const fail = (f: Failure, why: string) => {
      if (failed || finished) return;
      failed = f;
      currentFile?.destroy(new Error(why));
      req.unpipe(bb);
      bb.removeAllListeners('file');
      bb.removeAllListeners('field');
      void (async () => {
        await chain.catch(() => undefined);
        if (folder) {
          const fo = await folder.catch(() => null);
          if (fo) {
            await fo.fail(why);
            progress('incomplete', fo, why);
            log.warn(`upload ${fo.id} incomplete (${f.status}): ${why}`);
          }
        }
        this.active.delete(req);
      })();
      // req.destroyed is also true once a body was read to its end: ask the socket.
      if (!req.socket.destroyed) {
        this.send(res, f.status, errorPage(this.info, f.message), { Connection: 'close' });
        drain(req);
      }
    };

    req.on('data', (c: Buffer) => {
      received += c.length;
      if (openFolderNow) tick(openFolderNow);
    });
    req.on('close', () => {
      if (!finished && !req.complete) fail({ status: 400, message: 'The connection was lost.' }, 'the connection was lost before the upload finished');
    });

    bb.on('file', (_field, stream, info) => {
      // Errors before the chain reads this stream (a cut-off body) surface when it does.
      stream.on('error', () => undefined);
      if (this.info.accept === 'text') {
        stream.resume();
        return fail({ status: 400, message: 'This drop accepts text messages only.' }, 'files were sent to a text-only drop');
      }
      // Opened now, not in the chain: a body cut off right here still shows up as an incomplete upload.
      const opening = openFolder();
      chain = chain.then(async () => {
        const f = await opening;
        if (failed) return void stream.resume();
        // A browser sends an empty part with no name when no file was chosen.
        if (!info.filename) {
          for await (const c of stream as AsyncIterable<Buffer>) if (c.length) throw new StorageError('io', 'a file without a name');
          return;
        }
        currentFile = stream;
        await f.writeFile(info.filename, stream, () => tick(f));
        currentFile = null;
        fileCounts.files++;
      });
      chain.catch((e: unknown) => fail(failureOf(e), e instanceof Error ? e.message : 'the upload failed'));
    });

    bb.on('field', (name, value, info) => {
      if (name !== 'message') return;
      if (info.valueTruncated) {
        return fail(failureOf(new StorageError('message_too_large', `the message is longer than this drop accepts (${limits.maxMessageBytes} bytes)`)), 'the message was too long');
      }
      if (!value.trim()) return;
      if (this.info.accept === 'files') return fail({ status: 400, message: 'This drop accepts files only.' }, 'a message was sent to a files-only drop');
      chain = chain.then(async () => {
        if (failed) return;
        const f = await openFolder();
        await f.writeMessage(value);
        fileCounts.messages++;
        tick(f);
      });
      chain.catch((e: unknown) => fail(failureOf(e), e instanceof Error ? e.message : 'the message could not be saved'));
    });

    const limitHit = (what: string) => () => fail(failureOf(new StorageError('too_many_files', `an upload may contain at most ${limits.maxFiles} files`)), what);
    bb.on('filesLimit', limitHit('too many files'));
    bb.on('partsLimit', limitHit('too many parts'));
    bb.on('fieldsLimit', () => fail({ status: 400, message: 'The form sent unexpected fields.' }, 'too many fields'));
    bb.on('error', (e: unknown) => fail({ status: 400, message: `The upload could not be read (${e instanceof Error ? e.message : 'malformed'}).` }, 'the upload was malformed or cut off'));
    bb.on('close', () => {
      void (async () => {
        try {
          await chain;
        } catch {
          return; // fail() already answered
        }
        if (failed) return;
        finished = true;
        this.active.delete(req);
        if (!folder) {
          this.send(res, 400, errorPage(this.info, 'Choose a file or write a message first.'));
          return;
        }
        const f = await folder;
        try {
          await f.complete();
        } catch (e) {
          finished = false;
          return fail(failureOf(e), 'the upload could not be finished');
        }
        progress('complete', f);
        log.info(`upload ${f.id} complete: ${fileCounts.files} file(s), ${fileCounts.messages} message(s), ${f.bytes} bytes`);
        this.send(res, 200, receivedPage(this.info, fileCounts.files, fileCounts.messages));
      })();
    });
    req.pipe(bb);
  }
}

/**
 * A "lingering close" after refusing a body: keep reading (and discarding) what the source still
 * sends so the browser shows our answer. Node destroys a `Connection: close` socket as soon as the
 * answer is written; with body bytes still queued the kernel then answers with a reset, and the
 * source's TCP stack throws our error page away unread (seen in 1 of 3 disk-full runs on loopback).
 * So our side only sends FIN, and the socket goes when the source hangs up, or after 30 s, or once
 * DRAIN_LIMIT more bytes came in at least 2 s after our answer.
 */
function drain(req: IncomingMessage): void {
  const socket = req.socket;
  const since = Date.now();
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
  };
  let n = 0;
  req.on('data', (c: Buffer) => {
    n += c.length;
    if (n > DRAIN_LIMIT && Date.now() - since > 2000) socket.destroy();
  });
  req.resume();
  setTimeout(() => socket.destroy(), 30_000).unref();
}
