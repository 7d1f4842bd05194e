// UI-only state of the Tor page: the selected circuit, relays picked for a custom circuit, and the
// log filter. Daemon state never lives here.
import { create } from 'zustand';
import type { LogLevel } from '../../../shared/domain/app';

interface TorUiStore {
  selectedCircuit: string | null;
  picked: string[];
  logLevel: LogLevel;
  select: (id: string | null) => void;
  togglePick: (fingerprint: string) => void;
  clearPicks: () => void;
  setLogLevel: (level: LogLevel) => void;
}

export const useTorUi = create<TorUiStore>((set) => ({
  selectedCircuit: null,
  picked: [],
  logLevel: 'notice',
  select: (selectedCircuit) => set({ selectedCircuit }),
  togglePick: (fp) => set((s) => ({ picked: s.picked.includes(fp) ? s.picked.filter((p) => p !== fp) : [...s.picked, fp].slice(0, 8) })),
  clearPicks: () => set({ picked: [] }),
  setLogLevel: (logLevel) => set({ logLevel }),
}));
