// One supervised child: spawn by argv (never a shell), stdout/stderr line-split into a scoped
// logger, readiness by a protocol probe the service supplies, stop = graceful request → SIGTERM →
// SIGKILL after deadlines, restarts by policy. Knows nothing about any particular daemon.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { IpcErrorData } from '../../shared/errors';
import type { DaemonState, DaemonStatus } from '../../shared/domain/network';
import type { LogLevel } from '../../shared/domain/app';
import { LineSplitter, type Logger, type ScopedLogger } from '../logging/logger';
import { DEFAULT_RESTART_POLICY, RestartTracker, type RestartPolicy } from './restart-policy';
import { SupervisorError } from './errors';

export interface SpawnPlan {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  binary?: DaemonStatus['binary'];
}

export interface ProbeContext {
  pid: number;
  child: ChildProcess;
  /** Aborted when the child exits or the start is cancelled; probes must stop waiting then. */
  signal: AbortSignal;
  setDetail(detail: string | null): void;
  /**
   * The daemon answered its protocol: it is alive. Clears the readiness deadline, so a probe may
   * go on waiting for full readiness (tor's bootstrap behind a censor) without being killed.
   */
  answering(): void;
  log: ScopedLogger;
}

export interface StopContext {
  pid: number;
  child: ChildProcess;
  log: ScopedLogger;
}

export interface ProcessHooks {
  /** Called before every spawn (first start and each restart): write configs, resolve the binary. */
  plan(): Promise<SpawnPlan>;
  /** Resolves once the daemon answers its own protocol. Rejecting fails this run. */
  probe(ctx: ProbeContext): Promise<void>;
  /** Asks the daemon to stop through its protocol (tor SIGNAL SHUTDOWN, SIGINT for nym-client). */
  requestStop?(ctx: StopContext): Promise<void> | void;
  /**
   * Maps a daemon's output line to a log level and text (tor's "[warn]" → warn, its own timestamp
   * dropped); null drops the line. Default: stdout info, stderr warn.
   */
  classifyLine?(stream: 'stdout' | 'stderr', line: string): { level: LogLevel; text: string } | null;
  /** Lets a service turn an exit into a specific error (nym-client exits 0 when its gateway is lost). */
  describeExit?(code: number | null, signal: NodeJS.Signals | null): IpcErrorData | null;
  /** Called after every exit, expected or not, so the service can drop its protocol connection. */
  onExit?(code: number | null, signal: NodeJS.Signals | null): void;
}

export interface SupervisedProcessOptions {
  id: string;
  label: string;
  hooks: ProcessHooks;
  logger: Logger;
  restart?: Partial<RestartPolicy>;
  readyTimeoutMs?: number;
  /** Time the daemon gets after its protocol stop request before SIGTERM. */
  gracefulStopMs?: number;
  /** Time after SIGTERM before SIGKILL. */
  termStopMs?: number;
  /** Asked before every restart; the registry answers false while the app quits. */
  mayRestart?: () => boolean;
  onSpawned?: (pid: number, plan: SpawnPlan) => void;
  onExited?: (pid: number) => void;
  random?: () => number;
}

interface Run {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  abort: AbortController;
  stopping: boolean;
}

export class SupervisedProcess extends EventEmitter<{ status: [DaemonStatus] }> {
  readonly id: string;
  readonly label: string;
  private readonly hooks: ProcessHooks;
  private readonly logger: Logger;
  private readonly log: ScopedLogger;
  private readonly tracker: RestartTracker;
  private readonly opts: SupervisedProcessOptions;
  private run: Run | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private startPromise: Promise<void> | null = null;
  private wanted = false;
  private statusValue: DaemonStatus;

  constructor(opts: SupervisedProcessOptions) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.label = opts.label;
    this.hooks = opts.hooks;
    this.logger = opts.logger;
    this.log = opts.logger.scope(opts.id);
    this.tracker = new RestartTracker({ ...DEFAULT_RESTART_POLICY, ...opts.restart }, opts.random);
    this.statusValue = {
      id: opts.id,
      label: opts.label,
      state: 'stopped',
      pid: null,
      restartCount: 0,
      lastError: null,
      since: Date.now(),
      nextRestartAt: null,
      detail: null,
      binary: null,
    };
  }

  status(): DaemonStatus {
    return { ...this.statusValue };
  }

  get pid(): number | null {
    return this.run?.pid ?? null;
  }

  /** Starts the process if it is not running; resolves when ready, rejects if this run fails. */
  start(): Promise<void> {
    this.wanted = true;
    if (this.statusValue.state === 'failed') this.tracker.reset();
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    if (this.startPromise) return this.startPromise;
    if (this.run && !this.run.stopping) return Promise.resolve();
    this.startPromise = this.launch().finally(() => {
      this.startPromise = null;
    });
    return this.startPromise;
  }

  /** Lets a service report health after readiness (bootstrap stalled, gateway lost …). */
  setDegraded(detail: string, error: IpcErrorData | null = null): void {
    if (!this.run) return;
    this.update({ state: 'degraded', detail, ...(error ? { lastError: error } : {}) });
  }

  setHealthy(detail: string | null = null): void {
    if (!this.run || this.statusValue.state === 'starting') return;
    this.update({ state: 'ready', detail });
  }

  setDetail(detail: string | null): void {
    this.update({ detail });
  }

  /** graceful request → SIGTERM → SIGKILL; resolves when the child is gone. Never restarts. */
  async stop(): Promise<void> {
    this.wanted = false;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.update({ state: 'stopped', nextRestartAt: null, detail: null, pid: null });
    }
    const run = this.run;
    if (!run) {
      if (this.statusValue.state !== 'stopped' && this.statusValue.state !== 'failed') this.update({ state: 'stopped', pid: null });
      return;
    }
    run.stopping = true;
    run.abort.abort();
    this.update({ detail: 'stopping' });
    const log = this.log.withPid(run.pid);
    const graceful = this.opts.gracefulStopMs ?? 5000;
    const term = this.opts.termStopMs ?? 3000;
    if (this.hooks.requestStop) {
      try {
        await withTimeout(Promise.resolve(this.hooks.requestStop({ pid: run.pid, child: run.child, log })), graceful);
      } catch (e) {
        log.warn(`graceful stop request failed: ${errorText(e)}`);
      }
      if (await exitedWithin(run, graceful)) return;
      log.warn(`did not exit ${graceful} ms after the stop request; sending SIGTERM`);
    }
    signalGroup(run, 'SIGTERM');
    if (await exitedWithin(run, term)) return;
    log.warn(`did not exit ${term} ms after SIGTERM; sending SIGKILL`);
    signalGroup(run, 'SIGKILL');
    await run.exited;
  }

  private async launch(): Promise<void> {
    this.update({ state: 'starting', detail: 'starting', nextRestartAt: null, pid: null });
    let plan: SpawnPlan;
    try {
      plan = await this.hooks.plan();
    } catch (e) {
      const error = toIpcError(e, 'PROCESS_SPAWN_FAILED');
      this.update({ state: 'failed', lastError: error, detail: error.message });
      this.wanted = false;
      throw e;
    }
    const child = spawn(plan.command, plan.args, {
      shell: false,
      env: plan.env ?? process.env,
      cwd: plan.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so SIGKILL also reaches helpers the daemon started (pluggable transports).
      detached: true,
      windowsHide: true,
    });
    const spawned = await new Promise<number | Error>((resolve) => {
      child.once('spawn', () => resolve(child.pid ?? new Error('no pid')));
      child.once('error', (e) => resolve(e));
    });
    if (spawned instanceof Error) {
      const error: IpcErrorData = { code: 'PROCESS_SPAWN_FAILED', message: `${plan.command}: ${spawned.message}` };
      this.log.error(error.message);
      this.update({ state: 'failed', lastError: error, detail: error.message, binary: plan.binary ?? null });
      this.wanted = false;
      throw new SupervisorError('PROCESS_SPAWN_FAILED', error.message);
    }
    const pid = spawned;
    const log = this.log.withPid(pid);
    const abort = new AbortController();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const run: Run = { child, pid, exited, abort, stopping: false };
    this.run = run;
    this.tracker.started(Date.now());
    this.opts.onSpawned?.(pid, plan);
    this.pipeLines(child, log);
    log.info(`started ${plan.command} ${plan.args.length} args`);
    this.update({ pid, binary: plan.binary ?? this.statusValue.binary, detail: 'waiting for the daemon to answer' });
    void exited.then(({ code, signal }) => this.onExit(run, code, signal));

    const readyTimeout = this.opts.readyTimeoutMs ?? 60_000;
    const deadline = new AbortController();
    try {
      await withTimeout(
        this.hooks.probe({
          pid,
          child,
          signal: abort.signal,
          log,
          setDetail: (d) => this.setDetail(d),
          answering: () => deadline.abort(),
        }),
        readyTimeout,
        abort.signal,
        deadline.signal,
      );
    } catch (e) {
      if (run.stopping || this.run !== run) throw new SupervisorError('PROCESS_EXITED', `${this.label} stopped before it was ready`);
      const error = abort.signal.aborted
        ? { code: 'PROCESS_EXITED' as const, message: `${this.label} exited before it was ready` }
        : toIpcError(e, 'PROCESS_NOT_READY');
      log.error(`not ready: ${error.message}`);
      this.update({ lastError: error });
      // Kill this run; its exit handler applies the restart policy.
      run.abort.abort();
      signalGroup(run, 'SIGKILL');
      throw new SupervisorError(error.code, error.message);
    }
    if (this.run === run && !run.stopping) this.update({ state: 'ready', detail: null });
  }

  private pipeLines(child: ChildProcess, log: ScopedLogger): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter((line) => {
        if (line.trim() === '') return;
        const classified = this.hooks.classifyLine
          ? this.hooks.classifyLine(stream, line)
          : { level: stream === 'stderr' ? ('warn' as const) : ('info' as const), text: line };
        if (classified) log.log(classified.level, classified.text);
      });
      child[stream]?.on('data', (chunk: Buffer) => splitter.push(chunk));
      child[stream]?.on('end', () => splitter.flush());
    }
  }

  private onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    run.abort.abort();
    this.opts.onExited?.(run.pid);
    try {
      this.hooks.onExit?.(code, signal);
    } catch (e) {
      this.log.warn(`onExit hook failed: ${errorText(e)}`);
    }
    if (this.run === run) this.run = null;
    const log = this.log.withPid(run.pid);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (run.stopping) {
      log.info(`stopped (${how})`);
      this.update({ state: 'stopped', pid: null, detail: null, nextRestartAt: null });
      return;
    }
    const described = this.hooks.describeExit?.(code, signal) ?? null;
    const error: IpcErrorData = described ?? { code: 'PROCESS_EXITED', message: `${this.label} exited unexpectedly (${how})` };
    if (this.statusValue.lastError === null || this.statusValue.state !== 'starting' || described) {
      this.update({ lastError: error });
    }
    log.warn(error.message);
    const mayRestart = this.wanted && (this.opts.mayRestart?.() ?? true);
    const decision = mayRestart ? this.tracker.failed(Date.now()) : ({ action: 'give-up', attempts: 0 } as const);
    if (decision.action === 'give-up') {
      const finalState: DaemonState = mayRestart ? 'failed' : 'stopped';
      const detail = mayRestart ? `gave up after ${decision.attempts} restart attempts` : null;
      this.update({ state: finalState, pid: null, detail, nextRestartAt: null });
      this.wanted = false;
      return;
    }
    const at = Date.now() + decision.delayMs;
    this.update({
      state: 'starting',
      pid: null,
      restartCount: this.statusValue.restartCount + 1,
      nextRestartAt: at,
      detail: `restarting in ${Math.ceil(decision.delayMs / 100) / 10} s (attempt ${decision.attempt})`,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.wanted || !(this.opts.mayRestart?.() ?? true)) {
        this.update({ state: 'stopped', nextRestartAt: null, detail: null });
        return;
      }
      this.startPromise = this.launch()
        .catch((e: unknown) => this.log.warn(`restart attempt failed: ${errorText(e)}`))
        .finally(() => {
          this.startPromise = null;
        });
    }, decision.delayMs);
  }

  private update(patch: Partial<DaemonStatus>): void {
    const next = { ...this.statusValue, ...patch };
    if (patch.state !== undefined && patch.state !== this.statusValue.state) next.since = Date.now();
    this.statusValue = next;
    this.emit('status', this.status());
  }
}

function signalGroup(run: Run, signal: NodeJS.Signals): void {
  try {
    process.kill(-run.pid, signal);
  } catch {
    try {
      run.child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

async function exitedWithin(run: Run, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([run.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

function withTimeout<T>(promise: Promise<T>, ms: number, signal?: AbortSignal, cancelDeadline?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SupervisorError('PROCESS_NOT_READY', `no answer within ${ms} ms`)), ms);
    cancelDeadline?.addEventListener('abort', () => clearTimeout(timer), { once: true });
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SupervisorError('PROCESS_EXITED', 'the process exited'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function toIpcError(e: unknown, fallback: IpcErrorData['code']): IpcErrorData {
  if (e instanceof SupervisorError) return { code: e.code, message: e.message };
  if (e && typeof e === 'object' && 'toIpcError' in e && typeof e.toIpcError === 'function') {
    return (e as { toIpcError(): IpcErrorData }).toIpcError();
  }
  return { code: fallback, message: errorText(e) };
}
