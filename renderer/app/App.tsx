// The shell: skip link, navigation, and the current section. Focus moves to the section heading on
// navigation so keyboard and screen-reader users land in the content.
import { useEffect, useRef } from 'react';
import { SECTIONS, type SectionId } from './sections';
import { useNavStore } from '../ui/nav-store';
import { useConnectionStore } from '../ui/connection-store';
import { useSupervisorEvents } from '../features/overview/queries';
import { OverviewPage } from '../features/overview/OverviewPage';
import { SettingsPage, useSettings } from '../features/settings/SettingsPage';
import { LabPage } from '../features/lab/LabPage';
import { TorPage } from '../features/tor/TorPage';
import { I2pPage } from '../features/i2p/I2pPage';
import { BridgesPage } from '../features/bridges/BridgesPage';
import { DropsSection } from '../features/drops/DropsSection';
import { DropAnnouncements } from '../features/drops/DropAnnouncements';
import { OnionServicesSection } from '../features/onion-services/OnionServicesSection';
import { GuidancePage } from '../features/guidance/GuidancePage';
import { useTranslation } from 'react-i18next';
import i18n from '../i18n';
import { MessagesPage } from '../features/messages/MessagesPage';

function SectionBody({ id }: { id: SectionId }) {
  switch (id) {
    case 'overview':
      return <OverviewPage />;
    case 'tor':
      return <TorPage />;
    case 'onion':
      // Drops and the manager for local ports share the Onion services page.
      return (
        <>
          <DropsSection />
          <OnionServicesSection />
        </>
      );
    case 'bridges':
      return <BridgesPage />;
    case 'i2p':
      return <I2pPage />;
    case 'messages':
      return <MessagesPage />;
    case 'guidance':
      return <GuidancePage />;
    case 'lab':
      return <LabPage />;
    case 'settings':
      return <SettingsPage />;
  }
}

export function App() {
  const section = useNavStore((s) => s.section);
  const go = useNavStore((s) => s.go);
  const connection = useConnectionStore((s) => s.state);
  const settings = useSettings();
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  const { t } = useTranslation();
  useSupervisorEvents();

  const language = settings.data?.language ?? 'en';
  useEffect(() => {
    void i18n.changeLanguage(language);
    document.documentElement.lang = language;
    document.documentElement.dir = language === 'fa' ? 'rtl' : 'ltr';
  }, [language]);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [section]);

  const current = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0];
  return (
    <div className="shell">
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), heading.current?.focus())}>
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <span className="brand">Underpass</span>
        {connection === 'closed' || connection === 'connecting' ? (
          <span role="status" className="conn">
            {connection === 'closed' ? t('shell.disconnected') : t('shell.connecting')}
          </span>
        ) : null}
        {connection === 'unauthorized' ? (
          <span role="alert" className="conn">
            {t('shell.unauthorized')}
          </span>
        ) : null}
      </header>
      <nav aria-label={t('nav.label')} className="sidebar">
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.id}>
              <a
                href={`#/${s.id}`}
                aria-current={s.id === section ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  go(s.id);
                }}
              >
                {t(`nav.${s.id}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content">
        <h1 ref={heading} tabIndex={-1}>
          {t(`nav.${current.id}`)}
        </h1>
        <DropAnnouncements />
        <SectionBody id={section} />
      </main>
    </div>
  );
}
