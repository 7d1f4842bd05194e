// Test and benchmark helper, never imported by the app: starts drop-host.ts as a child process
// (optionally in a private mount namespace), reads its JSON lines, and reads its CPU time and
// resident memory from /proc. Linux only, like the lab.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { HostConfig } from './drop-host';
import type { UploadProgress } from '../drop-server';

const HOST_SCRIPT = fileURLToPath(new URL('./drop-host.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

const HostLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int(), port: z.number().int(), socket: z.string().nullable() }),
  z.object({ type: z.literal('host'), host: z.string() }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('upload'), id: z.string(), state: z.enum(['receiving', 'complete', 'incomplete']), stored: z.number(), reason: z.string().nullable() }).passthrough(),
]);

export interface DropHost {
  pid: number;
  port: number;
  socket: string | null;
  /** Every progress event the drop emitted (what the app forwards to the journalist). */
  uploads: UploadProgress[];
  setOnionHost(host: string): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export async function startDropHost(cfg: HostConfig, opts: { privateMountNamespace?: boolean } = {}): Promise<DropHost> {
  const node = [process.execPath, '--import', 'tsx', HOST_SCRIPT, JSON.stringify(cfg)];
  // unshare (no --fork) execs node, so the pid we get is the drop's own.
  const [command, ...args] = opts.privateMountNamespace ? ['unshare', '--mount', '--propagation', 'private', '--', ...node] : node;
  const child: ChildProcess = spawn(command!, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  const uploads: UploadProgress[] = [];
  const waiters: ((l: z.infer<typeof HostLine>) => void)[] = [];
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    text += `${line}\n`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    const r = HostLine.safeParse(parsed);
    if (!r.success) return;
    if (r.data.type === 'upload') uploads.push(r.data as unknown as UploadProgress);
    for (const w of waiters.splice(0)) w(r.data);
  });
  const next = (want: 'ready' | 'host', ms: number) =>
    new Promise<z.infer<typeof HostLine>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`drop host: no "${want}" in ${ms} ms:\n${text}`)), ms);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`drop host exited (${code}):\n${text}`));
      };
      child.once('exit', onExit);
      const wait = (l: z.infer<typeof HostLine>) => {
        if (l.type === want || l.type === 'error') {
          clearTimeout(timer);
          child.off('exit', onExit);
          if (l.type === 'error') reject(new Error(`drop host: ${l.message}`));
          else resolve(l);
        } else waiters.push(wait);
      };
      waiters.push(wait);
    });
  const ready = await next('ready', 60_000);
  if (ready.type !== 'ready') throw new Error('unreachable');
  return {
    pid: ready.pid,
    port: ready.port,
    socket: ready.socket,
    uploads,
    async setOnionHost(host) {
      const ack = next('host', 5000);
      child.stdin!.write(`${JSON.stringify({ onionHost: host })}\n`);
      await ack;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
    output: () => text,
  };
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat (its own threads, not its children). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15, in clock ticks (USER_HZ = 100 on Linux).
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`cannot read the CPU time of ${pid}`);
  return ticks / 100;
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export async function rssBytes(pid: number): Promise<number> {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`cannot read the RSS of ${pid}`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function rssSampler(pid: number, everyMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let busy = Promise.resolve();
  const sample = () => {
    busy = rssBytes(pid)
      .then((b) => void (peak = Math.max(peak, b)))
      .catch(() => undefined);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      sample();
      await busy;
      return peak;
    },
  };
}
