// I2P encodings: the base64 variant, destination structure, .b32.i2p addresses.
// Pure functions over strings and bytes; nothing here talks to a bridge or trusts one.
// Layouts follow the I2P common-structures spec (Destination, Certificate, KeyCertificate).

import { createHash } from 'node:crypto';

import { SamInvalidArgument } from './errors';

const I2P_BASE64 = /^(?:[A-Za-z0-9~-]{4})*(?:[A-Za-z0-9~-]{2}==|[A-Za-z0-9~-]{3}=)?$/;

/** Standard base64 with '-' for '+' and '~' for '/', padding kept (i2pd emits `…AAcAAA==`). */
export function encodeI2pBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('base64')
    .replace(/[+/]/g, (ch) => (ch === '+' ? '-' : '~'));
}

export function isI2pBase64(text: string): boolean {
  return text.length > 0 && I2P_BASE64.test(text);
}

/** Strict decode: the I2P alphabet only, padded, no whitespace. Node's own decoder would accept garbage. */
export function decodeI2pBase64(text: string): Buffer {
  if (!isI2pBase64(text)) throw new SamInvalidArgument('base64', 'not I2P base64 (alphabet A-Z a-z 0-9 - ~, padded)');
  return Buffer.from(text.replace(/[-~]/g, (ch) => (ch === '-' ? '+' : '/')), 'base64');
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, without padding: the form used in .b32.i2p names. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * Destination = 256-byte encryption key area + 128-byte signing key area + certificate
 * (type: 1 byte, length: 2 bytes big-endian, payload). The public length is therefore
 * 387 + certificate length: 387 for DSA (null certificate), 391 for Ed25519 (key certificate).
 */
const KEYS_LENGTH = 384;
const CERT_HEADER = 3;
const MIN_DESTINATION = KEYS_LENGTH + CERT_HEADER;
const CERT_NULL = 0;
const CERT_KEY = 5;

export interface DestinationInfo {
  /** Bytes of the public destination. */
  readonly publicLength: number;
  readonly certificateType: number;
  /** Signing key type from a key certificate (7 = EdDSA_SHA512_Ed25519); 0 (DSA_SHA1) for a null certificate. */
  readonly signatureType: number | undefined;
  /** Encryption key type from a key certificate (0 = ElGamal, 4 = X25519). */
  readonly cryptoType: number | undefined;
}

function readDestination(bytes: Buffer): DestinationInfo | undefined {
  if (bytes.length < MIN_DESTINATION) return undefined;
  const certificateType = bytes.readUInt8(KEYS_LENGTH);
  const certLength = bytes.readUInt16BE(KEYS_LENGTH + 1);
  const publicLength = MIN_DESTINATION + certLength;
  if (bytes.length < publicLength) return undefined;
  if (certificateType === CERT_NULL) {
    if (certLength !== 0) return undefined;
    return { publicLength, certificateType, signatureType: 0, cryptoType: 0 };
  }
  if (certificateType === CERT_KEY) {
    if (certLength < 4) return undefined;
    return {
      publicLength,
      certificateType,
      signatureType: bytes.readUInt16BE(MIN_DESTINATION),
      cryptoType: bytes.readUInt16BE(MIN_DESTINATION + 2),
    };
  }
  // Other certificate types (hashcash, hidden, signed, multiple) are obsolete but structurally valid.
  return { publicLength, certificateType, signatureType: undefined, cryptoType: undefined };
}

function tryDecode(text: string): Buffer | undefined {
  return isI2pBase64(text) ? decodeI2pBase64(text) : undefined;
}

/** Structure of a base64 public destination; throws SamInvalidArgument unless it is exactly one. */
export function parseDestination(destination: string): DestinationInfo {
  const bytes = tryDecode(destination);
  const info = bytes && readDestination(bytes);
  if (!bytes || !info || info.publicLength !== bytes.length) {
    throw new SamInvalidArgument('destination', 'not a base64 I2P destination');
  }
  return info;
}

export function isValidDestination(destination: string): boolean {
  const bytes = tryDecode(destination);
  const info = bytes && readDestination(bytes);
  return info !== undefined && info.publicLength === bytes?.length;
}

/**
 * The public destination inside a private key string (SESSION STATUS DESTINATION=, DEST REPLY
 * PRIV=): its first 387 + certificate-length bytes (common-structures: Destination, then keys). Lets us learn our own
 * address without NAMING LOOKUP NAME=ME, which interleaves with datagrams on DATAGRAM sessions.
 */
export function publicDestinationFromPrivateKey(privateKey: string): string {
  const bytes = tryDecode(privateKey);
  const info = bytes && readDestination(bytes);
  // A private key continues past the destination with the encryption and signing private keys.
  if (!bytes || !info || bytes.length <= info.publicLength) {
    throw new SamInvalidArgument('privateKey', 'not a base64 I2P private key');
  }
  return encodeI2pBase64(bytes.subarray(0, info.publicLength));
}

export function isValidPrivateKey(privateKey: string): boolean {
  try {
    publicDestinationFromPrivateKey(privateKey);
    return true;
  } catch {
    return false;
  }
}

/** `<base32(sha256(destination bytes))>.b32.i2p`: 52 characters before the suffix. */
export function destinationToB32(destination: string): string {
  parseDestination(destination);
  const digest = createHash('sha256').update(decodeI2pBase64(destination)).digest();
  return `${base32Encode(digest)}.b32.i2p`;
}

/**
 * A plain .b32.i2p address (52 base32 chars: a 32-byte hash). Encrypted-LeaseSet "b33"
 * addresses are longer (56+) and are not accepted here. Case-insensitive, as DNS-style names are.
 */
export function isValidB32Address(address: string): boolean {
  return /^[a-z2-7]{52}\.b32\.i2p$/i.test(address);
}
