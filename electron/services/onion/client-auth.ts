// Onion client authorization keys (rend-spec-v3 §2.5.1.2, control-spec §3.27/§3.30): an x25519 pair
// made with node:crypto, the public half in base32 for ADD_ONION ClientAuthV3, the private half in
// Tor Browser's "<address>:descriptor:x25519:<base32>" form and in base64 for ONION_CLIENT_AUTH_ADD.
import { generateKeyPairSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, no padding (what tor prints and expects). */
export function base32(data: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.toUpperCase().replace(/=+$/, '')) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

export interface ClientAuthKeys {
  /** 52 base32 characters: ADD_ONION ClientAuthV3=… */
  publicKey: string;
  /** 52 base32 characters: the secret the source holds. */
  privateKey: string;
}

export function generateClientAuth(): ClientAuthKeys {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const pub = publicKey.export({ format: 'jwk' }).x;
  const priv = privateKey.export({ format: 'jwk' }).d;
  if (!pub || !priv) throw new Error('x25519 key export failed');
  return { publicKey: base32(Buffer.from(pub, 'base64url')), privateKey: base32(Buffer.from(priv, 'base64url')) };
}

/** What Tor Browser's "Onion site authentication" prompt and its auth files take. */
export function torBrowserKey(serviceId: string, privateKey: string): string {
  return `${serviceId}:descriptor:x25519:${privateKey}`;
}

/** ONION_CLIENT_AUTH_ADD wants the 32 private bytes in base64. */
export function privateKeyBase64(privateKey: string): string {
  return base32Decode(privateKey).toString('base64');
}
