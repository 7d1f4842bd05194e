// UI-only state: how the renderer is connected to its host (for the "disconnected" banner).
import { create } from 'zustand';
import type { ConnectionState } from '../ipc/ws-client';

interface ConnectionStore {
  state: ConnectionState;
  host: 'electron' | 'headless' | null;
  set: (state: ConnectionState, host: 'electron' | 'headless') => void;
}

export const useConnectionStore = create<ConnectionStore>((set) => ({
  state: 'connecting',
  host: null,
  set: (state, host) => set({ state, host }),
}));
