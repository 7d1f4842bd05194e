// Every child the app starts is registered here: one place that stops them all on quit (and
// forbids restarts from then on), and pid files so the next start can reap a crashed app's orphans.
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonStatus } from '../../shared/domain/network';
import type { Logger, ScopedLogger } from '../logging/logger';
import { SupervisedProcess, type SupervisedProcessOptions } from './supervised-process';
import { SupervisorError } from './errors';
import { isAlive, sleep } from '../util/process';

interface PidRecord {
  id: string;
  pid: number;
  /** The app process that started it; a live owner means the child is not an orphan. */
  ownerPid: number;
  /** /proc start time (clock ticks since boot), so a reused pid is never mistaken for our child. */
  startTicks: number | null;
  command: string;
  startedAt: number;
}

export class ProcessRegistry extends EventEmitter<{ status: [DaemonStatus] }> {
  private readonly processes = new Map<string, SupervisedProcess>();
  private quitting = false;
  private readonly log: ScopedLogger;

  constructor(
    private readonly runDir: string,
    private readonly logger: Logger,
  ) {
    super();
    this.log = logger.scope('supervisor');
  }

  get isQuitting(): boolean {
    return this.quitting;
  }

  create(opts: Omit<SupervisedProcessOptions, 'logger' | 'mayRestart' | 'onSpawned' | 'onExited'>): SupervisedProcess {
    if (this.processes.has(opts.id)) throw new SupervisorError('CONFIG_INVALID', `process ${opts.id} is already registered`);
    const proc = new SupervisedProcess({
      ...opts,
      logger: this.logger,
      mayRestart: () => !this.quitting,
      onSpawned: (pid, plan) => void this.writePidFile(opts.id, pid, plan.command),
      onExited: () => void this.removePidFile(opts.id),
    });
    proc.on('status', (s) => this.emit('status', s));
    this.processes.set(opts.id, proc);
    return proc;
  }

  /** Drops a stopped process (a throwaway lab node, a finished bridge test). */
  async remove(id: string): Promise<void> {
    const proc = this.processes.get(id);
    if (!proc) return;
    await proc.stop();
    this.processes.delete(id);
  }

  get(id: string): SupervisedProcess {
    const proc = this.processes.get(id);
    if (!proc) throw new SupervisorError('PROCESS_NOT_FOUND', `no process named ${id}`);
    return proc;
  }

  has(id: string): boolean {
    return this.processes.has(id);
  }

  list(): DaemonStatus[] {
    return [...this.processes.values()].map((p) => p.status());
  }

  /** From now on no process is restarted (app quit has begun). */
  beginQuit(): void {
    this.quitting = true;
  }

  /** Quit path: no restart from now on, then stop everything in parallel. */
  async stopAll(): Promise<void> {
    this.beginQuit();
    await Promise.allSettled([...this.processes.values()].map((p) => p.stop()));
  }

  /** Kills children recorded by an earlier app run that died without stopping them. */
  async reapOrphans(graceMs = 3000): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.runDir);
    } catch {
      return 0;
    }
    let reaped = 0;
    for (const name of entries.filter((n) => n.endsWith('.pid'))) {
      const file = join(this.runDir, name);
      const record = await readPidRecord(file);
      if (record && record.ownerPid !== process.pid && !isAlive(record.ownerPid) && isSameProcess(record)) {
        this.log.warn(`reaping orphaned ${record.id} (pid ${record.pid}) left by a previous run`);
        signal(record.pid, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while (isAlive(record.pid) && Date.now() < deadline) await sleep(50);
        if (isAlive(record.pid)) signal(record.pid, 'SIGKILL');
        reaped += 1;
      }
      if (!record || record.ownerPid === process.pid || !isAlive(record.ownerPid)) await rm(file, { force: true });
    }
    return reaped;
  }

  private async writePidFile(id: string, pid: number, command: string): Promise<void> {
    const record: PidRecord = { id, pid, ownerPid: process.pid, startTicks: procStartTicks(pid), command, startedAt: Date.now() };
    try {
      await mkdir(this.runDir, { recursive: true, mode: 0o700 });
      await writeFile(this.pidFile(id), JSON.stringify(record), { mode: 0o600 });
    } catch (e) {
      this.log.warn(`could not write pid file for ${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async removePidFile(id: string): Promise<void> {
    await rm(this.pidFile(id), { force: true });
  }

  private pidFile(id: string): string {
    return join(this.runDir, `${id.replace(/[^a-z0-9._-]/g, '_')}.pid`);
  }
}

async function readPidRecord(file: string): Promise<PidRecord | null> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!data || typeof data !== 'object') return null;
    const r = data as Partial<PidRecord>;
    if (typeof r.pid !== 'number' || !Number.isInteger(r.pid) || r.pid <= 1) return null;
    if (typeof r.ownerPid !== 'number' || typeof r.command !== 'string' || typeof r.id !== 'string') return null;
    return { id: r.id, pid: r.pid, ownerPid: r.ownerPid, startTicks: r.startTicks ?? null, command: r.command, startedAt: r.startedAt ?? 0 };
  } catch {
    return null;
  }
}


/** Field 22 of /proc/<pid>/stat; null where /proc does not exist. */
export function procStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function isSameProcess(record: PidRecord): boolean {
  if (!isAlive(record.pid)) return false;
  const ticks = procStartTicks(record.pid);
  // Without /proc (macOS) we cannot tell a reused pid apart; refuse rather than kill a stranger.
  return ticks !== null && record.startTicks !== null && ticks === record.startTicks;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

