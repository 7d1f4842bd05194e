// The private I2P lab against the bundled i2pd: two routers on loopback find each other through
// their cross-seeded netDbs, and stop() leaves no process. Skips without a bundled i2pd.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '../../logging/logger';
import { ProcessRegistry } from '../../supervisor/registry';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { describeI2pLab, startI2pLab, type I2pLab } from './i2p-lab';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveBundle)('I2P lab (bundled i2pd)', () => {
  let lab: I2pLab | undefined;
  let registry: ProcessRegistry;
  let runDir = '';

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'ui2plab-run-'));
    const logger = new Logger({
      minLevel: 'info',
      sink: (formatted, line) => {
        if (line.level === 'warn' || line.level === 'error' || line.source.startsWith('lab')) process.stderr.write(`${formatted}\n`);
      },
    });
    registry = new ProcessRegistry(runDir, logger);
    lab = await startI2pLab({ registry, logger, resourcesDir, routers: 2 });
    process.stderr.write(`${JSON.stringify(describeI2pLab(lab))}\n`);
  }, 120_000);

  afterAll(async () => {
    await lab?.stop();
    await registry?.stopAll();
    if (runDir) await rm(runDir, { recursive: true, force: true });
  });

  it('routers see each other (I2PControl: active peers) and run the lab config', async () => {
    if (!lab) throw new Error('no lab');
    expect(lab.routers).toHaveLength(2);
    for (let i = 0; i < lab.routers.length; i += 1) {
      const info = await lab.routerInfo(i);
      expect(info.version).toMatch(/^2\.(5[1-9]|[6-9]\d)/);
      expect(info.activePeers).toBeGreaterThanOrEqual(1);
      expect(info.knownPeers).toBeGreaterThanOrEqual(1);
    }
    for (const r of lab.routers) {
      const conf = await readFile(join(r.dataDir, 'i2pd.conf'), 'utf8');
      expect(conf).toContain(`netid = ${lab.netid}`);
      expect(conf).toContain('floodfill = true');
      expect(conf).toContain('reservedrange = false');
      expect(conf).toMatch(/^urls =$/m);
      expect(registry.get(r.id).status().state).toBe('ready');
    }
  });

  it('stop() leaves no lab process', async () => {
    if (!lab) throw new Error('no lab');
    const pids = lab.pids();
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await lab.stop();
    expect(pids.filter(alive)).toEqual([]);
    lab = undefined;
  }, 30_000);
});
