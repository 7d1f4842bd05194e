// I2P router state in the react-query cache: one key factory, fetchers, and the pushed events
// (status every second from I2PControl, bandwidth samples, tunnel changes) written into the cache.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { I2pBandwidthSample, I2pStatus, I2pTunnels } from '../../../shared/domain/i2p';

export const i2pKeys = {
  all: () => ['i2p'] as const,
  status: () => ['i2p', 'status'] as const,
  bandwidth: () => ['i2p', 'bandwidth'] as const,
  tunnels: () => ['i2p', 'tunnels'] as const,
};

const BANDWIDTH_WINDOW = 300;

export const useI2pStatus = () => useQuery({ queryKey: i2pKeys.status(), queryFn: async () => unwrap(await api.i2p.getStatus()) });
export const useI2pBandwidth = () => useQuery({ queryKey: i2pKeys.bandwidth(), queryFn: async () => unwrap(await api.i2p.getBandwidth()) });
export const useI2pTunnels = () => useQuery({ queryKey: i2pKeys.tunnels(), queryFn: async () => unwrap(await api.i2p.listTunnels()) });

/** Mount once while the I2P page is visible. */
export function useI2pEvents(): void {
  const qc = useQueryClient();
  const onStatus = useCallback((s: I2pStatus) => qc.setQueryData(i2pKeys.status(), s), [qc]);
  const onBandwidth = useCallback(
    (b: I2pBandwidthSample) => qc.setQueryData<I2pBandwidthSample[]>(i2pKeys.bandwidth(), (old) => [...(old ?? []), b].slice(-BANDWIDTH_WINDOW)),
    [qc],
  );
  const onTunnels = useCallback((t: I2pTunnels) => qc.setQueryData(i2pKeys.tunnels(), t), [qc]);
  useMainEvent(api.i2p.onStatus, onStatus);
  useMainEvent(api.i2p.onBandwidth, onBandwidth);
  useMainEvent(api.i2p.onTunnels, onTunnels);
}
