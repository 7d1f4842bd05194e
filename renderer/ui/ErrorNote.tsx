// Shows an IPC failure with its stable code, so a user can report it precisely.
import { IpcError } from '../../shared/ipc/result';

export function ErrorNote({ error }: { error: unknown }) {
  const code = error instanceof IpcError ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <p role="alert" className="error-note">
      {message} <span className="code">({code})</span>
    </p>
  );
}
