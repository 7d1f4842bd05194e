// The Tor page: bootstrap, live circuits and streams, bandwidth, identity, SOCKS test, relays,
// log and configuration, all from the running tor. Nothing here is simulated.
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { Endpoint } from '../../../shared/domain/tor';
import { ErrorNote } from '../../ui/ErrorNote';
import { BootstrapBar } from './BootstrapBar';
import { DiagnosisBanner } from '../bridges/DiagnosisBanner';
import { BandwidthGraph } from './BandwidthGraph';
import { CircuitList } from './CircuitList';
import { RelayBrowser } from './RelayBrowser';
import { TorConfig } from './TorConfig';
import { TorLog } from './TorLog';
import { torKeys, useBandwidth, useCircuits, useStreams, useTorEvents, useTorStatus } from './queries';

function endpointText(e: Endpoint | null, t: TFunction): string {
  if (!e) return t('tor.notOpen');
  return e.kind === 'tcp' ? `socks5h://${e.host}:${e.port}` : `unix: ${e.path}`;
}

export function TorPage() {
  const { t } = useTranslation();
  useTorEvents();
  const qc = useQueryClient();
  const status = useTorStatus();
  const circuits = useCircuits();
  const streams = useStreams();
  const bandwidth = useBandwidth();
  const newnym = useMutation({ mutationFn: async () => unwrap(await api.tor.newIdentity()) });
  const socks = useMutation({ mutationFn: async () => unwrap(await api.tor.testSocks({})) });
  const start = useMutation({ mutationFn: async () => unwrap(await api.supervisor.start({ id: 'tor' })) });

  // The consensus changes with each (re)bootstrap: reload relays whenever tor becomes ready.
  const ready = status.data?.ready ?? false;
  useEffect(() => {
    if (ready) void qc.invalidateQueries({ queryKey: torKeys.relays() });
  }, [ready, qc]);

  if (status.isPending) return <p>{t('common.loading')}</p>;
  if (status.isError) return <ErrorNote error={status.error} />;
  const s = status.data;
  return (
    <div className="stack">
      <BootstrapBar status={s} />
      <DiagnosisBanner />
      {!s.running ? (
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
          {t('tor.start')}
        </button>
      ) : null}
      <section aria-labelledby="id-h">
        <h2 id="id-h">{t('tor.identity')}</h2>
        <p>
          {t('tor.socksFor')} <span className="code" data-testid="socks-endpoint">{endpointText(s.socks, t)}</span>
        </p>
        <div className="actions">
          <button type="button" onClick={() => newnym.mutate()} disabled={!s.connected || newnym.isPending}>
            {t('tor.newIdentity')}
          </button>
          <button type="button" onClick={() => socks.mutate()} disabled={!s.ready || socks.isPending}>
            {s.labOrigin ? t('tor.testLab') : t('tor.test')}
          </button>
        </div>
        {newnym.isSuccess ? <p role="status">{newnym.data.message}</p> : null}
        {newnym.isError ? <ErrorNote error={newnym.error} /> : null}
        {socks.isSuccess ? (
          <p role="status" data-testid="socks-result" className={socks.data.ok ? '' : 'error-note'}>
            {socks.data.ok
              ? t('tor.testOk', { status: socks.data.status, bytes: socks.data.bytes, ms: Math.round(socks.data.ms) })
              : t('tor.testFailed', { error: socks.data.error ?? `HTTP ${socks.data.status}` })}
          </p>
        ) : null}
        {socks.isError ? <ErrorNote error={socks.error} /> : null}
        {s.warnings.length ? (
          <details>
            <summary>{t('tor.warnings', { count: s.warnings.length })}</summary>
            <ul>
              {s.warnings.map((w) => (
                <li key={`${w.time}-${w.message}`}>{w.message}</li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>
      <BandwidthGraph samples={bandwidth.data ?? []} />
      <CircuitList circuits={circuits.data ?? []} streams={streams.data ?? []} status={s} />
      <RelayBrowser enabled={s.ready} />
      <TorConfig enabled={s.connected} />
      <TorLog />
    </div>
  );
}
