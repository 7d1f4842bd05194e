// The headless host: one HTTP server on 127.0.0.1 serving the built renderer, plus a WebSocket at
// /ipc carrying the same contract as Electron IPC. Guarded by a random per-run token (sent as a
// WebSocket subprotocol, never logged), an Origin check and a Host check against DNS rebinding.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { z } from 'zod';
import { err } from '../../shared/ipc/result';
import { InvokeFrameSchema, MAX_FRAME_BYTES, WS_AUTH_PREFIX, WS_PROTOCOL } from '../../shared/ipc/wire';
import type { IpcRouter } from '../ipc/router';
import type { EventBus } from '../services/event-bus';
import type { ScopedLogger } from '../logging/logger';

export interface HeadlessHostOptions {
  router: IpcRouter;
  bus: EventBus;
  /** The built renderer (index.html + assets). */
  staticDir: string;
  log: ScopedLogger;
  port?: number;
  token?: string;
  maxFrameBytes?: number;
  /** Concurrent unanswered requests one connection may have. */
  maxInflight?: number;
}

export interface HeadlessHost {
  port: number;
  /** The one URL given to the user; the token rides in the fragment, which browsers never send. */
  url: string;
  token: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

// A hard cap where ws itself closes the socket; below it, oversize frames get a typed error.
const WS_HARD_LIMIT = 8 * 1024 * 1024;

export async function startHeadlessHost(opts: HeadlessHostOptions): Promise<HeadlessHost> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenBytes = Buffer.from(token, 'utf8');
  const maxFrame = opts.maxFrameBytes ?? MAX_FRAME_BYTES;
  const maxInflight = opts.maxInflight ?? 64;
  const log = opts.log;
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const csp = () =>
    [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "font-src 'self'",
      `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');

  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': csp(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });

  const deny = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
    res.end(`${text}\n`);
  };

  const serveStatic = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return deny(res, 400, 'bad path');
    }
    if (pathname.includes('\0')) return deny(res, 400, 'bad path');
    const rel = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
    const file = join(opts.staticDir, rel);
    if (!file.startsWith(opts.staticDir.endsWith(sep) ? opts.staticDir : opts.staticDir + sep)) return deny(res, 403, 'forbidden');
    try {
      const st = await stat(file);
      if (!st.isFile()) return deny(res, 404, 'not found');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        ...securityHeaders(),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      deny(res, 404, 'not found');
    }
  };

  const server = createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return deny(res, 421, 'unexpected Host header');
    void serveStatic(req, res);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_HARD_LIMIT,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });

  const rejectUpgrade = (socket: Duplex, status: number, reason: string) => {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const tokenMatches = (offered: string[]): boolean => {
    for (const p of offered) {
      if (!p.startsWith(WS_AUTH_PREFIX)) continue;
      const candidate = Buffer.from(p.slice(WS_AUTH_PREFIX.length), 'utf8');
      if (candidate.length === tokenBytes.length && timingSafeEqual(candidate, tokenBytes)) return true;
    }
    return false;
  };

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ipc') return rejectUpgrade(socket, 404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) {
      log.warn('rejected a WebSocket with a foreign Host header');
      return rejectUpgrade(socket, 421, 'Misdirected Request');
    }
    if (!allowedOrigins().has(req.headers.origin ?? '')) {
      log.warn('rejected a WebSocket from a foreign Origin');
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!offered.includes(WS_PROTOCOL) || !tokenMatches(offered)) {
      log.warn('rejected a WebSocket without the right token');
      return rejectUpgrade(socket, 401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  const sockets = new Set<WebSocket>();
  const unsubscribe = opts.bus.subscribe((channel, payload) => {
    const frame = JSON.stringify({ t: 'event', channel, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  const onConnection = (ws: WebSocket) => {
    sockets.add(ws);
    let inflight = 0;
    const reply = (id: number | null, result: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'result', id, result }));
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
      if (isBinary) return reply(null, err('IPC_BAD_REQUEST', 'binary frames are not part of this protocol'));
      if (size > maxFrame) return reply(null, err('IPC_FRAME_TOO_LARGE', `frame of ${size} bytes exceeds ${maxFrame}`));
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return reply(null, err('IPC_BAD_REQUEST', 'frame is not JSON'));
      }
      const frame = InvokeFrameSchema.safeParse(json);
      if (!frame.success) {
        const id = z.object({ id: z.number().int().nonnegative() }).safeParse(json);
        return reply(id.success ? id.data.id : null, err('IPC_BAD_REQUEST', z.prettifyError(frame.error)));
      }
      if (inflight >= maxInflight) return reply(frame.data.id, err('IPC_BAD_REQUEST', 'too many requests in flight'));
      inflight += 1;
      void opts.router
        .dispatch(frame.data.channel, frame.data.args)
        .then((result) => reply(frame.data.id, result))
        .finally(() => {
          inflight -= 1;
        });
    });
    ws.on('error', (e) => log.warn(`WebSocket error: ${e.message}`));
    ws.on('close', () => sockets.delete(ws));
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('headless host has no TCP address');
  port = address.port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
