// A QR code rendered to a data: URL (the app's CSP allows img data:), with the text as alt.
import { useQuery } from '@tanstack/react-query';
import QRCode from 'qrcode';

export function Qr({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const qr = useQuery({
    queryKey: ['qr', text],
    queryFn: () => QRCode.toDataURL(text, { margin: 1, width: 200, errorCorrectionLevel: 'M' }),
    staleTime: Infinity,
  });
  if (!qr.data) return null;
  return <img className="onion-qr" src={qr.data} width={200} height={200} alt={label} data-testid={testId} />;
}
