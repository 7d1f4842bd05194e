// The bootstrap diagnosis as a banner: what failed, what to do, the evidence, and a one-click
// "Use a bridge" (the lab bridge in lab mode; the built-in bridge the cause suggests otherwise).
import { useTranslation } from 'react-i18next';
import type { BridgeSelection, Diagnosis } from '../../../shared/domain/bridges';
import { ErrorNote } from '../../ui/ErrorNote';
import { useAppInfo } from '../overview/queries';
import { useApplyBridges, useBridgesEvents, useBuiltin, useDiagnosis } from './queries';
import { localTitle } from './diagnosis-text';

function suggestedSelection(d: Diagnosis, lab: boolean, available: (id: 'obfs4' | 'snowflake' | 'meek') => boolean): BridgeSelection | null {
  if (lab) return { kind: 'lab' };
  // Blocked directories usually mean address blocking too: snowflake first, then obfs4, then meek.
  const order = d.cause === 'directory-blocked' ? (['snowflake', 'obfs4', 'meek'] as const) : (['obfs4', 'snowflake', 'meek'] as const);
  const id = order.find(available);
  return id ? { kind: 'builtin', id } : null;
}

export function DiagnosisBanner() {
  const { t, i18n } = useTranslation();
  useBridgesEvents();
  const diagnosis = useDiagnosis();
  const info = useAppInfo();
  const builtin = useBuiltin();
  const apply = useApplyBridges();
  const d = diagnosis.data;
  if (!d || d.cause === 'none') return null;
  const lab = info.data?.mode === 'lab';
  // Main words its diagnosis in English; other languages word the cause themselves, with the
  // specifics (bridge address, clock offset, seconds stalled) from d.params.
  const english = i18n.language === 'en';
  const title = english ? d.title : localTitle(d, t, i18n.language);
  const nextStep = english ? d.nextStep : t(`bridges.cause.${d.cause}.next`);
  const selection = suggestedSelection(d, lab, (id) => builtin.data?.choices.find((c) => c.id === id)?.available ?? false);
  return (
    <section className="diagnosis" aria-labelledby="diag-h" data-testid="diagnosis" data-cause={d.cause}>
      <h2 id="diag-h">{t('bridges.diagnosisHeading')}</h2>
      <p role="alert" className="diagnosis-title">
        {title}
      </p>
      <p>{nextStep}</p>
      <details>
        <summary>{t('bridges.evidence')}</summary>
        <ul>
          {d.evidence.map((e) => (
            <li key={e} className="code">
              {e}
            </li>
          ))}
        </ul>
      </details>
      {d.suggestBridge && selection ? (
        <button type="button" onClick={() => apply.mutate(selection)} disabled={apply.isPending}>
          {lab ? t('bridges.useLabBridge') : t('bridges.useBridge')}
        </button>
      ) : null}
      {apply.isSuccess ? <p role="status">{t('bridges.applied')}</p> : null}
      {apply.isError ? <ErrorNote error={apply.error} /> : null}
    </section>
  );
}
