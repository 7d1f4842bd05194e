// "Upload complete" announcements, mounted by the shell on every page: a journalist working in
// another section still hears (aria-live) and sees that a source's upload has landed.
import { useTranslation } from 'react-i18next';
import { useDropEvents } from './queries';
import { useOnionUi } from './store';

export function DropAnnouncements() {
  const { t } = useTranslation();
  // Drop events update the cache from here too, so the Onion page is current whenever it opens.
  useDropEvents();
  const announcements = useOnionUi((s) => s.announcements);
  const dismiss = useOnionUi((s) => s.dismiss);
  return (
    // Always in the DOM so screen readers pick up what is added to it.
    <div className="toasts" role="status" aria-live="polite" data-testid="drop-announcements">
      {announcements.map((a) => (
        <div key={a.key} className="toast" data-testid="drop-announcement">
          <span>{t('drops.announce.complete', { title: a.title })}</span>
          <button type="button" onClick={() => dismiss(a.key)}>
            {t('drops.announce.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}
