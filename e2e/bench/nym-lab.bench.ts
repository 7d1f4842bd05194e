// nym.lab_latency_ms, nym.lab_msgs_per_s, nym.idle_cpu_pct: two nym-client stand-ins on the lab
// mixnet at nym's default timings (20 ms sending slots, 3 × 15 ms mixing, loop cover every 200 ms),
// measured against what those settings allow in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../electron/logging/logger';
import { ProcessRegistry } from '../../electron/supervisor/registry';
import { startNymLab } from '../../electron/lab/nym/nym-lab';
import { NymWebsocketClient, type NymReceivedMessage } from '../../electron/services/nym/websocket';
import type { NymNetworkPlan } from '../../electron/services/nym/nym-service';
import { median, type Benchmark } from './harness';

const LATENCY_SAMPLES = 40;
const THROUGHPUT_MESSAGES = 200;
const IDLE_SECONDS = 10;
const CLK_TCK = 100; // Linux USER_HZ

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

interface Client {
  child: ChildProcess;
  ws: NymWebsocketClient;
  address: string;
  received: (NymReceivedMessage & { at: number })[];
}

async function startClient(plan: NymNetworkPlan, dir: string, id: string): Promise<Client> {
  const port = await freePort();
  const env = { ...process.env, ...plan.env, NYM_HOME_DIR: join(dir, id), NO_COLOR: '1', RUST_LOG: 'warn' };
  const init = spawn(plan.command, [...plan.argsPrefix, 'init', '--id', id, '--port', String(port), '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  init.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => init.once('exit', r));
  if (code !== 0) throw new Error(`stand-in init failed: ${out}`);
  const address = (JSON.parse(out) as { client_address: string }).client_address;
  const child = spawn(plan.command, [...plan.argsPrefix, 'run', '--id', id], { env, stdio: 'ignore' });
  const ws = await NymWebsocketClient.connect({ port, connectAttempts: 100, connectRetryDelayMs: 50, expectedAddress: address });
  const received: Client['received'] = [];
  ws.onReceived((m) => received.push({ ...m, at: performance.now() }));
  return { child, ws, address, received };
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

async function waitUntil(what: string, fn: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const nymLab: Benchmark = {
  ids: ['nym.lab_latency_ms', 'nym.lab_msgs_per_s', 'nym.idle_cpu_pct'],
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'underpass-nym-bench-'));
    const logger = new Logger({ sink: () => undefined });
    const registry = new ProcessRegistry(join(dir, 'run'), logger);
    const lab = await startNymLab({ registry, logger, dir: join(dir, 'lab') }).catch(async (e: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw e;
    });
    const clients: Client[] = [];
    try {
      const plan = await lab.clientPlan();
      const t = plan.traffic;
      const a = await startClient(plan, dir, 'bench-a');
      clients.push(a);
      const b = await startClient(plan, dir, 'bench-b');
      clients.push(b);

      // Idle CPU first, before any traffic: cover on, nothing sent.
      await new Promise((r) => setTimeout(r, 1000));
      const pid = a.child.pid ?? 0;
      const t0 = performance.now();
      const c0 = cpuTicks(pid);
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const cpuPct = ((cpuTicks(pid) - c0) / CLK_TCK / ((performance.now() - t0) / 1000)) * 100;

      // Latency: one small message at a time, a → b.
      const latencies: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const text = `lat-${i}`;
        const sentAt = performance.now();
        await a.ws.send(b.address, text);
        await waitUntil(text, () => b.received.some((m) => m.text === text), 10_000);
        latencies.push((b.received.find((m) => m.text === text)?.at ?? sentAt) - sentAt);
      }
      // Expected one-way delay from the configured means: a sending slot plus three mix hops.
      const theory = t.messageSendingAverageDelayMs + 3 * t.averagePacketDelayMs;

      // Throughput: a burst of one-packet messages; the sending stream's rate is the ceiling.
      const before = b.received.length;
      const s0 = performance.now();
      for (let i = 0; i < THROUGHPUT_MESSAGES; i++) await a.ws.send(b.address, `tp-${i}`);
      await waitUntil('burst', () => b.received.length - before >= THROUGHPUT_MESSAGES, 60_000);
      const last = Math.max(...b.received.slice(before).map((m) => m.at));
      const rate = THROUGHPUT_MESSAGES / ((last - s0) / 1000);
      const ceiling = t.sendingPacketsPerSecond;

      return [
        {
          id: 'nym.lab_latency_ms',
          value: median(latencies),
          unit: 'ms',
          goal: `<=${Math.round(theory * 3)}`,
          note: `median of ${LATENCY_SAMPLES}; configured means give ${theory} ms (${t.messageSendingAverageDelayMs} ms slot + 3 × ${t.averagePacketDelayMs} ms)`,
        },
        {
          id: 'nym.lab_msgs_per_s',
          value: rate,
          unit: 'msg/s',
          goal: `>=${Math.round(ceiling * 0.7)}`,
          note: `${THROUGHPUT_MESSAGES} one-packet messages; the ${t.messageSendingAverageDelayMs} ms sending stream allows ${ceiling}/s`,
        },
        {
          id: 'nym.idle_cpu_pct',
          value: cpuPct,
          unit: '%',
          goal: '<=5',
          note: `one stand-in client over ${IDLE_SECONDS} s idle, loop cover every ${t.loopCoverAverageDelayMs} ms (lab does not fill empty slots with cover)`,
        },
      ];
    } finally {
      for (const c of clients) {
        await c.ws.close().catch(() => undefined);
        c.child.kill('SIGKILL');
      }
      await lab.stop();
      await registry.stopAll();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
