// Supervisor behaviour against a real child process (a small Node daemon with a line protocol).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdir, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '../logging/logger';
import { ProcessRegistry, procStartTicks } from './registry';
import type { ProcessHooks } from './supervised-process';
import type { DaemonStatus } from '../../shared/domain/network';
import type { LogLine } from '../../shared/domain/app';

const CHILD = fileURLToPath(new URL('./__fixtures__/child.mjs', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'underpass-sup-'));
  const lines: LogLine[] = [];
  const logger = new Logger({ sink: (_f, l) => lines.push(l), minLevel: 'debug' });
  const registry = new ProcessRegistry(join(dir, 'run'), logger);
  const statuses: DaemonStatus[] = [];
  registry.on('status', (s) => statuses.push(s));
  cleanups.push(async () => {
    await registry.stopAll();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, lines, logger, registry, statuses };
}

/** Hooks for child.mjs: readiness = "PING" answered with "PONG" on the port it wrote. */
function childHooks(dir: string, extraArgs: string[] = []): ProcessHooks & { portFile: string } {
  const portFile = join(dir, 'port');
  return {
    portFile,
    plan: async () => {
      await rm(portFile, { force: true });
      return { command: process.execPath, args: [CHILD, '--port-file', portFile, ...extraArgs] };
    },
    probe: async ({ signal }) => {
      while (!signal.aborted) {
        if (existsSync(portFile)) {
          const port = Number(await readFile(portFile, 'utf8'));
          if (port > 0 && (await ping(port))) return;
        }
        await sleep(20);
      }
      throw new Error('aborted');
    },
    requestStop: async () => {
      const port = Number(await readFile(portFile, 'utf8'));
      await sendLine(port, 'STOP');
    },
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\n'));
    sock.on('data', (d) => done(d.toString().includes('PONG')));
  });
}

function sendLine(port: number, line: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`${line}\n`));
    sock.on('error', () => resolve());
    sock.on('close', () => resolve());
    sock.setTimeout(500, () => sock.destroy());
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('supervised process', () => {
  it('is ready only after its protocol probe answers, and logs scrubbed, scoped lines', async () => {
    const { dir, registry, lines, logger } = await setup();
    logger.addSecret('supersecretvalue');
    const proc = registry.create({ id: 'child', label: 'Child', hooks: childHooks(dir) });
    await proc.start();
    const st = proc.status();
    expect(st.state).toBe('ready');
    expect(st.pid).toBeGreaterThan(0);
    expect(await ping(Number(await readFile(join(dir, 'port'), 'utf8')))).toBe(true);
    await waitFor(() => lines.some((l) => l.message.startsWith('listening on')));
    const listening = lines.find((l) => l.message.startsWith('listening on'));
    expect(listening?.source).toBe('child');
    expect(listening?.pid).toBe(st.pid);
    expect(listening?.message).toContain('[redacted]');
    expect(listening?.message).not.toContain('supersecretvalue');
    // The pid file exists while it runs.
    const pidRecord = JSON.parse(await readFile(join(dir, 'run', 'child.pid'), 'utf8')) as { pid: number };
    expect(pidRecord.pid).toBe(st.pid);
  });

  it('fails readiness when the probe never succeeds, then gives up after the attempts', async () => {
    const { dir, registry } = await setup();
    const proc = registry.create({
      id: 'mute',
      label: 'Mute',
      hooks: childHooks(dir, ['--never-ready']),
      readyTimeoutMs: 300,
      restart: { initialDelayMs: 20, maxDelayMs: 40, maxAttempts: 1, jitter: 0 },
    });
    await expect(proc.start()).rejects.toThrow(/no answer within 300 ms/);
    await waitFor(() => proc.status().state === 'failed');
    expect(proc.status().lastError?.code).toBe('PROCESS_NOT_READY');
    expect(proc.status().restartCount).toBe(1);
  });

  it('lets a probe that has seen the daemon answer wait past the readiness deadline', async () => {
    const { dir, registry } = await setup();
    const base = childHooks(dir);
    const proc = registry.create({
      id: 'slow',
      label: 'Slow',
      // Long enough for the child to start on a loaded machine, shorter than the wait below.
      readyTimeoutMs: 1500,
      hooks: {
        ...base,
        probe: async (ctx) => {
          await base.probe(ctx);
          ctx.answering();
          // Like tor bootstrapping behind a censor: alive, not yet fully ready.
          ctx.setDetail('still bootstrapping');
          await sleep(2500);
        },
      },
    });
    const t0 = Date.now();
    await proc.start();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect(proc.status()).toMatchObject({ state: 'ready', restartCount: 0, lastError: null });
  });

  it('restarts a crashing child with growing backoff, then reports failed', async () => {
    const { dir, registry, statuses } = await setup();
    const proc = registry.create({
      id: 'crashy',
      label: 'Crashy',
      hooks: childHooks(dir, ['--crash-after', '150']),
      restart: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, maxAttempts: 3, jitter: 0 },
    });
    await proc.start();
    await waitFor(() => proc.status().state === 'failed', 10_000);
    const st = proc.status();
    expect(st.restartCount).toBe(3);
    expect(st.lastError?.code).toBe('PROCESS_EXITED');
    expect(st.lastError?.message).toMatch(/code 3/);
    const waits = statuses.filter((s) => s.id === 'crashy' && s.nextRestartAt !== null).map((s) => s.nextRestartAt! - s.since);
    // 100, 200, 400 ms (no jitter): each wait longer than the one before.
    expect(waits).toHaveLength(3);
    expect(waits[1]!).toBeGreaterThan(waits[0]!);
    expect(waits[2]!).toBeGreaterThan(waits[1]!);
    const pids = new Set(statuses.filter((s) => s.id === 'crashy' && s.pid).map((s) => s.pid));
    expect(pids.size).toBe(4);
  });

  it('stops gracefully through the protocol when the daemon cooperates', async () => {
    const { dir, registry, lines } = await setup();
    const proc = registry.create({ id: 'polite', label: 'Polite', hooks: childHooks(dir) });
    await proc.start();
    const pid = proc.status().pid!;
    await proc.stop();
    expect(alive(pid)).toBe(false);
    expect(proc.status().state).toBe('stopped');
    expect(lines.some((l) => l.message.includes('SIGTERM'))).toBe(false);
    expect(existsSync(join(dir, 'run', 'polite.pid'))).toBe(false);
  });

  it('escalates to SIGKILL when the daemon ignores the stop request and SIGTERM', async () => {
    const { dir, registry, lines } = await setup();
    const proc = registry.create({
      id: 'stubborn',
      label: 'Stubborn',
      hooks: childHooks(dir, ['--ignore-stop', '--ignore-sigterm']),
      gracefulStopMs: 200,
      termStopMs: 200,
    });
    await proc.start();
    const pid = proc.status().pid!;
    const t0 = Date.now();
    await proc.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(alive(pid)).toBe(false);
    expect(lines.some((l) => l.message.includes('sending SIGKILL'))).toBe(true);
    expect(proc.status()).toMatchObject({ state: 'stopped', restartCount: 0 });
  });

  it('does not restart a child that dies while the app is quitting', async () => {
    const { dir, registry } = await setup();
    const proc = registry.create({ id: 'quitter', label: 'Quitter', hooks: childHooks(dir), restart: { initialDelayMs: 10 } });
    await proc.start();
    const pid = proc.status().pid!;
    registry.beginQuit();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => proc.status().state === 'stopped');
    await sleep(200);
    expect(proc.status()).toMatchObject({ state: 'stopped', restartCount: 0, pid: null });
  });

  it('stopAll leaves no child alive', async () => {
    const { dir, registry } = await setup();
    const a = registry.create({ id: 'a', label: 'A', hooks: childHooks(dir) });
    await a.start();
    const bDir = join(dir, 'b');
    await mkdir(bDir);
    // b has no protocol stop: stopAll must fall back to signals.
    const b = registry.create({ id: 'b', label: 'B', hooks: { ...childHooks(bDir), requestStop: undefined } });
    await b.start();
    const pids = [a.status().pid!, b.status().pid!];
    await registry.stopAll();
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });
});

describe('orphan reaping', () => {
  it('kills a child recorded by a dead app run, and spares a pid that was reused', async () => {
    const { dir, registry } = await setup();
    const orphan = spawn(process.execPath, [CHILD], { detached: true, stdio: 'ignore' });
    const stranger = spawn(process.execPath, [CHILD], { detached: true, stdio: 'ignore' });
    cleanups.push(async () => {
      for (const p of [orphan, stranger]) if (p.pid && alive(p.pid)) process.kill(p.pid, 'SIGKILL');
    });
    await sleep(200);
    // A pid that certainly belonged to a process which has exited: the "crashed app".
    const deadOwner = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => deadOwner.once('exit', r));
    const runDir = join(dir, 'run');
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    const rec = (pid: number, startTicks: number | null) =>
      JSON.stringify({ id: 'x', pid, ownerPid: deadOwner.pid, startTicks, command: process.execPath, startedAt: 0 });
    await writeFile(join(runDir, 'tor.pid'), rec(orphan.pid!, procStartTicks(orphan.pid!)));
    // Same pid but a different start time: a process that merely reused the number.
    await writeFile(join(runDir, 'i2p.pid'), rec(stranger.pid!, (procStartTicks(stranger.pid!) ?? 0) + 1));
    await writeFile(join(runDir, 'junk.pid'), 'not json');

    const reaped = await registry.reapOrphans(500);
    expect(reaped).toBe(1);
    await waitFor(() => !alive(orphan.pid!));
    expect(alive(stranger.pid!)).toBe(true);
    expect(existsSync(join(runDir, 'tor.pid'))).toBe(false);
    expect(existsSync(join(runDir, 'junk.pid'))).toBe(false);
  });
});
