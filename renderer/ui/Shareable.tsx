// What a journalist or host hands to someone else: an onion address or a client key, shown as
// text (always left-to-right, also in Persian) with a copy button and a QR code. Drops and the
// onion services manager both use it.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Qr } from './Qr';

export function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState(false);
  return (
    <button type="button" data-testid={testId} onClick={() => void navigator.clipboard?.writeText(text).then(() => setDone(true))}>
      {done ? t('common.copied') : label}
    </button>
  );
}

export interface ShareableProps {
  heading: string;
  value: string;
  copyLabel: string;
  qrLabel: string;
  testId: string;
  qrTestId: string;
  /** Extra class for the value (e.g. "key" for long keys). */
  valueClass?: string;
}

export function Shareable({ heading, value, copyLabel, qrLabel, testId, qrTestId, valueClass }: ShareableProps) {
  return (
    <div className="onion-address">
      <div>
        <p>{heading}</p>
        <p className={valueClass ? `code ${valueClass}` : 'code'} dir="ltr" data-testid={testId}>
          {value}
        </p>
        <CopyButton text={value} label={copyLabel} />
      </div>
      <Qr text={value} label={qrLabel} testId={qrTestId} />
    </div>
  );
}
