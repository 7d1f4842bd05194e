// UI-only state of the Onion services section: whether the New drop form is open, and the
// "upload complete" announcements shown until dismissed (read by screen readers via aria-live).
import { create } from 'zustand';

export interface Announcement {
  key: string;
  dropId: string;
  title: string;
}

interface OnionUiState {
  formOpen: boolean;
  setFormOpen: (open: boolean) => void;
  announcements: Announcement[];
  announce: (a: Announcement) => void;
  dismiss: (key: string) => void;
}

export const useOnionUi = create<OnionUiState>((set) => ({
  formOpen: false,
  setFormOpen: (formOpen) => set({ formOpen }),
  announcements: [],
  // The newest five: a burst of uploads should not bury the page.
  announce: (a) => set((s) => ({ announcements: [...s.announcements.filter((x) => x.key !== a.key), a].slice(-5) })),
  dismiss: (key) => set((s) => ({ announcements: s.announcements.filter((x) => x.key !== key) })),
}));
