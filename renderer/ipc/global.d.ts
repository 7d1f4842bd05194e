// The preload's bridge, present only inside the Electron window.
import type { Api } from '../../shared/ipc/api';

declare global {
  interface Window {
    api?: Api;
  }
}
export {};
