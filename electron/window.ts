// BrowserWindow factory with the hardened defaults: sandboxed renderer, context isolation, no Node
// integration, no navigation, no new windows, every permission request denied.
import { BrowserWindow, session, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

export function createMainWindow(rendererDir: string, preloadFile: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Underpass',
    backgroundColor: '#101418',
    webPreferences: {
      preload: preloadFile,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      devTools: process.env.UNDERPASS_DEVTOOLS === '1',
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(pathToFileURL(join(rendererDir, 'index.html')).toString());
  return win;
}

/** Applied to every web contents the app ever creates. */
export function hardenWebContents(contents: WebContents, trustedUrlPrefix: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(trustedUrlPrefix)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // The renderer talks to main over IPC only: refuse any network request it might make.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !details.url.startsWith('file://') && !details.url.startsWith('devtools://') });
  });
}
