// The Bridges page: the diagnosis, built-in choices one click each with their explanation, a paste
// box with per-line/per-field errors and QR import, each applied bridge as a QR code with a
// reachability test, stored test results, and revert to a direct connection.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BridgeLineResult, ReachabilityResult } from '../../../shared/domain/bridges';
import { ErrorNote } from '../../ui/ErrorNote';
import { useAppInfo } from '../overview/queries';
import { BridgeQr, readQrFromFile } from './BridgeQr';
import { DiagnosisBanner } from './DiagnosisBanner';
import { decodeQrPixels } from './qr';
import { useApplyBridges, useBridgeConfig, useBridgeTests, useBuiltin, useRevertBridges, useTestBridge, useValidation } from './queries';

function LineCheck({ r }: { r: BridgeLineResult }) {
  const { t } = useTranslation();
  if (r.bridge) {
    return (
      <li className="ok" data-testid="line-ok">
        {t('bridges.lineOk', { n: r.lineNumber, transport: r.bridge.transport, address: `${r.bridge.address}:${r.bridge.port}` })}
      </li>
    );
  }
  return (
    <li className="bad" data-testid="line-error">
      {t('bridges.lineBad', { n: r.lineNumber })}
      <ul>
        {r.errors.map((e, i) => (
          <li key={i}>
            <span className="code">{e.arg ? `${e.arg}=` : e.field}</span> {e.message}
          </li>
        ))}
      </ul>
    </li>
  );
}

function TestResult({ r }: { r: ReachabilityResult }) {
  const { t } = useTranslation();
  return (
    <div className={r.ok ? 'test ok' : 'test bad'} data-testid="test-result">
      <strong>{r.ok ? t('bridges.reachable') : t('bridges.unreachable')}</strong>{' '}
      <span className="muted">{new Date(r.finishedAt).toLocaleString()}</span>
      <ol className="stages">
        {r.stages.map((s) => (
          <li key={s.stage}>{t('bridges.stage', { stage: t(`bridges.stages.${s.stage}`), ms: s.afterMs })}</li>
        ))}
      </ol>
      {r.failure ? <p>{r.failure}</p> : null}
    </div>
  );
}

function BridgeRow({ line, result }: { line: string; result: ReachabilityResult | undefined }) {
  const { t } = useTranslation();
  const [showQr, setShowQr] = useState(false);
  const test = useTestBridge();
  return (
    <li className="bridge-row">
      <span className="code bridge-line" data-testid="bridge-line">
        {line}
      </span>
      <div className="actions">
        <button type="button" onClick={() => setShowQr((v) => !v)} aria-expanded={showQr}>
          {showQr ? t('bridges.hideQr') : t('bridges.showQr')}
        </button>
        <button type="button" onClick={() => test.mutate(line)} disabled={test.isPending}>
          {test.isPending ? t('bridges.testing') : t('bridges.test')}
        </button>
      </div>
      {showQr ? <BridgeQr line={line} /> : null}
      {test.isError ? <ErrorNote error={test.error} /> : null}
      {result ? <TestResult r={result} /> : null}
    </li>
  );
}

export function BridgesPage() {
  const { t } = useTranslation();
  const info = useAppInfo();
  const builtin = useBuiltin();
  const current = useBridgeConfig();
  const tests = useBridgeTests();
  const apply = useApplyBridges();
  const revert = useRevertBridges();
  const [text, setText] = useState('');
  const [qrNote, setQrNote] = useState<string | null>(null);
  const validation = useValidation(text);
  const lab = info.data?.mode === 'lab';
  const labBridges = builtin.data?.labBridges ?? [];
  const results = validation.data ?? [];
  const allValid = results.length > 0 && results.every((r) => r.bridge);
  const conf = current.data;

  const importQr = async (file: File | undefined) => {
    if (!file) return;
    const line = await readQrFromFile(file, decodeQrPixels).catch(() => null);
    if (!line) {
      setQrNote(t('bridges.qrNone'));
      return;
    }
    setQrNote(t('bridges.qrRead'));
    setText((old) => (old.trim() ? `${old.trimEnd()}\n${line}` : line));
  };

  return (
    <div className="stack bridges">
      <DiagnosisBanner />

      <section aria-labelledby="br-cur-h">
        <h2 id="br-cur-h">{t('bridges.current')}</h2>
        {current.isError ? <ErrorNote error={current.error} /> : null}
        <p data-testid="bridges-current">
          {conf && conf.bridges.length > 0 ? t('bridges.using', { count: conf.bridges.length, transports: conf.transports.join(', ') }) : t('bridges.direct')}
        </p>
        {conf && conf.bridges.length > 0 ? (
          <>
            <ul className="bridge-list">
              {conf.bridges.map((b) => (
                <BridgeRow key={b.line} line={b.line} result={tests.data?.find((r) => r.line === b.line)} />
              ))}
            </ul>
            <button type="button" onClick={() => revert.mutate()} disabled={revert.isPending}>
              {t('bridges.revert')}
            </button>
          </>
        ) : null}
        {revert.isError ? <ErrorNote error={revert.error} /> : null}
      </section>

      <section aria-labelledby="br-builtin-h">
        <h2 id="br-builtin-h">{t('bridges.builtin')}</h2>
        {lab && labBridges.length > 0 ? (
          <div className="choice">
            <h3>{t('bridges.labBridge')}</h3>
            {labBridges.includes('obfs4') ? (
              <>
                <p>{t('bridges.labBridgeExplain')}</p>
                <button type="button" onClick={() => apply.mutate({ kind: 'lab' })} disabled={apply.isPending}>
                  {t('bridges.useLabBridge')}
                </button>
              </>
            ) : null}
            {labBridges.includes('webtunnel') ? (
              <>
                <p>{t('bridges.labWebtunnelExplain')}</p>
                <button type="button" onClick={() => apply.mutate({ kind: 'lab', transport: 'webtunnel' })} disabled={apply.isPending}>
                  {t('bridges.useLabWebtunnel')}
                </button>
              </>
            ) : null}
          </div>
        ) : null}
        {builtin.isError ? <ErrorNote error={builtin.error} /> : null}
        {builtin.data?.choices.map((c) => (
          <div className="choice" key={c.id}>
            <h3>{c.label}</h3>
            <p>{c.explanation}</p>
            <button type="button" onClick={() => apply.mutate({ kind: 'builtin', id: c.id })} disabled={!c.available || apply.isPending} aria-describedby={c.available ? undefined : `why-${c.id}`}>
              {t('bridges.use', { name: c.label })}
            </button>
            {!c.available && c.unavailableReason ? (
              <p id={`why-${c.id}`} className="muted">
                {c.unavailableReason}
              </p>
            ) : null}
          </div>
        ))}
        {builtin.data ? (
          <p className="muted">
            {t('bridges.source', { date: builtin.data.source.retrievedAt })} <span className="code">{builtin.data.source.url}</span>
          </p>
        ) : null}
        {apply.isError ? <ErrorNote error={apply.error} /> : null}
        {apply.isSuccess ? <p role="status">{t('bridges.applied')}</p> : null}
      </section>

      <section aria-labelledby="br-custom-h">
        <h2 id="br-custom-h">{t('bridges.custom')}</h2>
        <label htmlFor="bridge-text">{t('bridges.pasteLabel')}</label>
        <textarea id="bridge-text" rows={5} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} className="code" />
        <label htmlFor="bridge-qr-file">{t('bridges.qrImport')}</label>
        <input id="bridge-qr-file" type="file" accept="image/*" onChange={(e) => void importQr(e.target.files?.[0])} />
        {qrNote ? <p role="status">{qrNote}</p> : null}
        {results.length > 0 ? (
          <ul className="line-checks" aria-live="polite">
            {results.map((r) => (
              <LineCheck key={`${r.lineNumber}:${r.input}`} r={r} />
            ))}
          </ul>
        ) : null}
        <button type="button" onClick={() => apply.mutate({ kind: 'custom', text })} disabled={!allValid || apply.isPending}>
          {t('bridges.applyCustom')}
        </button>
      </section>

      {tests.data && tests.data.length > 0 ? (
        <section aria-labelledby="br-tests-h">
          <h2 id="br-tests-h">{t('bridges.tests')}</h2>
          <ul className="bridge-list">
            {tests.data.map((r) => (
              <li key={r.line}>
                <span className="code bridge-line">{r.line}</span>
                <TestResult r={r} />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
