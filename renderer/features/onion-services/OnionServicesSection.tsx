// The onion services manager's part of the Onion services page (issue 5 §6): local ports published
// as onion services, the New onion service form, and the list with state, address, QR and Remove.
import { useTranslation } from 'react-i18next';
import { ErrorNote } from '../../ui/ErrorNote';
import { NewServiceForm } from './NewServiceForm';
import { ServiceCard } from './ServiceCard';
import { useOnionServiceEvents, useOnionServices } from './queries';
import { useOnionServicesUi } from './store';

export function OnionServicesSection() {
  const { t } = useTranslation();
  useOnionServiceEvents();
  const services = useOnionServices();
  const formOpen = useOnionServicesUi((s) => s.formOpen);
  const setFormOpen = useOnionServicesUi((s) => s.setFormOpen);
  return (
    <section className="stack onion-services" aria-labelledby="onion-services-heading">
      <h2 id="onion-services-heading">{t('onionServices.heading')}</h2>
      <p className="lead">{t('onionServices.lead')}</p>
      {formOpen ? (
        <NewServiceForm onDone={() => setFormOpen(false)} />
      ) : (
        <div className="actions">
          <button type="button" onClick={() => setFormOpen(true)}>
            {t('onionServices.new')}
          </button>
        </div>
      )}
      {services.error ? <ErrorNote error={services.error} /> : null}
      {services.data && services.data.length > 0 ? (
        <ul className="onion-services-list" aria-label={t('onionServices.list')}>
          {services.data.map((s) => (
            <ServiceCard key={s.id} service={s} />
          ))}
        </ul>
      ) : services.data ? (
        <p className="muted">{t('onionServices.none')}</p>
      ) : null}
    </section>
  );
}
