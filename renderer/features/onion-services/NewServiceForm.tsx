// The New onion service form: a name, one or more "onion port → local port" mappings (loopback
// targets only), temporary or persistent address, client authorization. The shared rules check
// each field as the user submits; problems show beside their field, in the user's language.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ONION_SERVICE_MAX_PORTS, onionServiceProblems, type OnionServiceCreateArgs, type OnionServiceProblem } from '../../../shared/domain/onion-services';
import { ErrorNote } from '../../ui/ErrorNote';
import { useCreateOnionService } from './queries';

interface Row {
  key: number;
  virtualPort: string;
  targetHost: string;
  targetPort: string;
}

let nextKey = 1;
const newRow = (): Row => ({ key: nextKey++, virtualPort: '80', targetHost: '127.0.0.1', targetPort: '' });
// An empty or non-numeric box becomes NaN, which the shared rules report as out of range.
const asNumber = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

function FieldError({ id, problem }: { id: string; problem: OnionServiceProblem | undefined }) {
  const { t } = useTranslation();
  if (!problem) return null;
  return (
    <p id={id} className="field-error" data-testid="field-error">
      {t(`onionServices.problem.${problem}`, { max: ONION_SERVICE_MAX_PORTS })}
    </p>
  );
}

export function NewServiceForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const create = useCreateOnionService();
  const [name, setName] = useState('');
  const [rows, setRows] = useState<Row[]>(() => [newRow()]);
  const [persistent, setPersistent] = useState(false);
  const [clientAuth, setClientAuth] = useState(false);
  const [problems, setProblems] = useState<Record<string, OnionServiceProblem>>({});

  const args = (): OnionServiceCreateArgs => ({
    name,
    persistent,
    clientAuth,
    ports: rows.map((r) => ({ virtualPort: asNumber(r.virtualPort), targetPort: asNumber(r.targetPort), targetHost: r.targetHost.trim() })),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const a = args();
    const found = onionServiceProblems(a);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    create.mutate(a, { onSuccess: onDone });
  };

  const update = (key: number, patch: Partial<Row>) => setRows((old) => old.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const described = (field: string) => (problems[field] ? { 'aria-invalid': true, 'aria-describedby': `os-err-${field.replaceAll('.', '-')}` } : {});
  const errId = (field: string) => `os-err-${field.replaceAll('.', '-')}`;

  return (
    <form className="panel onion-service-form" onSubmit={submit} aria-labelledby="new-onion-service-heading" noValidate>
      <h3 id="new-onion-service-heading">{t('onionServices.new')}</h3>
      <label htmlFor="os-name">{t('onionServices.form.name')}</label>
      <input id="os-name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} {...described('name')} />
      <FieldError id={errId('name')} problem={problems.name} />
      <fieldset>
        <legend>{t('onionServices.form.ports')}</legend>
        <p className="muted">{t('onionServices.form.portsHelp')}</p>
        <FieldError id={errId('ports')} problem={problems.ports} />
        <ol className="port-rows">
          {rows.map((r, i) => (
            <li key={r.key} className="port-row" data-testid="port-row">
              <div>
                <label htmlFor={`os-vport-${r.key}`}>{t('onionServices.form.virtualPort', { n: i + 1 })}</label>
                <input id={`os-vport-${r.key}`} inputMode="numeric" value={r.virtualPort} onChange={(e) => update(r.key, { virtualPort: e.target.value })} {...described(`ports.${i}.virtualPort`)} />
                <FieldError id={errId(`ports.${i}.virtualPort`)} problem={problems[`ports.${i}.virtualPort`]} />
              </div>
              <div>
                <label htmlFor={`os-host-${r.key}`}>{t('onionServices.form.targetHost', { n: i + 1 })}</label>
                <input id={`os-host-${r.key}`} dir="ltr" value={r.targetHost} onChange={(e) => update(r.key, { targetHost: e.target.value })} {...described(`ports.${i}.targetHost`)} />
                <FieldError id={errId(`ports.${i}.targetHost`)} problem={problems[`ports.${i}.targetHost`]} />
              </div>
              <div>
                <label htmlFor={`os-tport-${r.key}`}>{t('onionServices.form.targetPort', { n: i + 1 })}</label>
                <input id={`os-tport-${r.key}`} inputMode="numeric" value={r.targetPort} onChange={(e) => update(r.key, { targetPort: e.target.value })} {...described(`ports.${i}.targetPort`)} />
                <FieldError id={errId(`ports.${i}.targetPort`)} problem={problems[`ports.${i}.targetPort`]} />
              </div>
              {rows.length > 1 ? (
                <button type="button" onClick={() => setRows((old) => old.filter((x) => x.key !== r.key))}>
                  {t('onionServices.form.removePort', { n: i + 1 })}
                </button>
              ) : null}
            </li>
          ))}
        </ol>
        {rows.length < ONION_SERVICE_MAX_PORTS ? (
          <button type="button" onClick={() => setRows((old) => [...old, { ...newRow(), virtualPort: '' }])}>
            {t('onionServices.form.addPort')}
          </button>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>{t('onionServices.form.address')}</legend>
        <label className="check">
          <input type="radio" name="os-address" checked={!persistent} onChange={() => setPersistent(false)} /> {t('onionServices.form.temporary')}
        </label>
        <label className="check">
          <input type="radio" name="os-address" checked={persistent} onChange={() => setPersistent(true)} /> {t('onionServices.form.persistent')}
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={clientAuth} onChange={(e) => setClientAuth(e.target.checked)} /> {t('onionServices.form.clientAuth')}
      </label>
      {/* tor's refusal, or field errors from main should its rules ever differ from these. */}
      {create.error ? <ErrorNote error={create.error} /> : null}
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? t('onionServices.form.creating') : t('onionServices.form.create')}
        </button>
        <button type="button" onClick={onDone}>
          {t('onionServices.form.cancel')}
        </button>
      </div>
    </form>
  );
}
