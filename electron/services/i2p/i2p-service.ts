// The I2P service: runs the app's i2pd under the supervisor from a generated config, is ready when
// SAM answers HELLO, polls I2PControl for router status and bandwidth (i2pd pushes nothing), and
// keeps the app's tunnels alive across i2pd restarts. The IPC handlers are thin calls into this class.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Handlers } from '../../../shared/ipc/api';
import type { I2pBandwidthSample, I2pStatus, RouterInfo } from '../../../shared/domain/i2p';
import type { NetworkModule } from '../network-module';
import type { EventBus } from '../event-bus';
import type { Logger, ScopedLogger } from '../../logging/logger';
import { resolveBinary } from '../../supervisor/binaries';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan, SupervisedProcess } from '../../supervisor/supervised-process';
import { classifyI2pdLine, i2pdArgs, renderI2pdConf, type I2pdPaths } from './i2pd-conf';
import { I2pControlClient } from './i2pcontrol/client';
import type { RouterInfoReply } from './i2pcontrol/replies';
import { seedNetDb } from './netdb-seed';
import { SamConnection, type OptionValue, type SamConnectionOptions } from './sam';
import { describeCapabilities, samCapabilities, type SamCapabilities } from './sam/capabilities';
import { I2pServiceError, i2pCall } from './errors';
import { TunnelManager } from './tunnels';

/** How the app's i2pd joins a network other than the public one (the lab). */
export interface I2pNetworkPlan {
  netid: number;
  /** router.info files to copy into the netDb before every start (the lab has no reseed). */
  seedRouterInfos: string[];
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  /** Holder namespace: exposes ports inside it to the app (null: they are reachable as they are). */
  bridge: ((id: string, ports: number[]) => Promise<{ hostPort(p: number): number; stop(): Promise<void> }>) | null;
  /** Hops for the app's sessions and exploratory tunnels (1 in a 2–3 router lab). */
  tunnelHops: number;
  /** Loopback address the router's NTCP2 binds to (default 127.0.0.1); the lab gives each router its own. */
  host?: string;
}

export interface I2pServiceOptions {
  registry: ProcessRegistry;
  logger: Logger;
  bus: EventBus;
  /** <data>/i2p */
  root: string;
  resourcesDir: string;
  configuredBinary: () => string | null;
  network?: () => Promise<I2pNetworkPlan>;
  /** Registry id (default 'i2p'); tests run a second app router under another id. */
  id?: string;
  pollMs?: number;
}

const BANDWIDTH_WINDOW = 300;

interface RouterSettings {
  transit: boolean;
  /**
   * The NTCP2 port this router published last time. Kept across restarts: peers (and in the lab,
   * floodfills) hold our RouterInfo with it, and a new port each start makes them dial a dead one
   * until they learn the new RouterInfo.
   */
  ntcp2Port: number | null;
}

/** A free loopback port: `preferred` when it is still free, otherwise any. */
async function freePort(preferred = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (preferred === 0 || e.code !== 'EADDRINUSE') return reject(e);
      server.listen(0, '127.0.0.1', resolve);
    });
    server.listen(preferred, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export class I2pService implements NetworkModule {
  readonly id = 'i2p' as const;
  readonly label = 'I2P';
  readonly proc: SupervisedProcess;
  readonly tunnels: TunnelManager;
  private readonly log: ScopedLogger;
  private readonly paths: I2pdPaths;
  private plan: I2pNetworkPlan | null = null;
  private sam: SamConnectionOptions | null = null;
  private samVersion: string | null = null;
  /** First line of the binary's --version (bundled manifest or a user-pointed i2pd). */
  private binaryVersion: string | null = null;
  private caps: SamCapabilities | null = null;
  private control: I2pControlClient | null = null;
  private controlPort = 0;
  private password = '';
  private bridge: { stop(): Promise<void> } | null = null;
  private router: RouterInfoReply | null = null;
  private bandwidth: I2pBandwidthSample[] = [];
  private poll: NodeJS.Timeout | null = null;
  private settings: RouterSettings = { transit: true, ntcp2Port: null };
  private shuttingDown = false;

  constructor(private readonly opts: I2pServiceOptions) {
    this.log = opts.logger.scope('i2p');
    const dataDir = join(opts.root, 'data');
    this.paths = {
      dataDir,
      conf: join(opts.root, 'i2pd.conf'),
      tunconf: join(opts.root, 'tunnels.conf'),
      tunnelsDir: join(opts.root, 'tunnels.d'),
      certsDir: join(opts.root, 'certificates'),
      pidFile: join(opts.root, 'i2pd.pid'),
    };
    this.tunnels = new TunnelManager({ dir: join(opts.root, 'tunnels'), log: this.log, i2cp: () => this.sessionOptions() });
    this.tunnels.on('changed', (t) => opts.bus.emit('i2p', 'onTunnels', t));
    this.proc = opts.registry.create({
      id: opts.id ?? 'i2p',
      label: 'I2P',
      readyTimeoutMs: 30_000,
      // requestStop asks I2PControl for an immediate Shutdown; SIGTERM after 5 s, SIGKILL 5 s later.
      gracefulStopMs: 5000,
      termStopMs: 5000,
      restart: { initialDelayMs: 500, maxAttempts: 5 },
      hooks: {
        plan: () => this.buildPlan(),
        probe: async (ctx) => {
          await this.waitForSam(ctx.signal);
          ctx.answering();
          ctx.setDetail('SAM answers; connecting to I2PControl');
          await this.connectControl(ctx.signal);
          this.log.withPid(ctx.pid).info(`SAM ${this.samVersion ?? '?'} and I2PControl answer`);
          this.adaptToVersion();
          this.startPolling();
          if (this.sam) this.tunnels.resume(this.sam);
          this.emitStatus();
        },
        requestStop: async () => {
          if (this.shuttingDown) return;
          await this.control?.routerManager('Shutdown').catch(() => undefined);
        },
        classifyLine: (_s, line) => classifyI2pdLine(line),
        onExit: () => {
          this.dropConnections();
          if (this.shuttingDown) {
            // A graceful shutdown the user asked for: stay stopped.
            this.shuttingDown = false;
            void this.proc.stop();
          }
        },
      },
    });
  }

  availability() {
    return { available: true, reason: null };
  }

  async start(): Promise<void> {
    await this.tunnels.load();
    await this.proc.start();
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    await this.tunnels.close();
    await this.bridge?.stop();
    this.bridge = null;
  }

  /** What this i2pd's SAM bridge can do (null until it answers); a user-pointed older i2pd differs. */
  capabilities(): SamCapabilities | null {
    return this.caps;
  }

  /** Where the app reaches SAM (null until i2pd answers). */
  samOptions(): SamConnectionOptions | null {
    return this.sam;
  }

  status(): I2pStatus {
    return {
      running: this.proc.pid !== null,
      ready: this.sam !== null,
      version: this.router?.version ?? null,
      samVersion: this.samVersion,
      shuttingDown: this.shuttingDown,
      router: this.router ? this.routerDto(this.router) : null,
      lab: this.opts.network !== undefined,
    };
  }

  handlers(): Handlers['i2p'] {
    return {
      getStatus: async () => this.status(),
      getRouterInfo: () =>
        i2pCall(async () => {
          const info = await this.requireControl().routerInfo();
          this.router = info;
          return this.routerDto(info);
        }),
      getBandwidth: async () => this.bandwidth,
      setTransit: ({ enabled }) => i2pCall(() => this.setTransit(enabled)),
      shutdownGraceful: () =>
        i2pCall(async () => {
          await this.requireControl().routerManager('ShutdownGraceful');
          this.shuttingDown = true;
          this.emitStatus();
          return this.status();
        }),
      listTunnels: async () => {
        await this.tunnels.load();
        return this.tunnels.list();
      },
      createServerTunnel: ({ name, targetPort }) => i2pCall(() => this.tunnels.createServer(name, targetPort)),
      startServerTunnel: ({ id }) => i2pCall(() => this.tunnels.setServerEnabled(id, true)),
      stopServerTunnel: ({ id }) => i2pCall(() => this.tunnels.setServerEnabled(id, false)),
      removeServerTunnel: ({ id }) => i2pCall(async () => ({ removed: await this.tunnels.removeServer(id) })),
      createClientTunnel: ({ name, localPort, destination }) =>
        i2pCall(async () => {
          await this.tunnels.load();
          return this.tunnels.createClient(name, localPort, destination);
        }),
      removeClientTunnel: ({ id }) => i2pCall(async () => ({ removed: await this.tunnels.removeClient(id) })),
    };
  }

  // ── process ──────────────────────────────────────────────────────────────

  private async buildPlan(): Promise<SpawnPlan> {
    const plan = this.opts.network
      ? await this.opts.network()
      : { netid: 2, seedRouterInfos: [], wrapSpawn: (p: SpawnPlan) => p, bridge: null, tunnelHops: 3 };
    this.plan = plan;
    const lab = this.opts.network !== undefined;
    const binary = await resolveBinary('i2pd', { resourcesDir: this.opts.resourcesDir, configured: this.opts.configuredBinary() });
    this.binaryVersion = binary.version;
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    await mkdir(this.paths.dataDir, { recursive: true, mode: 0o700 });
    await mkdir(this.paths.tunnelsDir, { recursive: true });
    await mkdir(this.paths.certsDir, { recursive: true });
    // tunnels.conf stays empty: the app's tunnels are SAM sessions it owns (see tunnels.ts).
    await writeFile(this.paths.tunconf, '# Generated by Underpass; tunnels are managed by the app over SAM.\n');
    if (!existsSync(join(this.paths.dataDir, 'hosts.txt'))) await writeFile(join(this.paths.dataDir, 'hosts.txt'), '');
    this.settings = await this.readSettings();
    const ntcp2Port = await freePort(this.settings.ntcp2Port ?? 0);
    if (ntcp2Port !== this.settings.ntcp2Port) {
      this.settings = { ...this.settings, ntcp2Port };
      await this.saveSettings();
    }
    const [samPort, samUdpPort, controlPort] = [await freePort(), await freePort(), await freePort()];
    this.password = randomBytes(16).toString('hex');
    await writeFile(
      this.paths.conf,
      renderI2pdConf({
        host: plan.host ?? '127.0.0.1',
        ntcp2Port,
        publishNtcp2: lab,
        samPort,
        samUdpPort,
        i2pcontrol: { port: controlPort, password: this.password },
        netid: plan.netid,
        // Lab: every router floodfill (notes §3), so its LeaseSets are stored where peers look them up.
        floodfill: lab,
        reservedRange: !lab,
        bandwidth: lab ? 'X' : 'O',
        notransit: !this.settings.transit,
        exploratoryLength: Math.min(plan.tunnelHops, 2),
        logLevel: 'warn',
        reseed: !lab,
      }),
      { mode: 0o600 },
    );
    if (plan.seedRouterInfos.length > 0) await seedNetDb(join(this.paths.dataDir, 'netDb'), plan.seedRouterInfos);
    await this.bridge?.stop();
    this.bridge = null;
    let appSam = samPort;
    let appControl = controlPort;
    if (plan.bridge) {
      const b = await plan.bridge(`${this.proc.id}:bridge`, [samPort, controlPort]);
      this.bridge = b;
      appSam = b.hostPort(samPort);
      appControl = b.hostPort(controlPort);
    }
    this.pendingSam = { host: '127.0.0.1', port: appSam, connectTimeoutMs: 3000 };
    this.controlPort = appControl;
    return plan.wrapSpawn({
      command: binary.command,
      args: [...binary.argsPrefix, ...i2pdArgs(this.paths)],
      env: { ...process.env, ...binary.env },
      cwd: this.paths.dataDir,
      binary: { source: binary.source, file: binary.file, version: binary.version },
    });
  }

  private pendingSam: SamConnectionOptions | null = null;

  private async waitForSam(signal: AbortSignal): Promise<void> {
    const sam = this.pendingSam;
    if (!sam) throw new I2pServiceError('I2P_NOT_RUNNING', 'no SAM port planned');
    while (!signal.aborted) {
      try {
        const c = await SamConnection.open(sam);
        this.samVersion = c.version;
        c.close();
        this.sam = sam;
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new I2pServiceError('I2P_NOT_RUNNING', 'i2pd exited before SAM answered');
  }

  private async connectControl(signal: AbortSignal): Promise<void> {
    // i2pd writes its I2PControl certificate a moment after start; pin it once it exists.
    const certFile = join(this.paths.dataDir, 'i2pcontrol.crt.pem');
    let lastError: unknown = null;
    for (let i = 0; i < 100 && !signal.aborted; i += 1) {
      try {
        const certPem = await readFile(certFile, 'utf8');
        const client = new I2pControlClient({ port: this.controlPort, password: this.password, certPem });
        await client.authenticate();
        this.control = client;
        this.router = await client.routerInfo();
        return;
      } catch (e) {
        lastError = e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // Not fatal: SAM works without it; the status card says why it has no numbers.
    this.log.warn(`I2PControl did not answer: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  private adaptToVersion(): void {
    if (this.samVersion === null) return;
    // I2PControl's version is the running router's; --version is the fallback when it does not answer.
    this.caps = samCapabilities(this.samVersion, this.router?.version ?? this.binaryVersion);
    this.log.info(describeCapabilities(this.caps));
    if (this.opts.network !== undefined && this.caps.loopbackLab === false) {
      this.log.warn('this i2pd is older than 2.51: it refuses incoming connections from 127.x, so it cannot join the lab network (use the bundled i2pd)');
    }
  }

  private startPolling(): void {
    if (this.poll) clearInterval(this.poll);
    // I2PControl has no events: poll once a second, as the bandwidth graph wants 1 s samples.
    this.poll = setInterval(() => void this.pollOnce(), this.opts.pollMs ?? 1000);
  }

  private async pollOnce(): Promise<void> {
    const control = this.control;
    if (!control) return;
    try {
      const info = await control.routerInfo();
      if (control !== this.control) return;
      this.router = info;
      const sample = { time: Date.now(), read: Math.max(0, info.bwIn1s), written: Math.max(0, info.bwOut1s) };
      this.bandwidth.push(sample);
      if (this.bandwidth.length > BANDWIDTH_WINDOW) this.bandwidth.splice(0, this.bandwidth.length - BANDWIDTH_WINDOW);
      this.opts.bus.emit('i2p', 'onBandwidth', sample);
      this.emitStatus();
    } catch (e) {
      this.log.debug(`RouterInfo: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private dropConnections(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.sam = null;
    this.control = null;
    this.router = null;
    this.tunnels.suspend();
    this.emitStatus();
  }

  private async setTransit(enabled: boolean): Promise<I2pStatus> {
    // i2pd's I2PControl has no transit switch (only its web console does, which is off): change
    // notransit in the generated config and restart the router; tunnels come back by themselves.
    this.settings = { ...this.settings, transit: enabled };
    await this.saveSettings();
    if (this.proc.pid !== null) {
      await this.proc.stop();
      await this.proc.start();
    }
    return this.status();
  }

  private async readSettings(): Promise<RouterSettings> {
    try {
      const data = JSON.parse(await readFile(join(this.opts.root, 'router.json'), 'utf8')) as Partial<Record<keyof RouterSettings, unknown>>;
      const port = data.ntcp2Port;
      return {
        transit: typeof data.transit === 'boolean' ? data.transit : true,
        ntcp2Port: typeof port === 'number' && Number.isInteger(port) && port >= 1024 && port <= 65535 ? port : null,
      };
    } catch {
      return { transit: true, ntcp2Port: null };
    }
  }

  private async saveSettings(): Promise<void> {
    await writeFile(join(this.opts.root, 'router.json'), JSON.stringify(this.settings), { mode: 0o600 });
  }

  private requireControl(): I2pControlClient {
    if (!this.control) throw new I2pServiceError('I2P_NOT_RUNNING', 'i2pd is not running (or its I2PControl does not answer)');
    return this.control;
  }

  /** I2CP options for the app's own sessions on this router (hops from the network plan); also used by guidance's I2P probe. */
  sessionOptions(): Readonly<Record<string, OptionValue>> {
    const hops = this.plan?.tunnelHops ?? 3;
    return {
      'inbound.length': hops,
      'outbound.length': hops,
      'inbound.quantity': 2,
      'outbound.quantity': 2,
      'i2cp.leaseSetEncType': '4,0',
    };
  }

  private routerDto(info: RouterInfoReply): RouterInfo {
    return {
      ready: info.ready,
      version: info.version,
      uptimeMs: Math.max(0, info.uptimeMs),
      netStatus: info.netStatus,
      participatingTunnels: Math.max(0, Math.round(info.participatingTunnels)),
      tunnelSuccessRate: Math.min(100, Math.max(0, info.tunnelSuccessRate)),
      knownPeers: Math.max(0, Math.round(info.knownPeers)),
      activePeers: Math.max(0, Math.round(info.activePeers)),
      bwIn: Math.max(0, info.bwIn1s),
      bwOut: Math.max(0, info.bwOut1s),
      totalReceivedBytes: Math.max(0, info.totalReceivedBytes),
      totalSentBytes: Math.max(0, info.totalSentBytes),
      transit: this.settings.transit,
    };
  }

  private emitStatus(): void {
    this.opts.bus.emit('i2p', 'onStatus', this.status());
  }
}
