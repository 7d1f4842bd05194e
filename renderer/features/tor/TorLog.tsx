// tor's log with a level filter; identical consecutive lines are folded into one with a count.
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import { LOG_LEVELS, type LogLevel, type LogLine } from '../../../shared/domain/app';
import { useTorUi } from './store';

const KEY = ['logs', 'tor'] as const;
const MAX = 1000;
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warn: 3, error: 4 };

export function foldLines(lines: LogLine[], min: LogLevel): { line: LogLine; count: number }[] {
  const out: { line: LogLine; count: number }[] = [];
  for (const l of lines) {
    if (RANK[l.level] < RANK[min]) continue;
    const last = out[out.length - 1];
    if (last && last.line.message === l.message && last.line.level === l.level) last.count += 1;
    else out.push({ line: l, count: 1 });
  }
  return out;
}

export function TorLog() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const level = useTorUi((s) => s.logLevel);
  const setLevel = useTorUi((s) => s.setLogLevel);
  const logs = useQuery({ queryKey: KEY, queryFn: async () => unwrap(await api.logs.recent({ source: 'tor', limit: MAX })) });
  const onLine = useCallback(
    (l: LogLine) => {
      if (l.source === 'tor') qc.setQueryData<LogLine[]>(KEY, (old) => [...(old ?? []), l].slice(-MAX));
    },
    [qc],
  );
  useMainEvent(api.logs.onLine, onLine);
  const folded = useMemo(() => foldLines(logs.data ?? [], level), [logs.data, level]);
  return (
    <section aria-labelledby="torlog-h">
      <h2 id="torlog-h">{t('lab.log')}</h2>
      <label>
        {t('tor.logLevel')}{' '}
        <select value={level} onChange={(e) => setLevel(e.target.value as LogLevel)}>
          {LOG_LEVELS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <pre className="log" role="log" tabIndex={0} aria-label={t('tor.log')} data-testid="tor-log">
        {folded
          .slice(-300)
          .map(({ line, count }) => `${new Date(line.time).toLocaleTimeString()} ${line.level.padEnd(6)} ${line.message}${count > 1 ? `  (×${count})` : ''}`)
          .join('\n')}
      </pre>
    </section>
  );
}
