// ui.circuits_frame_p95_ms: the Tor page holding 5,000 circuits while 100 circuit events/s arrive
// over the real headless host. Chromium runs without vsync or a frame-rate cap, and a 2-pixel probe
// changes every frame: a page without damage gets frames only at the 60 Hz begin-frame rate, so its
// rAF intervals would measure that cap (~17 ms), not our work. With damage every frame, each
// requestAnimationFrame interval is the time one frame really took; we report its 95th percentile.
// The baseline (same page, no events) is printed alongside.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createCore } from '../../electron/app/core';
import { startHeadlessHost } from '../../electron/host/headless';
import { Logger } from '../../electron/logging/logger';
import type { Circuit } from '../../shared/domain/tor';
import { percentile, type Benchmark } from './harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CIRCUITS = 5000;
const EVENTS_PER_S = 100;
const MEASURE_MS = 8000;

function fp(i: number): string {
  return i.toString(16).toUpperCase().padStart(40, '0');
}

function circuit(i: number, bytes: number): Circuit {
  return {
    id: String(i + 1),
    status: 'BUILT',
    purpose: 'GENERAL',
    hsState: null,
    buildFlags: ['NEED_CAPACITY'],
    createdAt: Date.now() - i * 1000,
    path: [0, 1, 2].map((h) => ({ fingerprint: fp(i * 3 + h + 1), nickname: `relay${(i * 3 + h) % 97}`, address: '127.0.0.1', country: 'de', flags: ['Fast', 'Running', 'Valid'] })),
    reason: null,
    bytesRead: bytes,
    bytesWritten: bytes / 2,
    userBuilt: false,
  };
}

export const uiCircuits: Benchmark = {
  ids: ['ui.circuits_frame_p95_ms'],
  async run() {
    if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) spawnSync('npm', ['run', 'build:renderer'], { cwd: ROOT, stdio: 'inherit' });
    const dir = await mkdtemp(join(tmpdir(), 'underpass-uibench-'));
    const logger = new Logger({ sink: () => undefined });
    const core = await createCore({ dataDir: dir, mode: 'real', host: 'headless', logger, autostart: false });
    const host = await startHeadlessHost({ router: core.router, bus: core.bus, staticDir: join(ROOT, 'out', 'renderer'), log: logger.scope('host') });
    const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
    const browser = await chromium.launch({
      ...(executablePath ? { executablePath } : {}),
      args: ['--disable-gpu-vsync', '--disable-frame-rate-limit', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(host.url);
      await page.getByRole('link', { name: 'Tor', exact: true }).click();
      await page.getByRole('heading', { name: 'Circuits' }).waitFor();
      for (let i = 0; i < CIRCUITS; i++) core.bus.emit('tor', 'onCircuit', circuit(i, 0));
      await page.getByText(`Circuits (${CIRCUITS})`).waitFor({ timeout: 60_000 });

      const measure = async (withEvents: boolean): Promise<number[]> => {
        const timer = withEvents
          ? setInterval(() => {
              for (let k = 0; k < EVENTS_PER_S / 20; k++) {
                const i = Math.floor(Math.random() * CIRCUITS);
                core.bus.emit('tor', 'onCircuit', circuit(i, Math.floor(Math.random() * 1e6)));
              }
            }, 50)
          : null;
        // A string, not a function: tsx would inject its __name helper, which the page lacks.
        const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
          const probe = document.createElement('div');
          probe.setAttribute('aria-hidden', 'true');
          probe.style.cssText = 'position:fixed;inset-block-end:0;inset-inline-end:0;width:2px;height:2px;overflow:hidden;font-size:1px';
          document.body.appendChild(probe);
          const out = [];
          let last = performance.now();
          const end = last + ${MEASURE_MS};
          const tick = (t) => {
            out.push(t - last);
            last = t;
            probe.textContent = String(out.length % 10);
            if (t < end) requestAnimationFrame(tick);
            else { probe.remove(); resolve(out); }
          };
          requestAnimationFrame(tick);
        })`);
        if (timer) clearInterval(timer);
        return frames.slice(5);
      };
      const idle = await measure(false);
      const busy = await measure(true);
      return [
        {
          id: 'ui.circuits_frame_p95_ms',
          value: percentile(busy, 95),
          unit: 'ms',
          goal: '<=16',
          note: `idle p95 ${percentile(idle, 95).toFixed(2)} ms; ${busy.length} frames with ${EVENTS_PER_S} events/s over ${CIRCUITS} circuits`,
        },
      ];
    } finally {
      await browser.close();
      await host.close();
      await core.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
