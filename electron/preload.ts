// Sandboxed preload: exposes `window.api`, built from the contract (one function per channel);
// the renderer never sees ipcRenderer or a channel string. Bundled to one CommonJS file.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildApi } from '../shared/ipc/build-api';
import { APP_PREFIX } from '../shared/ipc/contract';

const api = buildApi(
  {
    invoke: (channel, args) => {
      if (!channel.startsWith(APP_PREFIX)) return Promise.reject(new Error('not an app channel'));
      return ipcRenderer.invoke(channel, args);
    },
    subscribe: (channel, listener) => {
      if (!channel.startsWith(APP_PREFIX)) throw new Error('not an app channel');
      const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(channel, handler);
      return () => {
        ipcRenderer.removeListener(channel, handler);
      };
    },
  },
  (channel, issue) => console.error(`dropped an invalid ${channel} event: ${issue}`),
);

contextBridge.exposeInMainWorld('api', api);
