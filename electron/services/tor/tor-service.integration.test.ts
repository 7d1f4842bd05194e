// The Tor service against real tor on the private lab network: bootstrap progress, live circuits
// of lab relays, SOCKS streams, NEWNYM, a user-built circuit with a pinned stream, restart after
// kill -9, and no tor left after quitting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import type { Circuit, Stream, TorStatus } from '../../../shared/domain/tor';
import type { DaemonStatus } from '../../../shared/domain/network';
import { unwrap } from '../../../shared/ipc/result';
import { waitFor } from '../../util/wait';
import { isAlive } from '../../util/process';

let core: Core;
let dir: string;
const statuses: TorStatus[] = [];
const circuitEvents: Circuit[] = [];
const streamEvents: Stream[] = [];
const procEvents: DaemonStatus[] = [];
let bwEvents = 0;

async function call<T>(channel: string, args?: unknown): Promise<T> {
  const result = await core.router.dispatch(channel, args);
  return unwrap(result) as T;
}



beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-tor-'));
  core = await createCore({
    dataDir: dir,
    mode: 'lab',
    host: 'headless',
    autostart: false,
    logger: new Logger({ sink: () => undefined }),
    lab: createLabProvider({ bridge: false }),
  });
  core.bus.subscribe((channel, payload) => {
    if (channel === 'underpass:tor:onStatus') statuses.push(payload as TorStatus);
    if (channel === 'underpass:tor:onCircuit') circuitEvents.push(payload as Circuit);
    if (channel === 'underpass:tor:onStream') streamEvents.push(payload as Stream);
    if (channel === 'underpass:tor:onBandwidth') bwEvents += 1;
    if (channel === 'underpass:supervisor:onStatus') procEvents.push(payload as DaemonStatus);
  });
  await call('underpass:supervisor:start', { id: 'tor' });
  await waitFor('tor ready', () => core.tor.status().ready, 90_000);
}, 120_000);

afterAll(async () => {
  await core?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

// Each test waits on the lab network (circuits, a restart); two busy cores can make that slow.
describe('tor on the lab network', { timeout: 90_000 }, () => {
  it('reports bootstrap from a low percentage to 100', () => {
    const progress = statuses.map((s) => s.bootstrap.progress);
    expect(Math.min(...progress)).toBeLessThan(50);
    expect(progress[progress.length - 1]).toBe(100);
    // Monotonic within one run.
    const seen = progress.filter((p, i) => i === 0 || p !== progress[i - 1]);
    expect(seen.length).toBeGreaterThan(3);
    const last = statuses[statuses.length - 1]!;
    expect(last).toMatchObject({ ready: true, connected: true, running: true });
    expect(last.version).toMatch(/^0\.4\./);
  });

  it('shows built circuits whose three hops are lab relays', async () => {
    const relays = await call<{ fingerprint: string; nickname: string }[]>('underpass:tor:listRelays');
    expect(relays.length).toBe(4);
    const labFps = new Set(relays.map((r) => r.fingerprint));
    const circuit = await waitFor('a 3-hop general circuit', async () =>
      (await call<Circuit[]>('underpass:tor:listCircuits')).find((c) => c.status === 'BUILT' && c.path.length === 3 && c.purpose === 'GENERAL'),
    );
    for (const hop of circuit.path) {
      expect(labFps.has(hop.fingerprint)).toBe(true);
      expect(hop.nickname).toMatch(/^(auth|relay\d)$/);
    }
    expect(circuitEvents.some((c) => c.status === 'EXTENDED')).toBe(true);
  });

  it('shows a SOCKS request as a stream on a circuit, and bandwidth moving', async () => {
    const before = bwEvents;
    const result = await call<{ ok: boolean; excerpt: string; status: number }>('underpass:tor:testSocks', {});
    expect(result.ok).toBe(true);
    expect(result.status).toBe(200);
    expect(core.tor.status().labOrigin).toBeTruthy();
    expect(result.excerpt).toContain('underpass lab origin');
    const stream = streamEvents.find((s) => s.status === 'SUCCEEDED' && /:\d+$/.test(s.target));
    expect(stream).toBeDefined();
    expect(Number(stream!.circuitId)).toBeGreaterThan(0);
    await waitFor('bandwidth events', () => bwEvents > before + 1, 10_000);
  });

  it('accepts NEWNYM, builds a circuit through chosen relays and pins a stream to it', async () => {
    const nym = await call<{ accepted: boolean; delayedSeconds: number }>('underpass:tor:newIdentity');
    expect(nym.accepted).toBe(true);
    const relays = await call<{ fingerprint: string; nickname: string; flags: string[] }[]>('underpass:tor:listRelays');
    const byName = (n: string) => relays.find((r) => r.nickname === n)!.fingerprint;
    const path = [byName('relay1'), byName('relay2'), byName('relay3')];
    const { circuitId } = await call<{ circuitId: string }>('underpass:tor:buildCircuit', { path });
    const built = await waitFor('the chosen circuit built', async () =>
      (await call<Circuit[]>('underpass:tor:listCircuits')).find((c) => c.id === circuitId && c.status === 'BUILT'),
    );
    expect(built.path.map((h) => h.fingerprint)).toEqual(path);
    expect(built.userBuilt).toBe(true);
    await call('underpass:tor:pinStreams', { circuitId });
    const result = await call<{ ok: boolean }>('underpass:tor:testSocks', {});
    expect(result.ok).toBe(true);
    // tor queues control events, so the SUCCEEDED event may arrive after the SOCKS reply's data.
    await waitFor('the stream on the pinned circuit', () => streamEvents.some((s) => s.circuitId === circuitId && s.status === 'SUCCEEDED'), 10_000);
    await call('underpass:tor:pinStreams', { circuitId: null });
    // Tor refuses a path through an unknown relay with its own status code.
    const bad = await core.router.dispatch('underpass:tor:buildCircuit', { path: ['0'.repeat(40)] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'TOR_CONTROL_FAILED' } });
    if (!bad.ok) expect(bad.error.details?.status).toBe(552);
  });

  it('restarts tor after kill -9 and gets back to 100 %', async () => {
    const pid = core.tor.proc.pid!;
    const restartsBefore = core.tor.proc.status().restartCount;
    process.kill(pid, 'SIGKILL');
    await waitFor('restart scheduled', () => procEvents.some((p) => p.id === 'tor' && p.restartCount === restartsBefore + 1));
    await waitFor('tor ready again', () => core.tor.proc.status().state === 'ready' && core.tor.status().ready, 60_000);
    expect(core.tor.proc.pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(core.tor.proc.status().lastError?.code).toBe('PROCESS_EXITED');
  });

  it('leaves no tor process behind when the app quits', async () => {
    const pids = core.registry.list().map((s) => s.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBeGreaterThan(4);
    await core.shutdown();
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  });
});
