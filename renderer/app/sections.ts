// The app's sections, in navigation order. `network` ties a section to a daemon's availability.
import type { NetworkId } from '../../shared/domain/network';

export const SECTIONS = [
  { id: 'overview', label: 'Overview' },
  { id: 'tor', label: 'Tor', network: 'tor' },
  { id: 'onion', label: 'Onion services', network: 'tor' },
  { id: 'bridges', label: 'Bridges', network: 'tor' },
  { id: 'i2p', label: 'I2P', network: 'i2p' },
  { id: 'messages', label: 'Messages', network: 'nym' },
  { id: 'guidance', label: 'Guidance' },
  { id: 'lab', label: 'Lab' },
  { id: 'settings', label: 'Settings' },
] as const satisfies readonly { id: string; label: string; network?: NetworkId }[];

export type SectionId = (typeof SECTIONS)[number]['id'];

export function isSectionId(value: string): value is SectionId {
  return SECTIONS.some((s) => s.id === value);
}
