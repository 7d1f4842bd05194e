// Tor's bootstrap as a labelled progress bar with tor's own phase text and any reported problem.
import { useTranslation } from 'react-i18next';
import type { TorStatus } from '../../../shared/domain/tor';

export function BootstrapBar({ status }: { status: TorStatus }) {
  const { t } = useTranslation();
  const b = status.bootstrap;
  return (
    <section aria-labelledby="boot-h" className="boot">
      <h2 id="boot-h">{t('tor.connection')}</h2>
      <div
        role="progressbar"
        aria-label={t('tor.bootstrap')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={b.progress}
        aria-valuetext={`${b.progress}%: ${b.summary}`}
        className="bar"
        data-testid="bootstrap-bar"
      >
        <div className="bar-fill" style={{ inlineSize: `${b.progress}%` }} />
      </div>
      <p data-testid="bootstrap-text">
        {status.running ? `${b.progress}% — ${b.summary}` : t('tor.notRunning')}
        {status.version ? <span className="muted"> · {t('tor.version', { version: status.version })}</span> : null}
      </p>
      {b.problem ? (
        <p role="alert" className="error-note">
          {t('tor.problem', { warning: b.problem.warning })}
          {b.problem.reason ? ` (${b.problem.reason})` : ''}
        </p>
      ) : null}
    </section>
  );
}
