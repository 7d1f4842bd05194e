// The effective torrc (read-only) and a safe editor for common options: each change goes through
// SETCONF, which tor validates; a bad value leaves the old one in place and shows tor's message.
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { EDITABLE_OPTIONS } from '../../../shared/domain/tor';
import { ErrorNote } from '../../ui/ErrorNote';
import { torKeys, useTorConfig } from './queries';

type Key = (typeof EDITABLE_OPTIONS)[number];

export function TorConfig({ enabled }: { enabled: boolean }) {
  const { t } = useTranslation();
  const config = useTorConfig(enabled);
  const qc = useQueryClient();
  const set = useMutation({
    mutationFn: async (v: { key: Key; value: string }) => unwrap(await api.tor.setOption(v)),
    onSuccess: (c) => qc.setQueryData(torKeys.config(), c),
  });
  const reset = useMutation({
    mutationFn: async (key: Key) => unwrap(await api.tor.resetOption({ key })),
    onSuccess: (c) => qc.setQueryData(torKeys.config(), c),
  });
  if (!enabled) return null;
  return (
    <section aria-labelledby="conf-h">
      <h2 id="conf-h">{t('tor.configuration')}</h2>
      {config.isError ? <ErrorNote error={config.error} /> : null}
      {config.data?.options.map((o) => (
        <OptionRow key={o.key} k={o.key} value={o.value} changed={o.changed} onSave={(value) => set.mutate({ key: o.key, value })} onReset={() => reset.mutate(o.key)} />
      ))}
      {set.isError ? <ErrorNote error={set.error} /> : null}
      {reset.isError ? <ErrorNote error={reset.error} /> : null}
      <details>
        <summary>{t('tor.effectiveTorrc')}</summary>
        <pre className="log" tabIndex={0}>
          {config.data?.torrc}
        </pre>
      </details>
    </section>
  );
}

function OptionRow({ k, value, changed, onSave, onReset }: { k: Key; value: string; changed: boolean; onSave: (v: string) => void; onReset: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave(draft.trim());
  };
  return (
    <form className="row" onSubmit={submit}>
      <label htmlFor={id} className="code">
        {k}
      </label>
      <input id={id} value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
      <button type="submit">{t('tor.applyOption')}</button>
      <button type="button" onClick={onReset} disabled={!changed}>
        {t('tor.revert')}
      </button>
    </form>
  );
}
