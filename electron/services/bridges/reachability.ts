// Per-bridge reachability test: a throwaway tor configured with only that bridge (own data dir),
// watched until it has directory info, fails, or times out, reporting how far it got and when.
// Stages come from tor's bootstrap tags; see stageOf() for what each one proves.
import { join } from 'node:path';
import type { Bridge, ReachabilityResult, ReachStage } from '../../../shared/domain/bridges';
import type { Logger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';
import { BootstrapObserver } from './diagnosis';
import { bridgeTorConfig, bridgeTorrcLines } from './config';
import { startProbeTor } from './probe-tor';
import type { PluggableTransport, TransportAvailability } from './transports';

export interface ReachabilityDeps {
  registry: ProcessRegistry;
  logger: Logger;
  resourcesDir: string;
  /** Where throwaway data dirs go; each test gets its own, removed afterwards. */
  workDir: string;
  transports: ReadonlyMap<PluggableTransport, TransportAvailability>;
  /** Lab lines (TestingTorNetwork, DirAuthority); empty in real mode. */
  networkLines: string[];
  wrapSpawn?: (plan: SpawnPlan) => SpawnPlan;
  unixSockets?: boolean;
}

export interface ReachabilityOptions {
  timeoutMs?: number;
  /** Stop early when the bridge has made no progress for this long (its diagnosis is then the failure). */
  stallMs?: number;
}

/**
 * tor's bootstrap tag → the stage it proves. With a pluggable transport tor only hears back once
 * the transport has connected *and* completed its handshake (conn_done), so for those the TCP stage
 * is inferred: at conn_done, or when the transport fails slowly (a refused port fails at once).
 */
export function stageOf(progress: number): ReachStage[] {
  const out: ReachStage[] = [];
  if (progress >= 10) out.push('tcp', 'handshake');
  if (progress >= 15) out.push('firstHop');
  if (progress >= 75) out.push('directory');
  return out;
}

let seq = 0;

export async function testBridgeReachability(bridge: Bridge, deps: ReachabilityDeps, opts: ReachabilityOptions = {}): Promise<ReachabilityResult> {
  const timeoutMs = opts.timeoutMs ?? 45_000;
  const stallMs = opts.stallMs ?? 20_000;
  const startedAt = Date.now();
  const pluggable = bridge.transport !== 'vanilla';
  const observer = new BootstrapObserver(startedAt, { usingBridges: true, pluggable });
  const stages = new Map<ReachStage, number>();
  const mark = (s: ReachStage) => {
    if (!stages.has(s)) stages.set(s, Date.now() - startedAt);
  };
  let done: (() => void) | null = null;
  const finished = new Promise<void>((r) => (done = r));
  const id = `bridge-test:${++seq}`;
  const torrcLines = [...deps.networkLines, ...bridgeTorrcLines(bridgeTorConfig([bridge], deps.transports))];

  const probe = await startProbeTor({
    registry: deps.registry,
    logger: deps.logger,
    resourcesDir: deps.resourcesDir,
    id,
    root: join(deps.workDir, id.replace(':', '-')),
    removeDir: true,
    torrcLines,
    wrapSpawn: deps.wrapSpawn,
    unixSockets: deps.unixSockets,
    onEvent: (e) => {
      observer.observe(e, Date.now());
      for (const s of stageOf(observer.progress)) mark(s);
      if (e.type === 'WARN' && /Proxy Client: unable to connect/.test(e.message)) {
        const d = observer.diagnose(Date.now(), { stallMs, minFailures: 1 });
        // A slow transport failure means TCP was accepted and the handshake is what failed.
        if (d.cause === 'bridge-handshake-failed') mark('tcp');
      }
      if (observer.progress >= 75) done?.();
    },
  });
  const timer = setInterval(() => {
    const now = Date.now();
    const d = observer.diagnose(now, { stallMs, minFailures: 3 });
    if (pluggable && !stages.has('tcp') && observer.tag === 'conn_done_pt' && now - observer.lastProgressAt > 3000 && d.cause !== 'bridge-port-closed') mark('tcp');
    if (d.cause !== 'none' || now - startedAt > timeoutMs) done?.();
  }, 250);
  try {
    await finished;
  } finally {
    clearInterval(timer);
    await probe.stop();
  }
  const finishedAt = Date.now();
  const list = [...stages].map(([stage, afterMs]) => ({ stage, afterMs })).sort((a, b) => a.afterMs - b.afterMs);
  const order: ReachStage[] = ['tcp', 'handshake', 'firstHop', 'directory'];
  const reached = order.filter((s) => stages.has(s)).pop() ?? null;
  const ok = stages.has('directory');
  const d = observer.diagnose(finishedAt, { stallMs: 0, minFailures: 1 });
  return {
    line: bridge.line,
    startedAt,
    finishedAt,
    stages: list,
    reached,
    ok,
    failure: ok ? null : d.cause === 'none' || d.cause === 'stalled' ? `No progress past ${observer.progress}% (${observer.tag}) in ${Math.round((finishedAt - startedAt) / 1000)} s.` : `${d.title} ${d.nextStep}`,
    lastBootstrap: { progress: observer.progress, tag: observer.tag },
  };
}

/** Runs at most `limit` tasks at once, in submission order. */
export class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.queue.shift()?.();
    }
  }

  get active(): number {
    return this.running;
  }
}
