// The New drop form: title, note, what sources may send, size limits, temporary or persistent
// address, client authorization. Plain labelled controls, usable by keyboard alone.
import { useState, type FormEvent } from 'react';
import type { DropAccept } from '../../../shared/domain/drop';
import { ErrorNote } from '../../ui/ErrorNote';
import { useCreateDrop } from './queries';

const MB = 1024 * 1024;

export function NewDropForm({ onDone }: { onDone: () => void }) {
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
      <h2 id="new-drop-heading">New drop</h2>
      <label htmlFor="drop-title">Title</label>
      <input id="drop-title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor="drop-note">Note for sources</label>
      <textarea id="drop-note" maxLength={4000} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
      <fieldset>
        <legend>Sources may send</legend>
        {(
          [
            ['both', 'Files and text'],
            ['files', 'Files only'],
            ['text', 'Text only'],
          ] as const
        ).map(([v, label]) => (
          <label key={v} className="check">
            <input type="radio" name="drop-accept" value={v} checked={accept === v} onChange={() => setAccept(v)} /> {label}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <label htmlFor="drop-max-file">Largest file (MB)</label>
        <input id="drop-max-file" type="number" min={1} max={1024 * 1024} value={maxFileMb} onChange={(e) => setMaxFileMb(Number(e.target.value))} />
      </div>
      <div className="row">
        <label htmlFor="drop-max-upload">Largest upload (MB)</label>
        <input id="drop-max-upload" type="number" min={1} max={1024 * 1024} value={maxUploadMb} onChange={(e) => setMaxUploadMb(Number(e.target.value))} />
      </div>
      <label htmlFor="drop-folder">Save uploads in (absolute path; empty: the app's data folder)</label>
      <input id="drop-folder" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/me/Drops" />
      <fieldset>
        <legend>Address</legend>
        <label className="check">
          <input type="radio" name="drop-address" checked={!persistent} onChange={() => setPersistent(false)} /> Temporary: a new address each time the drop starts
        </label>
        <label className="check">
          <input type="radio" name="drop-address" checked={persistent} onChange={() => setPersistent(true)} /> Persistent: the same address after restarts
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={clientAuth} onChange={(e) => setClientAuth(e.target.checked)} /> Sources need a private key (client authorization)
      </label>
      {create.error ? <ErrorNote error={create.error} /> : null}
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create drop'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
