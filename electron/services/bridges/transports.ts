// Which pluggable transports this install can actually run: each transport maps to a bundled
// binary (resources/bin/<platform>/manifest.json) or a configured/PATH one; a transport whose
// binary does not resolve is never offered or written to tor's configuration.
import { resolveBinary, type ResolvedBinary } from '../../supervisor/binaries';
import type { Transport } from '../../../shared/domain/bridges';

export type PluggableTransport = Exclude<Transport, 'vanilla'>;

/** Which executable runs each transport (lyrebird implements obfs4 and meek_lite). */
export const TRANSPORT_BINARY: Readonly<Record<PluggableTransport, string>> = {
  obfs4: 'lyrebird',
  meek_lite: 'lyrebird',
  webtunnel: 'webtunnel-client',
  snowflake: 'snowflake-client',
};

export interface TransportAvailability {
  transport: PluggableTransport;
  binary: ResolvedBinary | null;
  /** Why it cannot be used, null when it can. */
  problem: string | null;
}

export type TransportResolver = (binaryName: string) => Promise<ResolvedBinary>;

export function defaultTransportResolver(resourcesDir: string): TransportResolver {
  return (name) => resolveBinary(name, { resourcesDir });
}

export async function resolveTransports(resolve: TransportResolver): Promise<Map<PluggableTransport, TransportAvailability>> {
  const out = new Map<PluggableTransport, TransportAvailability>();
  const byBinary = new Map<string, Promise<ResolvedBinary | string>>();
  for (const [transport, name] of Object.entries(TRANSPORT_BINARY) as [PluggableTransport, string][]) {
    let p = byBinary.get(name);
    if (!p) {
      p = resolve(name).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
      byBinary.set(name, p);
    }
    const r = await p;
    if (typeof r === 'string') out.set(transport, { transport, binary: null, problem: r });
    else out.set(transport, { transport, binary: r, problem: pluginPathProblem(r) });
  }
  return out;
}

/** tor splits ClientTransportPlugin on whitespace and has no quoting, so such paths cannot be used. */
export function pluginPathProblem(b: ResolvedBinary): string | null {
  const words = [b.command, ...b.argsPrefix];
  return words.some((w) => /\s/.test(w)) ? `${b.file} is in a path with spaces, which tor's ClientTransportPlugin cannot express` : null;
}
