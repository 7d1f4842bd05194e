// Electron composition root only: app lifecycle, the core, IPC registration and the window.
// All logic lives in plain Node modules (app/core.ts and below) that never import electron.
import { app, BrowserWindow, ipcMain, Notification, shell } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createCore, type Core } from './app/core';
import { registerElectronIpc } from './host/electron-ipc';
import { createMainWindow, denyAllPermissions, hardenWebContents } from './window';
import { defaultDataDir, type AppMode } from './config/paths';
// Type only: erased at build time, so it pulls no lab code into this bundle.
import type * as LabModule from './lab/lab-provider';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const preloadFile = join(here, 'preload.cjs');
const trustedUrlPrefix = pathToFileURL(rendererDir).toString();
const mode: AppMode = process.env.UNDERPASS_MODE === 'lab' ? 'lab' : 'real';

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

let core: Core | null = null;
let quitting = false;

app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, trustedUrlPrefix));

app.on('second-instance', () => {
  const win = BrowserWindow.getAllWindows()[0];
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

app.whenReady().then(async () => {
  denyAllPermissions();
  const dataDir = mode === 'lab' ? defaultDataDir('lab') : (process.env.UNDERPASS_DATA_DIR ?? app.getPath('userData'));
  // Packaged: daemons ship as extra resources; from a checkout: the repo's resources/.
  const resourcesDir = app.isPackaged ? process.resourcesPath : join(here, '..', '..', 'resources');
  // Lab mode runs from a checkout: the lab's helper programs stay in electron/lab/tor.
  const lab =
    mode === 'lab'
      ? (await loadLab()).createLabProvider({
          torScriptsDir: join(here, '..', '..', 'electron', 'lab', 'tor'),
          nymScriptsDir: join(here, '..', '..', 'electron', 'lab', 'nym'),
        })
      : undefined;
  // The core stays electron-free: it gets the desktop capabilities it may use as plain functions.
  const desktop = {
    notify: (title: string, body: string) => {
      if (Notification.isSupported()) new Notification({ title, body, silent: false }).show();
    },
    openPath: (path: string) => shell.openPath(path),
  };
  core = await createCore({ dataDir, mode, host: 'electron', desktop, resourcesDir, ...(lab ? { lab } : {}) });
  registerElectronIpc({
    ipcMain,
    router: core.router,
    bus: core.bus,
    log: core.logger.scope('ipc'),
    trustedUrlPrefix,
    targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  });
  createMainWindow(rendererDir, preloadFile);
}, (e: unknown) => {
  process.stderr.write(`Underpass failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  app.exit(1);
});

/**
 * The lab is a bundle of its own (out/electron/lab.mjs, see build.mjs), loaded only in lab mode and
 * left out of the package, so the production main bundle carries no lab code.
 */
async function loadLab(): Promise<typeof LabModule> {
  const url = new URL('./lab.mjs', import.meta.url).href;
  return (await import(url)) as typeof LabModule;
}

app.on('window-all-closed', () => app.quit());

// Stop every daemon before exiting; a second quit request while stopping is ignored.
app.on('before-quit', (event) => {
  if (quitting || !core) return;
  event.preventDefault();
  quitting = true;
  void core.shutdown().finally(() => app.exit(0));
});
