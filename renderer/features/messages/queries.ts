// Nym messaging state in the react-query cache: key factory, fetchers, and the pushed events (status,
// messages, contacts) written straight into the cache, so nothing polls.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { Contact, Conversation, ConversationSummary, NymMessageEvent, NymStatus } from '../../../shared/domain/nym';

export const nymKeys = {
  all: () => ['nym'] as const,
  status: () => ['nym', 'status'] as const,
  contacts: () => ['nym', 'contacts'] as const,
  conversations: () => ['nym', 'conversations'] as const,
  conversation: (id: string) => ['nym', 'conversation', id] as const,
};

export const useNymStatus = () => useQuery({ queryKey: nymKeys.status(), queryFn: async () => unwrap(await api.nym.getStatus()) });
export const useContacts = () => useQuery({ queryKey: nymKeys.contacts(), queryFn: async () => unwrap(await api.nym.listContacts()) });
export const useConversations = () => useQuery({ queryKey: nymKeys.conversations(), queryFn: async () => unwrap(await api.nym.listConversations()) });
export const useConversation = (id: string | null) =>
  useQuery({
    queryKey: nymKeys.conversation(id ?? ''),
    queryFn: async () => unwrap(await api.nym.getConversation({ id: id ?? '' })),
    enabled: id !== null,
  });

/** Puts a message event into the list and the open conversation; shared by events and mutations. */
export function applyMessageEvent(qc: ReturnType<typeof useQueryClient>, e: NymMessageEvent): void {
  qc.setQueryData<ConversationSummary[]>(nymKeys.conversations(), (old) => {
    const list = (old ?? []).filter((c) => c.id !== e.conversation.id);
    return [e.conversation, ...list].sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
  });
  qc.setQueryData<Conversation>(nymKeys.conversation(e.conversation.id), (old) => {
    if (!old) return old;
    const i = old.messages.findIndex((m) => m.id === e.message.id);
    const messages = i === -1 ? [...old.messages, e.message] : old.messages.map((m, j) => (j === i ? e.message : m));
    return { ...old, ...e.conversation, messages };
  });
}

export function useNymEvents(): void {
  const qc = useQueryClient();
  const onStatus = useCallback((s: NymStatus) => qc.setQueryData(nymKeys.status(), s), [qc]);
  const onMessage = useCallback((e: NymMessageEvent) => applyMessageEvent(qc, e), [qc]);
  const onContacts = useCallback(
    (c: Contact[]) => {
      qc.setQueryData(nymKeys.contacts(), c);
      // Titles come from contact names.
      void qc.invalidateQueries({ queryKey: nymKeys.conversations() });
    },
    [qc],
  );
  useMainEvent(api.nym.onStatus, onStatus);
  useMainEvent(api.nym.onMessage, onMessage);
  useMainEvent(api.nym.onContacts, onContacts);
}
