// Your own Nym address: readable text, a copy button and a QR code (rendered locally to a data: URL).
import QRCode from 'qrcode';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

export function AddressCard({ address }: { address: string | null }) {
  const [copied, setCopied] = useState<'idle' | 'ok' | 'failed'>('idle');
  // Rendered locally to a data: URL (the CSP allows img data:); cached per address.
  const qrQuery = useQuery({
    queryKey: ['nym', 'qr', address],
    queryFn: () => QRCode.toDataURL(address ?? '', { margin: 1, width: 220, errorCorrectionLevel: 'M' }),
    enabled: address !== null,
    staleTime: Infinity,
  });
  const qr = qrQuery.data ?? null;

  if (!address) return <p className="muted">Your address appears once the Nym client has started for the first time.</p>;
  const copy = () => {
    navigator.clipboard.writeText(address).then(
      () => setCopied('ok'),
      () => setCopied('failed'),
    );
  };
  return (
    <div className="nym-address">
      <div>
        <label htmlFor="own-address">Your Nym address (share it with people who should be able to write to you)</label>
        <div className="row">
          <input id="own-address" readOnly value={address} className="code" data-testid="own-address" onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={copy}>
            Copy address
          </button>
        </div>
        <p role="status" className="muted">
          {copied === 'ok' ? 'Copied.' : copied === 'failed' ? 'Could not copy: select the text and copy it yourself.' : ''}
        </p>
      </div>
      {qr ? <img src={qr} alt="QR code of your Nym address" className="nym-qr" width={220} height={220} /> : null}
    </div>
  );
}
