// The consensus as a searchable, sortable, virtualized table. Relays can be picked in order to
// build a circuit through them.
import { useTranslation } from 'react-i18next';
import { useMutation } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { Relay } from '../../../shared/domain/tor';
import { ErrorNote } from '../../ui/ErrorNote';
import { useRelays } from './queries';
import { useTorUi } from './store';
import { countryLabel, shortFingerprint } from './format';

type SortKey = 'nickname' | 'bandwidth' | 'country';

export function RelayBrowser({ enabled }: { enabled: boolean }) {
  const { t } = useTranslation();
  const relays = useRelays(enabled);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SortKey>('bandwidth');
  const picked = useTorUi((s) => s.picked);
  const togglePick = useTorUi((s) => s.togglePick);
  const clearPicks = useTorUi((s) => s.clearPicks);
  const select = useTorUi((s) => s.select);
  const build = useMutation({
    mutationFn: async (path: string[]) => unwrap(await api.tor.buildCircuit({ path })),
    onSuccess: ({ circuitId }) => {
      clearPicks();
      select(circuitId);
    },
  });

  const rows = useMemo(() => filterRelays(relays.data ?? [], query, sort), [relays.data, query, sort]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => 34, overscan: 10 });
  const byFp = new Map((relays.data ?? []).map((r) => [r.fingerprint, r]));

  return (
    <section aria-labelledby="relays-h">
      <h2 id="relays-h">
        {t('tor.relays')} {relays.data ? <span className="muted">({relays.data.length})</span> : null}
      </h2>
      {relays.isError ? <ErrorNote error={relays.error} /> : null}
      <div className="row">
        <label htmlFor="relay-q">{t('tor.search')}</label>
        <input id="relay-q" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('tor.searchPlaceholder')} />
        <label htmlFor="relay-sort">{t('tor.sortBy')}</label>
        <select id="relay-sort" value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
          <option value="bandwidth">{t('tor.sort.bandwidth')}</option>
          <option value="nickname">{t('tor.sort.nickname')}</option>
          <option value="country">{t('tor.sort.country')}</option>
        </select>
      </div>
      <div ref={scroller} className="relay-scroll" tabIndex={0} role="region" aria-label={t('tor.relayList')}>
        <div style={{ blockSize: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const r = rows[item.index];
            if (!r) return null;
            const order = picked.indexOf(r.fingerprint);
            return (
              <div key={r.fingerprint} className="relay-row" style={{ position: 'absolute', insetBlockStart: item.start, insetInline: 0, blockSize: item.size }}>
                <label className="check">
                  <input type="checkbox" checked={order !== -1} onChange={() => togglePick(r.fingerprint)} aria-label={t('tor.pick', { name: r.nickname })} />
                  {order !== -1 ? <span className="code">{order + 1}.</span> : null}
                  <strong>{r.nickname}</strong>
                </label>
                <span className="code" title={r.fingerprint}>
                  {shortFingerprint(r.fingerprint)}
                </span>
                <span className="muted">{countryLabel(r.country)}</span>
                <span className="muted">{r.flags.join(' ')}</span>
                <span className="muted">{r.bandwidth ?? '–'}</span>
              </div>
            );
          })}
        </div>
      </div>
      <div className="actions">
        <span>
          {t('tor.path')}{' '}
          {picked.length ? picked.map((fp) => byFp.get(fp)?.nickname ?? shortFingerprint(fp)).join(' → ') : t('tor.pickHint')}
        </span>
        <button type="button" disabled={picked.length === 0 || build.isPending} onClick={() => build.mutate(picked)}>
          {t('tor.build')}
        </button>
        <button type="button" disabled={picked.length === 0} onClick={clearPicks}>
          {t('tor.clear')}
        </button>
      </div>
      {build.isError ? <ErrorNote error={build.error} /> : null}
      {build.isSuccess ? <p role="status">{t('tor.building', { id: build.data.circuitId })}</p> : null}
    </section>
  );
}

export function filterRelays(relays: Relay[], query: string, sort: SortKey): Relay[] {
  const q = query.trim().toLowerCase();
  const hit = (r: Relay) =>
    q === '' || r.nickname.toLowerCase().includes(q) || r.fingerprint.toLowerCase().includes(q.replace(/^\$/, '')) || r.flags.some((f) => f.toLowerCase() === q);
  const out = relays.filter(hit);
  out.sort((a, b) =>
    sort === 'nickname' ? a.nickname.localeCompare(b.nickname) : sort === 'country' ? (a.country ?? '~').localeCompare(b.country ?? '~') : (b.bandwidth ?? 0) - (a.bandwidth ?? 0),
  );
  return out;
}
