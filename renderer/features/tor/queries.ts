// Tor daemon state in the react-query cache: one key factory, fetchers, and the event handlers
// that keep status, circuits, streams and bandwidth live without polling.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { BandwidthSample, Circuit, Stream, TorStatus } from '../../../shared/domain/tor';

export const torKeys = {
  all: () => ['tor'] as const,
  status: () => ['tor', 'status'] as const,
  circuits: () => ['tor', 'circuits'] as const,
  streams: () => ['tor', 'streams'] as const,
  bandwidth: () => ['tor', 'bandwidth'] as const,
  relays: () => ['tor', 'relays'] as const,
  config: () => ['tor', 'config'] as const,
};

const BANDWIDTH_WINDOW = 300;

export const useTorStatus = () => useQuery({ queryKey: torKeys.status(), queryFn: async () => unwrap(await api.tor.getStatus()) });
export const useCircuits = () => useQuery({ queryKey: torKeys.circuits(), queryFn: async () => unwrap(await api.tor.listCircuits()) });
export const useStreams = () => useQuery({ queryKey: torKeys.streams(), queryFn: async () => unwrap(await api.tor.listStreams()) });
export const useBandwidth = () => useQuery({ queryKey: torKeys.bandwidth(), queryFn: async () => unwrap(await api.tor.getBandwidth()) });
export const useRelays = (enabled: boolean) =>
  useQuery({ queryKey: torKeys.relays(), queryFn: async () => unwrap(await api.tor.listRelays()), enabled, staleTime: 60_000 });
export const useTorConfig = (enabled: boolean) =>
  useQuery({ queryKey: torKeys.config(), queryFn: async () => unwrap(await api.tor.getConfig()), enabled });

function upsert<T extends { id: string }>(list: T[] | undefined, item: T, remove: boolean): T[] {
  const old = list ?? [];
  const i = old.findIndex((x) => x.id === item.id);
  if (remove) return i === -1 ? old : old.filter((_, j) => j !== i);
  return i === -1 ? [...old, item] : old.map((x, j) => (j === i ? item : x));
}

/** Mount once while the Tor page (or anything showing tor state) is visible. */
export function useTorEvents(): void {
  const qc = useQueryClient();
  const onStatus = useCallback(
    (s: TorStatus) => {
      const prev = qc.getQueryData<TorStatus>(torKeys.status());
      qc.setQueryData(torKeys.status(), s);
      // A restarted tor has none of the old circuits: refetch rather than show ghosts.
      if (prev && prev.running && !s.running) {
        qc.setQueryData<Circuit[]>(torKeys.circuits(), []);
        qc.setQueryData<Stream[]>(torKeys.streams(), []);
      }
    },
    [qc],
  );
  const onCircuit = useCallback(
    (c: Circuit) => qc.setQueryData<Circuit[]>(torKeys.circuits(), (old) => upsert(old, c, c.status === 'CLOSED' || c.status === 'FAILED')),
    [qc],
  );
  const onStream = useCallback((s: Stream) => qc.setQueryData<Stream[]>(torKeys.streams(), (old) => upsert(old, s, false)), [qc]);
  const onBandwidth = useCallback(
    (b: BandwidthSample) => qc.setQueryData<BandwidthSample[]>(torKeys.bandwidth(), (old) => [...(old ?? []), b].slice(-BANDWIDTH_WINDOW)),
    [qc],
  );
  useMainEvent(api.tor.onStatus, onStatus);
  useMainEvent(api.tor.onCircuit, onCircuit);
  useMainEvent(api.tor.onStream, onStream);
  useMainEvent(api.tor.onBandwidth, onBandwidth);
}
