// QR round trip: a bridge line exported as a QR image and read back is byte-identical.
import { describe, expect, it } from 'vitest';
import { decodeQrPixels, qrPixels } from './qr';

const LINES = [
  'obfs4 127.0.0.1:20201 B42F033FDE6E713C60135034957812C5CB947EC6 cert=3i9yCahKDFTtsbt1UtroRfiiA5rY1jOy4QOHEkl8lgPWQBe9FP1fYt05MK0Ihl/o94GFMg iat-mode=0',
  'webtunnel [2001:db8::1]:443 B42F033FDE6E713C60135034957812C5CB947EC6 url=https://example.com/a-long/secret-path ver=0.0.1',
  'snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 fingerprint=2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://voluble-torrone-fc39bf.netlify.app/ fronts=vuejs.org ice=stun:stun.epygi.com:3478,stun:stun.uls.co.za:3478 utls-imitate=hellorandomizedalpn',
  '127.0.0.1:9001',
];

describe('bridge QR codes', () => {
  it.each(LINES)('round-trips %s', (line) => {
    expect(decodeQrPixels(qrPixels(line))).toBe(line);
  });

  it('reads a code drawn at another scale and finds nothing in a blank image', () => {
    expect(decodeQrPixels(qrPixels(LINES[0] as string, 7))).toBe(LINES[0]);
    const blank = { data: new Uint8ClampedArray(100 * 100 * 4).fill(255), width: 100, height: 100 };
    expect(decodeQrPixels(blank)).toBeNull();
  });
});
