// ed25519 / x25519 key generation for the lab (stand-in identities, gateway and mix ids) via
// node:crypto, returning raw 32-byte keys. Real keys so addresses pass nym's point check (nym.md §3.1).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export interface RawKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function fromJwk(privateKey: KeyObject, publicKey: KeyObject): RawKeyPair {
  const priv = privateKey.export({ format: 'jwk' });
  const pub = publicKey.export({ format: 'jwk' });
  if (typeof priv.d !== 'string' || typeof pub.x !== 'string') throw new Error('key export without raw parts');
  return {
    privateKey: new Uint8Array(Buffer.from(priv.d, 'base64url')),
    publicKey: new Uint8Array(Buffer.from(pub.x, 'base64url')),
  };
}

export function generateEd25519(): RawKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return fromJwk(privateKey, publicKey);
}

export function generateX25519(): RawKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return fromJwk(privateKey, publicKey);
}

// PKCS#8 wrapper for a raw ed25519 seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The key pair for a fixed 32-byte seed, so a lab gateway can keep its identity across restarts. */
export function ed25519FromSeed(seed: Uint8Array): RawKeyPair {
  if (seed.length !== 32) throw new Error('an ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return fromJwk(privateKey, createPublicKey(privateKey));
}

export function randomSeed(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
