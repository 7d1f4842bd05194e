// UI-only state of the guidance wizard: the two answers, and the age public key typed for a drop.
import { create } from 'zustand';
import type { Adversary, Need } from '../../../shared/domain/guidance';

interface GuidanceUi {
  need: Need | null;
  adversary: Adversary | null;
  setNeed: (need: Need) => void;
  setAdversary: (adversary: Adversary) => void;
  ageRecipient: string;
  setAgeRecipient: (value: string) => void;
}

export const useGuidanceUi = create<GuidanceUi>((set) => ({
  need: null,
  adversary: null,
  setNeed: (need) => set({ need }),
  setAdversary: (adversary) => set({ adversary }),
  ageRecipient: '',
  setAgeRecipient: (ageRecipient) => set({ ageRecipient }),
}));
