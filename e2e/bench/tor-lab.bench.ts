// tor.lab_cold_start_s: from nothing to a bootstrapped app tor on a fresh lab network (new keys,
// empty caches), median of 3. The baseline is the notes' reference shell recipe's median (~11 s).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../electron/app/core';
import { createLabProvider } from '../../electron/lab/lab-provider';
import { Logger } from '../../electron/logging/logger';
import { median, type Benchmark } from './harness';

async function coldStart(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'underpass-cold-'));
  const core = await createCore({ dataDir: dir, mode: 'lab', host: 'headless', autostart: false, logger: new Logger({ sink: () => undefined }), lab: createLabProvider({ bridge: false }) });
  try {
    const t0 = performance.now();
    await core.tor.start();
    if (!core.tor.status().ready) throw new Error('tor not ready after start()');
    return (performance.now() - t0) / 1000;
  } finally {
    await core.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

export const torLab: Benchmark = {
  ids: ['tor.lab_cold_start_s'],
  async run() {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push(await coldStart());
    return [{ id: 'tor.lab_cold_start_s', value: median(runs), unit: 's', goal: '<=10', note: `runs ${runs.map((r) => r.toFixed(1)).join(', ')}` }];
  },
};
