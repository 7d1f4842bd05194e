// The Mixnet status panel: client state, start/stop, gateway, rates from the client's config, queue.
import { useMutation } from '@tanstack/react-query';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { NymStatus } from '../../../shared/domain/nym';
import { ErrorNote } from '../../ui/ErrorNote';
import { StatusBadge } from '../../ui/StatusBadge';
import { CLIENT_STATE_TEXT, trafficLines } from './wording';

export function StatusPanel({ status }: { status: NymStatus }) {
  const start = useMutation({ mutationFn: async () => unwrap(await api.supervisor.start({ id: 'nym' })) });
  const stop = useMutation({ mutationFn: async () => unwrap(await api.supervisor.stop({ id: 'nym' })) });
  const running = status.state !== 'stopped' && status.state !== 'failed';
  return (
    <section aria-labelledby="mixnet-h" className="panel">
      <h2 id="mixnet-h">Mixnet status</h2>
      <p>
        <StatusBadge state={status.state} /> <span data-testid="nym-client-state">{CLIENT_STATE_TEXT[status.clientState]}</span>
        {status.lab ? <span className="muted"> (lab mixnet on this computer)</span> : null}
      </p>
      <div className="actions">
        {running ? (
          <button type="button" onClick={() => stop.mutate()} disabled={stop.isPending}>
            Stop Nym client
          </button>
        ) : (
          <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
            Start Nym client
          </button>
        )}
      </div>
      {start.isError ? <ErrorNote error={start.error} /> : null}
      {stop.isError ? <ErrorNote error={stop.error} /> : null}
      {status.lastError && status.clientState !== 'connected' ? (
        <p role="alert" className="error-note">
          {status.lastError.message} <span className="code">({status.lastError.code})</span>
        </p>
      ) : null}
      <dl className="facts">
        <dt>Gateway</dt>
        <dd className="code">{status.gateway ?? 'not known yet'}</dd>
        <dt>Waiting in the send queue</dt>
        <dd data-testid="nym-queue">
          {status.laneQueueLength} packet{status.laneQueueLength === 1 ? '' : 's'}
        </dd>
        {status.startedAt ? (
          <>
            <dt>Connected since</dt>
            <dd>{new Date(status.startedAt).toLocaleTimeString()}</dd>
          </>
        ) : null}
        {status.labLatencyMs !== null ? (
          <>
            <dt>Measured latency (lab)</dt>
            <dd>{Math.round(status.labLatencyMs)} ms</dd>
          </>
        ) : null}
      </dl>
      {status.traffic ? (
        <ul className="muted">
          {trafficLines(status.traffic).map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : null}
      <p className="muted">
        While it runs, the Nym client sends cover traffic all the time (about 1 Mbit/s each way with nym's defaults), so your activity cannot be told
        from your silence.
      </p>
      {status.storageWarning ? <p role="alert" className="error-note">{status.storageWarning}</p> : null}
    </section>
  );
}
