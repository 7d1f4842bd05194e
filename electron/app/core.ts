// The app's composition root without Electron: logger, supervisor registry, settings, services
// and the IPC router. Electron's main.ts and the headless CLI both build exactly this.
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import type { Handlers } from '../../shared/ipc/api';
import type { AppInfo } from '../../shared/domain/app';
import type { NetworkAvailability, NetworkId } from '../../shared/domain/network';

import { IpcRouter } from '../ipc/router';
import { EventBus } from '../services/event-bus';
import type { NetworkModule } from '../services/network-module';
import type { LabProvider } from '../services/lab-provider';

export type { NetworkModule } from '../services/network-module';
export type { LabProvider } from '../services/lab-provider';
import { Logger } from '../logging/logger';
import { createGuidance } from './guidance-actions';
import { ProcessRegistry } from '../supervisor/registry';
import { SettingsStore } from '../config/settings';
import { preparePaths, type AppMode, type AppPaths } from '../config/paths';
import { defaultResourcesDir } from '../supervisor/binaries';
import { TorService, type TorNetworkPlan } from '../services/tor/tor-service';
import { I2pService, type I2pNetworkPlan } from '../services/i2p/i2p-service';
import { BridgesService } from '../services/bridges/bridges-service';
import { defaultTransportResolver } from '../services/bridges/transports';
import { DropService, type DropHost } from '../services/drops/drop-service';
import { OnionServicesService } from '../services/onion-services/onion-services-service';
import { NymService, type NymNetworkPlan } from '../services/nym/nym-service';

export interface CoreOptions {
  dataDir: string;
  mode: AppMode;
  host: AppInfo['host'];
  /** Desktop capabilities of the Electron host (notifications, opening folders); headless has none. */
  desktop?: DropHost;
  logger?: Logger;
  /** Where bundled daemons live (resources/ in the repo, process.resourcesPath when packaged). */
  resourcesDir?: string;
  /** Start the networks the settings ask for. Tests that only need the shell pass false. */
  autostart?: boolean;
  /** No bootstrap progress for this long counts as a stall for the diagnosis (default 20 s). */
  bridgeStallMs?: number;
  /**
   * Lab mode: how the app's daemons join the private networks. Started lazily the first time a
   * network starts, so the window is up at once.
   */
  lab?: (deps: { registry: ProcessRegistry; logger: Logger; resourcesDir: string }) => LabProvider;
}

export interface Core {
  mode: AppMode;
  paths: AppPaths;
  logger: Logger;
  registry: ProcessRegistry;
  settings: SettingsStore;
  bus: EventBus;
  router: IpcRouter;
  tor: TorService;
  i2p: I2pService;
  bridges: BridgesService;
  drops: DropService;
  onionServices: OnionServicesService;
  nym: NymService;
  /** Plugs a network's service into the shell (availability, start/stop from the UI). */
  registerNetwork(mod: NetworkModule): void;
  shutdown(): Promise<void>;
}

const NETWORK_LABELS: Record<NetworkId, string> = { tor: 'Tor', i2p: 'I2P', nym: 'Nym mixnet' };


export async function createCore(opts: CoreOptions): Promise<Core> {
  const logger = opts.logger ?? new Logger({ minLevel: process.env.UNDERPASS_DEBUG ? 'debug' : 'info' });
  const log = logger.scope('core');
  const paths = await preparePaths(opts.dataDir);
  const registry = new ProcessRegistry(paths.runDir, logger);
  const reaped = await registry.reapOrphans();
  if (reaped > 0) log.warn(`stopped ${reaped} process(es) left running by an earlier run`);
  const settings = new SettingsStore(paths.settingsFile, logger.scope('settings'));
  await settings.load();
  const bus = new EventBus();
  const modules = new Map<NetworkId, NetworkModule>();
  const resourcesDir = opts.resourcesDir ?? defaultResourcesDir();
  const lab = opts.lab?.({ registry, logger, resourcesDir });
  // In lab mode every network joins the lab; a lab missing one of them fails that network's start.
  const fromLab = <T>(what: string, get: (l: LabProvider) => (() => Promise<T>) | undefined) =>
    opts.mode === 'lab'
      ? {
          network: async (): Promise<T> => {
            const start = lab ? get(lab) : undefined;
            if (!start) throw new Error(`lab mode was started without its lab ${what}`);
            return start();
          },
        }
      : {};

  let bridgesRef: BridgesService | null = null;
  const tor = new TorService({
    registry,
    logger,
    bus,
    root: paths.networkDir('tor'),
    resourcesDir,
    configuredBinary: () => settings.get().binaries.tor,
    // The remembered bridge choice is in the torrc, so tor never dials directly first.
    extraTorrcLines: async () => (bridgesRef ? bridgesRef.torrcLines() : []),
    ...fromLab<TorNetworkPlan>('Tor network', (l) => () => l.tor()),
  });
  modules.set('tor', tor);

  const i2p = new I2pService({
    registry,
    logger,
    bus,
    root: paths.networkDir('i2p'),
    resourcesDir,
    configuredBinary: () => settings.get().binaries.i2pd,
    ...fromLab<I2pNetworkPlan>('I2P network', (l) => l.i2p?.bind(l)),
  });
  modules.set('i2p', i2p);

  const bridges = new BridgesService({
    tor,
    bus,
    logger,
    registry,
    resourcesDir,
    root: paths.networkDir('bridges'),
    mode: opts.mode,
    resolveTransport: defaultTransportResolver(resourcesDir),
    ...(lab?.bridgeLab ? { lab: lab.bridgeLab.bind(lab), labBridges: lab.labBridges ?? [] } : {}),
    ...(opts.bridgeStallMs ? { stallMs: opts.bridgeStallMs } : {}),
  });
  await bridges.start();
  bridgesRef = bridges;
  const drops = new DropService({ root: join(paths.dataDir, 'drops'), tor, bus, logger, ...(opts.desktop ? { host: opts.desktop } : {}) });
  const onionServices = new OnionServicesService({ root: join(paths.dataDir, 'onion-services'), tor, bus, logger });
  // Persistent onion services come back with the app, published as soon as tor is ready.
  onionServices.load().catch((e: unknown) => log.warn(`onion services did not load: ${e instanceof Error ? e.message : String(e)}`));

  const nym = new NymService({
    registry,
    logger,
    bus,
    root: paths.networkDir('nym'),
    resourcesDir,
    configuredBinary: () => settings.get().binaries.nymClient,
    ...fromLab<NymNetworkPlan>('mixnet', (l) => () => l.nym()),
  });
  modules.set('nym', nym);

  const networks = (): NetworkAvailability[] =>
    (Object.keys(NETWORK_LABELS) as NetworkId[]).map((id) => {
      const mod = modules.get(id);
      return mod
        ? { id, label: mod.label, ...mod.availability() }
        : { id, label: NETWORK_LABELS[id], available: false, reason: 'This build does not include this network yet.' };
    });

  const guidance = createGuidance({ mode: opts.mode, tor, i2p, nym, bridges, drops, lab, log });

  const handlers: Handlers = {
    app: {
      getInfo: async () => ({
        name: 'Underpass',
        version: pkg.version,
        host: opts.host,
        mode: opts.mode,
        platform: `${process.platform}-${process.arch}`,
        networks: networks(),
      }),
    },
    supervisor: {
      list: async () => registry.list(),
      // Returns at once with "starting": readiness (tor's bootstrap) can take minutes and is
      // followed through onStatus events.
      start: async ({ id }) => {
        const mod = modules.get(id as NetworkId);
        const proc = registry.get(id);
        const run = mod ? mod.start() : proc.start();
        run.catch((e: unknown) => log.warn(`${id} did not start: ${e instanceof Error ? e.message : String(e)}`));
        return proc.status();
      },
      stop: async ({ id }) => {
        const mod = modules.get(id as NetworkId);
        if (mod) await mod.stop();
        else await registry.get(id).stop();
        return registry.get(id).status();
      },
      restart: async ({ id }) => {
        const proc = registry.get(id);
        await proc.stop();
        proc.start().catch((e: unknown) => log.warn(`${id} did not restart: ${e instanceof Error ? e.message : String(e)}`));
        return proc.status();
      },
    },
    settings: {
      get: async () => settings.get(),
      update: async (patch) => settings.update(patch),
    },
    logs: {
      recent: async ({ source, limit }) => logger.recent(limit, source),
    },
    tor: tor.handlers(),
    guidance: guidance.handlers(),
    i2p: i2p.handlers(),
    bridges: bridges.handlers(),
    drops: drops.handlers(),
    onions: onionServices.handlers(),
    nym: nym.handlers(),
  };

  registry.on('status', (s) => bus.emit('supervisor', 'onStatus', s));
  settings.on('changed', (s) => bus.emit('settings', 'onChanged', s));
  logger.onLine((line) => bus.emit('logs', 'onLine', line));

  const router = new IpcRouter(handlers, logger.scope('ipc'));
  if (opts.autostart !== false && settings.get().autostart.tor) {
    tor.start().catch((e: unknown) => log.warn(`tor did not start: ${e instanceof Error ? e.message : String(e)}`));
  }
  if (opts.autostart !== false && settings.get().autostart.nym) {
    nym.start().catch((e: unknown) => log.warn(`nym did not start: ${e instanceof Error ? e.message : String(e)}`));
  }
  if (opts.autostart !== false && settings.get().autostart.i2p) {
    i2p.start().catch((e: unknown) => log.warn(`i2pd did not start: ${e instanceof Error ? e.message : String(e)}`));
  }
  let stopping: Promise<void> | null = null;

  return {
    mode: opts.mode,
    paths,
    logger,
    registry,
    settings,
    bus,
    router,
    tor,
    bridges,
    i2p,
    drops,
    onionServices,
    nym,
    registerNetwork: (mod) => {
      modules.set(mod.id, mod);
    },
    shutdown: () => {
      stopping ??= (async () => {
        log.info('stopping every supervised process');
        bridges.stop();
        await drops.shutdown();
        await onionServices.shutdown();
        await registry.stopAll();
        await lab?.stop();
      })();
      return stopping;
    },
  };
}
