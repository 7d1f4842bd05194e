// Drives the real Electron window with Playwright's _electron where an Electron binary exists.
// Electron's binary cannot be downloaded on machines without internet: then this spec skips and
// says why; the headless-host specs cover the same renderer and contract.
import { test, expect, _electron as electron } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Api } from '../../shared/ipc/api';

type WithApi = { api?: Api };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function electronBinary(): string | null {
  try {
    const dir = join(ROOT, 'node_modules', 'electron');
    const bin = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const bin = electronBinary();
const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

test('the Electron window shows the shell with a sandboxed, isolated renderer', async () => {
  test.skip(!bin, 'No Electron binary installed (node_modules/electron has no dist/): Electron cannot be downloaded on this machine.');
  test.skip(!display, 'No display: run under xvfb-run to drive the Electron window.');
  const app = await electron.launch({
    executablePath: bin!,
    args: [join(ROOT, 'out', 'electron', 'main.mjs')],
    env: { ...process.env, UNDERPASS_MODE: 'lab' },
  });
  try {
    const win = await app.firstWindow();
    await expect(win.getByRole('heading', { level: 1 })).toHaveText('Overview');
    // No Node in the page, and the API exists only as the preload's bridge.
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (window as WithApi).api?.app.getInfo)).toBe('function');
    const info = await win.evaluate(async () => (window as WithApi).api!.app.getInfo());
    expect(info).toMatchObject({ ok: true, value: { host: 'electron', mode: 'lab' } });
  } finally {
    await app.close();
  }
});
