// Lab: what lab mode is, the lab's own processes, and the app log.
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
  const info = useAppInfo();
  const statuses = useDaemonStatuses();
  const lab = (statuses.data ?? []).filter((s) => s.id.startsWith('lab:') || s.id.includes('-lab'));
  return (
    <div className="stack">
      <p className="lead">
        {info.data?.mode === 'lab'
          ? 'This app runs in lab mode: Tor, I2P and Nym are private networks started on this computer, on loopback addresses only.'
          : 'This app runs on the real networks. Start it with `npm run lab` to use private test networks instead.'}
      </p>
      <section aria-labelledby="lab-procs">
        <h2 id="lab-procs">Lab processes</h2>
        {lab.length === 0 ? (
          <p className="muted">No lab network is running.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Process</th>
                <th scope="col">State</th>
                <th scope="col">PID</th>
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
  const qc = useQueryClient();
  const logs = useQuery({ queryKey: logKeys.recent(), queryFn: async () => unwrap(await api.logs.recent({ limit: MAX_LINES })) });
  const onLine = useCallback(
    (line: LogLine) => qc.setQueryData<LogLine[]>(logKeys.recent(), (old) => [...(old ?? []), line].slice(-MAX_LINES)),
    [qc],
  );
  useMainEvent(api.logs.onLine, onLine);
  return (
    <section aria-labelledby="log-h">
      <h2 id="log-h">Log</h2>
      {logs.isError ? <ErrorNote error={logs.error} /> : null}
      <pre className="log" role="log" tabIndex={0} aria-label="Application log">
        {(logs.data ?? []).map((l) => `${new Date(l.time).toLocaleTimeString()} ${l.level} [${l.source}${l.pid ? ` ${l.pid}` : ''}] ${l.message}`).join('\n')}
      </pre>
    </section>
  );
}
