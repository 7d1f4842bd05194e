// Guidance: two questions → a recommendation from the versioned content file, with what it does not
// protect, its sources, and buttons that apply it through the contract; then a live comparison of
// the networks running now next to the protection table. Every string comes from i18n.
import { useMutation } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import raw from '../../../shared/guidance/guidance.json';
import { ADVERSARIES, GuidanceContentSchema, NEEDS, type GuidanceAction, type Measurement } from '../../../shared/domain/guidance';
import type { LocalizedText } from '../../../shared/domain/guidance';
import { recommend } from '../../../shared/guidance/recommend';
import { unwrap } from '../../../shared/ipc/result';
import { api } from '../../ipc/api';
import { useNavStore } from '../../ui/nav-store';
import { ErrorNote } from '../../ui/ErrorNote';
import { useGuidanceUi } from './store';

const content = GuidanceContentSchema.parse(raw);

export function GuidancePage() {
  const { t, i18n } = useTranslation();
  const lang: keyof LocalizedText = i18n.language === 'fa' ? 'fa' : 'en';
  const need = useGuidanceUi((s) => s.need);
  const adversary = useGuidanceUi((s) => s.adversary);
  const setNeed = useGuidanceUi((s) => s.setNeed);
  const setAdversary = useGuidanceUi((s) => s.setAdversary);
  const rec = useMemo(() => (need && adversary ? recommend(content, need, adversary) : null), [need, adversary]);
  const needName = useId();
  const advName = useId();

  return (
    <div className="stack">
      <p className="lead">{t('guidance.intro')}</p>
      <fieldset>
        <legend>{t('guidance.needQuestion')}</legend>
        {NEEDS.map((n) => (
          <label key={n} className="check">
            <input type="radio" name={needName} value={n} checked={need === n} onChange={() => setNeed(n)} />
            {t(`guidance.need.${n}`)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('guidance.adversaryQuestion')}</legend>
        {ADVERSARIES.map((a) => (
          <label key={a} className="check">
            <input type="radio" name={advName} value={a} checked={adversary === a} onChange={() => setAdversary(a)} />
            {t(`guidance.adversary.${a}`)}
          </label>
        ))}
      </fieldset>
      {rec ? (
        <section aria-labelledby="rec-h" className="panel" data-testid="recommendation" data-recommendation={rec.id}>
          <h2 id="rec-h">
            {t('guidance.recommendation')}: {rec.title[lang]}
          </h2>
          <p>
            {t('guidance.transport')}: <strong>{t(`guidance.transportName.${rec.transport}`)}</strong>
          </p>
          <TextList title={t('guidance.settings')} items={rec.settings.map((s) => s[lang])} />
          <TextList title={t('guidance.doesNotProtect')} items={rec.doesNotProtect.map((s) => s[lang])} />
          <TextList title={t('guidance.alsoDo')} items={rec.alsoDo.map((s) => s[lang])} />
          <h3>{t('guidance.why')}</h3>
          <ul>
            {rec.claimDetails.map(({ id, claim }) => (
              <li key={id}>
                {claim.text[lang]}{' '}
                <span className="muted">
                  ({t('guidance.source')}:{' '}
                  {claim.sources.map((s, i) => (
                    // Plain text, never a link: a click must not open the public web from a lab machine.
                    <span key={s.url}>
                      {i > 0 ? '; ' : ''}
                      {s.title} <span className="code">{s.url}</span>
                    </span>
                  ))}
                  )
                </span>
              </li>
            ))}
          </ul>
          <div className="actions">
            {rec.actions.map((a) => (
              <ApplyButton key={a} action={a} />
            ))}
          </div>
        </section>
      ) : null}
      <Comparison lang={lang} />
      <p className="muted">{t('guidance.contentVersion', { version: content.version })}</p>
    </div>
  );
}

function TextList({ title, items }: { title: string; items: string[] }) {
  if (items.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul>
        {items.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
    </>
  );
}

function ApplyButton({ action }: { action: GuidanceAction }) {
  const { t } = useTranslation();
  const go = useNavStore((s) => s.go);
  const keyId = useId();
  const ageRecipient = useGuidanceUi((s) => s.ageRecipient);
  const setAgeRecipient = useGuidanceUi((s) => s.setAgeRecipient);
  const isDrop = action === 'drop.createProtected';
  const key = isDrop ? ageRecipient.trim() : '';
  const apply = useMutation({
    mutationFn: async () => unwrap(await api.guidance.apply(key ? { action, ageRecipient: key } : { action })),
    onSuccess: (r) => {
      if (r.navigate) go(r.navigate);
    },
  });
  const outcome = apply.data?.done ? (isDrop && key ? 'applyDoneEncrypted' : 'applyDone') : 'applyNotDone';
  return (
    <div>
      {isDrop ? (
        // Encryption at rest needs the journalist's own key; the app never makes one up for them.
        <div className="guidance-key">
          <label htmlFor={keyId}>{t('guidance.ageRecipientLabel')}</label>
          <input id={keyId} className="code" dir="ltr" spellCheck={false} autoComplete="off" value={ageRecipient} onChange={(e) => setAgeRecipient(e.target.value)} placeholder={t('guidance.ageRecipientPlaceholder')} data-testid="drop-age-recipient" />
          <p className="muted" data-testid="drop-encryption-note" data-encrypted={key ? 'yes' : 'no'}>
            {key ? t('guidance.dropEncryptionOn') : t('guidance.dropEncryptionNote')}
          </p>
        </div>
      ) : null}
      <button type="button" onClick={() => apply.mutate()} disabled={apply.isPending} data-action={action}>
        {t(`guidance.action.${action}`)}
      </button>
      {apply.isSuccess ? (
        <div role="status">
          {/* Worded here from the action and its outcome; main's English message is kept for reports. */}
          <p>{t('guidance.applied', { message: outcome === 'applyDoneEncrypted' ? t('guidance.applyDoneEncrypted') : t(`guidance.${outcome}.${action}`) })}</p>
          <details>
            <summary>{t('errors.details')}</summary>
            <p className="code" lang="en" dir="ltr">
              {apply.data.message}
            </p>
          </details>
        </div>
      ) : null}
      {apply.isError ? <ErrorNote error={apply.error} /> : null}
    </div>
  );
}

function Comparison({ lang }: { lang: 'en' | 'fa' }) {
  const { t } = useTranslation();
  const measure = useMutation({ mutationFn: async () => unwrap(await api.guidance.measure()) });
  // Units and digits in the reader's language (Persian digits and words in fa).
  const locale = lang === 'fa' ? 'fa-IR' : 'en';
  const seconds = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const millis = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const fmtMs = (ms: number) => (ms >= 1000 ? t('guidance.secondsValue', { value: seconds.format(ms / 1000) }) : t('guidance.msValue', { value: millis.format(ms) }));
  const byNetwork = new Map<string, Measurement>((measure.data ?? []).map((m) => [m.network, m]));
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return (
    <section aria-labelledby="cmp-h">
      <h2 id="cmp-h">{t('guidance.compareTitle')}</h2>
      <p className="muted">{t('guidance.compareIntro')}</p>
      <button type="button" onClick={() => measure.mutate()} disabled={measure.isPending}>
        {measure.isPending ? t('guidance.measuring') : t('guidance.measure')}
      </button>
      {measure.isError ? <ErrorNote error={measure.error} /> : null}
      <table data-testid="comparison">
        <caption className="sr-only">{t('guidance.protectionTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('guidance.network')}</th>
            <th scope="col">{t('guidance.rtt')}</th>
            <th scope="col">{t('guidance.throughput')}</th>
            <th scope="col">{t('guidance.typical')}</th>
            <th scope="col">{t('guidance.localObserver')}</th>
            <th scope="col">{t('guidance.serviceCol')}</th>
            <th scope="col">{t('guidance.exit')}</th>
            <th scope="col">{t('guidance.globalObserver')}</th>
          </tr>
        </thead>
        <tbody>
          {(['tor', 'i2p', 'nym'] as const).map((n) => {
            const m = byNetwork.get(n);
            const p = content.protection[n];
            const typical = content.typicalLatencyMs[n];
            return (
              <tr key={n} data-network={n}>
                <th scope="row">{t(`guidance.transportName.${n}`)}</th>
                <td>
                  {m?.ok ? (
                    <>
                      {fmtMs(m.rttMs)} <span className="muted">({new Date(m.at).toLocaleTimeString(lang)})</span>
                    </>
                  ) : m ? (
                    <span className="muted" data-failure={m.code}>
                      {t('guidance.notMeasured', { reason: t(`guidance.measureFailure.${m.code}`) })}
                      <details>
                        <summary>{t('errors.details')}</summary>
                        <span className="code" lang="en" dir="ltr">
                          {m.reason}
                        </span>
                      </details>
                    </span>
                  ) : (
                    '–'
                  )}
                </td>
                <td>{m?.ok && m.throughputBps !== null ? t('guidance.throughputValue', { value: nf.format(m.throughputBps / 1024 / 1024) }) : '–'}</td>
                <td>{typical ? `${fmtMs(typical[0])}–${fmtMs(typical[1])}` : '–'}</td>
                {(['localObserver', 'service', 'exit', 'globalObserver'] as const).map((col) => (
                  <td key={col}>{p ? t(`guidance.level.${p[col]}`) : '–'}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
