// Picks a block of free TCP ports on 127.0.0.1 from inside the lab's network namespace (it is run
// through the lab's wrapSpawn) and prints them as one JSON line. Binds nothing after it exits.
// Usage: node pick-ports.mjs <count> [low] [high]
import process from 'node:process';
import { createServer } from 'node:net';

const count = Number(process.argv[2]);
// Below the kernel's ephemeral range (32768–60999 by default), so no outgoing connection or
// `auto` port can take one of ours between this check and tor's bind.
const low = Number(process.argv[3] ?? 20000);
const high = Number(process.argv[4] ?? 32000);

if (!Number.isInteger(count) || count < 1 || count > 200 || !(low >= 1024 && high <= 65535 && high - low > count)) {
  process.stderr.write('usage: pick-ports.mjs <count 1..200> [low] [high]\n');
  process.exit(2);
}

function listen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

for (let attempt = 0; attempt < 40; attempt += 1) {
  const base = low + Math.floor(Math.random() * (high - low - count));
  const ports = Array.from({ length: count }, (_, i) => base + i);
  const servers = await Promise.all(ports.map(listen));
  await Promise.all(servers.filter(Boolean).map((s) => new Promise((r) => s.close(r))));
  if (servers.every(Boolean)) {
    process.stdout.write(`${JSON.stringify({ ports })}\n`);
    process.exit(0);
  }
}
process.stderr.write(`no block of ${count} free ports in ${low}-${high} after 40 tries\n`);
process.exit(1);
