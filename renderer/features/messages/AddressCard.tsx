// Your own Nym address: readable text, a copy button and a QR code (rendered locally to a data: URL).
import QRCode from 'qrcode';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export function AddressCard({ address }: { address: string | null }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<'idle' | 'ok' | 'failed'>('idle');
  // Rendered locally to a data: URL (the CSP allows img data:); cached per address.
  const qrQuery = useQuery({
    queryKey: ['nym', 'qr', address],
    queryFn: () => QRCode.toDataURL(address ?? '', { margin: 1, width: 220, errorCorrectionLevel: 'M' }),
    enabled: address !== null,
    staleTime: Infinity,
  });
  const qr = qrQuery.data ?? null;

  if (!address) return <p className="muted">{t('messages.address.none')}</p>;
  const copy = () => {
    navigator.clipboard.writeText(address).then(
      () => setCopied('ok'),
      () => setCopied('failed'),
    );
  };
  return (
    <div className="nym-address">
      <div>
        <label htmlFor="own-address">{t('messages.address.label')}</label>
        <div className="row">
          <input id="own-address" readOnly value={address} className="code" data-testid="own-address" onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={copy}>
            {t('messages.address.copy')}
          </button>
        </div>
        <p role="status" className="muted">
          {copied === 'ok' ? t('messages.address.copied') : copied === 'failed' ? t('messages.address.copyFailed') : ''}
        </p>
      </div>
      {qr ? <img src={qr} alt={t('messages.address.qr')} className="nym-qr" width={220} height={220} /> : null}
    </div>
  );
}
