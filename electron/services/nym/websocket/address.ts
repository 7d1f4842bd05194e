// Nym addressing, pure: base58 (Bitcoin alphabet), Recipient `<identity>.<encryption>@<gateway>`
// (3 × 32 bytes, 96 on the wire) and the 16-byte AnonymousSenderTag (nym.md §3). No I/O.
import { NymValidationError } from './errors';

export const KEY_LENGTH = 32;
export const RECIPIENT_LENGTH = 96;
export const SENDER_TAG_SIZE = 16;

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const UTF8 = new TextEncoder();
const ALPHABET_INDEX = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

/** Syntactic shape of an address (nym.md §3.2 step 1); decoding still has the final word. */
export const RECIPIENT_PATTERN =
  /^([1-9A-HJ-NP-Za-km-z]{32,44})\.([1-9A-HJ-NP-Za-km-z]{32,44})@([1-9A-HJ-NP-Za-km-z]{32,44})$/;

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  // Little-endian base-58 digits, grown as needed (quadratic, fine for keys and tags).
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i] ?? 0;
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] ?? 0) << 8;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i] ?? 0];
  return out;
}

/**
 * Decodes base58; throws NymValidationError whose detail is the bs58 crate's Display text
 * ("provided string contained invalid character 'l' at byte 3"), which nym-client embeds.
 */
export function base58Decode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = []; // little-endian base-256
  let byteIndex = 0;
  for (const char of text) {
    const value = ALPHABET_INDEX.get(char);
    if (value === undefined) {
      throw new NymValidationError(
        'base58',
        `provided string contained invalid character '${char}' at byte ${byteIndex}`,
      );
    }
    let carry = value;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] ?? 0) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
    byteIndex += UTF8.encode(char).length;
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[zeros + i] = bytes[bytes.length - 1 - i] ?? 0;
  return out;
}

// --- ed25519 point check (nym.md §3.2 step 3) ---------------------------------------------
const P = (1n << 255n) - 19n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const D = (((-121665n * modPow(121666n, P - 2n, P)) % P) + P) % P;

/**
 * True when 32 bytes decompress to an Edwards point, as `ed25519_dalek::VerifyingKey::from_bytes`
 * requires for the identity and gateway parts: x² = (y²−1)/(d·y²+1) must be a square mod p.
 * curve25519-dalek's `FieldElement::from_bytes` masks bit 255 and does not reject y ≥ p (it
 * reduces), so neither do we; nym.md §3.2 says "require y < p", which differs only for the 19
 * non-canonical encodings p…2^255−1.
 */
export function isEd25519Point(bytes: Uint8Array): boolean {
  if (bytes.length !== KEY_LENGTH) return false;
  let y = 0n;
  for (let i = KEY_LENGTH - 1; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i] ?? 0);
  y &= (1n << 255n) - 1n;
  y %= P;
  const y2 = (y * y) % P;
  const u = (y2 - 1n + P) % P;
  const v = (D * y2 + 1n) % P;
  const uv = (u * v) % P; // u/v is a square iff u·v is (v ≠ 0 because d is not a square)
  if (uv === 0n) return true;
  return modPow(uv, (P - 1n) / 2n, P) === 1n;
}

// --- Recipient ------------------------------------------------------------------------------
export interface Recipient {
  /** ed25519 client identity key */
  readonly identity: Uint8Array;
  /** x25519 client encryption key */
  readonly encryption: Uint8Array;
  /** ed25519 identity of the gateway the client is registered at */
  readonly gateway: Uint8Array;
}

type KeyKind = 'ed25519' | 'x25519';

// Messages follow `RecipientFormattingError` + `KeyRecoveryError` Display texts (nym.md §1.3);
// only the prefixes are guaranteed, so callers should match on those.
function decodeKey(part: string, kind: KeyKind, label: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base58Decode(part);
  } catch (error) {
    const detail = error instanceof NymValidationError ? error.detail : String(error);
    throw new NymValidationError(
      'recipient',
      `${label} is malformed: the base58 representation of the public key was malformed - ${detail}`,
    );
  }
  checkKeyBytes(bytes, kind, label);
  return bytes;
}

function checkKeyBytes(bytes: Uint8Array, kind: KeyKind, label: string): void {
  if (bytes.length !== KEY_LENGTH) {
    throw new NymValidationError(
      'recipient',
      `${label} is malformed: received public key of invalid size. Got: ${bytes.length}, expected: ${KEY_LENGTH}`,
    );
  }
  if (kind === 'ed25519' && !isEd25519Point(bytes)) {
    throw new NymValidationError(
      'recipient',
      `${label} is malformed: the public key bytes do not decompress to an ed25519 point`,
    );
  }
}

/** `Recipient::try_from_base58_string` (addressing/src/clients.rs): '@' first, then '.'. */
export function parseRecipient(text: string): Recipient {
  const at = text.split('@');
  if (at.length !== 2) {
    // The trailing space is in nym's format string.
    throw new NymValidationError(
      'recipient',
      "recipient is malformed - the string address does not contain exactly a single '@' character ",
    );
  }
  const dot = (at[0] ?? '').split('.');
  if (dot.length !== 2) {
    throw new NymValidationError(
      'recipient',
      "recipient is malformed - the string address does not contain exactly a single '.' character ",
    );
  }
  return {
    identity: decodeKey(dot[0] ?? '', 'ed25519', "recipient's identity key"),
    encryption: decodeKey(dot[1] ?? '', 'x25519', "recipient's encryption key"),
    gateway: decodeKey(at[1] ?? '', 'ed25519', "recipient gateway's identity key"),
  };
}

export function formatRecipient(recipient: Recipient): string {
  return `${base58Encode(recipient.identity)}.${base58Encode(recipient.encryption)}@${base58Encode(recipient.gateway)}`;
}

export function isValidRecipient(text: string): boolean {
  try {
    parseRecipient(text);
    return true;
  } catch {
    return false;
  }
}

/** Wire form used by the binary API: identity ‖ encryption ‖ gateway, no length prefix. */
export function recipientToBytes(recipient: Recipient): Uint8Array {
  const out = new Uint8Array(RECIPIENT_LENGTH);
  out.set(recipient.identity, 0);
  out.set(recipient.encryption, KEY_LENGTH);
  out.set(recipient.gateway, 2 * KEY_LENGTH);
  return out;
}

/** `Recipient::try_from_bytes`: 96 bytes, identity and gateway must be ed25519 points. */
export function recipientFromBytes(bytes: Uint8Array): Recipient {
  if (bytes.length !== RECIPIENT_LENGTH) {
    throw new NymValidationError('recipient', `expected ${RECIPIENT_LENGTH} bytes, got ${bytes.length}`);
  }
  const identity = bytes.slice(0, KEY_LENGTH);
  const encryption = bytes.slice(KEY_LENGTH, 2 * KEY_LENGTH);
  const gateway = bytes.slice(2 * KEY_LENGTH, RECIPIENT_LENGTH);
  checkKeyBytes(identity, 'ed25519', "recipient's identity key");
  checkKeyBytes(gateway, 'ed25519', "recipient gateway's identity key");
  return { identity, encryption, gateway };
}

export function recipientsEqual(a: Recipient, b: Recipient): boolean {
  return bytesEqual(recipientToBytes(a), recipientToBytes(b));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// --- AnonymousSenderTag (anonymous-replies/src/requests/mod.rs) ---------------------------------
export function parseSenderTag(text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base58Decode(text);
  } catch (error) {
    const detail = error instanceof NymValidationError ? error.detail : String(error);
    throw new NymValidationError('senderTag', `Failed to decode the base58-encoded string - ${detail}`);
  }
  if (bytes.length !== SENDER_TAG_SIZE) {
    throw new NymValidationError(
      'senderTag',
      `Decoded AnonymousSenderTag has invalid length. Expected ${SENDER_TAG_SIZE}, but got ${bytes.length}`,
    );
  }
  return bytes;
}

export function formatSenderTag(tag: Uint8Array): string {
  if (tag.length !== SENDER_TAG_SIZE) {
    throw new NymValidationError('senderTag', `a sender tag is ${SENDER_TAG_SIZE} bytes, got ${tag.length}`);
  }
  return base58Encode(tag);
}

export function isValidSenderTag(text: string): boolean {
  try {
    parseSenderTag(text);
    return true;
  } catch {
    return false;
  }
}
