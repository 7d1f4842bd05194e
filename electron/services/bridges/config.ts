// Pure: the tor configuration for a set of bridges — UseBridges, one Bridge per line and one
// ClientTransportPlugin per transport binary used — as SETCONF values and as torrc lines.
import type { Bridge } from '../../../shared/domain/bridges';
import type { PluggableTransport, TransportAvailability } from './transports';

export interface BridgeTorConfig {
  UseBridges: '1';
  Bridge: string[];
  ClientTransportPlugin: string[];
}

export class BridgeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BridgeConfigError';
  }
}

/** The options bridges touch, for RESETCONF on revert. */
export const BRIDGE_OPTIONS = ['UseBridges', 'Bridge', 'ClientTransportPlugin'] as const;

export function bridgeTorConfig(bridges: readonly Bridge[], transports: ReadonlyMap<PluggableTransport, TransportAvailability>): BridgeTorConfig {
  if (bridges.length === 0) throw new BridgeConfigError('no bridges given');
  // One plugin line per binary, listing every transport it serves here.
  const byCommand = new Map<string, Set<string>>();
  for (const b of bridges) {
    if (b.transport === 'vanilla') continue;
    const t = transports.get(b.transport);
    if (!t?.binary || t.problem) throw new BridgeConfigError(`${b.transport} cannot be used: ${t?.problem ?? 'its program is not bundled'}`);
    const cmd = [t.binary.command, ...t.binary.argsPrefix].join(' ');
    let set = byCommand.get(cmd);
    if (!set) byCommand.set(cmd, (set = new Set()));
    set.add(b.transport);
  }
  return {
    UseBridges: '1',
    Bridge: bridges.map((b) => b.line),
    ClientTransportPlugin: [...byCommand].map(([cmd, ts]) => `${[...ts].join(',')} exec ${cmd}`),
  };
}

export function bridgeTorrcLines(c: BridgeTorConfig): string[] {
  return [`UseBridges ${c.UseBridges}`, ...c.ClientTransportPlugin.map((p) => `ClientTransportPlugin ${p}`), ...c.Bridge.map((b) => `Bridge ${b}`)];
}
