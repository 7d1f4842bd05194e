// The app's composition root without Electron: logger, supervisor registry, settings, services
// and the IPC router. Electron's main.ts and the headless CLI both build exactly this.
import pkg from '../../package.json' with { type: 'json' };
import type { Handlers } from '../../shared/ipc/api';
import type { AppInfo } from '../../shared/domain/app';
import type { NetworkAvailability, NetworkId } from '../../shared/domain/network';
import { EventBus, IpcRouter } from '../ipc/router';
import { Logger } from '../logging/logger';
import { ProcessRegistry } from '../supervisor/registry';
import { SettingsStore } from '../config/settings';
import { preparePaths, type AppMode, type AppPaths } from '../config/paths';

export interface CoreOptions {
  dataDir: string;
  mode: AppMode;
  host: AppInfo['host'];
  logger?: Logger;
}

/** What a network's service tells the shell; sections without a service say so instead of faking data. */
export interface NetworkModule {
  id: NetworkId;
  label: string;
  availability(): Omit<NetworkAvailability, 'id' | 'label'>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Core {
  mode: AppMode;
  paths: AppPaths;
  logger: Logger;
  registry: ProcessRegistry;
  settings: SettingsStore;
  bus: EventBus;
  router: IpcRouter;
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

  const networks = (): NetworkAvailability[] =>
    (Object.keys(NETWORK_LABELS) as NetworkId[]).map((id) => {
      const mod = modules.get(id);
      return mod
        ? { id, label: mod.label, ...mod.availability() }
        : { id, label: NETWORK_LABELS[id], available: false, reason: 'This build does not include this network yet.' };
    });

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
      start: async ({ id }) => {
        const mod = modules.get(id as NetworkId);
        if (mod) await mod.start();
        else await registry.get(id).start();
        return registry.get(id).status();
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
        await proc.start();
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
  };

  registry.on('status', (s) => bus.emit('supervisor', 'onStatus', s));
  settings.on('changed', (s) => bus.emit('settings', 'onChanged', s));
  logger.onLine((line) => bus.emit('logs', 'onLine', line));

  const router = new IpcRouter(handlers, logger.scope('ipc'));
  let stopping: Promise<void> | null = null;

  return {
    mode: opts.mode,
    paths,
    logger,
    registry,
    settings,
    bus,
    router,
    registerNetwork: (mod) => {
      modules.set(mod.id, mod);
    },
    shutdown: () => {
      stopping ??= (async () => {
        log.info('stopping every supervised process');
        await registry.stopAll();
      })();
      return stopping;
    },
  };
}
