// Test and benchmark fixture, never imported by the app: the whole app core (as the hosts build it)
// in lab mode, in a throwaway data dir, with a quiet logger, a typed `call` through the IPC router
// (so every call is validated against the contract exactly as a host's would be) and a recorder
// of pushed events. One preamble for every integration suite and bench.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core, type CoreOptions } from '../app/core';
import { Logger } from '../logging/logger';
import { createLabProvider, type LabOptions } from '../lab/lab-provider';
import { unwrap } from '../../shared/ipc/result';

export interface LabCore {
  core: Core;
  dir: string;
  /** Dispatches through the router and unwraps the Result (throws IpcError-like data on failure). */
  call<T>(channel: string, args?: unknown): Promise<T>;
  /** Every payload pushed on `channel` so far (the array keeps growing). */
  events<T>(channel: string): T[];
  stop(): Promise<void>;
}

export interface LabCoreOptions {
  /** Options for the lab networks (which bridges, which networks). */
  lab?: LabOptions;
  /** Start the networks the default settings ask for (default false: tests start what they need). */
  autostart?: boolean;
  /** Log lines go here (default: nowhere). */
  logSink?: (line: string) => void;
  /** Extra core options (a desktop host, a stall threshold…). */
  core?: Partial<Pick<CoreOptions, 'desktop' | 'bridgeStallMs'>>;
  /** A name for the temp dir, to tell suites apart in /tmp. */
  name?: string;
}

export async function startLabCore(opts: LabCoreOptions = {}): Promise<LabCore> {
  const dir = await mkdtemp(join(tmpdir(), `underpass-${opts.name ?? 'lab'}-`));
  const core = await createCore({
    dataDir: dir,
    mode: 'lab',
    host: 'headless',
    autostart: opts.autostart ?? false,
    logger: new Logger({ sink: opts.logSink ?? (() => undefined) }),
    lab: createLabProvider(opts.lab ?? {}),
    ...opts.core,
  });
  const seen = new Map<string, unknown[]>();
  core.bus.subscribe((channel, payload) => {
    const list = seen.get(channel) ?? [];
    list.push(payload);
    seen.set(channel, list);
  });
  return {
    core,
    dir,
    call: async <T>(channel: string, args?: unknown) => unwrap(await core.router.dispatch(channel, args)) as T,
    events: <T>(channel: string) => {
      const list = seen.get(channel) ?? [];
      seen.set(channel, list);
      return list as T[];
    },
    stop: async () => {
      await core.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
