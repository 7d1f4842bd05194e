// drop.vs_raw_sink: 50 MB uploaded from a second lab tor to a drop's .onion (multipart parse,
// sanitise, .part + fsync + rename) ÷ the same bytes to a raw sink behind ADD_ONION on the same tor
// that discards them. drop.encrypted_vs_plain: the same upload to a drop with an age recipient
// (encrypted while it streams) ÷ to the plain drop. Same lab, same file, alternating runs, medians. (drop.rss_growth_mb, with
// the drop in a process of its own, is in drop-compare.bench.ts.)
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../electron/app/core';
import { createLabProvider } from '../../electron/lab/lab-provider';
import type { TorLab } from '../../electron/lab/tor/tor-lab';
import { Logger } from '../../electron/logging/logger';
import { defaultResourcesDir } from '../../electron/supervisor/binaries';
import * as src from '../../electron/services/drops/__fixtures__/lab-source';
import { unwrap } from '../../shared/ipc/result';
import type { Drop } from '../../shared/domain/drop';
import { median, type Benchmark } from './harness';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';

const SIZE = 50 * 1024 * 1024;
const ROUNDS = 2;

async function waitFor<T>(fn: () => T | undefined | null | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const dropLab: Benchmark = {
  ids: ['drop.vs_raw_sink', 'drop.encrypted_vs_plain'],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'underpass-drop-bench-'));
    const resourcesDir = defaultResourcesDir();
    let lab: TorLab | undefined;
    let core: Core | undefined;
    const sink = createServer((req, res) => {
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '2' });
        res.end('ok');
      });
    });
    try {
      core = await createCore({
        dataDir: dir,
        mode: 'lab',
        host: 'headless',
        autostart: false,
        logger: new Logger({ sink: () => undefined }),
        // The benchmark adds its own source tor to the same lab, so it keeps a handle on it.
        lab: createLabProvider({ bridge: false, torTimeoutMs: 80_000, onTorLab: (l) => (lab = l) }),
      });
      const c = core;
      await c.tor.start();
      const source = await src.startSourceTor(lab!, c.registry, resourcesDir, 'bench-source');

      // The raw sink listens like a drop does (a unix socket tor forwards to) and discards.
      const sinkPath = join(dir, 'sink.sock');
      await new Promise<void>((r) => sink.listen(sinkPath, r));
      const added = await c.tor.requireController().addOnion({ key: { type: 'NEW', algorithm: 'ED25519-V3' }, ports: [{ virtualPort: 80, target: `unix:${sinkPath}` }] });
      const sinkHost = `${added.serviceId}.onion`;

      const drop = unwrap(await c.router.dispatch('underpass:drops:create', { title: 'Bench', limits: { maxFileBytes: SIZE * 2, maxUploadBytes: SIZE * 2 } })) as Drop;
      const states: Drop[] = [];
      c.bus.subscribe((ch, p) => ch === 'underpass:drops:onDrop' && states.push(p as Drop));
      await waitFor(() => states.some((d) => d.id === drop.id && d.state === 'published'), 60_000).catch(() => undefined);
      await src.getWithRetry(source.socks, sinkHost, 60_000);
      await src.getWithRetry(source.socks, drop.address!, 60_000);
      const sealed = unwrap(
        await c.router.dispatch('underpass:drops:create', { title: 'Bench sealed', ageRecipient: await identityToRecipient(await generateX25519Identity()), limits: { maxFileBytes: SIZE * 2, maxUploadBytes: SIZE * 2 } }),
      ) as Drop;
      await waitFor(() => states.some((d) => d.id === sealed.id && d.state === 'published'), 60_000).catch(() => undefined);
      await src.getWithRetry(source.socks, sealed.address!, 60_000);

      const file = join(dir, 'f50m.bin');
      await writeFile(file, randomBytes(SIZE));
      const parts = [{ name: 'file', filename: 'f50m.bin', data: { file, size: SIZE } }];
      const timed = async (host: string) => {
        const t0 = performance.now();
        const r = await src.upload(source.socks, host, parts);
        if (r.status !== 200) throw new Error(`upload to ${host.slice(0, 8)}… answered ${r.status}`);
        return SIZE / 1024 / 1024 / ((performance.now() - t0) / 1000);
      };
      const dropRates: number[] = [];
      const sinkRates: number[] = [];
      const sealedRates: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        sinkRates.push(await timed(sinkHost));
        // Alternate which drop goes first, so a warming or loaded circuit does not favour one.
        if (i % 2 === 0) {
          dropRates.push(await timed(drop.address!));
          sealedRates.push(await timed(sealed.address!));
        } else {
          sealedRates.push(await timed(sealed.address!));
          dropRates.push(await timed(drop.address!));
        }
      }
      const d = median(dropRates);
      const s = median(sinkRates);
      const e = median(sealedRates);
      const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join('/');
      return [
        { id: 'drop.vs_raw_sink', value: d / s, unit: 'ratio', goal: '>=0.95', note: `drop ${fmt(dropRates)} MB/s, sink ${fmt(sinkRates)} MB/s` },
        { id: 'drop.encrypted_vs_plain', value: e / d, unit: 'ratio', goal: '>=0.95', note: `age-encrypted drop ${fmt(sealedRates)} MB/s, plain drop ${fmt(dropRates)} MB/s` },
      ];
    } finally {
      sink.close();
      await core?.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
