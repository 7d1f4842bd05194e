// The Tor service: runs the app's tor under the supervisor, holds one authenticated controller,
// turns control-port events into the state the UI shows (bootstrap, circuits, streams, bandwidth)
// and implements the Tor page's actions. The IPC handlers are thin calls into this class.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Handlers } from '../../../shared/ipc/api';
import type { EventBus } from '../event-bus';
import type { Logger, ScopedLogger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan, SupervisedProcess } from '../../supervisor/supervised-process';
import { resolveBinary, type ResolvedBinary } from '../../supervisor/binaries';
import type { NetworkModule } from '../network-module';
import {
  EDITABLE_OPTIONS,
  type BandwidthSample,
  type Bootstrap,
  type Circuit,
  type Endpoint,
  type Relay,
  type Stream,
  type TorStatus,
} from '../../../shared/domain/tor';
import { TorController } from './control';
import type { CircuitInfo, StreamInfo, TorEvent } from './control';
import { parsePortFile, stripTorLogPrefix, torArgs, torFiles, torLineLevel, writeTorrc, type TorFiles } from './tor-process';
import { TorServiceError, torCall } from './errors';
import { socksHttpGet } from './socks-test';
import { placeStream } from './stream-placement';

/** What the app's tor needs to join a network other than the public one (the lab). */
export interface TorNetworkPlan {
  extraTorrcLines: string[];
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  unixSockets: boolean;
  labOrigin: string | null;
}

export interface TorServiceOptions {
  registry: ProcessRegistry;
  logger: Logger;
  bus: EventBus;
  /** <data>/tor */
  root: string;
  resourcesDir: string;
  configuredBinary: () => string | null;
  /** Lab mode: resolves once the lab is up, with the lines that join it. Real mode: undefined. */
  network?: () => Promise<TorNetworkPlan>;
  /** Lines other features add to every start's torrc after the network's (remembered bridges). */
  extraTorrcLines?: () => Promise<string[]>;
}

const BANDWIDTH_WINDOW = 300;
const WARNINGS_KEPT = 20;
const CLOSED_STREAM_RETENTION_MS = 30_000;
const EVENTS = ['CIRC', 'STREAM', 'ORCONN', 'BW', 'CIRC_BW', 'STREAM_BW', 'STATUS_CLIENT', 'STATUS_GENERAL', 'WARN', 'ERR', 'NOTICE', 'NETWORK_LIVENESS', 'HS_DESC'];

const EMPTY_BOOTSTRAP: Bootstrap = { progress: 0, tag: 'starting', summary: 'Starting tor', problem: null };

export class TorService implements NetworkModule {
  readonly id = 'tor' as const;
  readonly label = 'Tor';
  readonly proc: SupervisedProcess;
  private readonly log: ScopedLogger;
  private readonly files: TorFiles;
  private controller: TorController | null = null;
  private binary: ResolvedBinary | null = null;
  private plan: TorNetworkPlan | null = null;
  private bootstrap: Bootstrap = EMPTY_BOOTSTRAP;
  private version: string | null = null;
  private socks: Endpoint | null = null;
  private networkLive: boolean | null = null;
  private warnings: TorStatus['warnings'] = [];
  private readonly circuits = new Map<string, Circuit>();
  private readonly streams = new Map<string, Stream>();
  private bandwidth: BandwidthSample[] = [];
  private relays: Relay[] | null = null;
  private readonly userBuilt = new Set<string>();
  private pinned: string | null = null;
  /** Whether tor currently leaves new streams for us to attach (__LeaveStreamsUnattached 1). */
  private leftUnattached = false;
  private readonly detachCount = new Map<string, number>();
  private readonly countryCache = new Map<string, string | null>();
  private readonly bootstrapWaiters = new Set<() => void>();
  private lastNotices: { time: number; message: string }[] = [];
  /** Options the user changed through the editor in this tor run; only these offer "Revert". */
  private readonly changedOptions = new Set<string>();

  constructor(private readonly opts: TorServiceOptions) {
    this.log = opts.logger.scope('tor');
    this.files = torFiles(opts.root);
    this.proc = opts.registry.create({
      id: 'tor',
      label: 'Tor',
      readyTimeoutMs: 45_000,
      gracefulStopMs: 5000,
      termStopMs: 3000,
      restart: { initialDelayMs: 1000, maxAttempts: 5 },
      hooks: {
        plan: () => this.buildPlan(),
        probe: async (ctx) => {
          const controller = await this.connect(ctx.signal);
          ctx.answering();
          this.log.withPid(ctx.pid).info('control port authenticated');
          await this.waitBootstrapped(ctx.signal, (d) => ctx.setDetail(d));
          if (controller !== this.controller) throw new TorServiceError('TOR_NOT_RUNNING', 'tor restarted while bootstrapping');
        },
        requestStop: async () => {
          // SIGNAL SHUTDOWN: tor closes its listeners and exits at once (ShutdownWaitLength is a relay thing).
          await this.controller?.signal('SHUTDOWN').catch(() => undefined);
        },
        classifyLine: (_stream, line) => ({ level: torLineLevel(line), text: stripTorLogPrefix(line) }),
        onExit: () => this.dropController(),
      },
    });
  }

  availability() {
    return { available: true, reason: null };
  }

  async start(): Promise<void> {
    await this.proc.start();
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }

  status(): TorStatus {
    return {
      running: this.proc.pid !== null,
      connected: this.controller !== null && !this.controller.closed,
      bootstrap: this.bootstrap,
      ready: this.controller !== null && this.bootstrap.progress === 100,
      version: this.version,
      socks: this.socks,
      networkLive: this.networkLive,
      warnings: this.warnings,
      labOrigin: this.plan?.labOrigin ?? null,
      pinnedCircuit: this.pinned,
    };
  }

  /** The authenticated controller, for features built on tor (onion services, bridges). */
  requireController(): TorController {
    if (!this.controller || this.controller.closed) throw new TorServiceError('TOR_NOT_RUNNING', 'tor is not running');
    return this.controller;
  }

  socksEndpoint(): Endpoint | null {
    return this.socks;
  }

  handlers(): Handlers['tor'] {
    return {
      getStatus: async () => this.status(),
      listCircuits: async () => [...this.circuits.values()],
      listStreams: async () => [...this.streams.values()],
      getBandwidth: async () => this.bandwidth,
      listRelays: () => torCall(() => this.loadRelays()),
      newIdentity: () => torCall(() => this.newIdentity()),
      buildCircuit: ({ path }) => torCall(() => this.buildCircuit(path)),
      pinStreams: ({ circuitId }) => torCall(() => this.pinStreams(circuitId)),
      closeCircuit: ({ circuitId }) =>
        torCall(async () => {
          await this.requireController().closeCircuit(circuitId);
          return { closed: true };
        }),
      testSocks: ({ url }) =>
        torCall(async () => {
          const socks = this.socks;
          if (!socks || !this.controller) throw new TorServiceError('TOR_NOT_RUNNING', 'tor is not running');
          const target = url ?? this.plan?.labOrigin ?? 'https://check.torproject.org/api/ip';
          return socksHttpGet(socks, target);
        }),
      getConfig: () => torCall(() => this.getConfig()),
      setOption: ({ key, value }) =>
        torCall(async () => {
          await this.requireController().setConf({ [key]: value });
          this.changedOptions.add(key);
          return this.getConfig();
        }),
      resetOption: ({ key }) =>
        torCall(async () => {
          await this.requireController().resetConf([key]);
          this.changedOptions.delete(key);
          return this.getConfig();
        }),
    };
  }

  // ── process ──────────────────────────────────────────────────────────────

  private async buildPlan(): Promise<SpawnPlan> {
    this.plan = this.opts.network ? await this.opts.network() : { extraTorrcLines: [], wrapSpawn: (p) => p, unixSockets: false, labOrigin: null };
    this.binary = await resolveBinary('tor', { resourcesDir: this.opts.resourcesDir, configured: this.opts.configuredBinary() });
    const geoipDir = join(this.opts.resourcesDir, 'bin', `${process.platform}-${process.arch}`, 'share', 'tor');
    const geoip = this.binary.source === 'bundled' && existsSync(join(geoipDir, 'geoip')) ? { ipv4: join(geoipDir, 'geoip'), ipv6: join(geoipDir, 'geoip6') } : null;
    await rm(this.files.controlPortFile, { force: true });
    await writeTorrc({ files: this.files, unixSockets: this.plan.unixSockets, geoip, extraLines: [...this.plan.extraTorrcLines, ...((await this.opts.extraTorrcLines?.()) ?? [])] });
    this.resetState();
    const plan: SpawnPlan = {
      command: this.binary.command,
      args: [...this.binary.argsPrefix, ...torArgs(this.files, process.pid)],
      env: { ...process.env, ...this.binary.env },
      cwd: this.files.root,
      binary: { source: this.binary.source, file: this.binary.file, version: this.binary.version },
    };
    return this.plan.wrapSpawn(plan);
  }

  private resetState(): void {
    this.bootstrap = EMPTY_BOOTSTRAP;
    this.circuits.clear();
    this.streams.clear();
    this.userBuilt.clear();
    this.changedOptions.clear();
    this.pinned = null;
    this.leftUnattached = false;
    this.detachCount.clear();
    this.socks = null;
    this.networkLive = null;
    this.emitStatus();
  }

  private async connect(signal: AbortSignal): Promise<TorController> {
    // tor writes the control port file once its listener is open.
    let target: Endpoint | null = null;
    while (!target) {
      if (signal.aborted) throw new TorServiceError('PROCESS_EXITED', 'tor exited before opening its control port');
      try {
        target = parsePortFile(await readFile(this.files.controlPortFile, 'utf8'));
      } catch {
        // not written yet
      }
      if (!target) await sleep(50);
    }
    const controller = await TorController.connect(target.kind === 'tcp' ? { host: target.host, port: target.port } : { path: target.path }, {
      timeoutMs: 30_000,
    });
    await controller.authenticate();
    // Tor exits when this connection closes: no orphaned tor even if the app is killed -9.
    await controller.takeOwnership();
    await controller.resetConf(['__OwningControllerProcess']);
    this.controller = controller;
    controller.onAny((e) => this.onEvent(e));
    controller.onClose(() => {
      if (this.controller === controller) this.dropController();
    });
    await controller.setEvents(EVENTS);
    const info = await controller.getInfo(['version', 'net/listeners/socks', 'status/bootstrap-phase', 'network-liveness']);
    this.version = info.version.split(' ')[0] ?? info.version;
    this.socks = parseListener(info['net/listeners/socks']);
    this.networkLive = info['network-liveness'] === 'up';
    if (this.socks) await writeFile(this.opts.root + '/socks.port', `${describeEndpoint(this.socks)}\n`, { mode: 0o600 });
    const phase = await controller.getBootstrapPhase();
    this.setBootstrap({ progress: phase.progress, tag: phase.tag, summary: phase.summary, problem: null });
    for (const c of await controller.getCircuits()) this.upsertCircuit(c);
    for (const s of await controller.getStreams()) this.upsertStream(s);
    return controller;
  }

  private dropController(): void {
    const c = this.controller;
    this.controller = null;
    if (c && !c.closed) void c.close().catch(() => undefined);
    for (const w of this.bootstrapWaiters) w();
    this.emitStatus();
  }

  private waitBootstrapped(signal: AbortSignal, setDetail: (d: string) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (signal.aborted || !this.controller) {
          this.bootstrapWaiters.delete(check);
          reject(new TorServiceError('PROCESS_EXITED', 'tor stopped while bootstrapping'));
          return;
        }
        setDetail(`Bootstrapped ${this.bootstrap.progress}%: ${this.bootstrap.summary}`);
        if (this.bootstrap.progress >= 100) {
          this.bootstrapWaiters.delete(check);
          resolve();
        }
      };
      this.bootstrapWaiters.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  // ── events ───────────────────────────────────────────────────────────────

  private onEvent(e: TorEvent): void {
    switch (e.type) {
      case 'STATUS_CLIENT':
        if (e.bootstrap) {
          const b = e.bootstrap;
          this.setBootstrap({
            progress: b.progress,
            tag: b.tag,
            summary: b.summary,
            problem: b.warning ? { warning: b.warning, reason: b.reason ?? null, recommendation: b.recommendation ?? null, count: b.count ?? null } : null,
          });
        }
        break;
      case 'CIRC':
        this.upsertCircuit(e);
        break;
      case 'STREAM':
        this.upsertStream(e);
        this.placeStream(e);
        break;
      case 'CIRC_BW': {
        const c = this.circuits.get(e.id);
        if (c) {
          const next = { ...c, bytesRead: c.bytesRead + e.read, bytesWritten: c.bytesWritten + e.written };
          this.circuits.set(e.id, next);
          this.opts.bus.emit('tor', 'onCircuit', next);
        }
        break;
      }
      case 'STREAM_BW': {
        const s = this.streams.get(e.id);
        if (s) {
          const next = { ...s, bytesRead: s.bytesRead + e.read, bytesWritten: s.bytesWritten + e.written, updatedAt: Date.now() };
          this.streams.set(e.id, next);
          this.opts.bus.emit('tor', 'onStream', next);
        }
        break;
      }
      case 'BW': {
        const sample = { time: Date.now(), read: e.read, written: e.written };
        this.bandwidth.push(sample);
        if (this.bandwidth.length > BANDWIDTH_WINDOW) this.bandwidth = this.bandwidth.slice(-BANDWIDTH_WINDOW);
        this.opts.bus.emit('tor', 'onBandwidth', sample);
        break;
      }
      case 'WARN':
      case 'ERR':
        this.warnings = [...this.warnings, { time: Date.now(), severity: e.type, message: e.message }].slice(-WARNINGS_KEPT);
        this.emitStatus();
        break;
      case 'NOTICE':
        this.lastNotices = [...this.lastNotices.filter((n) => Date.now() - n.time < 5000), { time: Date.now(), message: e.message }];
        break;
      case 'NETWORK_LIVENESS':
        this.networkLive = e.status === 'UP';
        this.emitStatus();
        break;
      default:
        break;
    }
  }

  private setBootstrap(b: Bootstrap): void {
    this.bootstrap = b;
    this.emitStatus();
    for (const w of [...this.bootstrapWaiters]) w();
  }

  private emitStatus(): void {
    this.opts.bus.emit('tor', 'onStatus', this.status());
  }

  private upsertCircuit(info: CircuitInfo): void {
    const prev = this.circuits.get(info.id);
    const circuit: Circuit = {
      id: info.id,
      status: info.status,
      purpose: info.purpose ?? null,
      hsState: info.hsState ?? null,
      buildFlags: info.buildFlags,
      createdAt: info.timeCreated ? Date.parse(`${info.timeCreated}Z`) || null : (prev?.createdAt ?? null),
      path: info.path.map((hop) => this.describeHop(hop.fingerprint, hop.nickname ?? null)),
      reason: info.reason ?? null,
      bytesRead: prev?.bytesRead ?? 0,
      bytesWritten: prev?.bytesWritten ?? 0,
      userBuilt: this.userBuilt.has(info.id),
    };
    if (info.status === 'CLOSED' || info.status === 'FAILED') {
      this.circuits.delete(info.id);
      this.userBuilt.delete(info.id);
      if (this.pinned === info.id) {
        this.pinned = null;
        this.log.warn(`pinned circuit ${info.id} closed (${info.reason ?? 'no reason given'}); new streams use circuits tor chooses`);
        void this.controller
          ?.setConf({ __LeaveStreamsUnattached: '0' })
          .then(() => (this.leftUnattached = false))
          .catch(() => undefined);
        // Streams already waiting for the closed circuit would otherwise wait forever.
        for (const s of this.streams.values()) if (s.status === 'CONTROLLER_WAIT' || s.status === 'DETACHED') this.attachToAny(s.id);
        this.emitStatus();
      }
    } else {
      this.circuits.set(info.id, circuit);
    }
    this.opts.bus.emit('tor', 'onCircuit', circuit);
  }

  /** Carries out placeStream()'s answer for each STREAM event (see stream-placement.ts). */
  private placeStream(e: StreamInfo): void {
    if (e.status === 'CLOSED' || e.status === 'FAILED') {
      this.detachCount.delete(e.id);
      return;
    }
    let detaches = this.detachCount.get(e.id) ?? 0;
    if (e.status === 'DETACHED') {
      detaches += 1;
      this.detachCount.set(e.id, detaches);
      this.log.info(`stream ${e.id} detached (${e.reason ?? '?'}, remote ${e.remoteReason ?? '?'})`);
    }
    const placement = placeStream(e, {
      pinned: this.pinned,
      pinnedAlive: this.pinned !== null && this.circuits.has(this.pinned),
      leftUnattached: this.leftUnattached,
      detaches,
    });
    if (placement.kind === 'any') this.attachToAny(e.id);
    if (placement.kind !== 'circuit' || !this.controller) return;
    const target = placement.circuitId;
    this.controller.attachStream(e.id, target).catch((err: unknown) => {
      this.log.warn(`could not attach stream ${e.id} to circuit ${target}: ${String(err)}`);
      // Let tor pick a circuit rather than leave the stream hanging.
      this.attachToAny(e.id);
    });
  }

  private attachToAny(streamId: string): void {
    this.controller?.attachStream(streamId, 0).catch((err: unknown) => this.log.debug(`stream ${streamId} left to tor: ${String(err)}`));
  }

  private upsertStream(info: StreamInfo): void {
    const prev = this.streams.get(info.id);
    const stream: Stream = {
      id: info.id,
      status: info.status,
      circuitId: info.circuitId,
      target: info.target,
      purpose: info.purpose ?? null,
      reason: info.reason ?? null,
      bytesRead: prev?.bytesRead ?? 0,
      bytesWritten: prev?.bytesWritten ?? 0,
      updatedAt: Date.now(),
    };
    this.streams.set(info.id, stream);
    if (info.status === 'CLOSED' || info.status === 'FAILED') {
      // Keep finished streams briefly so a selected circuit still shows what it carried.
      setTimeout(() => {
        if (this.streams.get(info.id)?.updatedAt === stream.updatedAt) this.streams.delete(info.id);
      }, CLOSED_STREAM_RETENTION_MS).unref();
    }
    this.opts.bus.emit('tor', 'onStream', stream);
  }

  private describeHop(fingerprint: string, nickname: string | null) {
    const relay = this.relays?.find((r) => r.fingerprint === fingerprint);
    return {
      fingerprint,
      nickname: nickname ?? relay?.nickname ?? null,
      address: relay?.address ?? null,
      country: relay?.country ?? null,
      flags: relay?.flags ?? [],
    };
  }

  // ── actions ──────────────────────────────────────────────────────────────

  private async loadRelays(): Promise<Relay[]> {
    const controller = this.requireController();
    const relays = await controller.getRelays();
    const out: Relay[] = [];
    for (const r of relays) {
      out.push({
        nickname: r.nickname,
        fingerprint: r.fingerprint.toUpperCase(),
        address: r.address,
        orPort: r.orPort,
        flags: r.flags,
        bandwidth: r.bandwidth ?? null,
        country: await this.country(r.address),
      });
    }
    this.relays = out;
    return out;
  }

  private async country(address: string): Promise<string | null> {
    if (this.countryCache.has(address)) return this.countryCache.get(address) ?? null;
    let cc: string | null;
    try {
      const v = await this.requireController().getInfoValue(`ip-to-country/${address}`);
      cc = /^[a-z]{2}$/.test(v) ? v : null;
    } catch {
      cc = null; // no geoip data loaded, or a private address
    }
    this.countryCache.set(address, cc);
    return cc;
  }

  private async newIdentity() {
    const controller = this.requireController();
    const since = Date.now();
    await controller.signal('NEWNYM');
    // tor answers 250 at once and, when rate-limited, logs a NOTICE:
    // "Rate limiting NEWNYM request: delaying by 8 second(s)" (control-spec §3.7, relay.c).
    await sleep(300);
    const notice = this.lastNotices.find((n) => n.time >= since && /Rate limiting NEWNYM request: delaying by (\d+) second/.test(n.message));
    const delay = notice ? Number(/delaying by (\d+) second/.exec(notice.message)?.[1] ?? 0) : 0;
    return {
      accepted: true,
      delayedSeconds: delay,
      message: delay > 0 ? `tor accepted the request but limits how often identities change: it applies in ${delay} s.` : 'New circuits will be used for new connections.',
    };
  }

  private async buildCircuit(path: string[]) {
    if (new Set(path).size !== path.length) throw new TorServiceError('IPC_INVALID_ARGS', 'a circuit cannot use the same relay twice');
    const controller = this.requireController();
    const id = await controller.extendCircuit(0, path.map((fp) => `$${fp}`), 'general');
    this.userBuilt.add(id);
    const existing = this.circuits.get(id);
    if (existing) {
      const next = { ...existing, userBuilt: true };
      this.circuits.set(id, next);
      this.opts.bus.emit('tor', 'onCircuit', next);
    }
    return { circuitId: id };
  }

  private async pinStreams(circuitId: string | null) {
    const controller = this.requireController();
    if (circuitId !== null) {
      const c = this.circuits.get(circuitId);
      if (!c) throw new TorServiceError('IPC_INVALID_ARGS', `circuit ${circuitId} does not exist (any more)`);
      // Tor then leaves new streams for us to attach (control-spec §5.1, __LeaveStreamsUnattached).
      await controller.setConf({ __LeaveStreamsUnattached: '1' });
      this.leftUnattached = true;
    } else {
      await controller.setConf({ __LeaveStreamsUnattached: '0' });
      this.leftUnattached = false;
    }
    this.pinned = circuitId;
    this.emitStatus();
    return { circuitId };
  }

  private async getConfig() {
    const controller = this.requireController();
    const torrc = await readFile(this.files.torrc, 'utf8');
    const conf = await controller.getConf([...EDITABLE_OPTIONS]);
    return {
      torrc,
      options: EDITABLE_OPTIONS.map((key) => ({
        key,
        value: (conf[key] ?? []).join(','),
        isDefault: !this.changedOptions.has(key),
        changed: this.changedOptions.has(key),
      })),
    };
  }
}

function parseListener(value: string): Endpoint | null {
  // net/listeners/socks: space-separated quoted addresses, e.g. "127.0.0.1:9050" or "unix:/path".
  const first = value.split(' ')[0]?.replace(/^"|"$/g, '');
  if (!first) return null;
  if (first.startsWith('unix:')) return { kind: 'unix', path: first.slice(5) };
  const m = /^(.*):(\d+)$/.exec(first);
  return m?.[1] && m[2] ? { kind: 'tcp', host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) } : null;
}

function describeEndpoint(e: Endpoint): string {
  return e.kind === 'tcp' ? `${e.host}:${e.port}` : `unix:${e.path}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
