// One onion service: state (publishing → published), its port mappings, the address with copy and
// QR, the client's private key (Tor Browser's format) with copy and QR when client auth is on, and
// Remove.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OnionService } from '../../../shared/domain/onion-services';
import { ErrorNote } from '../../ui/ErrorNote';
import { Qr } from '../onion/Qr';
import { useRemoveOnionService } from './queries';

function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  return (
    <button type="button" data-testid={testId} onClick={() => void navigator.clipboard?.writeText(text).then(() => setDone(true))}>
      {done ? t('onionServices.copied') : label}
    </button>
  );
}

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
        <div className="onion-address">
          <div>
            <p>{t('onionServices.card.address')}</p>
            <p className="code" dir="ltr" data-testid="onion-service-address">
              {service.address}
            </p>
            <CopyButton text={service.address} label={t('onionServices.card.copyAddress')} />
          </div>
          <Qr text={service.address} label={t('onionServices.card.qrAddress', { address: service.address })} testId="onion-service-qr" />
        </div>
      ) : null}
      {service.clientKey ? (
        <div className="onion-address">
          <div>
            <p>{t('onionServices.card.clientKey')}</p>
            <p className="code" dir="ltr" data-testid="onion-service-key">
              {service.clientKey}
            </p>
            <CopyButton text={service.clientKey} label={t('onionServices.card.copyKey')} />
          </div>
          <Qr text={service.clientKey} label={t('onionServices.card.qrKey')} testId="onion-service-key-qr" />
        </div>
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
