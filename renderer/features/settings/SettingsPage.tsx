// Settings: language, daemon binary paths (used when no bundled binary exists) and autostart.
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useId, useState, type FormEvent } from 'react';
import { api } from '../../ipc/api';
import { useMainEvent } from '../../ipc/use-main-event';
import { unwrap } from '../../../shared/ipc/result';
import type { Settings, SettingsPatch } from '../../../shared/domain/app';
import { ErrorNote } from '../../ui/ErrorNote';

export const settingsKeys = { all: () => ['settings'] as const };

export function useSettings() {
  const qc = useQueryClient();
  const onChanged = useCallback((s: Settings) => qc.setQueryData(settingsKeys.all(), s), [qc]);
  useMainEvent(api.settings.onChanged, onChanged);
  return useQuery({ queryKey: settingsKeys.all(), queryFn: async () => unwrap(await api.settings.get()) });
}

export function SettingsPage() {
  const { t } = useTranslation();
  const settings = useSettings();
  const qc = useQueryClient();
  const update = useMutation({
    mutationFn: async (patch: SettingsPatch) => unwrap(await api.settings.update(patch)),
    onSuccess: (s) => qc.setQueryData(settingsKeys.all(), s),
  });
  if (settings.isPending) return <p>{t('common.loading')}</p>;
  if (settings.isError) return <ErrorNote error={settings.error} />;
  const s = settings.data;
  return (
    <div className="stack">
      <section aria-labelledby="lang-h">
        <h2 id="lang-h">{t('settings.language')}</h2>
        <label>
          {t('settings.interfaceLanguage')}{' '}
          <select value={s.language} onChange={(e) => update.mutate({ language: e.target.value === 'fa' ? 'fa' : 'en' })}>
            <option value="en">English</option>
            <option value="fa">فارسی (Persian)</option>
          </select>
        </label>
      </section>
      <section aria-labelledby="auto-h">
        <h2 id="auto-h">{t('settings.autostart')}</h2>
        {(['tor', 'i2p', 'nym'] as const).map((id) => (
          <label key={id} className="check">
            <input type="checkbox" checked={s.autostart[id]} onChange={(e) => update.mutate({ autostart: { [id]: e.target.checked } })} />
            {t(`settings.network.${id}`)}
          </label>
        ))}
      </section>
      <section aria-labelledby="bin-h">
        <h2 id="bin-h">{t('settings.programs')}</h2>
        <p className="muted">{t('settings.programsHelp')}</p>
        <BinaryField label="tor" value={s.binaries.tor} onSave={(v) => update.mutate({ binaries: { tor: v } })} />
        <BinaryField label="i2pd" value={s.binaries.i2pd} onSave={(v) => update.mutate({ binaries: { i2pd: v } })} />
        <BinaryField label="nym-client" value={s.binaries.nymClient} onSave={(v) => update.mutate({ binaries: { nymClient: v } })} />
      </section>
      {update.isError ? <ErrorNote error={update.error} /> : null}
    </div>
  );
}

function BinaryField({ label, value, onSave }: { label: string; value: string | null; onSave: (v: string | null) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value ?? '');
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave(draft.trim() === '' ? null : draft.trim());
  };
  return (
    <form onSubmit={submit} className="row">
      <label htmlFor={id}>{t('settings.pathTo', { name: label })}</label>
      <input id={id} value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t('settings.bundled')} spellCheck={false} />
      <button type="submit">{t('common.save')}</button>
    </form>
  );
}
