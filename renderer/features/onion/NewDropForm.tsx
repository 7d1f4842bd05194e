// The New drop form: title, note, what sources may send, size limits, temporary or persistent
// address, client authorization. Plain labelled controls, usable by keyboard alone.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DropAccept } from '../../../shared/domain/drop';
import { ErrorNote } from '../../ui/ErrorNote';
import { useCreateDrop } from './queries';

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

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      {
        title,
        note,
        accept,
        persistent,
        clientAuth,
        limits: { maxFileBytes: maxFileMb * MB, maxUploadBytes: maxUploadMb * MB },
        ...(folder.trim() ? { folder: folder.trim() } : {}),
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
      {create.error ? <ErrorNote error={create.error} /> : null}
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
