// The private loopback Tor network: 1 authority + N relays (+ an obfs4 bridge, + the HTTP origin),
// each a supervised process in the registry, started in the order the notes verified. Owns key
// generation, port choice, readiness and teardown by pid. Never starts a tor without -f <lab torrc>.
import { isAlive } from '../../util/process';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogLevel } from '../../../shared/domain/app';
import type { Logger, ScopedLogger } from '../../logging/logger';
import { bundleDir, defaultResourcesDir, resolveBinary, type ResolvedBinary } from '../../supervisor/binaries';
import { stripTorLogPrefix } from '../../services/tor/tor-process';
import { procStartTicks, type ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';
import { missingFromConsensus, parseMicrodescConsensus } from './consensus';
import { startHttpOrigin } from './http-origin';
import { createIsolation, type IsolationKind, type LabIsolation } from './isolation';
import { LineWatch } from './line-watch';
import {
  LAB_HOST,
  authorityTorrc,
  bridgeClientLabLines,
  bridgeTorrc,
  clientLabLines,
  dirAuthorityValue,
  fillBridgeLine,
  keygenTorrc,
  relayTorrc,
} from './torrc';

export class TorLabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TorLabError';
  }
}

export interface StartTorLabOptions {
  registry: ProcessRegistry;
  logger: Logger;
  resourcesDir?: string;
  /** Default: a fresh mkdtemp under the OS temp dir, removed by stop(). Keep it short: unix socket paths live in it. */
  dir?: string;
  /** Relays besides the authority. Default 3: with the authority that is the 4 relays onion-service circuits need (notes §2). */
  relays?: number;
  bridge?: boolean;
  /** Refused rather than silently ignored: start it with startWebtunnelBridge (webtunnel-bridge.ts) once the lab is up, or LabOptions.webtunnel. */
  webtunnel?: boolean;
  /** Whole start, keys to full consensus (+ bridge). Default 60 s (notes §8; cold start measured 10–16 s). */
  timeoutMs?: number;
  /** Default 'auto'; 'holder' fails if no namespace can be made, 'none' forces the exit-less lab. */
  isolation?: 'auto' | 'holder' | 'none';
  /** Where pick-ports.mjs and http-origin-server.mjs live (default: next to this file). */
  scriptsDir?: string;
}

export interface LabRelay {
  nickname: string;
  fingerprint: string;
  orPort: number;
  dataDir: string;
  /** `ControlPort unix:` socket (cookie auth, cookie in dataDir/control_auth_cookie). */
  controlSocket: string;
}

export interface LabBridge {
  /** The value after `Bridge ` in a client torrc: `obfs4 127.0.0.1:<port> <FPR> cert=… iat-mode=0`. */
  line: string;
  transport: 'obfs4';
  address: string;
  port: number;
  fingerprint: string;
}

export interface TorLab {
  dir: string;
  isolation: IsolationKind;
  exitAvailable: boolean;
  /** Why this isolation was chosen. */
  isolationReason: string;
  /** The DirAuthority line value. */
  dirAuthority: string;
  /** Lines the app's tor must add to join the lab (it adds its own ports and DataDirectory). */
  clientTorrcLines: string[];
  /** Lines of a client that joins only through the bridge (null without a bridge). */
  bridgeClientTorrcLines: string[] | null;
  /** Identity unless a holder namespace exists; every tor that joins the lab must be spawned through it. */
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  /** true: the joining tor must use `ControlPort unix:` / `SocksPort unix:` (TCP inside the lab netns is unreachable). */
  needsUnixSockets: boolean;
  /** The process holding the lab's network namespace, or null when the lab runs in this process's own. */
  holderPid: number | null;
  /** Every relay in the consensus, the authority first. */
  relays: LabRelay[];
  bridge: LabBridge | null;
  origin: { host: '127.0.0.1'; port: number; nonce: string };
  /** Milliseconds from startTorLab() to a full consensus (+ bridge ready). */
  readyAfterMs: number;
  /** Every process the lab started (holder, tors, the bridge's transport, origin), also after stop(). */
  pids(): number[];
  /** Stops every lab process by pid (via the registry), removes the holder, removes the dir if it made it. */
  stop(): Promise<void>;
}

interface TorNode {
  id: string;
  nickname: string;
  kind: 'authority' | 'relay' | 'bridge';
  dataDir: string;
  orPort: number;
  fingerprint: string;
  controlSocket: string;
  controlPortFile: string;
  torrcPath: string;
  watch: LineWatch;
}

const POLL_MS = 200;

export async function startTorLab(opts: StartTorLabOptions): Promise<TorLab> {
  const startedAt = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = startedAt + timeoutMs;
  const relayCount = opts.relays ?? 3;
  const withBridge = opts.bridge ?? false;
  const { registry, logger } = opts;
  const log = logger.scope('lab:tor');
  if (!Number.isInteger(relayCount) || relayCount < 1 || relayCount > 20) throw new TorLabError(`relays must be 1..20, got ${relayCount}`);
  if (relayCount < 3) log.warn(`${relayCount + 1} relays: onion services need 4 (their circuits are 4 hops, notes §2)`);
  if (opts.webtunnel) throw new TorLabError('the webtunnel bridge is started apart: startWebtunnelBridge() after startTorLab()');
  const scriptsDir = opts.scriptsDir ?? fileURLToPath(new URL('.', import.meta.url));
  // Fixed ids: one lab per registry. Checked first, because the failure path removes these ids.
  const wantedIds = ['lab:netns', 'lab:http', 'lab:tor:auth', ...Array.from({ length: relayCount }, (_, i) => `lab:tor:relay${i + 1}`), 'lab:tor:bridge'];
  const taken = wantedIds.filter((id) => registry.has(id));
  if (taken.length > 0) throw new TorLabError(`a Tor lab already runs in this registry (${taken.join(', ')})`);

  const ownsDir = opts.dir === undefined;
  // Short prefix: unix socket paths (≤100 bytes) are built under it.
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'utorlab-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);

  const ids: string[] = [];
  const pids = new Map<number, number | null>(); // pid → /proc start ticks, so stop() never kills a reused pid
  const recordPid = (pid: number | null) => {
    if (pid !== null) pids.set(pid, procStartTicks(pid));
  };
  let isolation: LabIsolation | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Tors and origin first (SIGTERM, ShutdownWaitLength 0: down in <2 s, notes §3), then the holder.
      await Promise.allSettled(ids.map((id) => registry.remove(id)));
      if (isolation) await isolation.dispose();
      await killStragglers(pids);
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    isolation = await createIsolation({ registry, logger, prefer: opts.isolation ?? 'auto' });
    recordPid(isolation.holderPid);
    const iso = isolation;
    log.info(`isolation: ${iso.kind} (${iso.reason}); exits ${iso.exitAvailable ? 'allowed' : 'disabled'}`);

    const resourcesDir = opts.resourcesDir ?? defaultResourcesDir();
    const [tor, gencert, lyrebird] = await Promise.all([
      resolveBinary('tor', { resourcesDir }),
      resolveBinary('tor-gencert', { resourcesDir }),
      withBridge ? resolveBinary('lyrebird', { resourcesDir }) : Promise.resolve(null),
    ]);

    // Ports: a contiguous block checked free from inside the lab netns (pick-ports.mjs, 20000–32000,
    // below the kernel's ephemeral range); auth OR/Dir, relay ORs, bridge OR + obfs4. Control ports
    // are unix sockets, ExtORPort is `auto`. Between the check and tor's bind (keygen, ~1–3 s)
    // another lab in the same netns could take one: tor then exits at once (notes §7.7) and
    // assertAlive() fails the start fast instead of waiting out the timeout.
    const ports = await pickPorts(iso, scriptsDir, 2 + relayCount + (withBridge ? 2 : 0), remaining(deadline));
    const port = (i: number): number => {
      const p = ports[i];
      if (p === undefined) throw new TorLabError(`port ${i} was not picked`);
      return p;
    };

    const node = (id: string, nickname: string, kind: TorNode['kind'], orPort: number): TorNode => {
      const dataDir = join(dir, nickname);
      return {
        id,
        nickname,
        kind,
        dataDir,
        orPort,
        fingerprint: '',
        controlSocket: join(dataDir, 'control.sock'),
        controlPortFile: join(dataDir, 'control-port'),
        torrcPath: join(dataDir, 'torrc'),
        watch: new LineWatch(),
      };
    };
    const auth = node('lab:tor:auth', 'auth', 'authority', port(0));
    const authDirPort = port(1);
    const relays = Array.from({ length: relayCount }, (_, i) => node(`lab:tor:relay${i + 1}`, `relay${i + 1}`, 'relay', port(2 + i)));
    const bridge = withBridge ? node('lab:tor:bridge', 'bridge', 'bridge', port(2 + relayCount)) : null;
    const obfs4Port = withBridge ? port(3 + relayCount) : 0;
    const nodes = [auth, ...relays, ...(bridge ? [bridge] : [])];
    await Promise.all(nodes.map((n) => mkdir(n.dataDir, { recursive: true, mode: 0o700 })));

    // Keys (notes §2): tor-gencert for the authority's v3 identity/signing keys, then
    // `tor --list-fingerprint` for every relay's RSA identity, so relays start without keygen delay.
    const [v3ident] = await Promise.all([
      authorityKeys(gencert, iso, auth.dataDir, authDirPort, remaining(deadline)),
      ...nodes.map(async (n) => (n.fingerprint = await listFingerprint(tor, iso, n, remaining(deadline)))),
    ]);
    const dirAuthority = dirAuthorityValue({ nickname: auth.nickname, orPort: auth.orPort, dirPort: authDirPort, v3ident, fingerprint: auth.fingerprint });

    const geoip = await bundledGeoip(resourcesDir);
    const common = (n: TorNode) => ({
      dataDir: n.dataDir,
      geoip,
      dirAuthority,
      owningPid: process.pid,
      nickname: n.nickname,
      orPort: n.orPort,
      controlSocket: n.controlSocket,
      controlPortFile: n.controlPortFile,
    });
    const transportArgv = lyrebird ? [lyrebird.command, ...lyrebird.argsPrefix] : [];
    for (const n of nodes) {
      const text =
        n.kind === 'authority'
          ? authorityTorrc({ ...common(n), dirPort: authDirPort, fingerprint: n.fingerprint, exits: iso.exitAvailable })
          : n.kind === 'relay'
            ? relayTorrc({ ...common(n), exits: iso.exitAvailable })
            : bridgeTorrc({ ...common(n), transportArgv, obfs4Port });
      await writeFile(n.torrcPath, text, { mode: 0o600 });
    }

    // Start order (notes §2): authority and relays together, the origin alongside; clients only
    // after the consensus lists everyone (starting them earlier cost 39 s, notes §7.3). The bridge
    // too waits for the full consensus: started with the relays it first fetched an authority-only
    // consensus, sat 19 s at "we have 1/4 microdescriptors" and then in the guard stall of notes
    // §7.6, 15–62 s before its own bootstrap finished (measured here, 3 runs).
    const network = [auth, ...relays];
    const torIds = network.map((n) => n.id);
    ids.push(...torIds, 'lab:http');
    const originPromise = startHttpOrigin({
      registry,
      logger,
      wrapSpawn: iso.wrapSpawn,
      script: join(scriptsDir, 'http-origin-server.mjs'),
      readyTimeoutMs: Math.min(15_000, remaining(deadline)),
    });
    await Promise.all([...network.map((n) => superviseTor(registry, tor, iso, n, remaining(deadline))), originPromise]);
    const origin = await originPromise;
    recordPid(origin.pid);
    for (const id of torIds) recordPid(registry.get(id).pid);
    log.info(`lab tors up after ${Date.now() - startedAt} ms; waiting for the consensus`);

    await waitForConsensus(join(auth.dataDir, 'cached-microdesc-consensus'), network, registry, deadline);
    log.info(`consensus lists all ${relayCount + 1} relays Running+Valid after ${Date.now() - startedAt} ms`);

    let labBridge: LabBridge | null = null;
    if (bridge) {
      ids.push(bridge.id);
      await superviseTor(registry, tor, iso, bridge, remaining(deadline));
      recordPid(registry.get(bridge.id).pid);
      labBridge = await bridgeReady(bridge, obfs4Port, registry, deadline, log);
      for (const pid of childPids(registry.get(bridge.id).pid)) recordPid(pid);
    }
    const readyAfterMs = Date.now() - startedAt;
    log.info(`lab ready after ${readyAfterMs} ms`);

    return {
      dir,
      isolation: iso.kind,
      exitAvailable: iso.exitAvailable,
      isolationReason: iso.reason,
      dirAuthority,
      clientTorrcLines: clientLabLines(dirAuthority),
      bridgeClientTorrcLines: labBridge ? bridgeClientLabLines(dirAuthority, transportArgv, labBridge.line) : null,
      wrapSpawn: iso.wrapSpawn,
      needsUnixSockets: iso.needsUnixSockets,
      holderPid: iso.holderPid,
      relays: [auth, ...relays].map((n) => ({
        nickname: n.nickname,
        fingerprint: n.fingerprint,
        orPort: n.orPort,
        dataDir: n.dataDir,
        controlSocket: n.controlSocket,
      })),
      bridge: labBridge,
      origin: { host: origin.host, port: origin.port, nonce: origin.nonce },
      readyAfterMs,
      pids: () => [...pids.keys()],
      stop,
    };
  } catch (e) {
    await stop();
    if (e instanceof TorLabError) throw e;
    throw new TorLabError(`the Tor lab did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** A JSON-serialisable summary (for `npm run lab`, logs and test artefacts). */
export function describeTorLab(lab: TorLab): Record<string, unknown> {
  return {
    dir: lab.dir,
    isolation: lab.isolation,
    isolationReason: lab.isolationReason,
    exitAvailable: lab.exitAvailable,
    needsUnixSockets: lab.needsUnixSockets,
    dirAuthority: lab.dirAuthority,
    clientTorrcLines: [...lab.clientTorrcLines],
    bridgeClientTorrcLines: lab.bridgeClientTorrcLines ? [...lab.bridgeClientTorrcLines] : null,
    relays: lab.relays.map((r) => ({ ...r })),
    bridge: lab.bridge ? { ...lab.bridge } : null,
    origin: { ...lab.origin },
    readyAfterMs: lab.readyAfterMs,
    pids: lab.pids(),
  };
}

// Tor's stdout lines look like `Nov 26 00:04:02.134 [warn] …`.
const EXPECTED_LAB_WARNINGS = [
  // Notes §7.9: harmless in the lab.
  'You are running Tor as root',
  'Your log may contain sensitive information',
  'TestingTorNetwork is set',
  'You have used DirAuthority',
  'ContactInfo config option is not set',
  'Fixing permissions on directory',
  'is very low',
  'DirCache is disabled',
  'approved-routers',
  'SR state',
  'sr-state',
  // Before the first vote (~2.5 s after start) the authority has no consensus to serve yet, and
  // marks itself down until it has one.
  'while fetching consensus directory',
  'We just marked ourself as down',
  // A 4-relay network: some preemptive circuits (conflux, vanguards) cannot find distinct nodes.
  'No available nodes when trying to choose node',
  'configured _HSLayer2Nodes set',
  // The exit-less lab ("none" isolation) has no exits to weigh.
  'Bw Weight Failure',
  // The lab origin is an IP literal on purpose (notes §4: DANGEROUS_SOCKS is expected).
  'is giving Tor only an IP address',
];

/** Maps a tor output line to a log level: bootstrap progress at info, the rest of notice at debug. */
export function torLineLevel(line: string): LogLevel {
  const m = /\[(debug|info|notice|warn|err)\]/.exec(line);
  const level = m?.[1];
  if (level === 'err') return 'error';
  if (level === 'warn') return EXPECTED_LAB_WARNINGS.some((w) => line.includes(w)) ? 'debug' : 'warn';
  if (level === 'notice' && /Bootstrapped \d+%/.test(line)) return 'info';
  return 'debug';
}

/** argv for a lab tor: never the default torrc (`--defaults-torrc /dev/null`, `-f <lab torrc>`). */
export function torArgs(bin: ResolvedBinary, torrcPath: string, extra: string[] = []): string[] {
  return [...bin.argsPrefix, '--defaults-torrc', '/dev/null', '-f', torrcPath, ...extra];
}

function superviseTor(registry: ProcessRegistry, tor: ResolvedBinary, iso: LabIsolation, n: TorNode, timeoutMs: number): Promise<void> {
  const proc = registry.create({
    id: n.id,
    label: `Lab tor ${n.nickname}`,
    // A lab node that dies is a failed lab: no restarts, the caller sees it at once.
    restart: { enabled: false },
    readyTimeoutMs: timeoutMs,
    termStopMs: 5000,
    hooks: {
      plan: async () =>
        iso.wrapSpawn({
          command: tor.command,
          args: torArgs(tor, n.torrcPath),
          env: { ...process.env, ...tor.env },
          binary: { source: tor.source, file: tor.file, version: tor.version },
        }),
      // Per-node readiness: tor writes ControlPortWriteToFile once its listeners (ORPort too) are open.
      probe: async ({ signal }) => {
        while (!signal.aborted) {
          if ((await readText(n.controlPortFile))?.includes('UNIX_PORT=')) return;
          await sleep(50);
        }
      },
      classifyLine: (_stream, line) => {
        n.watch.push(line);
        return { level: torLineLevel(line), text: stripTorLogPrefix(line) };
      },
    },
  });
  return proc.start();
}

async function waitForConsensus(
  file: string,
  expected: TorNode[],
  registry: ProcessRegistry,
  deadline: number,
): Promise<void> {
  let missing = expected.map((n) => n.nickname);
  while (Date.now() < deadline) {
    assertAlive(registry, expected);
    const text = await readText(file);
    if (text !== null) {
      missing = missingFromConsensus(parseMicrodescConsensus(text), expected);
      if (missing.length === 0) return;
    }
    await sleep(POLL_MS);
  }
  const auth = expected[0];
  throw new TorLabError(
    `no full consensus within the deadline: ${missing.join(', ')} not listed Running+Valid` +
      (auth ? `; authority's last lines:\n${auth.watch.tail(10).join('\n')}` : ''),
  );
}

async function bridgeReady(bridge: TorNode, obfs4Port: number, registry: ProcessRegistry, deadline: number, log: ScopedLogger): Promise<LabBridge> {
  // lyrebird writes the template ~1 s after start (notes §5); the address/port/fingerprint are ours to fill.
  const file = join(bridge.dataDir, 'pt_state', 'obfs4_bridgeline.txt');
  let template: string | null = null;
  while (Date.now() < deadline) {
    assertAlive(registry, [bridge]);
    template = await readText(file);
    if (template?.includes('Bridge obfs4 ')) break;
    await sleep(POLL_MS);
  }
  if (!template) throw new TorLabError(`${file} did not appear; bridge's last lines:\n${bridge.watch.tail(10).join('\n')}`);
  const line = fillBridgeLine(template, obfs4Port, bridge.fingerprint);
  // The bridge serves its clients' directory info from its own cache: wait until it has a full view.
  await bridge.watch.waitFor(/Bootstrapped 100%/, remaining(deadline));
  log.info(`bridge ready: obfs4 ${LAB_HOST}:${obfs4Port}`);
  return { line, transport: 'obfs4', address: LAB_HOST, port: obfs4Port, fingerprint: bridge.fingerprint };
}

function assertAlive(registry: ProcessRegistry, nodes: TorNode[]): void {
  for (const n of nodes) {
    const status = registry.get(n.id).status();
    if (status.state === 'failed' || status.state === 'stopped') {
      throw new TorLabError(
        `${n.nickname} exited (${status.lastError?.message ?? status.state}); last lines:\n${n.watch.tail(10).join('\n')}`,
      );
    }
  }
}

async function authorityKeys(gencert: ResolvedBinary, iso: LabIsolation, dataDir: string, dirPort: number, timeoutMs: number): Promise<string> {
  const keys = join(dataDir, 'keys');
  await mkdir(keys, { recursive: true, mode: 0o700 });
  const files = { i: join(keys, 'authority_identity_key'), s: join(keys, 'authority_signing_key'), c: join(keys, 'authority_certificate') };
  // The passphrase only encrypts the identity key on disk; the lab throws it away with the dir.
  await runHelper(
    iso.wrapSpawn({
      command: gencert.command,
      args: [...gencert.argsPrefix, '--create-identity-key', '-m', '12', '-a', `${LAB_HOST}:${dirPort}`, '-i', files.i, '-s', files.s, '-c', files.c, '--passphrase-fd', '0'],
      env: { ...process.env, ...gencert.env },
      cwd: keys,
    }),
    { input: 'lab\n', timeoutMs },
  );
  const cert = await readText(files.c);
  const v3ident = cert ? /^fingerprint ([0-9A-F]{40})$/m.exec(cert)?.[1] : undefined;
  if (!v3ident) throw new TorLabError(`tor-gencert wrote no usable certificate at ${files.c}`);
  return v3ident;
}

async function listFingerprint(tor: ResolvedBinary, iso: LabIsolation, n: TorNode, timeoutMs: number): Promise<string> {
  const torrc = join(n.dataDir, 'keygen.torrc');
  await writeFile(torrc, keygenTorrc({ dataDir: n.dataDir, nickname: n.nickname, orPort: n.orPort }), { mode: 0o600 });
  await runHelper(iso.wrapSpawn({ command: tor.command, args: torArgs(tor, torrc, ['--list-fingerprint']), env: { ...process.env, ...tor.env } }), {
    timeoutMs,
  });
  // `<nickname> <40 hex>` in <DataDirectory>/fingerprint.
  const text = await readText(join(n.dataDir, 'fingerprint'));
  const fpr = text ? /^\S+ ([0-9A-F]{40})\s*$/.exec(text)?.[1] : undefined;
  if (!fpr) throw new TorLabError(`tor --list-fingerprint wrote no fingerprint for ${n.nickname}`);
  return fpr;
}

async function pickPorts(iso: LabIsolation, scriptsDir: string, count: number, timeoutMs: number): Promise<number[]> {
  const { stdout } = await runHelper(
    iso.wrapSpawn({
      command: process.execPath,
      args: [join(scriptsDir, 'pick-ports.mjs'), String(count)],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    }),
    { timeoutMs: Math.min(timeoutMs, 15_000) },
  );
  const parsed: unknown = JSON.parse(stdout.trim());
  const ports = (parsed as { ports?: unknown }).ports;
  if (!Array.isArray(ports) || ports.length !== count || !ports.every((p) => Number.isInteger(p))) {
    throw new TorLabError(`pick-ports.mjs answered ${stdout.trim()}`);
  }
  return ports as number[];
}

/**
 * Short-lived helpers (tor-gencert, --list-fingerprint, pick-ports) that exit by themselves within
 * a second: spawned by argv outside the registry, killed by their own pid if they overrun.
 */
function runHelper(plan: SpawnPlan, opts: { input?: string; timeoutMs: number }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(plan.command, plan.args, {
      shell: false,
      env: plan.env ?? process.env,
      cwd: plan.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, opts.timeoutMs));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new TorLabError(`${plan.command}: ${e.message}`, { cause: e }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const out = `${stderr}\n${stdout}`.trim().split('\n').slice(-8).join('\n');
      reject(new TorLabError(`${[plan.command, ...plan.args].join(' ')} failed (${signal ?? `code ${code}`}):\n${out}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Children of `pid` (the bridge's lyrebird), from /proc/<pid>/task/<tid>/children. */
function childPids(pid: number | null): number[] {
  if (pid === null || process.platform !== 'linux') return [];
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        const n = Number(c);
        if (Number.isInteger(n) && n > 1) out.push(n);
      }
    }
  } catch {
    // The process is gone or /proc lacks children files: nothing to record.
  }
  return out;
}

/** After the registry stopped everything: SIGKILL any recorded pid still alive and still ours. */
async function killStragglers(pids: Map<number, number | null>): Promise<void> {
  const deadline = Date.now() + 3000;
  const alive = () => [...pids].filter(([pid, ticks]) => isAlive(pid) && procStartTicks(pid) === ticks).map(([pid]) => pid);
  while (alive().length > 0 && Date.now() < deadline) await sleep(50);
  for (const pid of alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}


/** The bundled geoip files, so a bridge does not warn about /usr/share/tor/geoip missing. */
async function bundledGeoip(resourcesDir: string): Promise<{ ipv4: string; ipv6: string } | null> {
  const share = join(bundleDir(resourcesDir), 'share', 'tor');
  const files = { ipv4: join(share, 'geoip'), ipv6: join(share, 'geoip6') };
  try {
    await Promise.all([access(files.ipv4), access(files.ipv6)]);
    return files;
  } catch {
    return null;
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

function remaining(deadline: number): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new TorLabError('the Tor lab did not start within its timeout');
  return left;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
