// "Test connection": one HTTP(S) GET through tor's SOCKS port with the `socks` package, over TCP or
// tor's unix SocksPort. Reports status, bytes, time and a short excerpt; never throws.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SocksClient } from 'socks';
import type { Endpoint, SocksTestResult } from '../../../shared/domain/tor';

const MAX_BODY = 256 * 1024;

export async function socksHttpGet(socks: Endpoint, url: string, timeoutMs = 30_000, maxBody = MAX_BODY): Promise<SocksTestResult> {
  const t0 = performance.now();
  const base = { url, status: null, bytes: 0, excerpt: '' };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ...base, ok: false, ms: 0, error: 'not a valid URL' };
  }
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  let socket: Socket | undefined;
  try {
    const existing = socks.kind === 'unix' ? await openUnix(socks.path) : undefined;
    const { socket: tunnel } = await SocksClient.createConnection({
      proxy: socks.kind === 'tcp' ? { host: socks.host, port: socks.port, type: 5 } : { host: '127.0.0.1', port: 1, type: 5 },
      ...(existing ? { existing_socket: existing } : {}),
      command: 'connect',
      // Hostname, not a resolved address: tor resolves at the exit, so no DNS leaks here.
      destination: { host: target.hostname, port },
      timeout: timeoutMs,
    });
    socket = tunnel;
    const stream: Socket =
      target.protocol === 'https:' ? tlsConnect({ socket: tunnel, servername: target.hostname }) : tunnel;
    const response = await httpExchange(stream, target, timeoutMs, maxBody);
    const ms = performance.now() - t0;
    return {
      ok: response.status >= 200 && response.status < 400,
      url,
      status: response.status,
      bytes: response.body.length,
      ms,
      excerpt: response.body.subarray(0, 400).toString('utf8'),
      error: null,
    };
  } catch (e) {
    return { ...base, ok: false, ms: performance.now() - t0, error: e instanceof Error ? e.message : String(e) };
  } finally {
    socket?.destroy();
  }
}

function openUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ path });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function httpExchange(stream: Socket, url: URL, timeoutMs: number, maxBody: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(new Error(`no complete answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      stream.destroy();
      if (err && size === 0) return reject(err);
      const raw = Buffer.concat(chunks);
      const headerEnd = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, headerEnd === -1 ? raw.length : headerEnd).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (!m?.[1]) return reject(new Error('the answer was not HTTP'));
      resolve({ status: Number(m[1]), body: headerEnd === -1 ? Buffer.alloc(0) : raw.subarray(headerEnd + 4) });
    };
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
      else finish();
    });
    stream.once('end', () => finish());
    stream.once('error', (e) => finish(e));
    const path = `${url.pathname}${url.search}`;
    stream.write(`GET ${path || '/'} HTTP/1.1\r\nHost: ${url.host}\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
  });
}
