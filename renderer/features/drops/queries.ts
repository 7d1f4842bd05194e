// Onion drops in the react-query cache: key factory, fetchers, mutations, and the pushed events
// (drop state, upload progress, removal) written into the cache without polling; a completed
// upload is also announced (announcements live in the UI store, not in the cache).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { Drop, DropCreateArgs, DropUpload } from '../../../shared/domain/drop';
import { useOnionUi } from './store';

export const dropKeys = {
  all: () => ['drop'] as const,
  list: () => ['drop', 'list'] as const,
  uploads: (id: string) => ['drop', 'uploads', id] as const,
};

export const useDrops = () => useQuery({ queryKey: dropKeys.list(), queryFn: async () => unwrap(await api.drops.list()) });
export const useUploads = (id: string) => useQuery({ queryKey: dropKeys.uploads(id), queryFn: async () => unwrap(await api.drops.listUploads({ id })) });

function upsert<T extends { id: string }>(list: T[] | undefined, item: T, first = false): T[] {
  const old = list ?? [];
  const i = old.findIndex((x) => x.id === item.id);
  if (i === -1) return first ? [item, ...old] : [...old, item];
  return old.map((x, j) => (j === i ? item : x));
}

export function useCreateDrop() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (args: DropCreateArgs) => unwrap(await api.drops.create(args)),
    onSuccess: (d) => qc.setQueryData<Drop[]>(dropKeys.list(), (old) => upsert(old, d)),
  });
}

export function useDropAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: 'start' | 'stop' | 'remove' }) => {
      if (action === 'remove') {
        unwrap(await api.drops.remove({ id }));
        return null;
      }
      return unwrap(action === 'start' ? await api.drops.start({ id }) : await api.drops.stop({ id }));
    },
    onSuccess: (d, { id }) => qc.setQueryData<Drop[]>(dropKeys.list(), (old) => (d ? upsert(old, d) : (old ?? []).filter((x) => x.id !== id))),
  });
}

export function useDecrypt() {
  return useMutation({
    mutationFn: async (args: { id: string; uploadId: string; identity: string; destination?: string }) => unwrap(await api.drops.decrypt(args)),
  });
}

export function useGenerateIdentity() {
  // The secret lives only in this mutation's result (component state), never in the query cache.
  return useMutation({ mutationFn: async () => unwrap(await api.drops.generateIdentity()) });
}

export function useOpenFolder() {
  return useMutation({ mutationFn: async (args: { id: string; uploadId?: string }) => unwrap(await api.drops.openFolder(args)) });
}

/** Mount once while the Onion services section is visible. */
export function useDropEvents(): void {
  const qc = useQueryClient();
  const announce = useOnionUi((s) => s.announce);
  // Announce each upload once, on its first complete event.
  const announced = useRef(new Set<string>());
  const onDrop = useCallback((d: Drop) => qc.setQueryData<Drop[]>(dropKeys.list(), (old) => upsert(old, d)), [qc]);
  const onRemoved = useCallback(({ id }: { id: string }) => qc.setQueryData<Drop[]>(dropKeys.list(), (old) => (old ?? []).filter((x) => x.id !== id)), [qc]);
  const onUpload = useCallback(
    (u: DropUpload) => {
      qc.setQueryData<DropUpload[]>(dropKeys.uploads(u.dropId), (old) => upsert(old, u, true));
      const key = `${u.dropId}/${u.id}`;
      if (u.state === 'complete' && !announced.current.has(key)) {
        announced.current.add(key);
        const title = qc.getQueryData<Drop[]>(dropKeys.list())?.find((d) => d.id === u.dropId)?.title ?? '';
        announce({ key, dropId: u.dropId, title });
      }
    },
    [qc, announce],
  );
  useMainEvent(api.drops.onDrop, onDrop);
  useMainEvent(api.drops.onRemoved, onRemoved);
  useMainEvent(api.drops.onUpload, onUpload);
}
