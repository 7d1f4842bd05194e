// One drop: state (publishing → published), schedule, encryption at rest, address with copy and
// QR, the source's private key when client authorization is on, actions, and its uploads with live
// progress; each upload can be opened (or its path copied) and, when encrypted, decrypted.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Drop, DropUpload } from '../../../shared/domain/drop';
import { ErrorNote } from '../../ui/ErrorNote';
import { useDecrypt, useDropAction, useOpenFolder, useUploads } from './queries';
import { CopyButton, Shareable } from '../../ui/Shareable';

export function formatBytes(n: number, t: TFunction): string {
  if (n >= 1024 ** 3) return t('drops.size.gb', { n: (n / 1024 ** 3).toFixed(2) });
  if (n >= 1024 ** 2) return t('drops.size.mb', { n: (n / 1024 ** 2).toFixed(1) });
  if (n >= 1024) return t('drops.size.kb', { n: (n / 1024).toFixed(0) });
  return t('drops.size.bytes', { n });
}


function DecryptForm({ u, onDone }: { u: DropUpload; onDone: () => void }) {
  const { t } = useTranslation();
  const decrypt = useDecrypt();
  const [identity, setIdentity] = useState('');
  const [destination, setDestination] = useState('');
  const base = `decrypt-${u.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The secret key leaves this component only in this one request; the field is cleared after.
    decrypt.mutate({ id: u.dropId, uploadId: u.id, identity, ...(destination.trim() ? { destination: destination.trim() } : {}) }, { onSettled: () => setIdentity('') });
  };
  return (
    <form className="decrypt-form" onSubmit={submit}>
      <label htmlFor={`${base}-identity`}>{t('drops.atRest.identity')}</label>
      <textarea id={`${base}-identity`} rows={2} required spellCheck={false} autoComplete="off" value={identity} aria-describedby={`${base}-help`} onChange={(e) => setIdentity(e.target.value)} />
      <p id={`${base}-help`} className="muted">
        {t('drops.atRest.identityHelp')}
      </p>
      <label htmlFor={`${base}-dest`}>{t('drops.atRest.destination')}</label>
      <input id={`${base}-dest`} value={destination} onChange={(e) => setDestination(e.target.value)} />
      {decrypt.error ? <ErrorNote error={decrypt.error} /> : null}
      {decrypt.data ? (
        <p role="status" data-testid="decrypted">
          {t('drops.atRest.decrypted', { count: decrypt.data.files.length, folder: decrypt.data.folder })}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={decrypt.isPending}>
          {decrypt.isPending ? t('drops.atRest.decrypting') : t('drops.atRest.decryptNow')}
        </button>
        <button type="button" onClick={onDone}>
          {t('drops.atRest.cancel')}
        </button>
      </div>
    </form>
  );
}

function UploadItem({ u }: { u: DropUpload }) {
  const { t, i18n } = useTranslation();
  const open = useOpenFolder();
  const [decrypting, setDecrypting] = useState(false);
  const sealed = u.state === 'complete' && u.files.some((f) => f.encrypted && f.complete);
  const pct = u.expected ? Math.min(100, Math.round((u.received / u.expected) * 100)) : null;
  const stateText = t(`drops.upload.${u.state}`);
  return (
    <li className={`upload upload-${u.state}`} data-testid="upload" data-state={u.state}>
      <div className="row">
        <strong>{new Date(u.receivedAt).toLocaleString(i18n.language)}</strong>
        <span className={`badge badge-${u.state === 'complete' ? 'ready' : u.state === 'incomplete' ? 'failed' : 'starting'}`}>{stateText}</span>
        <span>{t('drops.upload.stored', { size: formatBytes(u.stored, t) })}</span>
      </div>
      {u.state === 'receiving' ? (
        <div className="bar" role="progressbar" aria-label={t('drops.upload.label', { id: u.id })} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined} aria-valuetext={pct === null ? t('drops.upload.receivedSoFar', { size: formatBytes(u.received, t) }) : `${pct}%`}>
          <div className="bar-fill" style={{ inlineSize: `${pct ?? 0}%` }} />
        </div>
      ) : null}
      {u.reason ? <p className="error-note">{u.reason}</p> : null}
      <ul className="upload-files">
        {u.files.map((f) => (
          <li key={f.name}>
            {f.kind === 'message' ? `${t('drops.upload.message')} ` : ''}
            <span className="code">{f.name}</span> ({formatBytes(f.bytes, t)}){f.complete ? '' : ` — ${t('drops.upload.fileIncomplete')}`}
          </li>
        ))}
      </ul>
      <p className="muted">
        {t('drops.upload.folder')} <span className="code">{u.path}</span>
      </p>
      <div className="actions">
        <button type="button" onClick={() => open.mutate({ id: u.dropId, uploadId: u.id })}>
          {t('drops.history.openFolder')}
        </button>
        <CopyButton text={u.path} label={t('drops.history.copyPath')} />
        {sealed && !decrypting ? (
          <button type="button" onClick={() => setDecrypting(true)}>
            {t('drops.atRest.decrypt')}
          </button>
        ) : null}
      </div>
      {open.data && !open.data.opened ? (
        <p className="muted" role="status">
          {open.data.reason ?? t('drops.history.cannotOpen')}
        </p>
      ) : null}
      {open.error ? <ErrorNote error={open.error} /> : null}
      {decrypting ? <DecryptForm u={u} onDone={() => setDecrypting(false)} /> : null}
    </li>
  );
}

export function DropCard({ drop }: { drop: Drop }) {
  const { t, i18n } = useTranslation();
  const when = (ms: number) => new Date(ms).toLocaleString(i18n.language);
  const plan = [
    ...(drop.schedule.startAt !== null ? [t('drops.schedule.startsAt', { time: when(drop.schedule.startAt) })] : []),
    ...(drop.schedule.stopAt !== null
      ? [t('drops.schedule.stopsAt', { time: when(drop.schedule.stopAt) })]
      : drop.schedule.stopAfterMinutes !== null && drop.schedule.startAt !== null
        ? [t('drops.schedule.stopsAfterMinutes', { n: drop.schedule.stopAfterMinutes })]
        : []),
    ...(drop.schedule.stopAfterFirstUpload ? [t('drops.schedule.stopsAfterFirst')] : []),
  ];
  const action = useDropAction();
  const uploads = useUploads(drop.id);
  const running = drop.state !== 'stopped' && drop.state !== 'failed';
  const headingId = `drop-${drop.id}`;
  // Addresses are shown as the URLs they are, in every language.
  const url = drop.address ? `http://${drop.address}` : null;
  const localUrl = drop.localPort ? `http://127.0.0.1:${drop.localPort}/` : null;
  const facts = [
    drop.persistent ? t('drops.card.persistent') : t('drops.card.temporary'),
    t('drops.card.accepts', { what: t(`drops.card.accept.${drop.accept}`) }),
    t('drops.card.upTo', { size: formatBytes(drop.limits.maxFileBytes, t) }),
    ...(drop.clientAuth ? [t('drops.card.keyRequired')] : []),
  ];
  return (
    <li className="card drop-card" data-testid="drop" aria-labelledby={headingId}>
      <h2 id={headingId}>{drop.title}</h2>
      <p role="status" data-testid="drop-state" data-state={drop.state}>
        {t(`drops.state.${drop.state}`)}
        {drop.error ? ` — ${drop.error}` : ''}
      </p>
      <p className="muted">{facts.join(' · ')}</p>
      {drop.lastRefusal ? (
        <p className="warning-box" role="alert" data-testid="drop-refusal">
          {t(`drops.refused.${drop.lastRefusal.kind}`, { time: when(drop.lastRefusal.at) })}
        </p>
      ) : null}
      {drop.ageRecipient ? (
        <p className="muted" data-testid="drop-encrypted">
          {t('drops.atRest.on', { key: '' })}
          <span className="code">{drop.ageRecipient}</span>
        </p>
      ) : null}
      {plan.length > 0 ? (
        <p className="muted" data-testid="drop-schedule">
          {plan.join(' · ')}
        </p>
      ) : null}
      {url ? (
        <Shareable
          heading={t('drops.card.addressFor')}
          value={url}
          copyLabel={t('drops.card.copyAddress')}
          qrLabel={t('drops.card.qrAddress', { address: url })}
          testId="drop-address"
          qrTestId="drop-address-qr"
        />
      ) : null}
      {localUrl ? (
        <p className="muted">
          {t('drops.card.preview')}{' '}
          <a href={localUrl} target="_blank" rel="noreferrer" data-testid="drop-local">
            {localUrl}
          </a>
        </p>
      ) : null}
      {drop.clientKey ? (
        <Shareable
          heading={t('drops.card.clientKey')}
          value={drop.clientKey}
          copyLabel={t('drops.card.copyKey')}
          qrLabel={t('drops.card.qrKey')}
          testId="drop-client-key"
          qrTestId="drop-key-qr"
          valueClass="key"
        />
      ) : null}
      <div className="actions">
        {running ? (
          <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'stop' })}>
            {t('drops.card.stop')}
          </button>
        ) : (
          <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'start' })}>
            {t('drops.card.start')}
          </button>
        )}
        <button type="button" onClick={() => action.mutate({ id: drop.id, action: 'remove' })}>
          {t('drops.card.remove')}
        </button>
      </div>
      {action.error ? <ErrorNote error={action.error} /> : null}
      <h3>{t('drops.card.uploads')}</h3>
      {uploads.data && uploads.data.length > 0 ? (
        <ul className="uploads" aria-live="polite">
          {uploads.data.map((u) => (
            <UploadItem key={u.id} u={u} />
          ))}
        </ul>
      ) : (
        <p className="muted">{t('drops.card.noUploads')}</p>
      )}
    </li>
  );
}
