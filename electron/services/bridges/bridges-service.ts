// The Bridges service: applies a bridge choice to the app's running tor without a restart (SETCONF),
// remembers it (<data>/bridges/selection.json) and re-applies it whenever tor's controller changes,
// reverts with RESETCONF, watches bootstrap for a diagnosis, and runs capped reachability tests.
import { ServiceError } from '../../util/service-error';
import { mkdir } from 'node:fs/promises';
import { readJsonFile, writeJsonFile } from '../../util/json-file';
import { join } from 'node:path';
import { z } from 'zod';
import type { Handlers } from '../../../shared/ipc/api';
import {
  BridgeSelectionSchema,
  ReachabilityResultSchema,
  type Bridge,
  type BridgeConfig,
  type BridgeSelection,
  type BuiltinList,
  type LabBridgeTransport,
  type Diagnosis,
  type ReachabilityResult,
} from '../../../shared/domain/bridges';
import type { TorStatus } from '../../../shared/domain/tor';
import type { EventBus } from '../event-bus';
import type { Logger, ScopedLogger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';
import type { TorController, TorEvent } from '../tor/control';
import { torErrorToIpc } from '../tor/errors';
import { describeErrors, parseBridgeLines, validBridgesOrErrors } from './bridge-line';
import { BUILTIN, BUILTIN_INFO, builtinLines } from './builtin';
import { BRIDGE_OPTIONS, BridgeConfigError, bridgeTorConfig, bridgeTorrcLines } from './config';
import { BootstrapObserver } from './diagnosis';
import { Limiter, testBridgeReachability } from './reachability';
import { resolveTransports, type PluggableTransport, type TransportAvailability, type TransportResolver } from './transports';

export class BridgeServiceError extends ServiceError {}

/** What lab mode lends the bridges feature: its bridge, and how a throwaway tor joins the lab. */
export interface BridgeLab {
  bridgeLine: string | null;
  /**
   * The lab's webtunnel bridge, when started: its front has a TEST-NET address that exists only inside
   * the lab's private network namespace (webtunnel-client refuses loopback), so lab mode accepts it.
   */
  webtunnelLine?: string | null;
  networkLines: string[];
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  unixSockets: boolean;
}

/** The part of TorService this service needs (kept narrow so tests can fake it). */
export interface TorHost {
  requireController(): TorController;
  status(): TorStatus;
}

export interface BridgesServiceOptions {
  tor: TorHost;
  bus: EventBus;
  logger: Logger;
  registry: ProcessRegistry;
  resourcesDir: string;
  /** <data>/bridges */
  root: string;
  mode: 'lab' | 'real';
  resolveTransport: TransportResolver;
  lab?: () => Promise<BridgeLab>;
  /** The lab bridges the lab starts (lab mode). */
  labBridges?: readonly LabBridgeTransport[];
  /** No bootstrap progress for this long is a stall (default 20 s). */
  stallMs?: number;
  /** Parallel reachability tests (default 3). */
  maxParallelTests?: number;
}

const StoredSchema = z.object({ selection: BridgeSelectionSchema.nullable(), appliedAt: z.number().nullable() });
const StoredTestsSchema = z.array(ReachabilityResultSchema);
const TESTS_KEPT = 50;

export class BridgesService {
  private readonly log: ScopedLogger;
  private transports: Promise<Map<PluggableTransport, TransportAvailability>> | null = null;
  private selection: BridgeSelection | null = null;
  private bridges: Bridge[] = [];
  private appliedAt: number | null = null;
  private attached: TorController | null = null;
  private detach: (() => void) | null = null;
  private observer: BootstrapObserver;
  private lastDiagnosis: Diagnosis;
  private readonly limiter: Limiter;
  private tests: ReachabilityResult[] = [];
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private loaded: Promise<void> | null = null;
  /** Per tor run: options apply() changed besides the bridge ones, with their previous values. */
  private readonly restore = new WeakMap<TorController, Record<string, string>>();

  constructor(private readonly opts: BridgesServiceOptions) {
    this.log = opts.logger.scope('bridges');
    this.limiter = new Limiter(opts.maxParallelTests ?? 3);
    this.observer = new BootstrapObserver(Date.now(), { usingBridges: false, pluggable: false });
    this.lastDiagnosis = this.observer.diagnose(Date.now(), { stallMs: this.stallMs });
  }

  private get stallMs(): number {
    return this.opts.stallMs ?? 20_000;
  }

  /** Loads the remembered choice and follows tor: re-applies it to each new controller. */
  start(): Promise<void> {
    this.loaded ??= (async () => {
      await this.load();
      this.unsubscribe = this.opts.bus.subscribe((channel, payload) => {
        if (channel === 'underpass:tor:onStatus') this.onTorStatus(payload as TorStatus);
      });
      this.timer = setInterval(() => this.tick(), 1000);
      this.timer.unref();
      this.onTorStatus(this.opts.tor.status());
    })();
    return this.loaded;
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.detach?.();
  }

  handlers(): Handlers['bridges'] {
    return {
      listBuiltin: () => this.listBuiltin(),
      validate: async ({ text }) => parseBridgeLines(text),
      apply: (selection) => this.apply(selection),
      revert: () => this.revert(),
      current: async () => this.current(),
      test: ({ line }) => this.test(line),
      listTests: async () => this.tests,
      diagnosis: async () => this.lastDiagnosis,
    };
  }

  current(): BridgeConfig {
    return {
      selection: this.selection,
      bridges: this.bridges,
      transports: [...new Set(this.bridges.map((b) => b.transport))],
      appliedAt: this.appliedAt,
    };
  }

  /** torrc lines for the next tor start, so a remembered choice holds from tor's first connection. */
  async torrcLines(): Promise<string[]> {
    if (this.bridges.length === 0) return [];
    try {
      // tor refuses UseBridges with UseEntryGuards 0 (the lab's clients set it); the later line wins.
      return [...bridgeTorrcLines(await this.configFor(this.bridges)), 'UseEntryGuards 1'];
    } catch (e) {
      this.log.warn(`starting tor without the remembered bridges: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  diagnosis(): Diagnosis {
    return this.lastDiagnosis;
  }

  // ── choices ──────────────────────────────────────────────────────────────

  private availableTransports(): Promise<Map<PluggableTransport, TransportAvailability>> {
    this.transports ??= resolveTransports(this.opts.resolveTransport);
    return this.transports;
  }

  async listBuiltin(): Promise<BuiltinList> {
    const t = await this.availableTransports();
    return {
      source: { url: BUILTIN.source.url, commit: BUILTIN.source.commit, retrievedAt: BUILTIN.source.retrievedAt },
      labBridges: this.opts.mode === 'lab' ? [...(this.opts.labBridges ?? [])] : [],
      choices: BUILTIN_INFO.map((info) => {
        const lines = builtinLines(info.id);
        const avail = info.transport === 'vanilla' ? null : t.get(info.transport);
        const problem = lines.length === 0 ? 'Tor Browser ships no built-in bridges of this type; paste one instead.' : (avail?.problem ?? null);
        const labProblem = this.opts.mode === 'lab' ? 'Lab mode never dials public bridges; use the lab bridge.' : null;
        const unavailableReason = problem ?? labProblem;
        return { ...info, lines, available: unavailableReason === null, unavailableReason };
      }),
    };
  }

  /** The bridges a selection stands for, all valid, or a BRIDGE_INVALID error naming every bad field. */
  private async resolveSelection(selection: BridgeSelection): Promise<Bridge[]> {
    let text: string;
    if (selection.kind === 'builtin') text = builtinLines(selection.id).join('\n');
    else if (selection.kind === 'custom') text = selection.text;
    else {
      if (this.opts.mode !== 'lab' || !this.opts.lab) throw new BridgeServiceError('BRIDGE_INVALID', 'the lab bridge exists only in lab mode');
      const lab = await this.opts.lab();
      const line = selection.transport === 'webtunnel' ? (lab.webtunnelLine ?? null) : lab.bridgeLine;
      if (!line) throw new BridgeServiceError('BRIDGE_INVALID', `the lab was started without its ${selection.transport ?? 'obfs4'} bridge`);
      text = line;
    }
    const results = parseBridgeLines(text);
    const { bridges, invalid } = validBridgesOrErrors(results);
    if (invalid.length) throw new BridgeServiceError('BRIDGE_INVALID', describeErrors(results), { invalidLines: invalid.length });
    if (bridges.length === 0) throw new BridgeServiceError('BRIDGE_INVALID', 'no bridge lines given');
    if (this.opts.mode === 'lab') {
      // The lab is loopback-only: never hand tor a public address, not even inside the namespace
      // (the lab's own webtunnel front, on an address only its namespace has, is the one exception).
      const nonLoopback = bridges.filter((b) => !isLoopback(b.address));
      const own = nonLoopback.length ? await this.labEndpoints() : new Set<string>();
      const outside = nonLoopback.filter((b) => !own.has(`${b.address}:${b.port}`));
      if (outside.length) throw new BridgeServiceError('BRIDGE_INVALID', `lab mode only uses loopback bridges; refusing ${outside.map((b) => `${b.address}:${b.port}`).join(', ')}`);
    }
    return bridges;
  }

  async apply(selection: BridgeSelection): Promise<BridgeConfig> {
    const bridges = await this.resolveSelection(selection);
    const conf = await this.configFor(bridges);
    const controller = this.controllerOrNull();
    if (controller) await this.setConf(controller, conf);
    this.selection = selection;
    this.bridges = bridges;
    this.appliedAt = Date.now();
    await this.save();
    this.resetObserver();
    this.log.notice(`bridges applied: ${bridges.length} ${[...new Set(bridges.map((b) => b.transport))].join('+')} bridge(s)${controller ? '' : ' (tor not running: applied when it starts)'}`);
    return this.current();
  }

  async revert(): Promise<BridgeConfig> {
    const controller = this.controllerOrNull();
    if (controller) {
      try {
        // One RESETCONF: the bridge options back to their defaults (the app's torrc sets none of them),
        // and whatever apply() changed besides them back to the value it had.
        const restore = this.restore.get(controller) ?? {};
        await controller.resetConf({ ...Object.fromEntries(BRIDGE_OPTIONS.map((k) => [k, null])), ...restore });
        this.restore.delete(controller);
      } catch (e) {
        throw this.torError(e);
      }
    }
    this.selection = null;
    this.bridges = [];
    this.appliedAt = null;
    await this.save();
    this.resetObserver();
    this.log.notice('bridges reverted: direct connection');
    return this.current();
  }

  /** address:port of the lab's non-loopback bridges (its webtunnel front), which lab mode may use; none before the lab is up. */
  private async labEndpoints(): Promise<Set<string>> {
    const line = this.opts.lab ? await this.opts.lab().then((l) => l.webtunnelLine, () => null) : null;
    const bridge = line ? validBridgesOrErrors(parseBridgeLines(line)).bridges[0] : undefined;
    return new Set(bridge ? [`${bridge.address}:${bridge.port}`] : []);
  }

  private async configFor(bridges: Bridge[]) {
    try {
      return bridgeTorConfig(bridges, await this.availableTransports());
    } catch (e) {
      if (e instanceof BridgeConfigError) throw new BridgeServiceError('BRIDGE_TRANSPORT_UNAVAILABLE', e.message);
      throw e;
    }
  }

  private async setConf(controller: TorController, conf: Awaited<ReturnType<BridgesService['configFor']>>): Promise<void> {
    try {
      // tor refuses UseBridges without entry guards ("Setting UseBridges requires also setting
      // UseEntryGuards"); the lab's clients run with UseEntryGuards 0, so turn guards on and put the
      // old value back on revert (RESETCONF would give tor's default, not the torrc's value).
      const guards = (await controller.getConf(['UseEntryGuards'])).UseEntryGuards?.[0];
      const extra: Record<string, string> = {};
      if (guards === '0') {
        extra.UseEntryGuards = '1';
        if (!this.restore.has(controller)) this.restore.set(controller, { UseEntryGuards: '0' });
      }
      // One SETCONF: tor validates the whole set and applies all or nothing.
      await controller.setConf({ UseBridges: conf.UseBridges, ClientTransportPlugin: conf.ClientTransportPlugin, Bridge: conf.Bridge, ...extra });
    } catch (e) {
      throw this.torError(e);
    }
  }

  private torError(e: unknown): BridgeServiceError {
    const data = torErrorToIpc(e);
    return new BridgeServiceError(data.code, data.message, data.details);
  }

  private controllerOrNull(): TorController | null {
    try {
      return this.opts.tor.requireController();
    } catch {
      return null;
    }
  }

  // ── following tor ───────────────────────────────────────────────────────

  private onTorStatus(status: TorStatus): void {
    const controller = status.connected ? this.controllerOrNull() : null;
    if (controller === this.attached) return;
    this.detach?.();
    this.detach = null;
    this.attached = controller;
    this.resetObserver();
    if (!controller) return;
    this.observer.setPhase(status.bootstrap.progress, status.bootstrap.tag, status.bootstrap.summary, Date.now());
    const off = controller.onAny((e: TorEvent) => {
      this.observer.observe(e, Date.now());
      if (e.type === 'STATUS_CLIENT' || e.type === 'WARN' || e.type === 'STATUS_GENERAL') this.tick();
    });
    this.detach = off;
    if (this.bridges.length > 0) {
      // A new tor (restart, crash) starts from its torrc: put the remembered bridges back.
      void this.configFor(this.bridges)
        .then((conf) => this.setConf(controller, conf))
        .then(
          () => this.log.info('remembered bridges re-applied to the new tor'),
          (e: unknown) => this.log.warn(`could not re-apply the remembered bridges: ${e instanceof Error ? e.message : String(e)}`),
        );
    }
  }

  private resetObserver(): void {
    const pluggable = this.bridges.some((b) => b.transport !== 'vanilla');
    const prev = this.observer;
    this.observer = new BootstrapObserver(Date.now(), { usingBridges: this.bridges.length > 0, pluggable });
    if (this.attached) this.observer.setPhase(prev.progress, prev.tag, prev.summary, Date.now());
    this.tick();
  }

  private tick(): void {
    const d = this.attached ? this.observer.diagnose(Date.now(), { stallMs: this.stallMs }) : this.observer.diagnose(Date.now(), { stallMs: Number.MAX_SAFE_INTEGER });
    const prev = this.lastDiagnosis;
    this.lastDiagnosis = d;
    if (prev.cause !== d.cause) this.log.notice(`diagnosis: ${d.cause}${d.cause === 'none' ? '' : ` — ${d.title}`}`);
    if (prev.cause !== d.cause || prev.stalled !== d.stalled || prev.progress !== d.progress || prev.title !== d.title) {
      this.opts.bus.emit('bridges', 'onDiagnosis', d);
    }
  }

  // ── reachability ────────────────────────────────────────────────────────

  async test(line: string): Promise<ReachabilityResult> {
    const results = parseBridgeLines(line);
    const { bridges, invalid } = validBridgesOrErrors(results);
    if (invalid.length || bridges.length !== 1) throw new BridgeServiceError('BRIDGE_INVALID', invalid.length ? describeErrors(results) : 'give exactly one bridge line to test');
    const bridge = bridges[0] as Bridge;
    if (this.opts.mode === 'lab' && !isLoopback(bridge.address) && !(await this.labEndpoints()).has(`${bridge.address}:${bridge.port}`)) {
      throw new BridgeServiceError('BRIDGE_INVALID', 'lab mode only tests loopback bridges and the lab\'s own');
    }
    await this.configFor([bridge]); // fails early when its transport is unavailable
    const lab = this.opts.mode === 'lab' && this.opts.lab ? await this.opts.lab() : null;
    const transports = await this.availableTransports();
    const result = await this.limiter.run(() =>
      testBridgeReachability(bridge, {
        registry: this.opts.registry,
        logger: this.opts.logger,
        resourcesDir: this.opts.resourcesDir,
        workDir: join(this.opts.root, 'tests'),
        networkLines: lab?.networkLines ?? [],
        ...(lab ? { wrapSpawn: lab.wrapSpawn, unixSockets: lab.unixSockets } : {}),
        transports,
      }),
    );
    this.tests = [result, ...this.tests.filter((t) => t.line !== result.line)].slice(0, TESTS_KEPT);
    await this.saveTests();
    this.opts.bus.emit('bridges', 'onTest', result);
    return result;
  }

  // ── storage ─────────────────────────────────────────────────────────────

  private async load(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    const stored = await readJson(join(this.opts.root, 'selection.json'), StoredSchema, this.log);
    if (stored?.selection) {
      try {
        this.bridges = await this.resolveSelection(stored.selection);
        this.selection = stored.selection;
        this.appliedAt = stored.appliedAt;
      } catch (e) {
        this.log.warn(`ignoring the remembered bridges: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.tests = (await readJson(join(this.opts.root, 'tests.json'), StoredTestsSchema, this.log)) ?? [];
  }

  private async save(): Promise<void> {
    await writeJsonFile(join(this.opts.root, 'selection.json'), { selection: this.selection, appliedAt: this.appliedAt });
  }

  private async saveTests(): Promise<void> {
    await writeJsonFile(join(this.opts.root, 'tests.json'), this.tests);
  }
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1';
}

async function readJson<T>(file: string, schema: z.ZodType<T>, log: ScopedLogger): Promise<T | null> {
  const read = await readJsonFile(file, schema);
  if (read.kind === 'corrupt') log.warn(`${file} is not valid (${read.problem}); ignoring it`);
  return read.kind === 'ok' ? read.value : null;
}
