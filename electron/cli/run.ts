// Starts the app for `npm start` (real networks) and `npm run lab` (private loopback networks):
// an Electron window where an Electron binary and a display exist, otherwise (or with --headless)
// the headless host, which prints the one URL (with its token) the user opens in a browser.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCore } from '../app/core';
import { defaultDataDir, type AppMode } from '../config/paths';
import { startHeadlessHost } from '../host/headless';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Electron binary if it was downloaded; never triggers electron's lazy download. */
export function findElectronBinary(): string | null {
  try {
    const dir = join(ROOT, 'node_modules', 'electron');
    const rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
    const bin = join(dir, 'dist', rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

export async function runApp(mode: AppMode, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      headless: { type: 'boolean', default: false },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'] ?? defaultDataDir(mode);
  const electron = values.headless ? null : findElectronBinary();
  const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

  if (electron && hasDisplay) {
    const child = spawn(electron, [join(ROOT, 'out', 'electron', 'main.mjs')], {
      stdio: 'inherit',
      env: { ...process.env, UNDERPASS_MODE: mode, UNDERPASS_DATA_DIR: dataDir },
    });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  if (!values.headless) {
    process.stderr.write(
      electron
        ? 'No display found: starting the headless host instead of an Electron window.\n'
        : 'No Electron binary is installed: starting the headless host instead of an Electron window.\n',
    );
  }

  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535, got ${values.port}`);
  const core = await createCore({ dataDir, mode, host: 'headless', ...(mode === 'lab' ? { lab: (await import('../lab/lab-provider')).createLabProvider() } : {}) });
  const staticDir = join(ROOT, 'out', 'renderer');
  if (!existsSync(join(staticDir, 'index.html'))) throw new Error('the renderer is not built: run `npm run build` first');
  const host = await startHeadlessHost({ router: core.router, bus: core.bus, staticDir, port, log: core.logger.scope('host') });
  // The only place the token is ever printed.
  process.stdout.write(`\nUnderpass (${mode === 'lab' ? 'lab mode: private loopback networks' : 'real networks'}) is running.\n`);
  process.stdout.write(`Open this address in a browser on this machine:\n\n  ${host.url}\n\nPress Ctrl+C to stop.\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`\n${signal}: stopping…\n`);
    void (async () => {
      await host.close();
      await core.shutdown();
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
