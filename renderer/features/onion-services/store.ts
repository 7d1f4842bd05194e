// UI-only state of the onion services section: whether the New onion service form is open.
import { create } from 'zustand';

interface OnionServicesUiState {
  formOpen: boolean;
  setFormOpen: (open: boolean) => void;
}

export const useOnionServicesUi = create<OnionServicesUiState>((set) => ({ formOpen: false, setFormOpen: (formOpen) => set({ formOpen }) }));
