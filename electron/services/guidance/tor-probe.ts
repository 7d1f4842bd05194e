// Measures Tor as it runs now: the round trip of one small request through its SOCKS port and, in
// the lab, the throughput of a 2 MB download from the lab's HTTP origin.
import type { Measurement } from '../../../shared/domain/guidance';
import type { TorService } from '../tor/tor-service';
import { socksHttpGet } from '../tor/socks-test';

const BULK_BYTES = 2_000_000;

export function torProbe(tor: TorService): () => Promise<Measurement> {
  return async () => {
    const status = tor.status();
    const socks = tor.socksEndpoint();
    if (!status.ready || !socks) return { ok: false, network: 'tor', code: 'notRunning', reason: 'Tor is not connected', at: Date.now() };
    const target = status.labOrigin ?? 'https://check.torproject.org/api/ip';
    const small = await socksHttpGet(socks, target);
    if (!small.ok) return { ok: false, network: 'tor', code: 'failed', reason: small.error ?? `HTTP ${small.status}`, at: Date.now() };
    let throughputBps: number | null = null;
    if (status.labOrigin) {
      const bulk = await socksHttpGet(socks, new URL(`bytes/${BULK_BYTES}`, status.labOrigin).toString(), 60_000, BULK_BYTES + 4096);
      if (bulk.ok && bulk.bytes > 0) throughputBps = bulk.bytes / (bulk.ms / 1000);
    }
    return { ok: true, network: 'tor', rttMs: small.ms, throughputBps, at: Date.now(), target };
  };
}
