// The Electron adapter of the contract: one ipcMain.handle per invoke channel, each checking that
// the sender is our own window's top frame before the router validates the arguments.
import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { listChannels } from '../../shared/ipc/contract';
import { err } from '../../shared/ipc/result';
import type { IpcRouter } from '../ipc/router';
import type { EventBus } from '../services/event-bus';
import type { ScopedLogger } from '../logging/logger';

export interface ElectronIpcOptions {
  ipcMain: IpcMain;
  router: IpcRouter;
  bus: EventBus;
  log: ScopedLogger;
  /** The renderer's own URL prefix (file:///…/out/renderer/); anything else is refused. */
  trustedUrlPrefix: string;
  /** Windows that receive pushed events. */
  targets: () => WebContents[];
}

export function isTrustedFrame(frame: WebFrameMain | null, prefix: string): boolean {
  // Only the top frame of our own page: never a subframe, never a page we navigated to by mistake.
  return frame !== null && frame.parent === null && frame.url.startsWith(prefix);
}

export function registerElectronIpc(opts: ElectronIpcOptions): () => void {
  const channels = listChannels().filter((c) => c.def.kind === 'invoke');
  for (const c of channels) {
    opts.ipcMain.handle(c.channel, async (event: IpcMainInvokeEvent, args: unknown) => {
      if (!isTrustedFrame(event.senderFrame, opts.trustedUrlPrefix)) {
        opts.log.warn(`refused ${c.channel} from an untrusted frame`);
        return err('IPC_UNAUTHORIZED', 'this window may not use the app API');
      }
      return opts.router.dispatch(c.channel, args);
    });
  }
  const unsubscribe = opts.bus.subscribe((channel, payload) => {
    for (const wc of opts.targets()) if (!wc.isDestroyed()) wc.send(channel, payload);
  });
  return () => {
    unsubscribe();
    for (const c of channels) opts.ipcMain.removeHandler(c.channel);
  };
}
