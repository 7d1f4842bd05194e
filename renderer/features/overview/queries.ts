// Supervisor and app-info queries; onStatus events update the cache in place.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { DaemonStatus } from '../../../shared/domain/network';

export const appKeys = {
  info: () => ['app', 'info'] as const,
};
export const supervisorKeys = {
  all: () => ['supervisor'] as const,
  list: () => ['supervisor', 'list'] as const,
};

export function useAppInfo() {
  return useQuery({ queryKey: appKeys.info(), queryFn: async () => unwrap(await api.app.getInfo()) });
}

export function useDaemonStatuses() {
  return useQuery({ queryKey: supervisorKeys.list(), queryFn: async () => unwrap(await api.supervisor.list()) });
}

/** Keeps the supervisor list current from pushed status events; mount once near the root. */
export function useSupervisorEvents(): void {
  const qc = useQueryClient();
  const onStatus = useCallback(
    (s: DaemonStatus) =>
      qc.setQueryData<DaemonStatus[]>(supervisorKeys.list(), (old) => {
        if (!old) return [s];
        const i = old.findIndex((o) => o.id === s.id);
        return i === -1 ? [...old, s] : old.map((o, j) => (j === i ? s : o));
      }),
    [qc],
  );
  useMainEvent(api.supervisor.onStatus, onStatus);
}
