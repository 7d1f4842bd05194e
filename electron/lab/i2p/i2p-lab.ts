// The private loopback I2P network: 2–3 i2pd routers on 127.0.0.2…, every one floodfill, reserved
// ranges allowed, a private netid, no reseed; netDbs cross-seeded by copying router.info files
// (notes i2p.md §3). Each router is a supervised process (lab:i2p:r1…), stopped by pid.
import { isAlive } from '../../util/process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logging/logger';
import { defaultResourcesDir, resolveBinary, type ResolvedBinary } from '../../supervisor/binaries';
import { procStartTicks, type ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';
import { classifyI2pdLine, i2pdArgs, renderI2pdConf, type I2pdPaths } from '../../services/i2p/i2pd-conf';
import { I2pControlClient } from '../../services/i2p/i2pcontrol/client';
import type { RouterInfoReply } from '../../services/i2p/i2pcontrol/replies';
import { seedNetDb } from '../../services/i2p/netdb-seed';
import { SamConnection } from '../../services/i2p/sam';
import { createIsolation, type IsolationKind, type LabIsolation } from '../tor/isolation';
import { startNetnsBridge, type NetnsBridge } from './netns-bridge';

export class I2pLabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'I2pLabError';
  }
}

/** An isolation someone else owns (the Tor lab's holder): used, never disposed. */
export interface SharedIsolation {
  kind: IsolationKind;
  reason: string;
  holderPid: number | null;
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
}

export interface StartI2pLabOptions {
  registry: ProcessRegistry;
  logger: Logger;
  resourcesDir?: string;
  dir?: string;
  /** 2 or 3 (default 2). */
  routers?: number;
  /** Default 77 (anything but 2, the public network). */
  netid?: number;
  /** Up to routers seeing each other. Default 90 s (notes: 11–26 s typical). */
  timeoutMs?: number;
  isolation?: 'auto' | 'holder' | 'none' | SharedIsolation;
}

export interface I2pLabRouter {
  id: string;
  name: string;
  host: string;
  ntcp2Port: number;
  /** Ports inside the lab namespace. */
  samPort: number;
  samUdpPort: number;
  i2pcontrolPort: number;
  /** Ports the app's process can connect to (= the inner ones unless a holder namespace is bridged). */
  app: { samPort: number; i2pcontrolPort: number };
  dataDir: string;
  routerInfo: string;
  pid: number | null;
}

export interface I2pLab {
  dir: string;
  netid: number;
  isolation: IsolationKind;
  isolationReason: string;
  /** Identity unless a holder namespace exists; every i2pd joining the lab is spawned through it. */
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  /** true: TCP ports inside the lab namespace are not reachable from the app (bridge them). */
  needsBridge: boolean;
  routers: I2pLabRouter[];
  i2pcontrolPassword: string;
  /** A loopback address no lab router uses, for the app's router (one address per router, as in the lab). */
  clientHost: string;
  /** The routers' current router.info files: copy them into a joining router's netDb. */
  seedFiles(): string[];
  /** Bridges ports of a joining router (holder namespace only; identity otherwise). */
  bridge(id: string, ports: number[]): Promise<{ hostPort(p: number): number; stop(): Promise<void> }>;
  readyAfterMs: number;
  routerInfo(index: number): Promise<RouterInfoReply>;
  pids(): number[];
  stop(): Promise<void>;
}

const LAB_PASSWORD_BYTES = 12;

export async function startI2pLab(opts: StartI2pLabOptions): Promise<I2pLab> {
  const startedAt = Date.now();
  const deadline = startedAt + (opts.timeoutMs ?? 90_000);
  const count = opts.routers ?? 2;
  if (!Number.isInteger(count) || count < 2 || count > 3) throw new I2pLabError(`routers must be 2 or 3, got ${count}`);
  const netid = opts.netid ?? 77;
  const { registry, logger } = opts;
  const log = logger.scope('lab:i2p');
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'ui2plab-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);

  const ids: string[] = [];
  const bridges: NetnsBridge[] = [];
  const pids = new Map<number, number | null>();
  let owned: LabIsolation | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.allSettled(bridges.map((b) => b.stop()));
      await Promise.allSettled(ids.map((id) => registry.remove(id)));
      if (owned) await owned.dispose();
      await killStragglers(pids);
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const iso: SharedIsolation =
      typeof opts.isolation === 'object'
        ? opts.isolation
        : (owned = await createIsolation({ registry, logger, prefer: opts.isolation ?? 'auto', holderId: 'lab:i2p:netns' }));
    if (iso.holderPid !== null && owned) pids.set(iso.holderPid, procStartTicks(iso.holderPid));
    log.info(`isolation: ${iso.kind} (${iso.reason})`);
    const needsBridge = iso.kind === 'holder';

    const binary = await resolveBinary('i2pd', { resourcesDir: opts.resourcesDir ?? defaultResourcesDir() });
    const ports = await pickPorts(iso.wrapSpawn, count * 4);
    const password = randomBytes(LAB_PASSWORD_BYTES).toString('hex');
    const routers = Array.from({ length: count }, (_, i) => {
      const name = `r${i + 1}`;
      const dataDir = join(dir, name);
      const at = (k: number) => ports[i * 4 + k] ?? 0;
      return {
        id: `lab:i2p:${name}`,
        name,
        host: `127.0.0.${i + 2}`,
        ntcp2Port: at(0),
        samPort: at(1),
        samUdpPort: at(2),
        i2pcontrolPort: at(3),
        app: { samPort: at(1), i2pcontrolPort: at(3) },
        dataDir,
        routerInfo: join(dataDir, 'router.info'),
        pid: null as number | null,
        paths: paths(dataDir),
      };
    });
    for (const r of routers) {
      await prepareDataDir(r.paths);
      await writeFile(
        r.paths.conf,
        renderI2pdConf({
          host: r.host,
          ntcp2Port: r.ntcp2Port,
          publishNtcp2: true,
          samPort: r.samPort,
          samUdpPort: r.samUdpPort,
          i2pcontrol: { port: r.i2pcontrolPort, password },
          netid,
          floodfill: true,
          reservedRange: false,
          bandwidth: 'X',
          notransit: false,
          exploratoryLength: 1,
          logLevel: 'warn',
        }),
        { mode: 0o600 },
      );
    }

    // Pass 1 (notes §3): each router starts once to write router.keys and router.info, then stops.
    let phase: 'keys' | 'run' = 'keys';
    for (const r of routers) {
      ids.push(r.id);
      registry.create({
        id: r.id,
        label: `Lab I2P router ${r.name}`,
        readyTimeoutMs: 30_000,
        termStopMs: 5000,
        restart: { enabled: false },
        hooks: {
          plan: async () => iso.wrapSpawn(i2pdPlan(binary, r.paths)),
          probe: async (ctx) => {
            if (phase === 'keys') {
              await waitFor(() => existsSync(r.routerInfo) && statSync(r.routerInfo).size > 0, ctx.signal);
              return;
            }
            const port = r.app.samPort;
            await waitFor(async () => {
              try {
                (await SamConnection.open({ host: '127.0.0.1', port, connectTimeoutMs: 2000 })).close();
                return true;
              } catch {
                return false;
              }
            }, ctx.signal);
            ctx.answering();
          },
          classifyLine: (_s, line) => classifyI2pdLine(line),
        },
      });
    }
    await Promise.all(routers.map((r) => registry.get(r.id).start()));
    // i2pd locks its pid file: the first instance must be gone before the second pass (notes pitfall 4).
    await Promise.all(routers.map((r) => registry.get(r.id).stop()));
    for (const r of routers) {
      await seedNetDb(
        join(r.dataDir, 'netDb'),
        routers.filter((o) => o !== r).map((o) => o.routerInfo),
      );
    }
    log.info(`router keys made and netDbs seeded after ${Date.now() - startedAt} ms`);

    if (needsBridge) {
      for (const r of routers) {
        const bridge = await startNetnsBridge({ registry, id: `${r.id}:bridge`, wrapSpawn: iso.wrapSpawn, socketDir: r.dataDir, ports: [r.samPort, r.i2pcontrolPort] });
        bridges.push(bridge);
        r.app = { samPort: bridge.hostPort(r.samPort), i2pcontrolPort: bridge.hostPort(r.i2pcontrolPort) };
        if (bridge.pid !== null) pids.set(bridge.pid, procStartTicks(bridge.pid));
      }
    }

    phase = 'run';
    await Promise.all(routers.map((r) => registry.get(r.id).start()));
    for (const r of routers) {
      r.pid = registry.get(r.id).pid;
      if (r.pid !== null) pids.set(r.pid, procStartTicks(r.pid));
    }
    // Cached only once made: i2pd writes its I2PControl certificate a moment after it starts.
    const clients = new Map<number, I2pControlClient>();
    const routerInfo = async (i: number): Promise<RouterInfoReply> => {
      const r = routers[i];
      if (!r) throw new I2pLabError(`no router ${i}`);
      let c = clients.get(i);
      if (!c) {
        c = await I2pControlClient.fromDataDir(r.dataDir, { port: r.app.i2pcontrolPort, password });
        clients.set(i, c);
      }
      return c.routerInfo();
    };
    // Ready = every router has a live NTCP2 session to every other one (they see each other).
    let last = '';
    await waitFor(async () => {
      const infos = await Promise.all(routers.map((_, i) => routerInfo(i).catch(() => null)));
      last = infos.map((x, i) => `${routers[i]?.name}: ${x ? `${x.activePeers} active/${x.knownPeers} known` : 'no answer'}`).join(', ');
      return infos.every((x) => x !== null && x.activePeers >= count - 1 && x.knownPeers >= count - 1);
    }, AbortSignal.timeout(Math.max(1000, deadline - Date.now())), 500).catch(() => {
      throw new I2pLabError(`the lab routers did not see each other in time (${last})`);
    });
    const readyAfterMs = Date.now() - startedAt;
    log.notice(`I2P lab ready in ${(readyAfterMs / 1000).toFixed(1)} s: ${last}`);

    return {
      dir,
      netid,
      isolation: iso.kind,
      isolationReason: iso.reason,
      wrapSpawn: iso.wrapSpawn,
      needsBridge,
      routers: routers.map(({ paths: _p, ...r }) => r),
      i2pcontrolPassword: password,
      clientHost: `127.0.0.${count + 2}`,
      seedFiles: () => routers.map((r) => r.routerInfo),
      bridge: async (id, bridgePorts) => {
        if (!needsBridge) return { hostPort: (p: number) => p, stop: async () => {} };
        const socketDir = await mkdtemp(join(dir, 'b-'));
        const b = await startNetnsBridge({ registry, id, wrapSpawn: iso.wrapSpawn, socketDir, ports: bridgePorts });
        bridges.push(b);
        return b;
      },
      readyAfterMs,
      routerInfo,
      pids: () => [...pids.keys()],
      stop,
    };
  } catch (e) {
    await stop();
    if (e instanceof I2pLabError) throw e;
    throw new I2pLabError(`the I2P lab did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** A JSON-serialisable summary (logs, `npm run lab`). */
export function describeI2pLab(lab: I2pLab): Record<string, unknown> {
  return {
    dir: lab.dir,
    netid: lab.netid,
    isolation: lab.isolation,
    readyAfterMs: lab.readyAfterMs,
    routers: lab.routers.map((r) => ({ name: r.name, host: r.host, ntcp2: r.ntcp2Port, sam: r.app.samPort, i2pcontrol: r.app.i2pcontrolPort, pid: r.pid })),
  };
}

function paths(dataDir: string): I2pdPaths {
  return {
    dataDir,
    conf: join(dataDir, 'i2pd.conf'),
    tunconf: join(dataDir, 'tunnels.conf'),
    tunnelsDir: join(dataDir, 'tunnels.d'),
    certsDir: join(dataDir, 'certificates'),
    pidFile: join(dataDir, 'i2pd.pid'),
  };
}

/** The files i2pd expects besides its config (empty tunnels, no hosts, no certificates). */
export async function prepareDataDir(p: I2pdPaths): Promise<void> {
  await mkdir(p.dataDir, { recursive: true, mode: 0o700 });
  await mkdir(p.tunnelsDir, { recursive: true });
  await mkdir(p.certsDir, { recursive: true });
  if (!existsSync(p.tunconf)) await writeFile(p.tunconf, '');
  if (!existsSync(join(p.dataDir, 'hosts.txt'))) await writeFile(join(p.dataDir, 'hosts.txt'), '');
}

export function i2pdPlan(binary: ResolvedBinary, p: I2pdPaths): SpawnPlan {
  return {
    command: binary.command,
    args: [...binary.argsPrefix, ...i2pdArgs(p)],
    env: { ...process.env, ...binary.env },
    cwd: p.dataDir,
    binary: { source: binary.source, file: binary.file, version: binary.version },
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, signal: AbortSignal, everyMs = 50): Promise<void> {
  for (;;) {
    if (signal.aborted) throw new I2pLabError('aborted');
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Free TCP ports as seen inside the lab namespace (the Tor lab's pick-ports.mjs, run through wrapSpawn). */
async function pickPorts(wrapSpawn: (p: SpawnPlan) => SpawnPlan, count: number): Promise<number[]> {
  const script = fileURLToPath(new URL('../tor/pick-ports.mjs', import.meta.url));
  const plan = wrapSpawn({ command: process.execPath, args: [script, String(count)], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(plan.command, plan.args, { shell: false, env: plan.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new I2pLabError(`pick-ports.mjs exited ${code}: ${err.trim()}`));
    });
  });
  const parsed = JSON.parse(stdout.trim()) as { ports?: unknown };
  if (!Array.isArray(parsed.ports) || parsed.ports.length !== count || !parsed.ports.every((p) => Number.isInteger(p))) throw new I2pLabError(`pick-ports.mjs answered ${stdout.trim()}`);
  return parsed.ports as number[];
}

async function killStragglers(pids: Map<number, number | null>): Promise<void> {
  const alive = () => [...pids].filter(([pid, ticks]) => isAlive(pid) && procStartTicks(pid) === ticks).map(([pid]) => pid);
  const deadline = Date.now() + 3000;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

