// drop.vs_onionshare, drop.cpu_vs_onionshare and drop.rss_growth_mb (issue 5). One lab; one
// "service" tor joined to it hosts both receivers: the drop (DropServer + DropStorage in a child
// process of its own, behind ADD_ONION to its unix socket) and Debian's onionshare-cli in receive
// mode (connected to the same tor's control port). A second lab tor is the source; the same 50 MB
// file goes to each over its SOCKS port, alternating, ratios of medians from this one run.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../electron/app/core';
import { createLabProvider } from '../../electron/lab/lab-provider';
import type { TorLab } from '../../electron/lab/tor/tor-lab';
import { Logger } from '../../electron/logging/logger';
import { defaultResourcesDir } from '../../electron/supervisor/binaries';
import { parsePortFile } from '../../electron/services/tor/tor-process';
import * as src from '../../electron/services/drops/__fixtures__/lab-source';
import { cpuSeconds, rssBytes, rssSampler, startDropHost, type DropHost } from '../../electron/services/drops/__fixtures__/drop-host-client';
import { median, type Benchmark, type BenchResult } from './harness';
import { onionShareUnavailable, startOnionShare, type OnionShare } from './onionshare';

const MB = 1024 * 1024;
const SIZE = 50 * MB;
const ROUNDS = 2;
/** drop.rss_growth_mb's upload: 1 GiB, generated while it is sent, never held whole. */
const BIG = 1024 * MB;

interface Round {
  mbps: number;
  /** CPU seconds of the receiving process per MB received. */
  cpuPerMb: number;
}

/**
 * One timed upload of the 50 MB file through the source tor. CPU is read from /proc/<pid>/stat of
 * the receiving process right before the request and right after its answer, so each side is
 * charged for the same work: accept the request, parse multipart, write 50 MB to disk, answer.
 * Neither number contains the sender (this process) or tor (its own processes); both include the
 * receiver's idle housekeeping over the same window (onionshare-cli's 0.2 s status loop, the drop's
 * timers), which is negligible next to 50 MB of parsing and writing.
 */
async function timedUpload(socks: src.SocksTarget, host: string, pid: number, field: string, file: string, okStatus: number[]): Promise<Round> {
  const cpu0 = await cpuSeconds(pid);
  const t0 = performance.now();
  const r = await src.upload(socks, host, [{ name: field, filename: 'f50m.bin', data: { file, size: SIZE } }]);
  const secs = (performance.now() - t0) / 1000;
  const cpu = (await cpuSeconds(pid)) - cpu0;
  if (!okStatus.includes(r.status)) throw new Error(`upload to ${host.slice(0, 8)}… answered ${r.status}: ${r.text.slice(0, 300)}`);
  return { mbps: SIZE / MB / secs, cpuPerMb: cpu / (SIZE / MB) };
}

/** Newest file of that name under dir (onionshare saves into <date>/<time>/). */
async function findFile(dir: string, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === name) out.push(join(e.parentPath, e.name));
  }
  return out;
}

/** 1 GiB multipart upload straight to the drop's loopback port, generated on the fly. */
async function bigLoopbackUpload(port: number): Promise<number> {
  const boundary = '----underpassBenchBig';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise((r) => socket.once('close', r));
  socket.write(
    `POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length + BIG + tail.length}\r\n\r\n`,
  );
  socket.write(head);
  const block = randomBytes(MB);
  for (let sent = 0; sent < BIG; sent += MB) {
    // A fresh first byte per block so the file is not one repeated MiB; the buffer itself is reused.
    block.writeUInt32BE(sent / MB, 0);
    if (!socket.write(Buffer.from(block))) await once(socket, 'drain');
  }
  socket.write(tail);
  await closed;
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? 0);
  return status;
}

export const dropCompare: Benchmark = {
  ids: ['drop.vs_onionshare', 'drop.cpu_vs_onionshare', 'drop.rss_growth_mb'],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'underpass-drop-compare-'));
    const resourcesDir = defaultResourcesDir();
    let lab: TorLab | undefined;
    let core: Core | undefined;
    let host: DropHost | undefined;
    let os: OnionShare | undefined;
    const results: BenchResult[] = [];
    try {
      core = await createCore({
        dataDir: dir,
        mode: 'lab',
        host: 'headless',
        autostart: false,
        logger: new Logger({ sink: () => undefined }),
        lab: createLabProvider({ bridge: false, torTimeoutMs: 80_000, onTorLab: (l) => (lab = l) }),
      });
      // Starting the app's tor brings the lab up; the app's tor itself only idles here.
      await core.tor.start();
      const theLab = lab!;
      const source = await src.startSourceTor(theLab, core.registry, resourcesDir, 'bench-cmp-source');
      const service = await src.startSourceTor(theLab, core.registry, resourcesDir, 'bench-cmp-service');
      const control = parsePortFile(await readFile(join(theLab.dir, 'bench-cmp-service', 'run', 'control-port'), 'utf8'));
      if (!control) throw new Error('the service tor wrote no control port file');

      host = await startDropHost({ root: join(dir, 'drop-uploads'), unixPath: join(dir, 'drop.sock'), maxFileBytes: 2 * BIG, maxUploadBytes: 2 * BIG, minFreeBytes: 256 * MB });
      // The app's drop serves tor through its unix socket. UNDERPASS_BENCH_DROP_TCP=1 (only where tor
      // shares our network namespace) uses its 127.0.0.1 port instead, like onionshare-cli's: how
      // tor's small writes arrive (and so the CPU per MB) depends on the kind of socket.
      const tcp = process.env.UNDERPASS_BENCH_DROP_TCP === '1' && theLab.isolation !== 'holder';
      const target = tcp ? `127.0.0.1:${host.port}` : `unix:${host.socket}`;
      const added = await service.controller.addOnion({ key: { type: 'NEW', algorithm: 'ED25519-V3' }, ports: [{ virtualPort: 80, target }] });
      const dropOnion = `${added.serviceId}.onion`;
      await host.setOnionHost(dropOnion);
      await src.getWithRetry(source.socks, dropOnion, 60_000);

      const file = join(dir, 'f50m.bin');
      await writeFile(file, randomBytes(SIZE));
      const dropRounds: Round[] = [];
      const osRounds: Round[] = [];
      const rssBase = await rssBytes(host.pid);
      const torRss = rssSampler(host.pid);

      const skip = onionShareUnavailable(theLab);
      if (skip) {
        for (let i = 0; i < ROUNDS; i++) dropRounds.push(await timedUpload(source.socks, dropOnion, host.pid, 'file', file, [200]));
        results.push({ id: 'drop.vs_onionshare', value: Number.NaN, unit: 'ratio', goal: '>=1.1', skipped: skip });
        results.push({ id: 'drop.cpu_vs_onionshare', value: Number.NaN, unit: 'ratio', goal: '<=0.5', skipped: skip });
      } else {
        os = await startOnionShare(theLab, join(dir, 'onionshare'), control.kind === 'tcp' ? { kind: 'tcp', host: control.host, port: control.port } : { kind: 'unix', path: control.path });
        await src.getWithRetry(source.socks, os.address, 60_000);
        for (let i = 0; i < ROUNDS; i++) {
          // onionshare's form field is file[]; its non-JS upload answers with a redirect (302).
          osRounds.push(await timedUpload(source.socks, os.address, os.pid, 'file[]', file, [200, 302]));
          dropRounds.push(await timedUpload(source.socks, dropOnion, host.pid, 'file', file, [200]));
        }
        // Both really stored the bytes (onionshare suffixes duplicates: f50m-2.bin …).
        const saved = (await readdir(os.dataDir, { recursive: true })).filter((n) => /f50m(-\d+)?\.bin$/.test(String(n)));
        if (saved.length !== ROUNDS) throw new Error(`onionshare-cli saved ${saved.length} of ${ROUNDS} uploads`);
        const dropFiles = await findFile(join(dir, 'drop-uploads'), 'f50m.bin');
        if (dropFiles.length !== ROUNDS || (await Promise.all(dropFiles.map((f) => stat(f)))).some((s) => s.size !== SIZE)) throw new Error('the drop did not store every upload whole');
        const d = median(dropRounds.map((r) => r.mbps));
        const o = median(osRounds.map((r) => r.mbps));
        const dc = median(dropRounds.map((r) => r.cpuPerMb));
        const oc = median(osRounds.map((r) => r.cpuPerMb));
        const list = (rs: Round[], k: keyof Round, digits: number) => rs.map((r) => r[k].toFixed(digits)).join('/');
        results.push({ id: 'drop.vs_onionshare', value: d / o, unit: 'ratio', goal: '>=1.1', note: `drop ${list(dropRounds, 'mbps', 2)} MB/s, onionshare-cli ${list(osRounds, 'mbps', 2)} MB/s (same service tor, 50 MB; drop via ${tcp ? 'TCP' : 'unix socket'})` });
        results.push({
          id: 'drop.cpu_vs_onionshare',
          value: dc / oc,
          unit: 'ratio',
          goal: '<=0.5',
          note: `receiving process CPU s/MB: drop ${list(dropRounds, 'cpuPerMb', 4)}, onionshare-cli ${list(osRounds, 'cpuPerMb', 4)}`,
        });
      }
      const torGrowth = ((await torRss.stop()) - rssBase) / MB;

      // 1 GiB through the lab tor would take 4+ minutes at ~4 MB/s; the drop process's memory does
      // not depend on where the bytes come from, so the 1 GiB goes over loopback and the tor path is
      // reported beside it for the 50 MB uploads above.
      const base = await rssBytes(host.pid);
      const sampler = rssSampler(host.pid);
      const t0 = performance.now();
      const status = await bigLoopbackUpload(host.port);
      const peak = await sampler.stop();
      if (status !== 200) throw new Error(`the 1 GiB upload answered ${status}`);
      const secs = (performance.now() - t0) / 1000;
      results.push({
        id: 'drop.rss_growth_mb',
        value: (peak - base) / MB,
        unit: 'MB',
        goal: '<=50',
        note: `drop process RSS growth: 1 GiB over loopback straight to the drop (${(BIG / MB / secs).toFixed(0)} MB/s); through the lab tor, ${dropRounds.length}×50 MB: ${torGrowth.toFixed(1)} MB`,
      });
      return results;
    } finally {
      await os?.stop();
      await host?.stop();
      await core?.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
