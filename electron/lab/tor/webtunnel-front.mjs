// The lab webtunnel bridge's HTTPS front: terminates TLS on 127.0.0.1 with the lab's self-signed
// certificate and pipes the plaintext to webtunnel-server's HTTP listener. Loopback only.
// Usage: node webtunnel-front.mjs <cert.pem> <key.pem> <listenPort> <upstreamPort>
import process from 'node:process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createServer } from 'node:tls';

const [certFile, keyFile, listenText, upstreamText] = process.argv.slice(2);
const listenPort = Number(listenText);
const upstreamPort = Number(upstreamText);
if (!certFile || !keyFile || !Number.isInteger(listenPort) || !Number.isInteger(upstreamPort)) {
  process.stderr.write('usage: webtunnel-front.mjs <cert.pem> <key.pem> <listenPort> <upstreamPort>\n');
  process.exit(2);
}
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (tlsSocket) => {
  const up = connect({ host: '127.0.0.1', port: upstreamPort });
  tlsSocket.pipe(up).pipe(tlsSocket);
  const close = () => {
    tlsSocket.destroy();
    up.destroy();
  };
  up.on('error', close);
  tlsSocket.on('error', close);
});
server.listen({ host: '127.0.0.1', port: listenPort }, () => process.stdout.write(`LISTENING ${listenPort}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
