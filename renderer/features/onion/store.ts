// UI-only state of the Onion services section: whether the New drop form is open.
import { create } from 'zustand';

interface OnionUiState {
  formOpen: boolean;
  setFormOpen: (open: boolean) => void;
}

export const useOnionUi = create<OnionUiState>((set) => ({ formOpen: false, setFormOpen: (formOpen) => set({ formOpen }) }));
