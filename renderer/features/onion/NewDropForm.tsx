// The New drop form: title, note, what sources may send, size limits, temporary or persistent
// address, client authorization, encryption at rest (age key, or one generated here with its
// secret shown once) and a schedule. Plain labelled controls, usable by keyboard alone.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DropAccept, DropScheduleArgs } from '../../../shared/domain/drop';
import { IpcError } from '../../../shared/ipc/result';
import { ErrorNote } from '../../ui/ErrorNote';
import { CopyButton } from './Shareable';
import { useCreateDrop, useGenerateIdentity } from './queries';

const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;
// The minute fields have no min/step attributes on purpose: the browser's own validation would
// block the submit with a tooltip instead of the field error below.

type StartMode = 'now' | 'in' | 'at';

/** Field errors before sending: the same rules main applies, said next to the field. */
function scheduleErrors(mode: StartMode, startIn: string, startAt: string, stopAfter: string, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  const minutes = (v: string) => /^\d+$/.test(v.trim()) && Number(v) >= 1;
  if (mode === 'in' && !minutes(startIn)) out.startIn = 'onion.schedule.badMinutes';
  if (mode === 'at') {
    const t = Date.parse(startAt);
    if (!startAt || Number.isNaN(t)) out.startAt = 'onion.schedule.missingTime';
    else if (t <= now) out.startAt = 'onion.schedule.pastTime';
  }
  if (stopAfter.trim() !== '' && !minutes(stopAfter)) out.stopAfter = 'onion.schedule.badMinutes';
  return out;
}

const MB = 1024 * 1024;

export function NewDropForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const create = useCreateDrop();
  const [title, setTitle] = useState('');
  const [note, setNote] = useState('');
  const [accept, setAccept] = useState<DropAccept>('both');
  const [maxFileMb, setMaxFileMb] = useState(4096);
  const [maxUploadMb, setMaxUploadMb] = useState(8192);
  const [persistent, setPersistent] = useState(false);
  const [clientAuth, setClientAuth] = useState(false);
  const [folder, setFolder] = useState('');
  const [recipient, setRecipient] = useState('');
  const [recipientTouched, setRecipientTouched] = useState(false);
  const gen = useGenerateIdentity();
  const [secret, setSecret] = useState<string | null>(null);
  const [startMode, setStartMode] = useState<StartMode>('now');
  const [startIn, setStartIn] = useState('10');
  const [startAt, setStartAt] = useState('');
  const [stopAfter, setStopAfter] = useState('');
  const [stopAfterFirst, setStopAfterFirst] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  // "In the past" is judged at the last submit (render must stay pure).
  const [checkedAt, setCheckedAt] = useState(0);

  const recipientBad = recipient.trim() !== '' && !RECIPIENT_RE.test(recipient.trim());
  const schedErr = scheduleErrors(startMode, startIn, startAt, stopAfter, checkedAt);
  // A key main rejected (checksum) comes back as DROP_INVALID_KEY naming the field.
  const serverField = create.error instanceof IpcError && create.error.details?.field ? String(create.error.details.field) : null;
  const recipientError = recipientBad && (recipientTouched || submitted) ? t('onion.atRest.badRecipient') : serverField === 'ageRecipient' ? create.error?.message : null;

  const generate = () => {
    gen.mutate(undefined, {
      onSuccess: (pair) => {
        setRecipient(pair.recipient);
        setSecret(pair.identity);
      },
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    const now = Date.now();
    setCheckedAt(now);
    if (recipientBad || Object.keys(scheduleErrors(startMode, startIn, startAt, stopAfter, now)).length > 0) return;
    const schedule: DropScheduleArgs = {
      ...(startMode === 'in' ? { startInMinutes: Number(startIn) } : {}),
      ...(startMode === 'at' ? { startAt: Date.parse(startAt) } : {}),
      ...(stopAfter.trim() ? { stopAfterMinutes: Number(stopAfter) } : {}),
      ...(stopAfterFirst ? { stopAfterFirstUpload: true } : {}),
    };
    create.mutate(
      {
        title,
        note,
        accept,
        persistent,
        clientAuth,
        limits: { maxFileBytes: maxFileMb * MB, maxUploadBytes: maxUploadMb * MB },
        ...(folder.trim() ? { folder: folder.trim() } : {}),
        ...(recipient.trim() ? { ageRecipient: recipient.trim() } : {}),
        ...(Object.keys(schedule).length > 0 ? { schedule } : {}),
      },
      { onSuccess: onDone },
    );
  };

  return (
    <form className="panel drop-form" onSubmit={submit} aria-labelledby="new-drop-heading">
      <h2 id="new-drop-heading">{t('onion.newDrop')}</h2>
      <label htmlFor="drop-title">{t('onion.form.title')}</label>
      <input id="drop-title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor="drop-note">{t('onion.form.note')}</label>
      <textarea id="drop-note" maxLength={4000} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
      <fieldset>
        <legend>{t('onion.form.accept')}</legend>
        {(['both', 'files', 'text'] as const).map((v) => (
          <label key={v} className="check">
            <input type="radio" name="drop-accept" value={v} checked={accept === v} onChange={() => setAccept(v)} /> {t(`onion.form.acceptOption.${v}`)}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <label htmlFor="drop-max-file">{t('onion.form.maxFile')}</label>
        <input id="drop-max-file" type="number" min={1} max={1024 * 1024} value={maxFileMb} onChange={(e) => setMaxFileMb(Number(e.target.value))} />
      </div>
      <div className="row">
        <label htmlFor="drop-max-upload">{t('onion.form.maxUpload')}</label>
        <input id="drop-max-upload" type="number" min={1} max={1024 * 1024} value={maxUploadMb} onChange={(e) => setMaxUploadMb(Number(e.target.value))} />
      </div>
      <label htmlFor="drop-folder">{t('onion.form.folder')}</label>
      <input id="drop-folder" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder={t('onion.form.folderExample')} />
      <fieldset>
        <legend>{t('onion.form.address')}</legend>
        <label className="check">
          <input type="radio" name="drop-address" checked={!persistent} onChange={() => setPersistent(false)} /> {t('onion.form.temporary')}
        </label>
        <label className="check">
          <input type="radio" name="drop-address" checked={persistent} onChange={() => setPersistent(true)} /> {t('onion.form.persistent')}
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={clientAuth} onChange={(e) => setClientAuth(e.target.checked)} /> {t('onion.form.clientAuth')}
      </label>
      <fieldset>
        <legend>{t('onion.atRest.legend')}</legend>
        <label htmlFor="drop-age">{t('onion.atRest.recipient')}</label>
        <input
          id="drop-age"
          value={recipient}
          spellCheck={false}
          autoComplete="off"
          placeholder="age1…"
          aria-invalid={recipientError ? true : undefined}
          aria-describedby={recipientError ? 'drop-age-help drop-age-error' : 'drop-age-help'}
          onChange={(e) => setRecipient(e.target.value)}
          onBlur={() => setRecipientTouched(true)}
        />
        <p id="drop-age-help" className="muted">
          {t('onion.atRest.recipientHelp')}
        </p>
        {recipientError ? (
          <p id="drop-age-error" className="error-note" role="alert">
            {recipientError}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" onClick={generate} disabled={gen.isPending}>
            {gen.isPending ? t('onion.atRest.generating') : t('onion.atRest.generate')}
          </button>
        </div>
        {gen.error ? <ErrorNote error={gen.error} /> : null}
        {secret ? (
          <div className="warning-box" role="alert" data-testid="age-secret">
            <p>
              <strong>{t('onion.atRest.secretTitle')}</strong>
            </p>
            <p>{t('onion.atRest.secretWarning')}</p>
            <p className="code key">{secret}</p>
            <div className="actions">
              <CopyButton text={secret} label={t('onion.atRest.copySecret')} />
              <button type="button" onClick={() => setSecret(null)}>
                {t('onion.atRest.savedIt')}
              </button>
            </div>
          </div>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t('onion.schedule.legend')}</legend>
        <fieldset>
          <legend>{t('onion.schedule.start')}</legend>
          {(['now', 'in', 'at'] as const).map((m) => (
            <label key={m} className="check">
              <input type="radio" name="drop-start" checked={startMode === m} onChange={() => setStartMode(m)} /> {t(`onion.schedule.${m === 'now' ? 'startNow' : m === 'in' ? 'startIn' : 'startAt'}`)}
            </label>
          ))}
        </fieldset>
        {startMode === 'in' ? (
          <>
            <label htmlFor="drop-start-in">{t('onion.schedule.startInMinutes')}</label>
            <input id="drop-start-in" type="number" value={startIn} aria-invalid={submitted && schedErr.startIn ? true : undefined} aria-describedby={submitted && schedErr.startIn ? 'drop-start-in-error' : undefined} onChange={(e) => setStartIn(e.target.value)} />
            {submitted && schedErr.startIn ? (
              <p id="drop-start-in-error" className="error-note" role="alert">
                {t(schedErr.startIn)}
              </p>
            ) : null}
          </>
        ) : null}
        {startMode === 'at' ? (
          <>
            <label htmlFor="drop-start-at">{t('onion.schedule.startAtTime')}</label>
            <input id="drop-start-at" type="datetime-local" value={startAt} aria-invalid={submitted && schedErr.startAt ? true : undefined} aria-describedby={submitted && schedErr.startAt ? 'drop-start-at-error' : undefined} onChange={(e) => setStartAt(e.target.value)} />
            {submitted && schedErr.startAt ? (
              <p id="drop-start-at-error" className="error-note" role="alert">
                {t(schedErr.startAt)}
              </p>
            ) : null}
          </>
        ) : null}
        <label htmlFor="drop-stop-after">{t('onion.schedule.stopAfter')}</label>
        <input id="drop-stop-after" type="number" value={stopAfter} aria-invalid={submitted && schedErr.stopAfter ? true : undefined} aria-describedby={submitted && schedErr.stopAfter ? 'drop-stop-after-error' : undefined} onChange={(e) => setStopAfter(e.target.value)} />
        {submitted && schedErr.stopAfter ? (
          <p id="drop-stop-after-error" className="error-note" role="alert">
            {t(schedErr.stopAfter)}
          </p>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={stopAfterFirst} onChange={(e) => setStopAfterFirst(e.target.checked)} /> {t('onion.schedule.stopAfterFirst')}
        </label>
      </fieldset>
      {create.error && serverField !== 'ageRecipient' ? <ErrorNote error={create.error} /> : null}
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? t('onion.form.creating') : t('onion.form.create')}
        </button>
        <button type="button" onClick={onDone}>
          {t('onion.form.cancel')}
        </button>
      </div>
    </form>
  );
}
