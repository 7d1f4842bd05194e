// The Onion services section: drops (receive files and messages from sources over an onion
// service, OnionShare receive mode's job) with a New drop form, each drop's live uploads, and an
// aria-live announcement when an upload completes (the desktop notification is the host's).
import { useTranslation } from 'react-i18next';
import { ErrorNote } from '../../ui/ErrorNote';
import { DropCard } from './DropCard';
import { NewDropForm } from './NewDropForm';
import { useDropEvents, useDrops } from './queries';
import { useOnionUi } from './store';

export function OnionPage() {
  const { t } = useTranslation();
  useDropEvents();
  const drops = useDrops();
  const formOpen = useOnionUi((s) => s.formOpen);
  const setFormOpen = useOnionUi((s) => s.setFormOpen);
  const announcements = useOnionUi((s) => s.announcements);
  const dismiss = useOnionUi((s) => s.dismiss);
  return (
    <div className="stack">
      {/* Always in the DOM so screen readers pick up what is added to it. */}
      <div className="toasts" role="status" aria-live="polite" data-testid="drop-announcements">
        {announcements.map((a) => (
          <div key={a.key} className="toast" data-testid="drop-announcement">
            <span>{t('onion.announce.complete', { title: a.title })}</span>
            <button type="button" onClick={() => dismiss(a.key)}>
              {t('onion.announce.dismiss')}
            </button>
          </div>
        ))}
      </div>
      <p className="lead">{t('onion.lead')}</p>
      {formOpen ? (
        <NewDropForm onDone={() => setFormOpen(false)} />
      ) : (
        <div className="actions">
          <button type="button" onClick={() => setFormOpen(true)}>
            {t('onion.newDrop')}
          </button>
        </div>
      )}
      {drops.error ? <ErrorNote error={drops.error} /> : null}
      {drops.data && drops.data.length > 0 ? (
        <ul className="drops" aria-label={t('onion.drops')}>
          {drops.data.map((d) => (
            <DropCard key={d.id} drop={d} />
          ))}
        </ul>
      ) : drops.data ? (
        <p className="muted">{t('onion.none')}</p>
      ) : null}
    </div>
  );
}
