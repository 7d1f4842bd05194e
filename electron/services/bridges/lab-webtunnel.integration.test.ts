// Lab mode offers its webtunnel bridge too: the app's tor starts stalled (closed DirAuthority port),
// the Bridges service applies { kind: 'lab', transport: 'webtunnel' } and tor bootstraps to 100%
// through webtunnel-client → the lab's HTTPS front (a TEST-NET address only the lab namespace has) →
// webtunnel-server → the bridge, with ORCONN connected only to the bridge. Other non-loopback lines
// stay refused in lab mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { IpcError, unwrap } from '../../../shared/ipc/result';
import type { BridgeConfig, ReachabilityResult } from '../../../shared/domain/bridges';
import type { OrConnEvent } from '../tor/control';
import { waitFor } from '../../util/wait';
import type { BridgeLab } from './bridges-service';

const haveBundle = existsSync(join(bundleDir(defaultResourcesDir()), 'manifest.json'));

let core: Core;
let dir: string;
let lab: BridgeLab | undefined;
const orconns: OrConnEvent[] = [];

async function call<T>(channel: string, args?: unknown): Promise<T> {
  return unwrap(await core.router.dispatch(channel, args)) as T;
}

describe.skipIf(!haveBundle)('lab mode offers its webtunnel bridge', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'underpass-wtlab-'));
    core = await createCore({
      dataDir: dir,
      mode: 'lab',
      host: 'headless',
      autostart: false,
      logger: new Logger({ sink: (f, l) => (l.level === 'error' ? process.stderr.write(`${f}\n`) : undefined) }),
      lab: createLabProvider({ bridge: false, webtunnel: true, stallTor: true, torTimeoutMs: 80_000 }),
    });
    await call('underpass:supervisor:start', { id: 'tor' });
    await waitFor('tor control connection', () => core.tor.status().connected, 90_000);
    core.tor.requireController().on('ORCONN', (e) => orconns.push(e));
    lab = await (core.bridges as unknown as { opts: { lab?: () => Promise<BridgeLab> } }).opts.lab?.();
  }, 150_000);

  afterAll(async () => {
    await core?.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('one click on the lab webtunnel bridge takes the stalled tor to 100%, connected only to the bridge', async (ctx) => {
    // Only where the lab namespace may get a TEST-NET address; the provider logged why otherwise.
    if (!lab?.webtunnelLine) ctx.skip('the lab started without its webtunnel bridge (no private lab namespace)');
    const line = lab?.webtunnelLine ?? '';
    expect(line).toMatch(/^webtunnel 203\.0\.113\.\d+:\d+ [0-9A-F]{40} url=https:\/\/203\.0\.113\.\d+:\d+\/[0-9a-f]+ ver=0\.0\.1$/);
    const fpr = line.split(' ')[2];
    expect(core.tor.status().bootstrap.progress).toBeLessThan(100);

    const t0 = Date.now();
    const applied = await call<BridgeConfig>('underpass:bridges:apply', { kind: 'lab', transport: 'webtunnel' });
    expect(applied.selection).toEqual({ kind: 'lab', transport: 'webtunnel' });
    expect(applied.bridges.map((b) => b.line)).toEqual([line]);
    expect(applied.transports).toEqual(['webtunnel']);
    const conf = await core.tor.requireController().getConf(['UseBridges', 'Bridge', 'ClientTransportPlugin']);
    expect(conf.UseBridges).toEqual(['1']);
    expect(conf.Bridge).toEqual([line]);
    expect(conf.ClientTransportPlugin?.[0]).toMatch(/^webtunnel exec \S+\/webtunnel-client$/);

    await waitFor('bootstrap 100% through the lab webtunnel bridge', () => core.tor.status().bootstrap.progress === 100, 75_000);
    process.stderr.write(`lab webtunnel: 100% ${Date.now() - t0} ms after apply\n`);
    const connected = orconns.filter((e) => e.status === 'CONNECTED');
    expect(connected.length).toBeGreaterThan(0);
    expect(new Set(connected.map((e) => e.relay?.fingerprint))).toEqual(new Set([fpr]));
    expect((await core.tor.requireController().getEntryGuards()).map((g) => g.fingerprint)).toEqual([fpr]);
  }, 100_000);

  it('a reachability test of the lab webtunnel line succeeds; any other TEST-NET line stays refused', async (ctx) => {
    if (!lab?.webtunnelLine) ctx.skip('the lab started without its webtunnel bridge (no private lab namespace)');
    const line = lab?.webtunnelLine ?? '';
    const result = await call<ReachabilityResult>('underpass:bridges:test', { line });
    process.stderr.write(`lab webtunnel: reachability ${JSON.stringify(result.stages)}\n`);
    expect(result.ok).toBe(true);
    expect(result.stages.map((s) => s.stage)).toContain('directory');

    const other = line.replace(/203\.0\.113\.(\d+)/g, (_m, n: string) => `203.0.113.${n === '1' ? '2' : '1'}`);
    const err = await call('underpass:bridges:apply', { kind: 'custom', text: other }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IpcError);
    expect((err as IpcError).code).toBe('BRIDGE_INVALID');
    expect((err as IpcError).message).toMatch(/lab mode only uses loopback bridges; refusing 203\.0\.113\.\d+:\d+/);
  }, 90_000);
});
