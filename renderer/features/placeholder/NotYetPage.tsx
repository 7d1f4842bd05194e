// Shown for a section whose service is not in this build: says so plainly, shows no made-up data.
import { useTranslation } from 'react-i18next';
import type { NetworkId } from '../../../shared/domain/network';
import { useAppInfo } from '../overview/queries';

export function NotYetPage({ what, network }: { what: string; network?: NetworkId }) {
  const { t } = useTranslation();
  const info = useAppInfo();
  const availability = network ? info.data?.networks.find((n) => n.id === network) : undefined;
  return (
    <div className="notice" role="status">
      <p>
        <strong>{what}</strong> {t('notYet.notAvailable')}
      </p>
      {availability?.reason ? <p className="muted">{availability.reason}</p> : null}
      <p className="muted">{t('notYet.noSimulation')}</p>
    </div>
  );
}
