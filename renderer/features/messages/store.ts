// UI-only state of the Messages page: which conversation is open and the "To" of a new message.
// Daemon and message state never live here.
import { create } from 'zustand';

interface MessagesUiStore {
  selected: string | null;
  draftTo: string;
  select: (id: string | null) => void;
  setDraftTo: (to: string) => void;
}

export const useMessagesUi = create<MessagesUiStore>((set) => ({
  selected: null,
  draftTo: '',
  select: (selected) => set({ selected }),
  setDraftTo: (draftTo) => set({ draftTo }),
}));
