// Onion services (local ports published as onions) in the react-query cache: key factory,
// fetcher, create/remove mutations, and the pushed state changes written in without polling.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { OnionService, OnionServiceCreateArgs } from '../../../shared/domain/onion-services';

export const onionServiceKeys = {
  all: () => ['onions'] as const,
  list: () => ['onions', 'list'] as const,
};

export const useOnionServices = () => useQuery({ queryKey: onionServiceKeys.list(), queryFn: async () => unwrap(await api.onions.list()) });

function upsert(list: OnionService[] | undefined, item: OnionService): OnionService[] {
  const old = list ?? [];
  return old.some((x) => x.id === item.id) ? old.map((x) => (x.id === item.id ? item : x)) : [...old, item];
}

export function useCreateOnionService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (args: OnionServiceCreateArgs) => unwrap(await api.onions.create(args)),
    onSuccess: (s) => qc.setQueryData<OnionService[]>(onionServiceKeys.list(), (old) => upsert(old, s)),
  });
}

export function useRemoveOnionService() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => unwrap(await api.onions.remove({ id })),
    onSuccess: (_r, id) => qc.setQueryData<OnionService[]>(onionServiceKeys.list(), (old) => (old ?? []).filter((x) => x.id !== id)),
  });
}

/** Mount once while the section is visible. */
export function useOnionServiceEvents(): void {
  const qc = useQueryClient();
  const onService = useCallback((s: OnionService) => qc.setQueryData<OnionService[]>(onionServiceKeys.list(), (old) => upsert(old, s)), [qc]);
  const onRemoved = useCallback(({ id }: { id: string }) => qc.setQueryData<OnionService[]>(onionServiceKeys.list(), (old) => (old ?? []).filter((x) => x.id !== id)), [qc]);
  useMainEvent(api.onions.onService, onService);
  useMainEvent(api.onions.onRemoved, onRemoved);
}
