// The lab webtunnel bridge's HTTPS front: terminates TLS on the lab's TEST-NET address (inside the
// lab's network namespace) with the lab's self-signed certificate and pipes the plaintext to
// webtunnel-server's HTTP listener on 127.0.0.1. Prints one ACCEPT line per client connection.
// Usage: node webtunnel-front.mjs <cert.pem> <key.pem> <listenHost> <listenPort> <upstreamPort>
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { connect, isIPv4 } from 'node:net';
import { createServer } from 'node:tls';

const [certFile, keyFile, listenHost, listenText, upstreamText] = process.argv.slice(2);
const listenPort = Number(listenText);
const upstreamPort = Number(upstreamText);
if (!certFile || !keyFile || !listenHost || !isIPv4(listenHost) || !Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
  process.stderr.write('usage: webtunnel-front.mjs <cert.pem> <key.pem> <listenHost> <listenPort> <upstreamPort>\n');
  process.exit(2);
}
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (tlsSocket) => {
  process.stdout.write(`ACCEPT ${tlsSocket.remoteAddress}:${tlsSocket.remotePort}\n`);
  const up = connect({ host: '127.0.0.1', port: upstreamPort });
  tlsSocket.pipe(up).pipe(tlsSocket);
  const close = () => {
    tlsSocket.destroy();
    up.destroy();
  };
  up.on('error', close);
  tlsSocket.on('error', close);
});
server.on('error', (e) => {
  process.stderr.write(`front: ${e.message}\n`);
  process.exit(1);
});
server.listen({ host: listenHost, port: listenPort }, () => process.stdout.write(`LISTENING ${listenHost}:${listenPort}\n`));
// Open tunnels would keep close() waiting: the lab stops its front at once.
process.on('SIGTERM', () => process.exit(0));
