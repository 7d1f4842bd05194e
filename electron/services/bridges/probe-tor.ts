// A throwaway tor for bridge work: its own data dir and torrc (the app's torrc builder), spawned
// under the supervisor (through the lab's wrapSpawn in lab mode), ready once its control port
// authenticates; callers then watch its events. Used by the reachability test and the tests.
import { readFile, rm } from 'node:fs/promises';
import type { Logger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';
import { resolveBinary } from '../../supervisor/binaries';
import { TorController } from '../tor/control';
import type { TorEvent } from '../tor/control';
import { parsePortFile, stripTorLogPrefix, torArgs, torFiles, torLineLevel, writeTorrc } from '../tor/tor-process';

export interface ProbeTorOptions {
  registry: ProcessRegistry;
  logger: Logger;
  resourcesDir: string;
  /** Registry id, unique among live processes. */
  id: string;
  /** Its root; deleted by stop() when removeDir is set. */
  root: string;
  removeDir?: boolean;
  /** Network lines (lab DirAuthority …) and bridge lines. */
  torrcLines: string[];
  wrapSpawn?: (plan: SpawnPlan) => SpawnPlan;
  unixSockets?: boolean;
  /** Called for every control event, from the first SETEVENTS on. */
  onEvent?: (e: TorEvent) => void;
  /** Called with each stdout line (tor's notice log), e.g. to see warnings before the control port. */
  onLogLine?: (line: string) => void;
  events?: string[];
  /** Extra environment for tor and the transports it spawns (e.g. SSL_CERT_FILE for the lab's TLS front). */
  env?: Record<string, string>;
}

export interface ProbeTor {
  controller: TorController;
  pid: number | null;
  stop(): Promise<void>;
}

const DEFAULT_EVENTS = ['STATUS_CLIENT', 'STATUS_GENERAL', 'ORCONN', 'CIRC', 'WARN', 'ERR', 'NOTICE'];

export async function startProbeTor(opts: ProbeTorOptions): Promise<ProbeTor> {
  const files = torFiles(opts.root);
  const tor = await resolveBinary('tor', { resourcesDir: opts.resourcesDir });
  await writeTorrc({ files, unixSockets: opts.unixSockets ?? false, extraLines: opts.torrcLines });
  let controller: TorController | null = null;
  const proc = opts.registry.create({
    id: opts.id,
    label: `Tor probe ${opts.id}`,
    restart: { enabled: false },
    readyTimeoutMs: 30_000,
    gracefulStopMs: 3000,
    termStopMs: 2000,
    hooks: {
      plan: async () => {
        await rm(files.controlPortFile, { force: true });
        const plan: SpawnPlan = {
          command: tor.command,
          args: [...tor.argsPrefix, ...torArgs(files, process.pid)],
          env: { ...process.env, ...tor.env, ...opts.env },
          cwd: files.root,
          binary: { source: tor.source, file: tor.file, version: tor.version },
        };
        return opts.wrapSpawn ? opts.wrapSpawn(plan) : plan;
      },
      probe: async (ctx) => {
        let target = null;
        while (!target) {
          if (ctx.signal.aborted) throw new Error('tor exited before opening its control port');
          target = await readFile(files.controlPortFile, 'utf8').then(parsePortFile, () => null);
          if (!target) await new Promise((r) => setTimeout(r, 50));
        }
        const c = await TorController.connect(target.kind === 'tcp' ? { host: target.host, port: target.port } : { path: target.path }, { timeoutMs: 15_000 });
        await c.authenticate();
        await c.takeOwnership();
        if (opts.onEvent) {
          const listener = opts.onEvent;
          c.onAny((e) => listener(e));
        }
        await c.setEvents(opts.events ?? DEFAULT_EVENTS);
        controller = c;
        ctx.answering();
      },
      requestStop: async () => {
        await controller?.signal('SHUTDOWN').catch(() => undefined);
      },
      classifyLine: (_stream, line) => {
        opts.onLogLine?.(line);
        return { level: torLineLevel(line), text: stripTorLogPrefix(line) };
      },
    },
  });
  const stop = async () => {
    await controller?.close().catch(() => undefined);
    await opts.registry.remove(opts.id);
    if (opts.removeDir) await rm(opts.root, { recursive: true, force: true });
  };
  try {
    await proc.start();
  } catch (e) {
    await stop();
    throw e;
  }
  if (!controller) {
    await stop();
    throw new Error('tor probe started without a controller');
  }
  return { controller, pid: proc.pid, stop };
}
