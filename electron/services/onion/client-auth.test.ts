// Client-auth keys: base32 per RFC 4648 vectors, x25519 pairs that match, and Tor Browser's format.
import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { base32, base32Decode, generateClientAuth, privateKeyBase64, torBrowserKey } from './client-auth';

describe('base32', () => {
  it('matches RFC 4648 test vectors (without padding)', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, enc] of vectors) {
      expect(base32(Buffer.from(plain))).toBe(enc);
      expect(base32Decode(enc).toString()).toBe(plain);
    }
  });
});

describe('generateClientAuth', () => {
  it('makes a 52-character base32 x25519 pair whose halves belong together', () => {
    const k = generateClientAuth();
    expect(k.publicKey).toMatch(/^[A-Z2-7]{52}$/);
    expect(k.privateKey).toMatch(/^[A-Z2-7]{52}$/);
    const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base32Decode(k.privateKey).toString('base64url'), x: base32Decode(k.publicKey).toString('base64url') }, format: 'jwk' });
    expect(base32(Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x ?? '', 'base64url'))).toBe(k.publicKey);
    expect(Buffer.from(privateKeyBase64(k.privateKey), 'base64')).toHaveLength(32);
    expect(generateClientAuth().privateKey).not.toBe(k.privateKey);
  });

  it("formats the private key the way Tor Browser takes it", () => {
    const sid = 'pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad';
    expect(torBrowserKey(sid, 'A'.repeat(52))).toBe(`${sid}:descriptor:x25519:${'A'.repeat(52)}`);
  });
});
