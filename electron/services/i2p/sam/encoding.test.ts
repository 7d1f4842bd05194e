import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import {
  base32Encode,
  decodeI2pBase64,
  destinationToB32,
  encodeI2pBase64,
  isI2pBase64,
  isValidB32Address,
  isValidDestination,
  isValidPrivateKey,
  parseDestination,
  publicDestinationFromPrivateKey,
} from './encoding';
import { SamInvalidArgument } from './errors';

/** A reference RFC 4648 base32 written differently from the module's (via bit strings). */
function referenceBase32(bytes: Uint8Array): string {
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

function ed25519Destination(fill = 0x5a, cryptoType = 0): Buffer {
  return Buffer.concat([Buffer.alloc(384, fill), Buffer.from([5, 0, 4, 0, 7, 0, cryptoType])]);
}

describe('I2P base64', () => {
  it('uses - and ~ where standard base64 has + and /', () => {
    expect(encodeI2pBase64(Buffer.from([0xfb, 0xef, 0xbe]))).toBe('----');
    expect(encodeI2pBase64(Buffer.from([0xff, 0xff, 0xff]))).toBe('~~~~');
    expect(encodeI2pBase64(Buffer.from('foob'))).toBe('Zm9vYg==');
    expect(decodeI2pBase64('-~-~')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
  });

  it('round-trips random buffers of every length mod 3', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      const text = encodeI2pBase64(bytes);
      expect(text).toBe(bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '~'));
      if (length > 0) expect(decodeI2pBase64(text)).toEqual(bytes);
    }
  });

  it('rejects the standard alphabet, missing padding, whitespace and empty input', () => {
    for (const bad of ['ab+/', 'abc', 'ab c', 'ab\n==', '', 'a===', '=abc']) {
      expect(isI2pBase64(bad), bad).toBe(false);
      expect(() => decodeI2pBase64(bad)).toThrow(SamInvalidArgument);
    }
  });
});

describe('base32', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('RFC 4648 vector %j → %j (lower case, no padding)', (input, output) => {
    expect(base32Encode(Buffer.from(input))).toBe(output);
  });

  it('matches a reference encoder on random input', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = randomBytes(i);
      expect(base32Encode(bytes)).toBe(referenceBase32(bytes));
    }
  });
});

describe('destinations', () => {
  it('an Ed25519 destination is 391 bytes = 524 chars ending AAcAAA== (as i2pd emits)', () => {
    const text = encodeI2pBase64(ed25519Destination());
    expect(text).toHaveLength(524);
    expect(text.endsWith('AAcAAA==')).toBe(true);
    expect(parseDestination(text)).toEqual({ publicLength: 391, certificateType: 5, signatureType: 7, cryptoType: 0 });
  });

  it('reads a DSA destination with a null certificate (387 bytes) and a key cert with X25519', () => {
    const dsa = encodeI2pBase64(Buffer.concat([Buffer.alloc(384, 1), Buffer.from([0, 0, 0])]));
    expect(parseDestination(dsa)).toEqual({ publicLength: 387, certificateType: 0, signatureType: 0, cryptoType: 0 });
    expect(parseDestination(encodeI2pBase64(ed25519Destination(1, 4))).cryptoType).toBe(4);
  });

  it('rejects truncated, padded-out and non-base64 destinations', () => {
    const good = ed25519Destination();
    for (const bad of [good.subarray(0, 390), Buffer.concat([good, Buffer.alloc(3)]), Buffer.alloc(100)]) {
      const text = encodeI2pBase64(bad);
      expect(isValidDestination(text)).toBe(false);
      expect(() => parseDestination(text)).toThrow(SamInvalidArgument);
    }
    expect(isValidDestination('AAAA')).toBe(false);
    expect(isValidDestination('notbase64')).toBe(false);
    // A null certificate must have length 0; a key certificate needs its 4 type bytes.
    expect(isValidDestination(encodeI2pBase64(Buffer.concat([Buffer.alloc(384), Buffer.from([0, 0, 1, 9])])))).toBe(false);
    expect(isValidDestination(encodeI2pBase64(Buffer.concat([Buffer.alloc(384), Buffer.from([5, 0, 2, 0, 7])])))).toBe(false);
  });

  it('derives the public destination from a 908-char PRIV (679 bytes) and a 608-char X25519 PRIV (455 bytes)', () => {
    const pub = ed25519Destination(0x33);
    const priv = encodeI2pBase64(Buffer.concat([pub, randomBytes(256), randomBytes(32)]));
    expect(priv).toHaveLength(908);
    expect(publicDestinationFromPrivateKey(priv)).toBe(encodeI2pBase64(pub));
    const x25519Pub = ed25519Destination(0x44, 4);
    const x25519Priv = encodeI2pBase64(Buffer.concat([x25519Pub, randomBytes(32), randomBytes(32)]));
    expect(x25519Priv).toHaveLength(608);
    expect(publicDestinationFromPrivateKey(x25519Priv)).toBe(encodeI2pBase64(x25519Pub));
    expect(isValidPrivateKey(priv)).toBe(true);
  });

  it('refuses a public destination where a private key is expected', () => {
    const pub = encodeI2pBase64(ed25519Destination());
    expect(isValidPrivateKey(pub)).toBe(false);
    expect(() => publicDestinationFromPrivateKey(pub)).toThrow(SamInvalidArgument);
    expect(() => publicDestinationFromPrivateKey('TRANSIENT')).toThrow(SamInvalidArgument);
  });
});

describe('.b32.i2p', () => {
  it('is base32(sha256(destination bytes)), computed here with Node crypto', () => {
    const bytes = ed25519Destination(0x77);
    const expected = `${referenceBase32(createHash('sha256').update(bytes).digest())}.b32.i2p`;
    const address = destinationToB32(encodeI2pBase64(bytes));
    expect(address).toBe(expected);
    expect(address).toHaveLength(52 + '.b32.i2p'.length);
    expect(isValidB32Address(address)).toBe(true);
  });

  it('matches a fixed vector: 384 zero bytes + Ed25519 key certificate', () => {
    // Computed outside Node (Python hashlib + base64.b32encode) so the module is not its own oracle.
    const bytes = Buffer.concat([Buffer.alloc(384), Buffer.from([5, 0, 4, 0, 7, 0, 0])]);
    expect(encodeI2pBase64(bytes).slice(-12)).toBe('BQAEAAcAAA==');
    expect(destinationToB32(encodeI2pBase64(bytes))).toBe('yki53a2rw6v5eakh6nan3tj46xhnbsutmbktawuaz7d7l5r5smca.b32.i2p');
  });

  it('refuses to hash something that is not exactly a destination', () => {
    expect(() => destinationToB32('AAAA')).toThrow(SamInvalidArgument);
  });

  it('validates addresses', () => {
    const a = 'a'.repeat(52);
    expect(isValidB32Address(`${a}.b32.i2p`)).toBe(true);
    expect(isValidB32Address(`${a.toUpperCase()}.B32.I2P`)).toBe(true);
    expect(isValidB32Address(`${'a'.repeat(51)}.b32.i2p`)).toBe(false);
    expect(isValidB32Address(`${'a'.repeat(56)}.b32.i2p`)).toBe(false);
    expect(isValidB32Address(`${'1'.repeat(52)}.b32.i2p`)).toBe(false);
    expect(isValidB32Address('stats.i2p')).toBe(false);
  });
});
