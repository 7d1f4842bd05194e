// ipc.headless_vs_raw_ws: contract round trips per second through the headless host (token, zod
// validation on both ends, Result envelopes) ÷ a bare `ws` echo server on the same loopback.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { createCore } from '../../electron/app/core';
import { startHeadlessHost } from '../../electron/host/headless';
import { Logger } from '../../electron/logging/logger';
import { WS_AUTH_PREFIX, WS_PROTOCOL } from '../../shared/ipc/wire';
import type { Benchmark } from './harness';

const N = 5000;

async function roundTrips(ws: WebSocket, frame: (i: number) => string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await new Promise<void>((resolve) => {
      ws.once('message', () => resolve());
      ws.send(frame(i));
    });
  }
  return N / ((performance.now() - t0) / 1000);
}

function open(url: string, protocols: string[], origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export const ipcRoundtrip: Benchmark = {
  ids: ['ipc.headless_vs_raw_ws'],
  async run() {
    const raw = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    raw.on('connection', (s) => s.on('message', (d) => s.send(d)));
    await new Promise((r) => raw.once('listening', r));
    const rawPort = (raw.address() as { port: number }).port;
    const rawWs = await open(`ws://127.0.0.1:${rawPort}`, []);
    const frame = (i: number) => JSON.stringify({ t: 'invoke', id: i, channel: 'underpass:supervisor:list' });
    await roundTrips(rawWs, frame); // warm-up
    const rawRate = await roundTrips(rawWs, frame);
    rawWs.close();
    raw.close();

    const dir = await mkdtemp(join(tmpdir(), 'underpass-bench-'));
    const logger = new Logger({ sink: () => undefined });
    const core = await createCore({ dataDir: dir, mode: 'lab', host: 'headless', logger, autostart: false });
    const host = await startHeadlessHost({
      router: core.router,
      bus: core.bus,
      staticDir: fileURLToPath(new URL('../../electron/host/__fixtures__/static', import.meta.url)),
      log: logger.scope('host'),
    });
    const ws = await open(`ws://127.0.0.1:${host.port}/ipc`, [WS_PROTOCOL, `${WS_AUTH_PREFIX}${host.token}`], `http://127.0.0.1:${host.port}`);
    await roundTrips(ws, frame);
    const hostRate = await roundTrips(ws, frame);
    ws.close();
    await host.close();
    await core.shutdown();
    await rm(dir, { recursive: true, force: true });
    return [
      {
        id: 'ipc.headless_vs_raw_ws',
        value: hostRate / rawRate,
        unit: 'ratio',
        goal: '>=0.5',
        note: `${Math.round(hostRate)} vs ${Math.round(rawRate)} round trips/s`,
      },
    ];
  },
};
