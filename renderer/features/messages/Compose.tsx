// Writing to an address: plain or anonymous (with reply SURBs), with the trade-off said plainly.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import { NYM_DEFAULT_REPLY_SURBS, NYM_MAX_ATTACHMENT_BYTES, NYM_MAX_REPLY_SURBS, NYM_MAX_TEXT_CHARS, type Contact } from '../../../shared/domain/nym';
import { ErrorNote } from '../../ui/ErrorNote';
import { applyMessageEvent } from './queries';
import { useMessagesUi } from './store';

export function Compose({ contacts, fixedAddress, disabled }: { contacts: Contact[]; fixedAddress?: string | null; disabled: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const select = useMessagesUi((s) => s.select);
  const ids = useId();
  const to = useMessagesUi((s) => s.draftTo);
  const setTo = useMessagesUi((s) => s.setDraftTo);
  const [text, setText] = useState('');
  const [mode, setMode] = useState<'anonymous' | 'plain'>('anonymous');
  const [surbs, setSurbs] = useState(NYM_DEFAULT_REPLY_SURBS);
  const [includeAddress, setIncludeAddress] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const tooBig = file !== null && file.size > NYM_MAX_ATTACHMENT_BYTES;
  const address = (fixedAddress ?? to).trim();
  const send = useMutation({
    mutationFn: async () =>
      file
        ? unwrap(
            await api.nym.sendFile({
              address,
              name: file.name,
              mime: file.type,
              dataBase64: await toBase64(file, t('messages.compose.readFailed')),
              ...(text ? { text } : {}),
              anonymous: mode === 'anonymous',
              ...(mode === 'anonymous' ? { replySurbs: surbs } : {}),
            }),
          )
        : unwrap(
        await api.nym.send(
          mode === 'anonymous' ? { address, text, anonymous: true, replySurbs: surbs } : { address, text, anonymous: false, includeAddress },
        ),
      ),
    onSuccess: (e) => {
      applyMessageEvent(qc, e);
      setText('');
      setFile(null);
      if (!fixedAddress) {
        setTo('');
        select(e.conversation.id);
      }
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  return (
    <form onSubmit={submit} className="nym-compose" aria-label={fixedAddress ? t('messages.compose.inConversation') : t('messages.newMessage')}>
      {fixedAddress ? null : (
        <div className="row">
          <label htmlFor={`${ids}-to`}>{t('messages.compose.to')}</label>
          <input id={`${ids}-to`} list={`${ids}-contacts`} value={to} onChange={(e) => setTo(e.target.value)} className="code" required spellCheck={false} />
          <datalist id={`${ids}-contacts`}>
            {contacts.map((c) => (
              <option key={c.id} value={c.address}>
                {c.name}
              </option>
            ))}
          </datalist>
        </div>
      )}
      <label htmlFor={`${ids}-text`}>{t('messages.compose.message')}</label>
      <textarea id={`${ids}-text`} value={text} onChange={(e) => setText(e.target.value)} maxLength={NYM_MAX_TEXT_CHARS} rows={3} required={file === null} />
      <div className="row">
        <label htmlFor={`${ids}-file`}>{t('messages.compose.attach', { kb: Math.round(NYM_MAX_ATTACHMENT_BYTES / 1024) })}</label>
        <input id={`${ids}-file`} type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      {tooBig ? (
        <p role="alert" className="error-note">
          {t('messages.compose.tooBig', { kb: Math.round((file?.size ?? 0) / 1024), limit: Math.round(NYM_MAX_ATTACHMENT_BYTES / 1024) })}
        </p>
      ) : null}
      <fieldset>
        <legend>{t('messages.compose.howToSend')}</legend>
        <label className="check">
          <input type="radio" name={`${ids}-mode`} checked={mode === 'anonymous'} onChange={() => setMode('anonymous')} />
          {t('messages.compose.anonymous')}
        </label>
        <label className="check">
          <input type="radio" name={`${ids}-mode`} checked={mode === 'plain'} onChange={() => setMode('plain')} />
          {t('messages.compose.plain')}
        </label>
        <p className="muted" id={`${ids}-tradeoff`}>
          {t('messages.compose.tradeoff')}
        </p>
        {mode === 'anonymous' ? (
          <div className="row">
            <label htmlFor={`${ids}-surbs`}>{t('messages.compose.surbs')}</label>
            <input
              id={`${ids}-surbs`}
              type="number"
              min={0}
              max={NYM_MAX_REPLY_SURBS}
              value={surbs}
              onChange={(e) => setSurbs(Math.max(0, Math.min(NYM_MAX_REPLY_SURBS, Math.round(Number(e.target.value) || 0))))}
              aria-describedby={`${ids}-tradeoff`}
            />
          </div>
        ) : (
          <label className="check">
            <input type="checkbox" checked={includeAddress} onChange={(e) => setIncludeAddress(e.target.checked)} />
            {t('messages.compose.includeAddress')}
          </label>
        )}
      </fieldset>
      <button type="submit" disabled={disabled || send.isPending || (text.trim() === '' && file === null) || tooBig || address === ''}>
        {mode === 'anonymous' ? t('messages.compose.sendAnonymous') : t('messages.compose.sendPlain')}
      </button>
      {disabled ? <p className="muted">{t('messages.compose.startToSend')}</p> : null}
      {send.isError ? <ErrorNote error={send.error} /> : null}
    </form>
  );
}

// `failed` is the already translated message shown when the browser cannot read the file.
function toBase64(file: File, failed: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => (typeof reader.result === 'string' ? resolve(reader.result.replace(/^data:[^,]*,/, '')) : reject(new Error(failed)));
    reader.onerror = () => reject(reader.error ?? new Error(failed));
    reader.readAsDataURL(file);
  });
}
