// A tiny daemon for supervisor tests. It speaks a line protocol on a loopback port it picks itself
// and reports on stdout: "PING" → "PONG", "STOP" → exits 0 (unless --ignore-stop).
// Flags: --crash-after <ms>, --ignore-sigterm, --ignore-stop, --never-ready, --port-file <path>.
import net from 'node:net';
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};

if (flag('--ignore-sigterm')) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const crashAfter = value('--crash-after');
if (crashAfter) setTimeout(() => {
  console.error('crashing on purpose');
  process.exit(3);
}, Number(crashAfter));

const server = net.createServer((sock) => {
  sock.setEncoding('utf8');
  sock.on('data', (data) => {
    for (const line of data.split('\n')) {
      if (line === 'PING' && !flag('--never-ready')) sock.write('PONG\n');
      if (line === 'STOP' && !flag('--ignore-stop')) {
        sock.end('BYE\n');
        setTimeout(() => process.exit(0), 10);
      }
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (value('--port-file')) writeFileSync(value('--port-file'), String(port));
  console.log(`listening on ${port} token=supersecretvalue`);
});
