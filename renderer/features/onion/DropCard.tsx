// One drop: state (publishing → published), address with copy and QR, the source's private key
// when client authorization is on, actions, and its uploads with live progress.
import { useState } from 'react';
import type { Drop, DropUpload } from '../../../shared/domain/drop';
import { ErrorNote } from '../../ui/ErrorNote';
import { useDropAction, useUploads } from './queries';
import { Qr } from './Qr';

const STATE_TEXT: Record<Drop['state'], string> = {
  stopped: 'Stopped',
  starting: 'Starting (waiting for tor)',
  publishing: 'Publishing the onion service…',
  published: 'Published: sources can reach it',
  failed: 'Failed',
};

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} bytes`;
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setDone(true));
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

function UploadItem({ u }: { u: DropUpload }) {
  const pct = u.expected ? Math.min(100, Math.round((u.received / u.expected) * 100)) : null;
  const stateText = u.state === 'complete' ? 'Complete' : u.state === 'incomplete' ? 'Incomplete' : 'Receiving';
  return (
    <li className={`upload upload-${u.state}`} data-testid="upload" data-state={u.state}>
      <div className="row">
        <strong>{new Date(u.receivedAt).toLocaleString()}</strong>
        <span className={`badge badge-${u.state === 'complete' ? 'ready' : u.state === 'incomplete' ? 'failed' : 'starting'}`}>{stateText}</span>
        <span>{formatBytes(u.stored)} stored</span>
      </div>
      {u.state === 'receiving' ? (
        <div className="bar" role="progressbar" aria-label={`Upload ${u.id}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined} aria-valuetext={pct === null ? `${formatBytes(u.received)} received` : `${pct}%`}>
          <div className="bar-fill" style={{ inlineSize: `${pct ?? 0}%` }} />
        </div>
      ) : null}
      {u.reason ? <p className="error-note">{u.reason}</p> : null}
      <ul className="upload-files">
        {u.files.map((f) => (
          <li key={f.name}>
            {f.kind === 'message' ? 'Message: ' : ''}
            <span className="code">{f.name}</span> ({formatBytes(f.bytes)}){f.complete ? '' : ' — incomplete'}
          </li>
        ))}
      </ul>
      <p className="muted">
        Folder: <span className="code">{u.path}</span>
      </p>
    </li>
  );
}

export function DropCard({ drop }: { drop: Drop }) {
  const action = useDropAction();
  const uploads = useUploads(drop.id);
  const running = drop.state !== 'stopped' && drop.state !== 'failed';
  const headingId = `drop-${drop.id}`;
  return (
    <li className="card drop-card" data-testid="drop" aria-labelledby={headingId}>
      <h2 id={headingId}>{drop.title}</h2>
      <p role="status" data-testid="drop-state" data-state={drop.state}>
        {STATE_TEXT[drop.state]}
        {drop.error ? ` — ${drop.error}` : ''}
      </p>
      <p className="muted">
        {drop.persistent ? 'Persistent address' : 'Temporary address'} · accepts {drop.accept === 'both' ? 'files and text' : drop.accept === 'files' ? 'files' : 'text'} · up to{' '}
        {formatBytes(drop.limits.maxFileBytes)} per file
        {drop.clientAuth ? ' · private key required' : ''}
      </p>
      {drop.address ? (
        <div className="onion-address">
          <div>
            <p>Address for Tor Browser:</p>
            <p className="code" data-testid="drop-address">
              http://{drop.address}
            </p>
            <CopyButton text={`http://${drop.address}`} label="Copy address" />
          </div>
          <Qr text={`http://${drop.address}`} label={`QR code of the address http://${drop.address}`} testId="drop-address-qr" />
        </div>
      ) : null}
      {drop.localPort ? (
        <p className="muted">
          Preview on this computer only:{' '}
          <a href={`http://127.0.0.1:${drop.localPort}/`} target="_blank" rel="noreferrer" data-testid="drop-local">
            http://127.0.0.1:{drop.localPort}/
          </a>
        </p>
      ) : null}
      {drop.clientKey ? (
        <div className="onion-address">
          <div>
            <p>Private key for the source (Tor Browser asks for it when opening the address):</p>
            <p className="code key" data-testid="drop-client-key">
              {drop.clientKey}
            </p>
            <CopyButton text={drop.clientKey} label="Copy private key" />
          </div>
          <Qr text={drop.clientKey} label="QR code of the source's private key" testId="drop-key-qr" />
        </div>
      ) : null}
      <div className="actions">
        {running ? (
          <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'stop' })}>
            Stop drop
          </button>
        ) : (
          <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'start' })}>
            Start drop
          </button>
        )}
        <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'remove' })}>
          Remove drop (keeps received files)
        </button>
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      <h3>Uploads</h3>
      {uploads.data && uploads.data.length > 0 ? (
        <ul className="uploads" aria-live="polite">
          {uploads.data.map((u) => (
            <UploadItem key={u.id} u={u} />
          ))}
        </ul>
      ) : (
        <p className="muted">Nothing received yet.</p>
      )}
    </li>
  );
}
