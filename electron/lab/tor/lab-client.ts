// Tests and benchmarks only: an extra client tor joined to a running Tor lab (SOCKS + control
// port), ready at "Bootstrapped 100%", and a SOCKS5 connect through it (TCP or unix socket, as the
// lab's isolation requires). Never imported by the app.
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { SocksClient } from 'socks';
import type { ProcessRegistry } from '../../supervisor/registry';
import { resolveBinary } from '../../supervisor/binaries';
import { stripTorLogPrefix } from '../../services/tor/tor-process';
import { LineWatch } from './line-watch';
import { assertLabTorrc } from './torrc';
import { torArgs, torLineLevel, type TorLab } from './tor-lab';

export type SocksTarget = { path: string } | { port: number };

export interface LabClientOptions {
  /** Folder name under the lab dir, and part of the registry id. */
  name: string;
  /** How the client joins (default: lab.clientTorrcLines; a bridge client passes its own). */
  labLines?: string[];
  /** Extra torrc lines before the lab's (e.g. SafeLogging 0). */
  extraLines?: string[];
  label?: string;
}

export interface LabClient {
  id: string;
  socks: SocksTarget;
  /** The file tor writes its control port to (ControlPortWriteToFile). */
  controlPortFile: string;
  bootstrapMs: number;
  pid: number;
}

export async function startLabClient(lab: TorLab, registry: ProcessRegistry, resourcesDir: string, o: LabClientOptions): Promise<LabClient> {
  const tor = await resolveBinary('tor', { resourcesDir });
  const root = join(lab.dir, o.name);
  const run = join(root, 'run');
  await mkdir(run, { recursive: true, mode: 0o700 });
  const unix = lab.needsUnixSockets;
  const socksSocket = join(run, 'socks.sock');
  const controlPortFile = join(run, 'control-port');
  const text = [
    `DataDirectory ${join(root, 'data')}`,
    'Log notice stdout',
    ...(o.extraLines ?? []),
    'ShutdownWaitLength 0',
    `__OwningControllerProcess ${process.pid}`,
    'CookieAuthentication 1',
    unix ? `SocksPort unix:${socksSocket}` : 'SocksPort 127.0.0.1:auto',
    unix ? `ControlPort unix:${join(run, 'control.sock')}` : 'ControlPort 127.0.0.1:auto',
    `ControlPortWriteToFile ${controlPortFile}`,
    ...(o.labLines ?? lab.clientTorrcLines),
  ].join('\n');
  assertLabTorrc(text, lab.dirAuthority);
  const torrc = join(root, 'torrc');
  await writeFile(torrc, `${text}\n`, { mode: 0o600 });
  const watch = new LineWatch();
  const id = `lab:${o.name}`;
  const proc = registry.create({
    id,
    label: o.label ?? `Lab client ${o.name}`,
    restart: { enabled: false },
    readyTimeoutMs: 60_000,
    hooks: {
      plan: async () => lab.wrapSpawn({ command: tor.command, args: torArgs(tor, torrc), env: { ...process.env, ...tor.env } }),
      probe: async ({ signal }) => {
        await watch.waitFor(/Bootstrapped 100%/, 60_000, signal);
      },
      classifyLine: (_stream, line) => {
        watch.push(line);
        return { level: torLineLevel(line), text: stripTorLogPrefix(line) };
      },
    },
  });
  const t0 = Date.now();
  await proc.start();
  const bootstrapMs = Date.now() - t0;
  const socks: SocksTarget = unix
    ? { path: socksSocket }
    : { port: Number((await watch.waitFor(/Opened Socks listener connection \(ready\) on 127\.0\.0\.1:(\d+)/, 5000))[1]) };
  return { id, socks, controlPortFile, bootstrapMs, pid: proc.pid ?? 0 };
}

/** A stream to host:port through a lab client's SOCKS port (TCP or unix socket). */
export async function socksConnect(s: SocksTarget, host: string, port = 80, timeout = 30_000): Promise<Socket> {
  let existing: Socket | undefined;
  if ('path' in s) {
    existing = connect({ path: s.path });
    await once(existing, 'connect');
  }
  const { socket } = await SocksClient.createConnection({
    proxy: { host: '127.0.0.1', port: 'port' in s ? s.port : 0, type: 5 },
    command: 'connect',
    destination: { host, port },
    timeout,
    ...(existing ? { existing_socket: existing } : {}),
  });
  return socket;
}
