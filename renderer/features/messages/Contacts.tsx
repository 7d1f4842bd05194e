// Contacts: a name for a Nym address. Addresses are checked by main (keys must decode) before saving.
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { Contact } from '../../../shared/domain/nym';
import { ErrorNote } from '../../ui/ErrorNote';

export function Contacts({ contacts, onWrite }: { contacts: Contact[]; onWrite: (address: string) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const add = useMutation({
    mutationFn: async () => unwrap(await api.nym.addContact({ name, address: address.trim() })),
    onSuccess: () => {
      setName('');
      setAddress('');
    },
  });
  const remove = useMutation({ mutationFn: async (id: string) => unwrap(await api.nym.removeContact({ id })) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <section aria-labelledby="contacts-h">
      <h2 id="contacts-h">{t('messages.contacts.heading')}</h2>
      {contacts.length === 0 ? <p className="muted">{t('messages.contacts.none')}</p> : null}
      <ul className="nym-contacts">
        {contacts.map((c) => (
          <li key={c.id}>
            <span className="nym-contact-name">{c.name}</span> <span className="code muted">{c.address.slice(0, 16)}…</span>{' '}
            <button type="button" onClick={() => onWrite(c.address)} aria-label={t('messages.contacts.writeTo', { name: c.name })}>
              {t('messages.contacts.write')}
            </button>{' '}
            <button type="button" onClick={() => remove.mutate(c.id)} aria-label={t('messages.contacts.removeContact', { name: c.name })}>
              {t('messages.contacts.remove')}
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} aria-labelledby="add-contact-h">
        <h3 id="add-contact-h">{t('messages.contacts.addHeading')}</h3>
        <div className="row">
          <label htmlFor="contact-name">{t('messages.contacts.name')}</label>
          <input id="contact-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required />
        </div>
        <div className="row">
          <label htmlFor="contact-address">{t('messages.contacts.address')}</label>
          <input id="contact-address" value={address} onChange={(e) => setAddress(e.target.value)} className="code" required spellCheck={false} />
        </div>
        <button type="submit" disabled={add.isPending}>
          {t('messages.contacts.add')}
        </button>
        {add.isError ? <ErrorNote error={add.error} /> : null}
        {remove.isError ? <ErrorNote error={remove.error} /> : null}
      </form>
    </section>
  );
}
