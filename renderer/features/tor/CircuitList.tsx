// Live circuits: guard → middle → exit with nickname, fingerprint, country and flags. Selecting a
// circuit shows its streams; a circuit can be closed or chosen for new connections.
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { Circuit, Stream, TorStatus } from '../../../shared/domain/tor';
import { ErrorNote } from '../../ui/ErrorNote';
import { useTorUi } from './store';
import { countryLabel, formatAge, formatBytes, shortFingerprint } from './format';

function hopRole(i: number, n: number, t: TFunction): string {
  if (i === 0) return t('tor.hop.guard');
  if (n <= 3) return i === 1 ? t('tor.hop.middle') : t('tor.hop.exit');
  return i === n - 1 ? t('tor.hop.last') : t('tor.hop.n', { n: i + 1 });
}

export function CircuitList({ circuits, streams, status }: { circuits: Circuit[]; streams: Stream[]; status: TorStatus }) {
  const { t } = useTranslation();
  const selected = useTorUi((s) => s.selectedCircuit);
  const select = useTorUi((s) => s.select);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const close = useMutation({ mutationFn: async (circuitId: string) => unwrap(await api.tor.closeCircuit({ circuitId })) });
  const pin = useMutation({ mutationFn: async (circuitId: string | null) => unwrap(await api.tor.pinStreams({ circuitId })) });
  const sorted = [...circuits].sort((a, b) => Number(b.id) - Number(a.id));
  const current = sorted.find((c) => c.id === selected) ?? null;
  // A busy tor (or a relay operator's) can hold thousands of circuits: render only what is visible.
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: sorted.length, getScrollElement: () => scroller.current, estimateSize: () => 96, overscan: 6 });
  return (
    <section aria-labelledby="circ-h">
      <h2 id="circ-h">
        {t('tor.circuits')} <span className="muted">({circuits.length})</span>
      </h2>
      {status.pinnedCircuit ? (
        <p role="status">
          {t('tor.pinned', { id: status.pinnedCircuit })}{' '}
          <button type="button" onClick={() => pin.mutate(null)}>
            {t('tor.unpin')}
          </button>
        </p>
      ) : null}
      {sorted.length === 0 ? <p className="muted">{t('tor.noCircuits')}</p> : null}
      <div ref={scroller} className="circuits-scroll">
      <ul className="circuits" aria-label={t('tor.circuits')} data-testid="circuit-list" style={{ blockSize: virtual.getTotalSize() }}>
        {virtual.getVirtualItems().map((item) => {
          const c = sorted[item.index];
          if (!c) return null;
          return (
          <li
            key={c.id}
            ref={virtual.measureElement}
            data-index={item.index}
            className={c.id === selected ? 'circuit selected' : 'circuit'}
            data-testid="circuit"
            data-circuit-id={c.id}
            style={{ position: 'absolute', insetBlockStart: item.start, insetInline: 0 }}
          >
            <button type="button" className="circuit-head" aria-pressed={c.id === selected} onClick={() => select(c.id === selected ? null : c.id)}>
              <span className="code">#{c.id}</span> {c.status} · {c.purpose ?? 'GENERAL'}
              {c.userBuilt ? ` · ${t('tor.builtByYou')}` : ''} · {formatAge(c.createdAt, now)} · ↓{formatBytes(c.bytesRead)} ↑{formatBytes(c.bytesWritten)}
            </button>
            <ol className="path" aria-label={t('tor.pathOf', { id: c.id })}>
              {c.path.map((hop, i) => (
                <li key={`${hop.fingerprint}-${i}`}>
                  <span className="muted">{hopRole(i, c.path.length, t)}</span> <strong>{hop.nickname ?? t('tor.unnamed')}</strong>{' '}
                  <span className="code" title={hop.fingerprint}>
                    {shortFingerprint(hop.fingerprint)}
                  </span>
                  {hop.country ? <span className="muted"> {countryLabel(hop.country)}</span> : null}
                  {hop.flags.length ? <span className="muted"> · {hop.flags.join(' ')}</span> : null}
                </li>
              ))}
            </ol>
          </li>
          );
        })}
      </ul>
      </div>
      {current ? (
        <div className="panel" aria-live="polite">
          <h3>{t('tor.circuit', { id: current.id })}</h3>
          <div className="actions">
            <button type="button" onClick={() => pin.mutate(current.id)} disabled={current.status !== 'BUILT'}>
              {t('tor.useForNew')}
            </button>
            <button type="button" onClick={() => close.mutate(current.id)}>
              {t('tor.closeCircuit')}
            </button>
          </div>
          <StreamTable streams={streams.filter((s) => s.circuitId === current.id)} />
        </div>
      ) : null}
      {close.isError ? <ErrorNote error={close.error} /> : null}
      {pin.isError ? <ErrorNote error={pin.error} /> : null}
    </section>
  );
}

function StreamTable({ streams }: { streams: Stream[] }) {
  const { t } = useTranslation();
  if (streams.length === 0) return <p className="muted">{t('tor.noStreams')}</p>;
  return (
    <table data-testid="stream-table">
      <caption className="sr-only">{t('tor.streams')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('tor.stream')}</th>
          <th scope="col">{t('tor.target')}</th>
          <th scope="col">{t('lab.state')}</th>
          <th scope="col">{t('tor.received')}</th>
          <th scope="col">{t('tor.sent')}</th>
        </tr>
      </thead>
      <tbody>
        {streams.map((s) => (
          <tr key={s.id}>
            <td>{s.id}</td>
            <td className="code">{s.target}</td>
            <td>{s.status}</td>
            <td>{formatBytes(s.bytesRead)}</td>
            <td>{formatBytes(s.bytesWritten)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
