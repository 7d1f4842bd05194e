// UI-only state: which section is shown. Mirrored in the URL hash (#/tor) so reloads keep it.
import { create } from 'zustand';
import { isSectionId, type SectionId } from '../app/sections';

function fromHash(): SectionId {
  const id = window.location.hash.replace(/^#\/?/, '');
  return isSectionId(id) ? id : 'overview';
}

interface NavStore {
  section: SectionId;
  go: (section: SectionId) => void;
}

export const useNavStore = create<NavStore>((set) => ({
  section: fromHash(),
  go: (section) => {
    if (window.location.hash !== `#/${section}`) history.replaceState(null, '', `#/${section}`);
    set({ section });
  },
}));
