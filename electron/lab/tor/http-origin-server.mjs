// The Tor lab's "internet": a tiny HTTP server on 127.0.0.1 (inside the lab netns when there is one)
// that exits reach. Plain JS so `node` runs it without tsx. Serves only fixed routes; never dials out.
// Usage: node http-origin-server.mjs --nonce <hex> [--port <n>]   → prints "listening 127.0.0.1:<port>"
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { URL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const nonce = arg('--nonce', '');
const port = Number(arg('--port', '0'));
if (!/^[0-9a-f]{8,64}$/.test(nonce) || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: http-origin-server.mjs --nonce <hex> [--port <n>]\n');
  process.exit(2);
}

// Must match originBody() in http-origin.ts.
const body = `underpass lab origin\n${nonce}\n`;
const MAX_BYTES = 2 ** 30;
const CHUNK = 64 * 1024;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://origin.invalid');
  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
    return;
  }
  const bytes = /^\/bytes\/(\d{1,10})$/.exec(url.pathname);
  if (req.method === 'GET' && bytes) {
    const total = Number(bytes[1]);
    if (total > MAX_BYTES) {
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end(`at most ${MAX_BYTES} bytes\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total, 'cache-control': 'no-store' });
    let left = total;
    // Respect backpressure: a slow tor circuit must not make us buffer the whole body.
    const pump = () => {
      while (left > 0) {
        const n = Math.min(CHUNK, left);
        left -= n;
        if (!res.write(randomBytes(n))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  if (req.method === 'POST' && url.pathname === '/sink') {
    let received = 0;
    req.on('data', (chunk) => {
      received += chunk.length;
    });
    req.on('end', () => {
      const reply = `${JSON.stringify({ bytes: received })}\n`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
      res.end(reply);
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening 127.0.0.1:${typeof address === 'object' && address ? address.port : port}\n`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
