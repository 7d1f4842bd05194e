// Bridge lines as QR codes and back: encode with `qrcode` into RGBA pixels (drawn on a canvas by
// the UI, so export and the round-trip test use the same pixels), decode pixels with `jsqr`.
import QRCode from 'qrcode';
import jsQR from 'jsqr';

export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** RGBA pixels of `text` as a QR code: `scale` pixels per module and a 4-module quiet zone. */
export function qrPixels(text: string, scale = 4): Pixels {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const side = (n + quiet * 2) * scale;
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (!qr.modules.get(x, y)) continue;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + quiet) * scale + dy) * side + (x + quiet) * scale + dx) * 4;
          data[i] = 0;
          data[i + 1] = 0;
          data[i + 2] = 0;
        }
      }
    }
  }
  return { data, width: side, height: side };
}

/** The text of the first QR code found in the pixels, or null. */
export function decodeQrPixels(p: Pixels): string | null {
  const found = jsQR(p.data, p.width, p.height, { inversionAttempts: 'attemptBoth' });
  return found ? found.data : null;
}
