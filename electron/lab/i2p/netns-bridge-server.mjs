// Runs inside a lab network namespace (spawned through wrapSpawn): for each TCP port given, listens
// on <dir>/p<port>.sock and pipes every connection to 127.0.0.1:<port> in this namespace. Unix
// sockets are files, so the app outside the namespace can reach them. Usage: node netns-bridge-server.mjs <dir> <port>...
import process from 'node:process';
import { createConnection, createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...rest] = process.argv.slice(2);
const ports = rest.map(Number);
if (!dir || ports.length === 0 || !ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
  process.stderr.write('usage: netns-bridge-server.mjs <dir> <port>...\n');
  process.exit(2);
}
let listening = 0;
for (const port of ports) {
  const path = join(dir, `p${port}.sock`);
  rmSync(path, { force: true });
  const server = createServer((inbound) => {
    const outbound = createConnection({ host: '127.0.0.1', port });
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
  });
  server.listen(path, () => {
    listening += 1;
    if (listening === ports.length) process.stdout.write(`${JSON.stringify({ ready: ports })}\n`);
  });
}
process.on('SIGTERM', () => process.exit(0));
