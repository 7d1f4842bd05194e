// Shows an IPC failure: a translated summary for its stable code, the detail main sent, and the
// code itself so a user can report it precisely.
import { useTranslation } from 'react-i18next';
import { IpcError } from '../../shared/ipc/result';

export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const code = error instanceof IpcError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : '';
  const summary = t(`errors.${code}`);
  return (
    <p role="alert" className="error-note">
      {summary}
      {message && message !== summary ? ` ${message}` : ''} <span className="code">({code})</span>
    </p>
  );
}
