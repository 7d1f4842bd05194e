// The Onion services section: drops (receive files and messages from sources over an onion
// service, OnionShare receive mode's job) with a New drop form and each drop's live uploads.
// Completed uploads are announced app-wide by DropAnnouncements (the desktop notification is the host's).
import { useTranslation } from 'react-i18next';
import { ErrorNote } from '../../ui/ErrorNote';
import { DropCard } from './DropCard';
import { NewDropForm } from './NewDropForm';
import { useDrops } from './queries';
import { useOnionUi } from './store';

export function DropsSection() {
  const { t } = useTranslation();
  const drops = useDrops();
  const formOpen = useOnionUi((s) => s.formOpen);
  const setFormOpen = useOnionUi((s) => s.setFormOpen);
  return (
    <div className="stack">
      <p className="lead">{t('drops.lead')}</p>
      {formOpen ? (
        <NewDropForm onDone={() => setFormOpen(false)} />
      ) : (
        <div className="actions">
          <button type="button" onClick={() => setFormOpen(true)}>
            {t('drops.newDrop')}
          </button>
        </div>
      )}
      {drops.error ? <ErrorNote error={drops.error} /> : null}
      {drops.data && drops.data.length > 0 ? (
        <ul className="drops" aria-label={t('drops.drops')}>
          {drops.data.map((d) => (
            <DropCard key={d.id} drop={d} />
          ))}
        </ul>
      ) : drops.data ? (
        <p className="muted">{t('drops.none')}</p>
      ) : null}
    </div>
  );
}
