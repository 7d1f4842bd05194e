// The Messages section: your address (copy, QR), the mixnet status, contacts, conversations with
// unread counts, and writing plain or anonymous messages over the Nym mixnet.
import { useTranslation } from 'react-i18next';
import type { ConversationSummary } from '../../../shared/domain/nym';
import { ErrorNote } from '../../ui/ErrorNote';
import { AddressCard } from './AddressCard';
import { Compose } from './Compose';
import { Contacts } from './Contacts';
import { ConversationView } from './ConversationView';
import { StatusPanel } from './StatusPanel';
import { useContacts, useConversations, useNymEvents, useNymStatus } from './queries';
import { useMessagesUi } from './store';

export function MessagesPage() {
  const { t } = useTranslation();
  useNymEvents();
  const status = useNymStatus();
  const contacts = useContacts();
  const conversations = useConversations();
  const selected = useMessagesUi((s) => s.selected);
  const select = useMessagesUi((s) => s.select);
  const setDraftTo = useMessagesUi((s) => s.setDraftTo);
  if (status.isPending) return <p>{t('common.loading')}</p>;
  if (status.isError) return <ErrorNote error={status.error} />;
  const s = status.data;
  const running = s.clientState === 'connected';
  const list = conversations.data ?? [];
  const writeTo = (address: string) => {
    const existing = list.find((c) => c.kind === 'contact' && c.address === address);
    if (existing) select(existing.id);
    else {
      setDraftTo(address);
      select(null);
      requestAnimationFrame(() => document.getElementById('new-h')?.focus());
    }
  };
  return (
    <div className="stack">
      <p className="lead">{t('messages.lead')}</p>
      <AddressCard address={s.address} />
      <StatusPanel status={s} />
      <div className="nym-layout">
        <div className="nym-side">
          <section aria-labelledby="convs-h">
            <h2 id="convs-h">{t('messages.conversations')}</h2>
            <button type="button" onClick={() => select(null)} aria-pressed={selected === null}>
              {t('messages.newMessage')}
            </button>
            {conversations.isError ? <ErrorNote error={conversations.error} /> : null}
            <ul className="nym-convs">
              {list.map((c) => (
                <li key={c.id}>
                  <ConversationButton c={c} current={c.id === selected} onSelect={() => select(c.id)} />
                </li>
              ))}
            </ul>
          </section>
          <Contacts contacts={contacts.data ?? []} onWrite={writeTo} />
        </div>
        <div className="nym-main">
          {selected ? (
            <ConversationView id={selected} contacts={contacts.data ?? []} running={running} />
          ) : (
            <section aria-labelledby="new-h">
              <h2 id="new-h" tabIndex={-1}>
                {t('messages.newMessage')}
              </h2>
              <Compose contacts={contacts.data ?? []} disabled={!running} />
            </section>
          )}
        </div>
      </div>
    </div>
  );
}

function ConversationButton({ c, current, onSelect }: { c: ConversationSummary; current: boolean; onSelect: () => void }) {
  const { t } = useTranslation();
  // Not `count`: i18next would look for plural forms the locales do not need here.
  const label = c.unread ? t('messages.unreadLabel', { title: c.title, n: c.unread }) : c.title;
  return (
    <button type="button" className="nym-conv" aria-current={current ? 'true' : undefined} aria-label={label} onClick={onSelect} data-testid="nym-conversation">
      <span className="nym-conv-title">{c.title}</span>
      {c.unread ? (
        <span className="nym-unread" aria-hidden="true">
          {c.unread}
        </span>
      ) : null}
      {c.lastText ? (
        <span className="muted nym-conv-last" aria-hidden="true">
          {c.lastText}
        </span>
      ) : null}
    </button>
  );
}
