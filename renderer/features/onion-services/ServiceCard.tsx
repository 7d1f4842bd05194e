// One onion service: state (publishing → published), its port mappings, the address with copy and
// QR, the client's private key (Tor Browser's format) with copy and QR when client auth is on, and
// Remove.
import { useTranslation } from 'react-i18next';
import type { OnionService } from '../../../shared/domain/onion-services';
import { ErrorNote } from '../../ui/ErrorNote';
import { Shareable } from '../../ui/Shareable';
import { useRemoveOnionService } from './queries';

export function ServiceCard({ service }: { service: OnionService }) {
  const { t } = useTranslation();
  const remove = useRemoveOnionService();
  const headingId = `onion-service-${service.id}`;
  const facts = [service.persistent ? t('onionServices.card.persistent') : t('onionServices.card.temporary'), ...(service.clientAuth ? [t('onionServices.card.keyRequired')] : [])];
  return (
    <li className="card onion-service-card" data-testid="onion-service" aria-labelledby={headingId}>
      <h4 id={headingId}>{service.name}</h4>
      <p role="status" data-testid="onion-service-state" data-state={service.state}>
        {t(`onionServices.state.${service.state}`)}
        {service.error ? ` — ${service.error}` : ''}
      </p>
      <p className="muted">{facts.join(' · ')}</p>
      <ul className="port-map" aria-label={t('onionServices.card.ports')}>
        {service.ports.map((p) => (
          <li key={p.virtualPort} dir="ltr" className="code">
            {t('onionServices.card.mapping', { virtualPort: p.virtualPort, target: `${p.targetHost.includes(':') ? `[${p.targetHost.replace(/^\[|\]$/g, '')}]` : p.targetHost}:${p.targetPort}` })}
          </li>
        ))}
      </ul>
      {service.address ? (
        <Shareable
          heading={t('onionServices.card.address')}
          value={service.address}
          copyLabel={t('onionServices.card.copyAddress')}
          qrLabel={t('onionServices.card.qrAddress', { address: service.address })}
          testId="onion-service-address"
          qrTestId="onion-service-qr"
        />
      ) : null}
      {service.clientKey ? (
        <Shareable
          heading={t('onionServices.card.clientKey')}
          value={service.clientKey}
          copyLabel={t('onionServices.card.copyKey')}
          qrLabel={t('onionServices.card.qrKey')}
          testId="onion-service-key"
          qrTestId="onion-service-key-qr"
        />
      ) : null}
      {remove.error ? <ErrorNote error={remove.error} /> : null}
      <div className="actions">
        <button type="button" disabled={remove.isPending} onClick={() => remove.mutate(service.id)}>
          {t('onionServices.card.remove', { name: service.name })}
        </button>
      </div>
    </li>
  );
}
