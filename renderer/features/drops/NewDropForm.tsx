// The New drop form: title, note, what sources may send, size limits, temporary or persistent
// address, client authorization, encryption at rest (age key, or one generated here with its
// secret shown once) and a schedule. Plain labelled controls, usable by keyboard alone.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DropAccept, DropScheduleArgs } from '../../../shared/domain/drop';
import { IpcError } from '../../../shared/ipc/result';
import { ErrorNote } from '../../ui/ErrorNote';
import { CopyButton } from '../../ui/Shareable';
import { useCreateDrop, useGenerateIdentity } from './queries';

const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;
// The minute fields have no min/step attributes on purpose: the browser's own validation would
// block the submit with a tooltip instead of the field error below.

type StartMode = 'now' | 'in' | 'at';

/** Field errors before sending: the same rules main applies, said next to the field. */
function scheduleErrors(mode: StartMode, startIn: string, startAt: string, stopAfter: string, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  const minutes = (v: string) => /^\d+$/.test(v.trim()) && Number(v) >= 1;
  if (mode === 'in' && !minutes(startIn)) out.startIn = 'drops.schedule.badMinutes';
  if (mode === 'at') {
    const t = Date.parse(startAt);
    if (!startAt || Number.isNaN(t)) out.startAt = 'drops.schedule.missingTime';
    else if (t <= now) out.startAt = 'drops.schedule.pastTime';
  }
  if (stopAfter.trim() !== '' && !minutes(stopAfter)) out.stopAfter = 'drops.schedule.badMinutes';
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
  const recipientError = recipientBad && (recipientTouched || submitted) ? t('drops.atRest.badRecipient') : serverField === 'ageRecipient' ? create.error?.message : null;

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
      <h2 id="new-drop-heading">{t('drops.newDrop')}</h2>
      <label htmlFor="drop-title">{t('drops.form.title')}</label>
      <input id="drop-title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor="drop-note">{t('drops.form.note')}</label>
      <textarea id="drop-note" maxLength={4000} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
      <fieldset>
        <legend>{t('drops.form.accept')}</legend>
        {(['both', 'files', 'text'] as const).map((v) => (
          <label key={v} className="check">
            <input type="radio" name="drop-accept" value={v} checked={accept === v} onChange={() => setAccept(v)} /> {t(`drops.form.acceptOption.${v}`)}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <label htmlFor="drop-max-file">{t('drops.form.maxFile')}</label>
        <input id="drop-max-file" type="number" min={1} max={1024 * 1024} value={maxFileMb} onChange={(e) => setMaxFileMb(Number(e.target.value))} />
      </div>
      <div className="row">
        <label htmlFor="drop-max-upload">{t('drops.form.maxUpload')}</label>
        <input id="drop-max-upload" type="number" min={1} max={1024 * 1024} value={maxUploadMb} onChange={(e) => setMaxUploadMb(Number(e.target.value))} />
      </div>
      <label htmlFor="drop-folder">{t('drops.form.folder')}</label>
      <input id="drop-folder" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder={t('drops.form.folderExample')} />
      <fieldset>
        <legend>{t('drops.form.address')}</legend>
        <label className="check">
          <input type="radio" name="drop-address" checked={!persistent} onChange={() => setPersistent(false)} /> {t('drops.form.temporary')}
        </label>
        <label className="check">
          <input type="radio" name="drop-address" checked={persistent} onChange={() => setPersistent(true)} /> {t('drops.form.persistent')}
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={clientAuth} onChange={(e) => setClientAuth(e.target.checked)} /> {t('drops.form.clientAuth')}
      </label>
      <fieldset>
        <legend>{t('drops.atRest.legend')}</legend>
        <label htmlFor="drop-age">{t('drops.atRest.recipient')}</label>
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
          {t('drops.atRest.recipientHelp')}
        </p>
        {recipientError ? (
          <p id="drop-age-error" className="error-note" role="alert">
            {recipientError}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" onClick={generate} disabled={gen.isPending}>
            {gen.isPending ? t('drops.atRest.generating') : t('drops.atRest.generate')}
          </button>
        </div>
        {gen.error ? <ErrorNote error={gen.error} /> : null}
        {secret ? (
          <div className="warning-box" role="alert" data-testid="age-secret">
            <p>
              <strong>{t('drops.atRest.secretTitle')}</strong>
            </p>
            <p>{t('drops.atRest.secretWarning')}</p>
            <p className="code key">{secret}</p>
            <div className="actions">
              <CopyButton text={secret} label={t('drops.atRest.copySecret')} />
              <button type="button" onClick={() => setSecret(null)}>
                {t('drops.atRest.savedIt')}
              </button>
            </div>
          </div>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t('drops.schedule.legend')}</legend>
        <fieldset>
          <legend>{t('drops.schedule.start')}</legend>
          {(['now', 'in', 'at'] as const).map((m) => (
            <label key={m} className="check">
              <input type="radio" name="drop-start" checked={startMode === m} onChange={() => setStartMode(m)} /> {t(`drops.schedule.${m === 'now' ? 'startNow' : m === 'in' ? 'startIn' : 'startAt'}`)}
            </label>
          ))}
        </fieldset>
        {startMode === 'in' ? (
          <>
            <label htmlFor="drop-start-in">{t('drops.schedule.startInMinutes')}</label>
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
            <label htmlFor="drop-start-at">{t('drops.schedule.startAtTime')}</label>
            <input id="drop-start-at" type="datetime-local" value={startAt} aria-invalid={submitted && schedErr.startAt ? true : undefined} aria-describedby={submitted && schedErr.startAt ? 'drop-start-at-error' : undefined} onChange={(e) => setStartAt(e.target.value)} />
            {submitted && schedErr.startAt ? (
              <p id="drop-start-at-error" className="error-note" role="alert">
                {t(schedErr.startAt)}
              </p>
            ) : null}
          </>
        ) : null}
        <label htmlFor="drop-stop-after">{t('drops.schedule.stopAfter')}</label>
        <input id="drop-stop-after" type="number" value={stopAfter} aria-invalid={submitted && schedErr.stopAfter ? true : undefined} aria-describedby={submitted && schedErr.stopAfter ? 'drop-stop-after-error' : undefined} onChange={(e) => setStopAfter(e.target.value)} />
        {submitted && schedErr.stopAfter ? (
          <p id="drop-stop-after-error" className="error-note" role="alert">
            {t(schedErr.stopAfter)}
          </p>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={stopAfterFirst} onChange={(e) => setStopAfterFirst(e.target.checked)} /> {t('drops.schedule.stopAfterFirst')}
        </label>
      </fieldset>
      {create.error && serverField !== 'ageRecipient' ? <ErrorNote error={create.error} /> : null}
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? t('drops.form.creating') : t('drops.form.create')}
        </button>
        <button type="button" onClick={onDone}>
          {t('drops.form.cancel')}
        </button>
      </div>
    </form>
  );
}
