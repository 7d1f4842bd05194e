// Shows a failure from main in the user's language: the text comes from its stable code (and, for
// SAM, the router's RESULT), with the details as interpolation values. Main's own English message
// and the raw details stay inside a "details" disclosure, for reports, never as the main text.
import { useTranslation } from 'react-i18next';
import { IpcErrorSchema, type IpcErrorData } from '../../shared/errors';
import { IpcError } from '../../shared/ipc/result';

/** An IpcError from unwrap(), an {code, message, details} from a status DTO, or anything else. */
export function toErrorData(error: unknown): IpcErrorData {
  if (error instanceof IpcError) return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  const parsed = IpcErrorSchema.safeParse(error);
  if (parsed.success) return parsed.data;
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : '' };
}

/** The translated sentence for an error: its code's text, plus the SAM RESULT's text when there is one. */
export function useErrorText(): (data: IpcErrorData) => string {
  const { t, i18n } = useTranslation();
  return (data) => {
    const params = { ...(data.details ?? {}) };
    const summary = t(`errors.${data.code}`, params);
    const result = data.details?.result;
    const resultKey = `errors.samResult.${String(result)}`;
    if (data.code === 'SAM_FAILED' && typeof result === 'string' && i18n.exists(resultKey)) return `${summary} ${t(resultKey)}`;
    return summary;
  };
}

export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  const data = toErrorData(error);
  const text = useErrorText()(data);
  const details = Object.entries(data.details ?? {});
  return (
    <div role="alert" className="error-note" data-code={data.code}>
      <p>
        {title ? `${title} ` : ''}
        {text} <span className="code">({data.code})</span>
      </p>
      {data.message || details.length > 0 ? (
        <details>
          <summary>{t('errors.details')}</summary>
          {/* Main words these in English; lang/dir keep them readable inside an RTL page. */}
          {data.message ? (
            <p className="code" lang="en" dir="ltr">
              {data.message}
            </p>
          ) : null}
          {details.length > 0 ? (
            <dl className="facts" lang="en" dir="ltr">
              {details.map(([k, v]) => (
                <div key={k}>
                  <dt className="code">{k}</dt>
                  <dd className="code">{String(v)}</dd>
                </div>
              ))}
            </dl>
          ) : null}
        </details>
      ) : null}
    </div>
  );
}
