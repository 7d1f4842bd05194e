// Guidance's I2P row measured for real: a lab-mode core's own i2pd joins the lab I2P network and
// the contract's measure reaches the lab's echo destination through SAM (RTT and throughput > 0,
// timestamp of now). Before I2P runs, and after it stops, the row says so instead of a number.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import type { Measurement } from '../../../shared/domain/guidance';
import { unwrap } from '../../../shared/ipc/result';
import { waitFor } from '../../util/wait';

const haveBundle = existsSync(join(bundleDir(defaultResourcesDir()), 'manifest.json'));

async function measureI2p(core: Core): Promise<Measurement> {
  const all = unwrap(await core.router.dispatch('underpass:guidance:measure', undefined)) as Measurement[];
  const row = all.find((m) => m.network === 'i2p');
  if (!row) throw new Error('no I2P row');
  return row;
}

describe.skipIf(!haveBundle)('guidance measures I2P through SAM on the lab network', () => {
  let core: Core;
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'underpass-guidance-i2p-'));
    core = await createCore({ dataDir: dir, mode: 'lab', host: 'headless', autostart: false, logger: new Logger({ sink: () => undefined }), lab: createLabProvider({ bridge: false }) });
  }, 60_000);

  afterAll(async () => {
    await core?.shutdown();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('says I2P is not running before it starts, with no numbers', async () => {
    const row = await measureI2p(core);
    expect(row).toMatchObject({ ok: false, code: 'notRunning' });
    expect(row).not.toHaveProperty('rttMs');
  });

  it('measures round trip and throughput to the lab echo destination', async () => {
    await core.i2p.start();
    await waitFor('i2pd ready', () => core.i2p.status().ready || null, 90_000, 200);
    const before = Date.now();
    const row = await measureI2p(core);
    if (!row.ok) throw new Error(`I2P not measured: ${row.code}: ${row.reason}`);
    expect(row.rttMs).toBeGreaterThan(0);
    // A lab round trip crosses four 1-hop tunnels on loopback: tens of ms, not seconds (notes: ~25 ms median).
    expect(row.rttMs).toBeLessThan(5000);
    expect(row.throughputBps).toBeGreaterThan(0);
    expect(row.at).toBeGreaterThanOrEqual(before);
    expect(row.at).toBeLessThanOrEqual(Date.now());
    expect(row.target).toMatch(/echo destination on lab router r1 \([a-z2-7]{52}\.b32\.i2p\)/);

    // A second measurement reuses the session (no new tunnels): quick, and a fresh timestamp.
    const t0 = Date.now();
    const again = await measureI2p(core);
    expect(again.ok).toBe(true);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(again.at).toBeGreaterThan(row.at);
  }, 240_000);

  it('says so again once I2P is stopped', async () => {
    await core.i2p.stop();
    expect(await measureI2p(core)).toMatchObject({ ok: false, code: 'notRunning' });
  }, 60_000);
});
