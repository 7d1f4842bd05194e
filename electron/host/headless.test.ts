// The headless host's guards (token, Origin, Host) and its resilience to bad frames, over real
// loopback HTTP and WebSocket connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createCore, type Core } from '../app/core';
import { Logger } from '../logging/logger';
import { startHeadlessHost, type HeadlessHost } from './headless';
import { WS_AUTH_PREFIX, WS_PROTOCOL, HostFrameSchema, type HostFrame } from '../../shared/ipc/wire';
import type { LogLine } from '../../shared/domain/app';

const STATIC = fileURLToPath(new URL('./__fixtures__/static', import.meta.url));
let core: Core;
let host: HeadlessHost;
let dir: string;
const logLines: LogLine[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-host-'));
  const logger = new Logger({ sink: (_f, l) => logLines.push(l) });
  core = await createCore({ dataDir: dir, mode: 'lab', host: 'headless', logger, autostart: false });
  host = await startHeadlessHost({ router: core.router, bus: core.bus, staticDir: STATIC, log: logger.scope('host') });
  logger.addSecret(host.token);
});
afterAll(async () => {
  await host.close();
  await core.shutdown();
  await rm(dir, { recursive: true, force: true });
});

interface ConnectOpts {
  token?: string | null;
  origin?: string | null;
  host?: string;
}

/** Opens a WebSocket; resolves with the socket or with the HTTP status of a rejected upgrade. */
function connect(o: ConnectOpts = {}): Promise<{ ws: WebSocket } | { status: number }> {
  const token = o.token === undefined ? host.token : o.token;
  const protocols = token === null ? [WS_PROTOCOL] : [WS_PROTOCOL, `${WS_AUTH_PREFIX}${token}`];
  const headers: Record<string, string> = {};
  if (o.host) headers.Host = o.host;
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ipc`, protocols, {
    headers,
    ...(o.origin === null ? {} : { origin: o.origin ?? `http://127.0.0.1:${host.port}` }),
  });
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

async function open(): Promise<WebSocket> {
  const r = await connect();
  if (!('ws' in r)) throw new Error(`connect failed with ${r.status}`);
  return r.ws;
}

function nextFrame(ws: WebSocket, pred: (f: HostFrame) => boolean = () => true): Promise<HostFrame> {
  return new Promise((resolve) => {
    const onMsg = (data: WebSocket.RawData) => {
      const frame = HostFrameSchema.parse(JSON.parse(Buffer.from(data as Buffer).toString("utf8")));
      if (pred(frame)) {
        ws.off('message', onMsg);
        resolve(frame);
      }
    };
    ws.on('message', onMsg);
  });
}

function httpGet(path: string, hostHeader?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers: hostHeader ? { Host: hostHeader } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('headless host guards', () => {
  it('serves the renderer with a strict CSP on 127.0.0.1 only', async () => {
    const res = await httpGet('/');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
  });

  it('refuses path traversal and foreign Host headers over HTTP', async () => {
    expect((await httpGet('/../../etc/passwd')).status).not.toBe(200);
    expect((await httpGet('/%2e%2e/%2e%2e/etc/passwd')).status).not.toBe(200);
    expect((await httpGet('/', 'evil.example:80')).status).toBe(421);
  });

  it('rejects a WebSocket with no token, a wrong token, a foreign Origin or a foreign Host', async () => {
    expect(await connect({ token: null })).toEqual({ status: 401 });
    expect(await connect({ token: 'f'.repeat(64) })).toEqual({ status: 401 });
    expect(await connect({ token: host.token.slice(0, 10) })).toEqual({ status: 401 });
    expect(await connect({ origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await connect({ origin: null })).toEqual({ status: 403 });
    expect(await connect({ host: `rebind.example:${host.port}` })).toEqual({ status: 421 });
  });

  it('never writes the token to the log', () => {
    expect(logLines.some((l) => l.message.includes(host.token))).toBe(false);
    expect(logLines.some((l) => l.message.includes('without the right token'))).toBe(true);
  });
});

describe('headless host frames', () => {
  it('answers a valid invoke with a Result', async () => {
    const ws = await open();
    ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'underpass:app:getInfo' }));
    const frame = await nextFrame(ws);
    expect(frame).toMatchObject({ t: 'result', id: 1, result: { ok: true, value: { name: 'Underpass', host: 'headless', mode: 'lab' } } });
    ws.close();
  });

  it('turns malformed and oversized frames into typed errors and keeps the connection', async () => {
    const ws = await open();
    const cases: [string | Buffer, string, number | null][] = [
      ['not json {', 'IPC_BAD_REQUEST', null],
      [JSON.stringify({ t: 'invoke', id: 7, channel: 42 }), 'IPC_BAD_REQUEST', 7],
      [JSON.stringify({ t: 'invoke', id: 8, channel: 'underpass:nope:x' }), 'IPC_UNKNOWN_CHANNEL', 8],
      [JSON.stringify({ t: 'invoke', id: 9, channel: 'underpass:supervisor:start', args: { id: '../../etc' } }), 'IPC_INVALID_ARGS', 9],
      [JSON.stringify({ t: 'invoke', id: 10, channel: 'underpass:supervisor:start', args: { id: 'nope' } }), 'PROCESS_NOT_FOUND', 10],
      [JSON.stringify({ t: 'invoke', id: 11, channel: 'underpass:app:getInfo', pad: 'x'.repeat(300_000) }), 'IPC_FRAME_TOO_LARGE', null],
      [Buffer.from([1, 2, 3]), 'IPC_BAD_REQUEST', null],
    ];
    for (const [payload, code, id] of cases) {
      ws.send(payload);
      const frame = await nextFrame(ws);
      expect(frame.t).toBe('result');
      if (frame.t === 'result') {
        expect(frame.id).toBe(id);
        expect(frame.result.ok).toBe(false);
        if (!frame.result.ok) expect(frame.result.error.code).toBe(code);
      }
    }
    // Still alive: the same connection answers, and the server accepts a new one.
    ws.send(JSON.stringify({ t: 'invoke', id: 12, channel: 'underpass:supervisor:list' }));
    const listed = await nextFrame(ws);
    expect(listed).toMatchObject({ id: 12, result: { ok: true } });
    if (listed.t === 'result' && listed.result.ok) expect(listed.result.value).toContainEqual(expect.objectContaining({ id: 'tor', state: 'stopped' }));
    const second = await open();
    second.close();
    ws.close();
  });

  it('pushes contract events to connected clients', async () => {
    const ws = await open();
    const evt = nextFrame(ws, (f) => f.t === 'event' && f.channel === 'underpass:settings:onChanged');
    ws.send(JSON.stringify({ t: 'invoke', id: 20, channel: 'underpass:settings:update', args: { language: 'fa' } }));
    expect(await evt).toMatchObject({ t: 'event', payload: { language: 'fa' } });
    ws.close();
  });
});
