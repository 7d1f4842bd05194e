// One conversation: its messages with their honest state, and the way to answer (by address or by sender tag).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import { NYM_MAX_TEXT_CHARS, type Contact } from '../../../shared/domain/nym';
import { ErrorNote } from '../../ui/ErrorNote';
import { Compose } from './Compose';
import { applyMessageEvent, nymKeys, useConversation } from './queries';
import { kindText, messageStateText } from './wording';

export function ConversationView({ id, contacts, running }: { id: string; contacts: Contact[]; running: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const conv = useConversation(id);
  const unread = conv.data?.unread ?? 0;
  useEffect(() => {
    if (unread > 0) {
      void api.nym.markRead({ conversationId: id }).then(() => qc.invalidateQueries({ queryKey: nymKeys.conversations() }));
    }
  }, [id, unread, qc]);
  if (conv.isPending) return <p>{t('common.loading')}</p>;
  if (conv.isError) return <ErrorNote error={conv.error} />;
  const c = conv.data;
  return (
    <section aria-labelledby="conv-h" className="nym-conversation">
      <h2 id="conv-h">{c.title}</h2>
      {c.kind === 'tag' ? (
        <p className="muted">{t('messages.conversation.tagExplain')}</p>
      ) : null}
      {c.kind === 'inbox' ? <p className="muted">{t('messages.conversation.inboxExplain')}</p> : null}
      <div role="log" aria-label={t('messages.conversation.log')} aria-live="polite" className="nym-messages">
        <ol className="nym-message-list">
        {c.messages.map((m) => (
          <li key={m.id} className={`nym-msg nym-msg-${m.direction}`} data-testid="nym-message" data-state={m.state}>
            {m.text ? <p className="nym-msg-text">{m.text}</p> : null}
            {m.attachment ? (
              <p className="nym-attachment">
                {t('messages.conversation.file')} <span className="code">{m.attachment.name}</span>{' '}
                {t('messages.conversation.fileSize', { kb: Math.max(1, Math.round(m.attachment.size / 1024)) })}
                {m.attachment.savedAs ? (
                  <>
                    {' '}
                    {t('messages.conversation.savedAs')} <span className="code">{m.attachment.savedAs}</span>
                  </>
                ) : null}
              </p>
            ) : null}
            {m.state === 'queued' && m.totalPackets ? (
              <progress
                max={m.totalPackets}
                value={m.totalPackets - (m.queueLength ?? m.totalPackets)}
                aria-label={t('messages.conversation.sending', { sent: m.totalPackets - (m.queueLength ?? m.totalPackets), total: m.totalPackets })}
              />
            ) : null}
            <p className="muted nym-msg-meta">
              {m.direction === 'out' ? t('messages.conversation.you') : t('messages.conversation.them')} · {new Date(m.at).toLocaleTimeString(i18n.language)} · {kindText(m, t)} ·{' '}
              <span className={m.state === 'failed' || m.state === 'dropped' ? 'error-note' : ''} data-testid="nym-message-state">
                {messageStateText(m, t)}
              </span>
            </p>
          </li>
        ))}
        </ol>
      </div>
      {c.kind === 'contact' && c.address ? <Compose contacts={contacts} fixedAddress={c.address} disabled={!running} /> : null}
      {c.kind === 'tag' ? <ReplyForm conversationId={c.id} canReply={c.canReply} disabled={!running} /> : null}
    </section>
  );
}

function ReplyForm({ conversationId, canReply, disabled }: { conversationId: string; canReply: boolean; disabled: boolean }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const ids = useId();
  const [text, setText] = useState('');
  const reply = useMutation({
    mutationFn: async () => unwrap(await api.nym.reply({ conversationId, text })),
    onSuccess: (e) => {
      applyMessageEvent(qc, e);
      setText('');
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reply.mutate();
  };
  return (
    <form onSubmit={submit} className="nym-compose" aria-label={t('messages.conversation.replyForm')}>
      <label htmlFor={`${ids}-reply`}>{t('messages.conversation.replyLabel')}</label>
      <textarea id={`${ids}-reply`} value={text} onChange={(e) => setText(e.target.value)} maxLength={NYM_MAX_TEXT_CHARS} rows={3} required />
      {!canReply ? (
        <p className="muted">{t('messages.conversation.cannotReply')}</p>
      ) : null}
      <button type="submit" disabled={disabled || reply.isPending || text.trim() === ''}>
        {t('messages.conversation.sendReply')}
      </button>
      {reply.isError ? <ErrorNote error={reply.error} /> : null}
    </form>
  );
}
