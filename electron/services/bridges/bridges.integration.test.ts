// The Bridges service against real tor on the private lab: the app's tor starts stalled (its
// DirAuthority points at a closed loopback port, lab option stallTor) and gets the "directory
// blocked" diagnosis; invalid lines are refused with nothing applied; the lab's obfs4 bridge line,
// pasted with its "Bridge " prefix, takes it to 100% with ORCONN connected only to the bridge; revert
// resets tor's options; reachability tests of a closed port and a wrong cert get the right diagnosis.
// Only lab (loopback) bridges are used: the built-in public ones are never dialled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { IpcError, unwrap } from '../../../shared/ipc/result';
import type { BridgeConfig, Diagnosis, ReachabilityResult } from '../../../shared/domain/bridges';
import type { OrConnEvent } from '../tor/control';
import { waitFor } from '../../util/wait';

const haveBundle = existsSync(join(bundleDir(defaultResourcesDir()), 'manifest.json'));

let core: Core;
let dir: string;
const diagnoses: Diagnosis[] = [];
const orconns: OrConnEvent[] = [];
let bridgeLine = '';
let bridgeFpr = '';

async function call<T>(channel: string, args?: unknown): Promise<T> {
  return unwrap(await core.router.dispatch(channel, args)) as T;
}

async function callError(channel: string, args?: unknown): Promise<IpcError> {
  try {
    await call(channel, args);
  } catch (e) {
    if (e instanceof IpcError) return e;
    throw e;
  }
  throw new Error(`${channel} succeeded`);
}


describe.skipIf(!haveBundle)('bridges on the lab network', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'underpass-bridges-'));
    core = await createCore({
      dataDir: dir,
      mode: 'lab',
      host: 'headless',
      autostart: false,
      logger: new Logger({ sink: () => undefined }),
      lab: createLabProvider({ bridge: true, stallTor: true }),
      bridgeStallMs: 8000,
    });
    core.bus.subscribe((channel, payload) => {
      if (channel === 'underpass:bridges:onDiagnosis') diagnoses.push(payload as Diagnosis);
      if (channel === 'underpass:tor:onStatus' && (payload as { connected: boolean }).connected && orconns.length === 0) {
        try {
          const c = core.tor.requireController();
          if (!(c as unknown as { __orconnWatched?: boolean }).__orconnWatched) {
            (c as unknown as { __orconnWatched?: boolean }).__orconnWatched = true;
            c.on('ORCONN', (e) => orconns.push(e));
          }
        } catch {
          // not connected after all
        }
      }
    });
    await call('underpass:supervisor:start', { id: 'tor' });
    await waitFor('tor control connection', () => core.tor.status().connected, 90_000);
    const lab = await core.bridges['opts'].lab?.();
    bridgeLine = lab?.bridgeLine ?? '';
    bridgeFpr = bridgeLine.split(' ')[2] ?? '';
    expect(bridgeLine).toMatch(/^obfs4 127\.0\.0\.1:\d+ [0-9A-F]{40} cert=\S+ iat-mode=0$/);
  }, 150_000);

  afterAll(async () => {
    await core?.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('a client whose authorities are unreachable stalls and gets "directory connections are blocked"', async () => {
    const d = await waitFor('a directory-blocked diagnosis', () => diagnoses.find((x) => x.cause === 'directory-blocked'), 40_000);
    expect(d.progress).toBeLessThan(25);
    expect(d.title).toMatch(/Directory connections are blocked/);
    expect(d.nextStep).toMatch(/snowflake/);
    expect(d.suggestBridge).toBe(true);
    expect(core.tor.status().bootstrap.progress).toBeLessThan(25);
    expect((await call<Diagnosis>('underpass:bridges:diagnosis')).cause).toBe('directory-blocked');
  }, 60_000);

  it.each([
    ['bad port', (l: string) => l.replace(/:(\d+) /, ':70000 '), /port 70000 is out of range/],
    ['short fingerprint', (l: string) => l.replace(/ ([0-9A-F]{40}) /, (_m, f: string) => ` ${f.slice(0, 38)} `), /fingerprint must be 40 hex digits \(got 38\)/],
    ['missing cert', (l: string) => l.replace(/ cert=\S+/, ''), /obfs4 needs cert=/],
    ['unknown transport', (l: string) => l.replace(/^obfs4/, 'obfs9'), /unknown transport "obfs9"/],
    ['garbage', () => 'please let me through', /unknown transport "please"/],
  ])('rejects an invalid line (%s) with the reason and applies nothing', async (_name, mangle, reason) => {
    const text = `Bridge ${bridgeLine}\nBridge ${mangle(bridgeLine)}`;
    const err = await callError('underpass:bridges:apply', { kind: 'custom', text });
    expect(err.code).toBe('BRIDGE_INVALID');
    expect(err.message).toMatch(/^line 2: /);
    expect(err.message).toMatch(reason);
    const conf = await core.tor.requireController().getConf(['UseBridges', 'Bridge']);
    expect(conf.UseBridges).toEqual(['0']);
    expect(conf.Bridge ?? []).toEqual([]);
    expect((await call<BridgeConfig>('underpass:bridges:current')).selection).toBeNull();
  });

  it('refuses a public (built-in) bridge in lab mode without touching tor', async () => {
    const err = await callError('underpass:bridges:apply', { kind: 'builtin', id: 'obfs4' });
    expect(err.code).toBe('BRIDGE_INVALID');
    expect(err.message).toMatch(/lab mode only uses loopback bridges/);
    expect((await core.tor.requireController().getConf(['UseBridges'])).UseBridges).toEqual(['0']);
  });

  it('bootstraps to 100% through the lab obfs4 bridge pasted as a line, connected only to the bridge', async () => {
    const t0 = Date.now();
    const applied = await call<BridgeConfig>('underpass:bridges:apply', { kind: 'custom', text: `Bridge ${bridgeLine}\n` });
    expect(applied.bridges.map((b) => b.line)).toEqual([bridgeLine]);
    expect(applied.transports).toEqual(['obfs4']);
    const conf = await core.tor.requireController().getConf(['UseBridges', 'Bridge', 'ClientTransportPlugin']);
    expect(conf.UseBridges).toEqual(['1']);
    expect(conf.Bridge).toEqual([bridgeLine]);
    expect(conf.ClientTransportPlugin?.[0]).toMatch(/^obfs4 exec \S+\/lyrebird$/);

    await waitFor('bootstrap 100% through the bridge', () => core.tor.status().bootstrap.progress === 100, 60_000);
    process.stderr.write(`bridges: 100% ${Date.now() - t0} ms after apply\n`);
    const connected = orconns.filter((e) => e.status === 'CONNECTED');
    expect(connected.length).toBeGreaterThan(0);
    expect(new Set(connected.map((e) => e.relay?.fingerprint))).toEqual(new Set([bridgeFpr]));
    const guards = await core.tor.requireController().getEntryGuards();
    expect(guards.map((g) => g.fingerprint)).toEqual([bridgeFpr]);
    // The diagnosis clears once connected.
    await waitFor('diagnosis none', () => core.bridges.diagnosis().cause === 'none', 5000);
    // Remembered on disk for the next start.
    const stored = JSON.parse(await readFile(join(dir, 'bridges', 'selection.json'), 'utf8')) as { selection: { kind: string } };
    expect(stored.selection.kind).toBe('custom');
  }, 90_000);

  it('the remembered bridge is in the torrc of the next start, which bootstraps through it', async () => {
    await call('underpass:supervisor:restart', { id: 'tor' });
    await waitFor('tor restarted and bootstrapped', () => core.tor.status().connected && core.tor.status().bootstrap.progress === 100, 60_000);
    const torrc = await readFile(join(dir, 'tor', 'torrc'), 'utf8');
    expect(torrc).toContain(`Bridge ${bridgeLine}\n`);
    expect(torrc).toMatch(/^UseBridges 1$/m);
    const guards = await core.tor.requireController().getEntryGuards();
    expect(guards.map((g) => g.fingerprint)).toEqual([bridgeFpr]);
  }, 90_000);

  it('reverts cleanly with RESETCONF', async () => {
    const reverted = await call<BridgeConfig>('underpass:bridges:revert');
    expect(reverted).toMatchObject({ selection: null, bridges: [], appliedAt: null });
    const conf = await core.tor.requireController().getConf(['UseBridges', 'Bridge', 'ClientTransportPlugin', 'UseEntryGuards']);
    expect(conf.UseBridges).toEqual(['0']);
    expect(conf.Bridge ?? []).toEqual([]);
    expect(conf.ClientTransportPlugin ?? []).toEqual([]);
    // Entry guards stay on after a start with remembered bridges (torrc); only SETCONF-time changes are undone.
    expect(conf.UseEntryGuards).toEqual(['1']);
    const stored = JSON.parse(await readFile(join(dir, 'bridges', 'selection.json'), 'utf8')) as { selection: unknown };
    expect(stored.selection).toBeNull();
  });

  it('reachability: the lab bridge reaches directory info, a closed port and a wrong cert are diagnosed', async () => {
    const closed = bridgeLine.replace(/:(\d+) /, ':1 ');
    const wrongCert = bridgeLine.replace(/cert=(\S)/, (_m, c: string) => `cert=${c === 'A' ? 'B' : 'A'}`);
    const [good, refused, badCert] = (await Promise.all(
      [bridgeLine, closed, wrongCert].map((line) => call<ReachabilityResult>('underpass:bridges:test', { line })),
    )) as [ReachabilityResult, ReachabilityResult, ReachabilityResult];
    process.stderr.write(`bridges: reachability ${JSON.stringify({ good: good.stages, refused: refused.failure, badCert: badCert.failure })}\n`);
    expect(good.ok).toBe(true);
    expect(good.stages.map((s) => s.stage)).toEqual(['tcp', 'handshake', 'firstHop', 'directory']);
    expect(refused.ok).toBe(false);
    expect(refused.reached).toBeNull();
    expect(refused.failure).toMatch(/bridge's port is closed \(127\.0\.0\.1:1\)/);
    expect(badCert.ok).toBe(false);
    expect(badCert.failure).toMatch(/handshake/);
    expect(badCert.reached).toBe('tcp');
    const stored = await call<ReachabilityResult[]>('underpass:bridges:listTests');
    expect(stored.map((r) => r.line).sort()).toEqual([bridgeLine, closed, wrongCert].sort());
    expect(stored.every((r) => r.finishedAt >= r.startedAt)).toBe(true);
  }, 120_000);
});
