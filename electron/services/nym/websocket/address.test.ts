import { describe, expect, it } from 'vitest';
import {
  RECIPIENT_PATTERN,
  base58Decode,
  base58Encode,
  formatRecipient,
  formatSenderTag,
  isEd25519Point,
  isValidRecipient,
  isValidSenderTag,
  parseRecipient,
  parseSenderTag,
  recipientFromBytes,
  recipientToBytes,
} from './address';
import { NymValidationError } from './errors';

// Valid test vectors from websocket-requests/src/requests.rs and nym.md §1.4.
const ADDRESS_A =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';
const ADDRESS_B =
  'DguTcdkWWtDyUFLvQxRdcA8qZhardhE1ZXy1YCC7Zfmq.Dxreouj5RhQqMb3ZaAxgXFdGkmfbDKwk457FdeHGKmQQ@4kjgWmFU1tcGAZYRZR57yFuVAexjLbJ5M7jvo3X5Hkcf';

function detailOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NymValidationError);
    return (error as NymValidationError).detail;
  }
  throw new Error('expected a NymValidationError');
}

describe('base58', () => {
  it('encodes the 16×0x08 tag of nym.md §1.4', () => {
    expect(base58Encode(new Uint8Array(16).fill(8))).toBe('zXExeyvPEHUk9rjXTu78T');
  });

  it('round-trips leading zero bytes as leading 1s', () => {
    const bytes = Uint8Array.of(0, 0, 1, 2, 255);
    const text = base58Encode(bytes);
    expect(text.startsWith('11')).toBe(true);
    expect(base58Decode(text)).toEqual(bytes);
    expect(base58Encode(new Uint8Array(0))).toBe('');
    expect(base58Decode('')).toEqual(new Uint8Array(0));
  });

  it('matches a known Bitcoin-alphabet vector', () => {
    expect(base58Encode(new TextEncoder().encode('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
  });

  it('reports invalid characters with the bs58 wording', () => {
    expect(detailOf(() => base58Decode('abc0'))).toBe("provided string contained invalid character '0' at byte 3");
    expect(detailOf(() => base58Decode('ab l'))).toBe("provided string contained invalid character ' ' at byte 2");
  });
});

describe('Recipient', () => {
  it('parses and re-formats the nym test vectors', () => {
    for (const address of [ADDRESS_A, ADDRESS_B]) {
      expect(RECIPIENT_PATTERN.test(address)).toBe(true);
      const recipient = parseRecipient(address);
      expect(recipient.identity).toHaveLength(32);
      expect(recipient.encryption).toHaveLength(32);
      expect(recipient.gateway).toHaveLength(32);
      expect(formatRecipient(recipient)).toBe(address);
      expect(isValidRecipient(address)).toBe(true);
    }
  });

  it('converts to the 96-byte wire form identity ‖ encryption ‖ gateway and back', () => {
    const recipient = parseRecipient(ADDRESS_A);
    const bytes = recipientToBytes(recipient);
    expect(bytes).toHaveLength(96);
    expect(bytes.subarray(0, 32)).toEqual(base58Decode('CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV'));
    expect(bytes.subarray(32, 64)).toEqual(base58Decode('4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe'));
    expect(bytes.subarray(64, 96)).toEqual(base58Decode('4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f'));
    expect(formatRecipient(recipientFromBytes(bytes))).toBe(ADDRESS_A);
  });

  it("rejects a missing or doubled '@' and '.' with nym's messages (trailing space included)", () => {
    expect(detailOf(() => parseRecipient(ADDRESS_A.replace('@', '')))).toBe(
      "recipient is malformed - the string address does not contain exactly a single '@' character ",
    );
    expect(detailOf(() => parseRecipient(`${ADDRESS_A}@x`))).toContain("single '@' character ");
    expect(detailOf(() => parseRecipient(ADDRESS_A.replace('.', '')))).toBe(
      "recipient is malformed - the string address does not contain exactly a single '.' character ",
    );
  });

  it('names the bad part: identity, encryption key, gateway', () => {
    const [left, gateway] = ADDRESS_A.split('@') as [string, string];
    const [identity, encryption] = left.split('.') as [string, string];
    expect(detailOf(() => parseRecipient(`${identity}0.${encryption}@${gateway}`))).toMatch(
      /^recipient's identity key is malformed: the base58 representation of the public key was malformed - provided string contained invalid character '0'/,
    );
    expect(detailOf(() => parseRecipient(`${identity}.abc@${gateway}`))).toBe(
      "recipient's encryption key is malformed: received public key of invalid size. Got: 3, expected: 32",
    );
    expect(detailOf(() => parseRecipient(`${identity}.${encryption}@${gateway.slice(10)}`))).toMatch(
      /^recipient gateway's identity key is malformed: /,
    );
  });

  it('rejects identity keys that are not ed25519 points (the encryption key may be any 32 bytes)', () => {
    // y = 2: (4−1)/(4d+1) is not a square mod p, so dalek's decompression fails.
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    expect(isEd25519Point(notAPoint)).toBe(false);
    const recipient = parseRecipient(ADDRESS_A);
    const bad = base58Encode(notAPoint);
    const [, rest] = ADDRESS_A.split('.') as [string, string];
    expect(detailOf(() => parseRecipient(`${bad}.${rest}`))).toMatch(/^recipient's identity key is malformed/);
    expect(isValidRecipient(`${base58Encode(recipient.identity)}.${bad}@${base58Encode(recipient.gateway)}`)).toBe(true);
    const bytes = recipientToBytes(recipient);
    bytes.set(notAPoint, 64);
    expect(() => recipientFromBytes(bytes)).toThrow(/recipient gateway's identity key is malformed/);
  });

  it('accepts the ed25519 base point and identity element encodings', () => {
    const basePoint = new Uint8Array(32).fill(0x66);
    basePoint[0] = 0x58;
    expect(isEd25519Point(basePoint)).toBe(true);
    const identityElement = new Uint8Array(32);
    identityElement[0] = 1;
    expect(isEd25519Point(identityElement)).toBe(true);
  });

  it('rejects whitespace around an address', () => {
    expect(isValidRecipient(` ${ADDRESS_A}`)).toBe(false);
    expect(isValidRecipient(`${ADDRESS_A}\n`)).toBe(false);
  });
});

describe('AnonymousSenderTag', () => {
  it('parses the example tags of nym.md §1.4 to 16 bytes', () => {
    expect(parseSenderTag('zXExeyvPEHUk9rjXTu78T')).toEqual(new Uint8Array(16).fill(8));
    expect(parseSenderTag('6CzGHguLGCk1f416kwDZB7')).toHaveLength(16);
    expect(formatSenderTag(new Uint8Array(16).fill(8))).toBe('zXExeyvPEHUk9rjXTu78T');
    expect(isValidSenderTag('zXExeyvPEHUk9rjXTu78T')).toBe(true);
  });

  it('rejects bad base58 and wrong lengths with the nym messages', () => {
    expect(detailOf(() => parseSenderTag('abc'))).toBe(
      'Decoded AnonymousSenderTag has invalid length. Expected 16, but got 3',
    );
    expect(detailOf(() => parseSenderTag('zXExeyvPEHUk9rjXTu7O'))).toMatch(
      /^Failed to decode the base58-encoded string - provided string contained invalid character 'O'/,
    );
    expect(() => formatSenderTag(new Uint8Array(15))).toThrow(NymValidationError);
  });
});
