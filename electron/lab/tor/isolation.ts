// Decides how the Tor lab is kept off the real network: an inherited loopback-only netns, a netns
// holder process every lab daemon is nsenter'ed into, or no namespace (then the lab has no exit).
// Owns the holder's lifetime; never runs anything through a shell other than the holder's fixed argv.
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
