// Overview: each network's supervisor state, live from onStatus events.
import { useTranslation } from 'react-i18next';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { DaemonStatus, NetworkAvailability } from '../../../shared/domain/network';
import { StatusBadge } from '../../ui/StatusBadge';
import { ErrorNote } from '../../ui/ErrorNote';
import { useAppInfo, useDaemonStatuses } from './queries';

export function OverviewPage() {
  const { t } = useTranslation();
  const info = useAppInfo();
  const statuses = useDaemonStatuses();
  if (info.isPending || statuses.isPending) return <p>{t('common.loading')}</p>;
  if (info.isError) return <ErrorNote error={info.error} />;
  if (statuses.isError) return <ErrorNote error={statuses.error} />;
  const byId = new Map(statuses.data.map((s) => [s.id, s]));
  return (
    <>
      <p className="lead">
        {info.data.mode === 'lab' ? t('overview.labMode') : t('overview.realMode')}
      </p>
      <ul className="cards" aria-label={t('overview.networks')}>
        {info.data.networks.map((n) => (
          <NetworkCard key={n.id} network={n} status={byId.get(n.id) ?? null} />
        ))}
      </ul>
    </>
  );
}

function NetworkCard({ network, status }: { network: NetworkAvailability; status: DaemonStatus | null }) {
  const { t } = useTranslation();
  const start = useMutation({ mutationFn: async () => unwrap(await api.supervisor.start({ id: network.id })) });
  const stop = useMutation({ mutationFn: async () => unwrap(await api.supervisor.stop({ id: network.id })) });
  const state = network.available ? (status?.state ?? 'stopped') : 'unavailable';
  const running = state === 'ready' || state === 'starting' || state === 'degraded';
  return (
    <li className="card" data-testid={`network-${network.id}`}>
      <h2>{network.label}</h2>
      <p>
        <StatusBadge state={state} />
        {status?.pid ? <span className="muted"> {t('overview.pid', { pid: status.pid })}</span> : null}
        {status && status.restartCount > 0 ? <span className="muted"> · {t('overview.restarted', { count: status.restartCount })}</span> : null}
      </p>
      {network.available ? null : <p className="muted">{network.reason}</p>}
      {status?.detail ? <p>{status.detail}</p> : null}
      {status?.lastError ? <ErrorNote error={status.lastError} title={t('overview.lastErrorTitle')} /> : null}
      {status?.binary ? (
        <p className="muted">
          {t(`overview.binary.${status.binary.source}`, { version: status.binary.version ?? '' })}
        </p>
      ) : null}
      {network.available ? (
        <div className="actions">
          {running ? (
            <button type="button" onClick={() => stop.mutate()} disabled={stop.isPending}>
              {t('overview.stop', { name: network.label })}
            </button>
          ) : (
            <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
              {t('overview.start', { name: network.label })}
            </button>
          )}
        </div>
      ) : null}
      {start.isError ? <ErrorNote error={start.error} /> : null}
      {stop.isError ? <ErrorNote error={stop.error} /> : null}
    </li>
  );
}
