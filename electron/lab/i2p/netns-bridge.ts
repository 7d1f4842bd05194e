// Makes TCP ports inside a lab network namespace reachable from the app: a supervised helper in the
// namespace exposes each port as a unix socket (files cross namespaces), and this side listens on
// 127.0.0.1:<auto> in the app's namespace and pipes to that socket. Used only with a holder namespace.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';

export interface NetnsBridge {
  /** The app-side port for a port inside the namespace. */
  hostPort(innerPort: number): number;
  pid: number | null;
  stop(): Promise<void>;
}

export interface NetnsBridgeOptions {
  registry: ProcessRegistry;
  id: string;
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  /** Short directory (unix socket paths ≤ 100 bytes). */
  socketDir: string;
  ports: number[];
  readyTimeoutMs?: number;
}

export async function startNetnsBridge(opts: NetnsBridgeOptions): Promise<NetnsBridge> {
  const script = fileURLToPath(new URL('./netns-bridge-server.mjs', import.meta.url));
  const sockets = opts.ports.map((p) => join(opts.socketDir, `p${p}.sock`));
  if (opts.registry.has(opts.id)) await opts.registry.remove(opts.id);
  const proc = opts.registry.create({
    id: opts.id,
    label: 'Lab namespace port bridge',
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
    termStopMs: 1000,
    restart: { initialDelayMs: 200, maxAttempts: 5 },
    hooks: {
      plan: async () => opts.wrapSpawn({ command: process.execPath, args: [script, opts.socketDir, ...opts.ports.map(String)], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }),
      probe: async ({ signal }) => {
        while (!signal.aborted && !sockets.every((s) => existsSync(s))) await new Promise((r) => setTimeout(r, 20));
      },
    },
  });
  await proc.start();
  const servers: Server[] = [];
  const live = new Set<Socket>();
  const map = new Map<number, number>();
  try {
    for (const [i, port] of opts.ports.entries()) {
      const path = sockets[i] ?? '';
      const server = createServer((inbound) => {
        const outbound = createConnection({ path });
        live.add(inbound).add(outbound);
        inbound.pipe(outbound).pipe(inbound);
        const end = () => {
          inbound.destroy();
          outbound.destroy();
          live.delete(inbound);
          live.delete(outbound);
        };
        inbound.on('error', end).on('close', end);
        outbound.on('error', end).on('close', end);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('the bridge listener has no port');
      map.set(port, address.port);
    }
  } catch (e) {
    for (const s of servers) s.close();
    await opts.registry.remove(opts.id);
    throw e;
  }
  return {
    pid: proc.pid,
    hostPort: (inner) => {
      const p = map.get(inner);
      if (p === undefined) throw new Error(`port ${inner} is not bridged`);
      return p;
    },
    stop: async () => {
      for (const s of live) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      await opts.registry.remove(opts.id);
    },
  };
}
