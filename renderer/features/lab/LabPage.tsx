// Lab: what lab mode is, the lab's own processes, and the app log.
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { LogLine } from '../../../shared/domain/app';
import { useAppInfo, useDaemonStatuses } from '../overview/queries';
import { StatusBadge } from '../../ui/StatusBadge';
import { ErrorNote } from '../../ui/ErrorNote';

const logKeys = { recent: () => ['logs', 'recent'] as const };
const MAX_LINES = 500;

export function LabPage() {
  const { t } = useTranslation();
  const info = useAppInfo();
  const statuses = useDaemonStatuses();
  const lab = (statuses.data ?? []).filter((s) => s.id.startsWith('lab:') || s.id.includes('-lab'));
  return (
    <div className="stack">
      <p className="lead">
        {info.data?.mode === 'lab' ? t('lab.labMode') : t('lab.realMode')}
      </p>
      <section aria-labelledby="lab-procs">
        <h2 id="lab-procs">{t('lab.processes')}</h2>
        {lab.length === 0 ? (
          <p className="muted">{t('lab.none')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('lab.process')}</th>
                <th scope="col">{t('lab.state')}</th>
                <th scope="col">{t('lab.pid')}</th>
              </tr>
            </thead>
            <tbody>
              {lab.map((s) => (
                <tr key={s.id}>
                  <td>{s.label}</td>
                  <td>
                    <StatusBadge state={s.state} />
                  </td>
                  <td>{s.pid ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <LogPanel />
    </div>
  );
}

function LogPanel() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const logs = useQuery({ queryKey: logKeys.recent(), queryFn: async () => unwrap(await api.logs.recent({ limit: MAX_LINES })) });
  const onLine = useCallback(
    (line: LogLine) => qc.setQueryData<LogLine[]>(logKeys.recent(), (old) => [...(old ?? []), line].slice(-MAX_LINES)),
    [qc],
  );
  useMainEvent(api.logs.onLine, onLine);
  return (
    <section aria-labelledby="log-h">
      <h2 id="log-h">{t('lab.log')}</h2>
      {logs.isError ? <ErrorNote error={logs.error} /> : null}
      <pre className="log" role="log" tabIndex={0} aria-label={t('lab.appLog')}>
        {(logs.data ?? []).map((l) => `${new Date(l.time).toLocaleTimeString()} ${l.level} [${l.source}${l.pid ? ` ${l.pid}` : ''}] ${l.message}`).join('\n')}
      </pre>
    </section>
  );
}
