// The Mixnet status panel: client state, start/stop, gateway, rates from the client's config, queue.
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { NymStatus } from '../../../shared/domain/nym';
import { ErrorNote } from '../../ui/ErrorNote';
import { StatusBadge } from '../../ui/StatusBadge';
import { clientStateText, trafficLines } from './wording';

export function StatusPanel({ status }: { status: NymStatus }) {
  const { t, i18n } = useTranslation();
  const start = useMutation({ mutationFn: async () => unwrap(await api.supervisor.start({ id: 'nym' })) });
  const stop = useMutation({ mutationFn: async () => unwrap(await api.supervisor.stop({ id: 'nym' })) });
  const running = status.state !== 'stopped' && status.state !== 'failed';
  return (
    <section aria-labelledby="mixnet-h" className="panel">
      <h2 id="mixnet-h">{t('messages.status.heading')}</h2>
      <p>
        <StatusBadge state={status.state} /> <span data-testid="nym-client-state">{clientStateText(status.clientState, t)}</span>
        {status.lab ? <span className="muted"> {t('messages.status.lab')}</span> : null}
      </p>
      <div className="actions">
        {running ? (
          <button type="button" onClick={() => stop.mutate()} disabled={stop.isPending}>
            {t('messages.status.stop')}
          </button>
        ) : (
          <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
            {t('messages.status.start')}
          </button>
        )}
      </div>
      {start.isError ? <ErrorNote error={start.error} /> : null}
      {stop.isError ? <ErrorNote error={stop.error} /> : null}
      {status.lastError && status.clientState !== 'connected' ? <ErrorNote error={status.lastError} /> : null}
      <dl className="facts">
        <dt>{t('messages.status.gateway')}</dt>
        <dd className="code">{status.gateway ?? t('messages.status.gatewayUnknown')}</dd>
        <dt>{t('messages.status.queue')}</dt>
        <dd data-testid="nym-queue">{t('messages.status.packets', { count: status.laneQueueLength })}</dd>
        {status.startedAt ? (
          <>
            <dt>{t('messages.status.connectedSince')}</dt>
            <dd>{new Date(status.startedAt).toLocaleTimeString(i18n.language)}</dd>
          </>
        ) : null}
        {status.labLatencyMs !== null ? (
          <>
            <dt>{t('messages.status.latency')}</dt>
            <dd>{t('messages.status.latencyValue', { ms: Math.round(status.labLatencyMs) })}</dd>
          </>
        ) : null}
      </dl>
      {status.traffic ? (
        <ul className="muted">
          {trafficLines(status.traffic, t).map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : null}
      <p className="muted">{t('messages.status.cover')}</p>
      {status.storageWarning ? <p role="alert" className="error-note">{status.storageWarning}</p> : null}
    </section>
  );
}
