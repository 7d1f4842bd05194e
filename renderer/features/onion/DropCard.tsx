// One drop: state (publishing → published), address with copy and QR, the source's private key
// when client authorization is on, actions, and its uploads with live progress.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Drop, DropUpload } from '../../../shared/domain/drop';
import { ErrorNote } from '../../ui/ErrorNote';
import { useDropAction, useUploads } from './queries';
import { Qr } from './Qr';

export function formatBytes(n: number, t: TFunction): string {
  if (n >= 1024 ** 3) return t('onion.size.gb', { n: (n / 1024 ** 3).toFixed(2) });
  if (n >= 1024 ** 2) return t('onion.size.mb', { n: (n / 1024 ** 2).toFixed(1) });
  if (n >= 1024) return t('onion.size.kb', { n: (n / 1024).toFixed(0) });
  return t('onion.size.bytes', { n });
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setDone(true));
      }}
    >
      {done ? t('onion.copied') : label}
    </button>
  );
}

function UploadItem({ u }: { u: DropUpload }) {
  const { t, i18n } = useTranslation();
  const pct = u.expected ? Math.min(100, Math.round((u.received / u.expected) * 100)) : null;
  const stateText = t(`onion.upload.${u.state}`);
  return (
    <li className={`upload upload-${u.state}`} data-testid="upload" data-state={u.state}>
      <div className="row">
        <strong>{new Date(u.receivedAt).toLocaleString(i18n.language)}</strong>
        <span className={`badge badge-${u.state === 'complete' ? 'ready' : u.state === 'incomplete' ? 'failed' : 'starting'}`}>{stateText}</span>
        <span>{t('onion.upload.stored', { size: formatBytes(u.stored, t) })}</span>
      </div>
      {u.state === 'receiving' ? (
        <div className="bar" role="progressbar" aria-label={t('onion.upload.label', { id: u.id })} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined} aria-valuetext={pct === null ? t('onion.upload.receivedSoFar', { size: formatBytes(u.received, t) }) : `${pct}%`}>
          <div className="bar-fill" style={{ inlineSize: `${pct ?? 0}%` }} />
        </div>
      ) : null}
      {u.reason ? <p className="error-note">{u.reason}</p> : null}
      <ul className="upload-files">
        {u.files.map((f) => (
          <li key={f.name}>
            {f.kind === 'message' ? `${t('onion.upload.message')} ` : ''}
            <span className="code">{f.name}</span> ({formatBytes(f.bytes, t)}){f.complete ? '' : ` — ${t('onion.upload.fileIncomplete')}`}
          </li>
        ))}
      </ul>
      <p className="muted">
        {t('onion.upload.folder')} <span className="code">{u.path}</span>
      </p>
    </li>
  );
}

export function DropCard({ drop }: { drop: Drop }) {
  const { t } = useTranslation();
  const action = useDropAction();
  const uploads = useUploads(drop.id);
  const running = drop.state !== 'stopped' && drop.state !== 'failed';
  const headingId = `drop-${drop.id}`;
  // Addresses are shown as the URLs they are, in every language.
  const url = drop.address ? `http://${drop.address}` : null;
  const localUrl = drop.localPort ? `http://127.0.0.1:${drop.localPort}/` : null;
  const facts = [
    drop.persistent ? t('onion.card.persistent') : t('onion.card.temporary'),
    t('onion.card.accepts', { what: t(`onion.card.accept.${drop.accept}`) }),
    t('onion.card.upTo', { size: formatBytes(drop.limits.maxFileBytes, t) }),
    ...(drop.clientAuth ? [t('onion.card.keyRequired')] : []),
  ];
  return (
    <li className="card drop-card" data-testid="drop" aria-labelledby={headingId}>
      <h2 id={headingId}>{drop.title}</h2>
      <p role="status" data-testid="drop-state" data-state={drop.state}>
        {t(`onion.state.${drop.state}`)}
        {drop.error ? ` — ${drop.error}` : ''}
      </p>
      <p className="muted">{facts.join(' · ')}</p>
      {url ? (
        <div className="onion-address">
          <div>
            <p>{t('onion.card.addressFor')}</p>
            <p className="code" data-testid="drop-address">
              {url}
            </p>
            <CopyButton text={url} label={t('onion.card.copyAddress')} />
          </div>
          <Qr text={url} label={t('onion.card.qrAddress', { address: url })} testId="drop-address-qr" />
        </div>
      ) : null}
      {localUrl ? (
        <p className="muted">
          {t('onion.card.preview')}{' '}
          <a href={localUrl} target="_blank" rel="noreferrer" data-testid="drop-local">
            {localUrl}
          </a>
        </p>
      ) : null}
      {drop.clientKey ? (
        <div className="onion-address">
          <div>
            <p>{t('onion.card.clientKey')}</p>
            <p className="code key" data-testid="drop-client-key">
              {drop.clientKey}
            </p>
            <CopyButton text={drop.clientKey} label={t('onion.card.copyKey')} />
          </div>
          <Qr text={drop.clientKey} label={t('onion.card.qrKey')} testId="drop-key-qr" />
        </div>
      ) : null}
      <div className="actions">
        {running ? (
          <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'stop' })}>
            {t('onion.card.stop')}
          </button>
        ) : (
          <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'start' })}>
            {t('onion.card.start')}
          </button>
        )}
        <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'remove' })}>
          {t('onion.card.remove')}
        </button>
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      <h3>{t('onion.card.uploads')}</h3>
      {uploads.data && uploads.data.length > 0 ? (
        <ul className="uploads" aria-live="polite">
          {uploads.data.map((u) => (
            <UploadItem key={u.id} u={u} />
          ))}
        </ul>
      ) : (
        <p className="muted">{t('onion.card.noUploads')}</p>
      )}
    </li>
  );
}
