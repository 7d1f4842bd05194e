// One bridge line as a QR code on a canvas (for sharing), drawn from the same pixels the
// round-trip test decodes.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { qrPixels } from './qr';

export function BridgeQr({ line }: { line: string }) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const p = qrPixels(line, 4);
    c.width = p.width;
    c.height = p.height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(p.data), p.width, p.height), 0, 0);
  }, [line]);
  return <canvas ref={canvas} role="img" aria-label={t('bridges.qrOf', { line })} className="bridge-qr" data-testid="bridge-qr" />;
}

/** Reads the first QR code in an image file; null when there is none. */
export async function readQrFromFile(file: File, decode: (p: { data: Uint8ClampedArray; width: number; height: number }) => string | null): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  const c = document.createElement('canvas');
  c.width = bitmap.width;
  c.height = bitmap.height;
  const ctx = c.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(bitmap, 0, 0);
  const img = ctx.getImageData(0, 0, c.width, c.height);
  return decode({ data: img.data, width: img.width, height: img.height });
}
