// Decides how the Tor lab is kept off the real network: an inherited loopback-only netns, a netns
// holder process every lab daemon is nsenter'ed into, or no namespace (then the lab has no exit).
// Owns the holder's lifetime and the TEST-NET addresses added inside it (addLabAddress); never runs
// anything through a shell other than the holder's fixed argv.
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Logger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';

export type IsolationKind = 'inherited' | 'holder' | 'none';

export class LabIsolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabIsolationError';
  }
}

export interface LabIsolation {
  kind: IsolationKind;
  /** Exits accept *:* only where nothing can leave the host (notes §7.1); otherwise ExitPolicy reject *:*. */
  exitAvailable: boolean;
  /**
   * The app cannot reach TCP ports inside a holder's netns, so a tor that joins the lab must be
   * spawned through wrapSpawn and expose ControlPort/SocksPort as unix sockets (visible across netns).
   */
  needsUnixSockets: boolean;
  holderPid: number | null;
  /** The holder owns a user namespace too (unprivileged); nsenter then needs -U --preserve-credentials. */
  userNamespace: boolean;
  /** Why this kind was chosen, for logs and the lab summary. */
  reason: string;
  /** Identity unless a holder exists; else `nsenter -t <holder> -n [-U --preserve-credentials] -- cmd args`. */
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  /** Stops the holder (by pid, through the registry). The namespace vanishes with its last process. */
  dispose(): Promise<void>;
}

export interface IsolationOptions {
  registry: ProcessRegistry;
  logger: Logger;
  /** 'auto' (default): inherited if already loopback-only, else a holder, else none. */
  prefer?: 'auto' | 'holder' | 'none';
  /** Registry id of the holder (default lab:netns). */
  holderId?: string;
  /** Default process.getuid() === 0. */
  isRoot?: boolean;
}

/** Interface names of a /proc/<pid>/net/dev text (first two lines are headers). */
export function interfacesFromNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .filter((n) => n !== '');
}

/** nsenter argv prefix that joins the holder's namespaces; nsenter execs, so the pid stays the daemon's. */
export function nsenterPrefix(holderPid: number, userNamespace: boolean): string[] {
  if (!Number.isInteger(holderPid) || holderPid <= 1) throw new LabIsolationError(`invalid holder pid ${holderPid}`);
  return ['-t', String(holderPid), ...(userNamespace ? ['-U', '--preserve-credentials'] : []), '-n', '--'];
}

export function wrapWithHolder(plan: SpawnPlan, holderPid: number, userNamespace: boolean): SpawnPlan {
  return { ...plan, command: 'nsenter', args: [...nsenterPrefix(holderPid, userNamespace), plan.command, ...plan.args] };
}

/**
 * The argv of the holder: unshare makes the namespace(s), `ip link set lo up` brings loopback up
 * (a fresh netns has lo down), then it execs `tail --pid=<app>` so the holder — and with it the
 * namespace — goes away within ~1 s of the app dying, instead of a `sleep infinity` that outlives it.
 * The app pid is a positional parameter, never interpolated into the script.
 */
export function holderArgv(userNamespace: boolean, ownerPid: number): string[] {
  return [
    ...(userNamespace ? ['--user', '--map-root-user'] : []),
    '--net',
    '--',
    'sh',
    '-c',
    'ip link set lo up && exec tail --pid="$1" -f /dev/null',
    'lab-netns',
    String(ownerPid),
  ];
}

/**
 * True when this process already sits in a netns whose only interface is lo (e.g. `npm test` ran
 * `unshare --net`). Reads /proc/self/net/dev, not /sys/class/net: sysfs shows the netns of whoever
 * mounted it, so after a bare `unshare --net` /sys/class/net still lists the host's eth0.
 */
export async function inLoopbackOnlyNamespace(): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  let text: string;
  try {
    text = await readFile('/proc/self/net/dev', 'utf8');
  } catch {
    return false;
  }
  const names = interfacesFromNetDev(text);
  if (names.length !== 1 || names[0] !== 'lo') return false;
  // lo must also be up, or 127.0.0.1 cannot be bound and no lab tor could listen.
  return canListenOnLoopback();
}

function canListenOnLoopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function createIsolation(opts: IsolationOptions): Promise<LabIsolation> {
  const prefer = opts.prefer ?? 'auto';
  const log = opts.logger.scope('lab:isolation');
  if (prefer === 'auto' && (await inLoopbackOnlyNamespace())) {
    return plain('inherited', true, 'this process already runs in a loopback-only network namespace');
  }
  if (prefer !== 'none' && process.platform === 'linux') {
    const isRoot = opts.isRoot ?? process.getuid?.() === 0;
    // As root a plain netns; otherwise (or if root lacks CAP_SYS_ADMIN, in a container) user+net.
    const attempts = isRoot ? [false, true] : [true];
    const errors: string[] = [];
    for (const userNamespace of attempts) {
      try {
        const holder = await startHolder(opts, userNamespace);
        log.info(`lab network namespace held by pid ${holder.pid}${userNamespace ? ' (user namespace)' : ''}`);
        return holder.isolation;
      } catch (e) {
        errors.push(`${userNamespace ? 'unshare --user --map-root-user --net' : 'unshare --net'}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (prefer === 'holder') throw new LabIsolationError(`cannot create a lab network namespace: ${errors.join('; ')}`);
    log.warn(`no network namespace possible (${errors.join('; ')}); the lab runs without an exit relay`);
    return plain('none', false, `no network namespace possible: ${errors.join('; ')}`);
  }
  if (prefer === 'holder') throw new LabIsolationError('network namespaces need Linux');
  return plain('none', false, prefer === 'none' ? 'isolation "none" was requested' : 'network namespaces need Linux');
}

function plain(kind: 'inherited' | 'none', exitAvailable: boolean, reason: string): LabIsolation {
  return {
    kind,
    exitAvailable,
    needsUnixSockets: false,
    holderPid: null,
    userNamespace: false,
    reason,
    wrapSpawn: (plan) => plan,
    dispose: async () => {},
  };
}

async function startHolder(opts: IsolationOptions, userNamespace: boolean): Promise<{ pid: number; isolation: LabIsolation }> {
  const id = opts.holderId ?? 'lab:netns';
  const { registry } = opts;
  // Never replace someone else's holder: removing it would stop a running lab's namespace.
  if (registry.has(id)) throw new LabIsolationError(`${id} is already registered (another lab in this registry?)`);
  const ownNetns = await readlink('/proc/self/ns/net');
  const proc = registry.create({
    id,
    label: 'Lab network namespace',
    restart: { enabled: false },
    readyTimeoutMs: 5000,
    termStopMs: 2000,
    hooks: {
      plan: async () => ({ command: 'unshare', args: holderArgv(userNamespace, process.pid) }),
      // Ready once it runs in another netns and has exec'd tail, i.e. `ip link set lo up` succeeded.
      probe: async ({ pid, signal }) => {
        while (!signal.aborted) {
          try {
            const [ns, comm] = await Promise.all([readlink(`/proc/${pid}/ns/net`), readFile(`/proc/${pid}/comm`, 'utf8')]);
            if (ns !== ownNetns && comm.trim() === 'tail') return;
          } catch {
            // Not there yet, or gone: the abort signal tells.
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      classifyLine: (_stream, line) => ({ level: 'warn', text: line }),
    },
  });
  try {
    await proc.start();
  } catch (e) {
    await registry.remove(id);
    throw e;
  }
  const pid = proc.pid;
  if (pid === null) {
    await registry.remove(id);
    throw new LabIsolationError('the namespace holder exited at once');
  }
  return {
    pid,
    isolation: {
      kind: 'holder',
      exitAvailable: true,
      needsUnixSockets: true,
      holderPid: pid,
      userNamespace,
      reason: `a holder process (pid ${pid}) owns a loopback-only network namespace${userNamespace ? ' inside an unprivileged user namespace' : ''}`,
      wrapSpawn: (plan) => wrapWithHolder(plan, pid, userNamespace),
      dispose: () => registry.remove(id),
    },
  };
}

/**
 * RFC 5737 TEST-NET-3, reserved for documentation and never routed on the Internet. The lab's
 * webtunnel front needs an address that is neither loopback nor "private": webtunnel-client's
 * getAddressesFromHostname skips every IP for which Go's IsLoopback, IsUnspecified, IsMulticast,
 * IsLinkLocalUnicast or IsPrivate (10/8, 172.16/12, 192.168/16, fc00::/7) holds, and then fails
 * with "Could not find any valid IP for <host>". TEST-NET addresses pass those checks. Not
 * TEST-NET-1 (192.0.2.0/24): some sandboxes (this project's CI VM) number their real uplink from it.
 */
export const LAB_PUBLIC_LIKE_PREFIX = '203.0.113.';

export interface NetnsFacts {
  /** readlink of the target's /proc/<pid>/ns/net. */
  netns: string;
  /** readlink of /proc/1/ns/net, or null where it is unreadable (EACCES even for root in some sandboxes). */
  initNetns: string | null;
  /** The network namespaces of the target's readable ancestors, parent first, pid 1 excluded. */
  ancestorNetns: string[];
  /** Interfaces of the target's /proc/<pid>/net/dev. */
  interfaces: string[];
}

/**
 * Why an address must NOT be added to this namespace, or null when it may. Required: not init's
 * namespace, and lo as its only interface (so nothing in it routes off the host). Where
 * /proc/1/ns/net cannot be read, "not init's" is shown by an ancestor of the target sitting in
 * another namespace: the target's was made (unshare) below it, as `npm test` and the holder do.
 */
export function labAddressRefusal(f: NetnsFacts): string | null {
  if (f.initNetns !== null && f.netns === f.initNetns) return `the lab runs in the host network namespace (${f.netns}); lab addresses are only ever added inside a private one`;
  if (f.interfaces.length !== 1 || f.interfaces[0] !== 'lo') return `the lab network namespace ${f.netns} has interfaces besides lo (${f.interfaces.join(', ')}), so it may reach the real network`;
  if (f.initNetns === null && !f.ancestorNetns.some((n) => n !== f.netns)) {
    return `cannot read /proc/1/ns/net and no ancestor process runs in another network namespace, so nothing shows ${f.netns} is not the host's`;
  }
  return null;
}

export interface LabAddress {
  /** An address of LAB_PUBLIC_LIKE_PREFIX on the namespace's lo (a /32: it routes nowhere). */
  address: string;
  /** Deletes it again, if its namespace still exists (it vanishes with the namespace anyway). */
  release(): Promise<void>;
}

export interface LabAddressOptions {
  /** The lab's holder, or null when the lab runs in this process's own (inherited) namespace. */
  holderPid: number | null;
  /** The lab's wrapSpawn: runs `ip` inside the lab namespace. */
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  /** Default: a random one of 203.0.113.2–254 (another is tried if the namespace has it already). */
  pick?: () => string;
}

/**
 * Adds a TEST-NET-3 /32 to lo inside the lab's network namespace, after checking that namespace is
 * not the host's and has no interface but lo; refuses (LabIsolationError) otherwise. Put on lo, not a
 * new interface, so the namespace still counts as loopback-only for every other lab sharing it.
 */
export async function addLabAddress(opts: LabAddressOptions): Promise<LabAddress> {
  if (process.platform !== 'linux') throw new LabIsolationError('lab addresses need Linux network namespaces');
  const pid = opts.holderPid ?? process.pid;
  const facts = await netnsFacts(pid);
  const refusal = labAddressRefusal(facts);
  if (refusal) throw new LabIsolationError(refusal);
  const pick = opts.pick ?? (() => `${LAB_PUBLIC_LIKE_PREFIX}${2 + Math.floor(Math.random() * 253)}`);
  const ip = (args: string[]) => runIp(opts.wrapSpawn({ command: 'ip', args, env: process.env }));
  let address = '';
  for (let attempt = 0; ; attempt++) {
    address = pick();
    if (!address.startsWith(LAB_PUBLIC_LIKE_PREFIX)) throw new LabIsolationError(`refusing lab address ${address}: not in ${LAB_PUBLIC_LIKE_PREFIX}0/24`);
    try {
      await ip(['addr', 'add', `${address}/32`, 'dev', 'lo']);
      break;
    } catch (e) {
      // Another lab in the same namespace holds it: try another.
      if (attempt < 8 && e instanceof Error && /File exists/.test(e.message)) continue;
      throw e;
    }
  }
  const release = async () => {
    // Only while the very same namespace is still there (a reused holder pid is someone else's).
    const now = await readlink(`/proc/${pid}/ns/net`).catch(() => null);
    if (now !== facts.netns) return;
    await ip(['addr', 'del', `${address}/32`, 'dev', 'lo']).catch(() => undefined);
  };
  return { address, release };
}

async function netnsFacts(pid: number): Promise<NetnsFacts> {
  const [netns, initNetns, netDev, ancestorNetns] = await Promise.all([
    readlink(`/proc/${pid}/ns/net`),
    readlink('/proc/1/ns/net').catch(() => null),
    readFile(`/proc/${pid}/net/dev`, 'utf8'),
    ancestorNamespaces(pid),
  ]);
  return { netns, initNetns, ancestorNetns, interfaces: interfacesFromNetDev(netDev) };
}

/** `PPid:` of a /proc/<pid>/status text, or null. */
export function parentPid(statusText: string): number | null {
  const m = /^PPid:\s+(\d+)$/m.exec(statusText);
  return m ? Number(m[1]) : null;
}

async function ancestorNamespaces(pid: number): Promise<string[]> {
  const out: string[] = [];
  let cur = pid;
  for (let depth = 0; depth < 64; depth++) {
    const parent = parentPid(await readFile(`/proc/${cur}/status`, 'utf8').catch(() => ''));
    if (parent === null || parent <= 1) break;
    const ns = await readlink(`/proc/${parent}/ns/net`).catch(() => null);
    if (ns !== null) out.push(ns);
    cur = parent;
  }
  return out;
}

function runIp(plan: SpawnPlan): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(plan.command, plan.args, { env: plan.env, timeout: 10_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (err) reject(new LabIsolationError(`${[plan.command, ...plan.args].join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}
