import { describe, expect, it } from 'vitest';
import { base58Decode, parseRecipient, recipientToBytes } from './address';
import {
  decodeBinaryRequest,
  decodeBinaryResponse,
  encodeBinaryRequest,
  encodeBinaryResponse,
} from './binary-codec';
import { NymErrorKind, NymProtocolError, type NymErrorKindCode } from './errors';
import type { NymRequest, NymResponse } from './model';

const ADDRESS =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';
const RECIPIENT = parseRecipient(ADDRESS);
// The 96 wire bytes built independently from the three base58 parts.
const RECIPIENT_HEX = [
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV',
  '4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe',
  '4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f',
]
  .map((part) => Buffer.from(base58Decode(part)).toString('hex'))
  .join('');
const TAG_HEX = '08'.repeat(16);
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const HI = '6869'; // "hi"

function expectProtocolError(fn: () => unknown, kind: NymErrorKindCode, detail: string | RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NymProtocolError);
    const e = error as NymProtocolError;
    expect(e.kind).toBe(kind);
    if (typeof detail === 'string') expect(e.detail).toBe(detail);
    else expect(e.detail).toMatch(detail);
    return;
  }
  throw new Error('expected a NymProtocolError');
}

describe('binary requests (nym.md §2.1): exact bytes both ways', () => {
  const cases: Array<[string, NymRequest, string]> = [
    [
      'Send 0x00 ‖ recipient ‖ conn_id ‖ data_len ‖ data',
      { kind: 'send', recipient: RECIPIENT, message: hex(HI), connectionId: 42n },
      `00 ${RECIPIENT_HEX} 000000000000002a 0000000000000002 ${HI}`,
    ],
    [
      'Send without a connection id writes 0',
      { kind: 'send', recipient: RECIPIENT, message: new Uint8Array(0), connectionId: null },
      `00 ${RECIPIENT_HEX} 0000000000000000 0000000000000000`,
    ],
    [
      'SendAnonymous 0x01 ‖ reply_surbs u32 ‖ recipient ‖ conn_id ‖ data_len ‖ data',
      { kind: 'sendAnonymous', replySurbs: 20, recipient: RECIPIENT, message: hex(HI), connectionId: null },
      `01 00000014 ${RECIPIENT_HEX} 0000000000000000 0000000000000002 ${HI}`,
    ],
    [
      'Reply 0x02 ‖ sender_tag ‖ conn_id ‖ msg_len ‖ msg',
      { kind: 'reply', senderTag: new Uint8Array(16).fill(8), message: hex(HI), connectionId: 0x0102030405060708n },
      `02 ${TAG_HEX} 0102030405060708 0000000000000002 ${HI}`,
    ],
    ['SelfAddress 0x03', { kind: 'selfAddress' }, '03'],
    ['ClosedConnection 0x04 ‖ conn_id', { kind: 'closedConnection', connectionId: 7n }, '04 0000000000000007'],
    [
      'GetLaneQueueLength 0x05 ‖ conn_id',
      { kind: 'getLaneQueueLength', connectionId: 0xffffffffffffffffn },
      '05 ffffffffffffffff',
    ],
  ];
  for (const [name, request, wire] of cases) {
    it(name, () => {
      expect(toHex(encodeBinaryRequest(request))).toBe(wire.replace(/\s+/g, ''));
      expect(decodeBinaryRequest(hex(wire))).toEqual(request);
    });
  }

  it('SelfAddress ignores trailing bytes', () => {
    expect(decodeBinaryRequest(hex('03ffff'))).toEqual({ kind: 'selfAddress' });
  });

  it('keeps the recipient bytes at [1..97) of a Send', () => {
    const bytes = encodeBinaryRequest({ kind: 'send', recipient: RECIPIENT, message: hex(HI), connectionId: null });
    expect(bytes.subarray(1, 97)).toEqual(recipientToBytes(RECIPIENT));
    expect(bytes).toHaveLength(113 + 2);
  });
});

describe('binary requests: malformed bytes', () => {
  it('empty → EmptyRequest', () => {
    expectProtocolError(() => decodeBinaryRequest(new Uint8Array(0)), NymErrorKind.EmptyRequest, 'no data provided');
  });

  it('unknown tag → UnknownRequest in decimal', () => {
    expectProtocolError(() => decodeBinaryRequest(hex('06')), NymErrorKind.UnknownRequest, '6 does not correspond to any valid request tag');
    expectProtocolError(() => decodeBinaryRequest(hex('ff00')), NymErrorKind.UnknownRequest, '255 does not correspond to any valid request tag');
  });

  it('truncated Send/SendAnonymous/Reply → TooShortRequest', () => {
    expectProtocolError(() => decodeBinaryRequest(hex(`00 ${RECIPIENT_HEX} 00000000000000`)), NymErrorKind.TooShortRequest, "not enough data provided to recover 'send'");
    expectProtocolError(() => decodeBinaryRequest(hex(`01 00000014 ${RECIPIENT_HEX}`)), NymErrorKind.TooShortRequest, "not enough data provided to recover 'send_anonymous'");
    // The legacy python example sends [0x02] meaning selfAddress (§1.5): today that is a short 'reply'.
    expectProtocolError(() => decodeBinaryRequest(hex('02')), NymErrorKind.TooShortRequest, "not enough data provided to recover 'reply'");
  });

  it('length prefixes that disagree with the payload → MalformedRequest', () => {
    expectProtocolError(
      () => decodeBinaryRequest(hex(`00 ${RECIPIENT_HEX} 0000000000000000 0000000000000003 ${HI}`)),
      NymErrorKind.MalformedRequest,
      'data len has inconsistent length. specified: 3 got: 2',
    );
    expectProtocolError(
      () => decodeBinaryRequest(hex(`01 00000001 ${RECIPIENT_HEX} 0000000000000000 0000000000000000 ${HI}`)),
      NymErrorKind.MalformedRequest,
      'data len has inconsistent length. specified: 0 got: 2',
    );
    expectProtocolError(
      () => decodeBinaryRequest(hex(`02 ${TAG_HEX} 0000000000000000 ffffffffffffffff ${HI}`)),
      NymErrorKind.MalformedRequest,
      'message len has inconsistent length. specified: 18446744073709551615 got: 2',
    );
  });

  it('a recipient whose identity is not an ed25519 point → MalformedRequest "malformed recipient: …"', () => {
    const badIdentity = `02${'00'.repeat(31)}${RECIPIENT_HEX.slice(64)}`;
    expectProtocolError(
      () => decodeBinaryRequest(hex(`00 ${badIdentity} 0000000000000000 0000000000000000`)),
      NymErrorKind.MalformedRequest,
      /^malformed recipient: recipient's identity key is malformed/,
    );
  });

  it('closedConnection / getLaneQueueLength must be exactly 9 bytes', () => {
    expectProtocolError(() => decodeBinaryRequest(hex('04 00000000000001')), NymErrorKind.MalformedRequest, 'The received closed connection has invalid length');
    expectProtocolError(() => decodeBinaryRequest(hex('04 000000000000000100')), NymErrorKind.MalformedRequest, 'The received closed connection has invalid length');
    expectProtocolError(() => decodeBinaryRequest(hex('05')), NymErrorKind.MalformedRequest, 'The received get lane queue lengths has invalid length');
  });
});

describe('binary responses (nym.md §2.2): exact bytes both ways', () => {
  const cases: Array<[string, NymResponse, string]> = [
    [
      'Error 0x00 ‖ kind ‖ msg_len ‖ msg (no kind-text prefix)',
      { kind: 'error', errorKind: NymErrorKind.TooShortRequest, message: "not enough data provided to recover 'reply'" },
      `00 02 000000000000002b ${Buffer.from("not enough data provided to recover 'reply'").toString('hex')}`,
    ],
    [
      'Received 0x01 without a tag: 10 + n bytes',
      { kind: 'received', message: hex(HI), senderTag: null },
      `01 00 0000000000000002 ${HI}`,
    ],
    [
      'Received 0x01 with a tag: 26 + n bytes',
      { kind: 'received', message: hex(HI), senderTag: new Uint8Array(16).fill(8) },
      `01 01 ${TAG_HEX} 0000000000000002 ${HI}`,
    ],
    ['SelfAddress 0x02 ‖ 96 recipient bytes', { kind: 'selfAddress', address: RECIPIENT }, `02 ${RECIPIENT_HEX}`],
    [
      'LaneQueueLength 0x03 ‖ lane u64 ‖ queue_length usize',
      { kind: 'laneQueueLength', lane: 42n, queueLength: 3n },
      '03 000000000000002a 0000000000000003',
    ],
  ];
  for (const [name, response, wire] of cases) {
    it(name, () => {
      expect(toHex(encodeBinaryResponse(response))).toBe(wire.replace(/\s+/g, ''));
      expect(decodeBinaryResponse(hex(wire))).toEqual(response);
    });
  }

  it('round-trips every server error kind byte', () => {
    for (const errorKind of Object.values(NymErrorKind)) {
      const response: NymResponse = { kind: 'error', errorKind, message: 'x' };
      const bytes = encodeBinaryResponse(response);
      expect(bytes[1]).toBe(errorKind);
      expect(decodeBinaryResponse(bytes)).toEqual(response);
    }
  });
});

describe('binary responses: malformed bytes', () => {
  it('empty / unknown tag', () => {
    expectProtocolError(() => decodeBinaryResponse(new Uint8Array(0)), NymErrorKind.EmptyResponse, 'no data provided');
    expectProtocolError(() => decodeBinaryResponse(hex('04')), NymErrorKind.UnknownResponse, '4 does not correspond to any valid response tag');
  });

  it('received: short, bad flag, short tag, bad length', () => {
    expectProtocolError(() => decodeBinaryResponse(hex('01 00 00000000')), NymErrorKind.TooShortResponse, "not enough data provided to recover 'received'");
    expectProtocolError(() => decodeBinaryResponse(hex('01 02 0000000000000000')), NymErrorKind.MalformedResponse, 'invalid sender tag flag 2');
    expectProtocolError(() => decodeBinaryResponse(hex(`01 01 ${'08'.repeat(10)}`)), NymErrorKind.TooShortResponse, "not enough data provided to recover 'received'");
    expectProtocolError(() => decodeBinaryResponse(hex(`01 01 ${TAG_HEX} 000000`)), NymErrorKind.TooShortResponse, "not enough data provided to recover 'received'");
    expectProtocolError(
      () => decodeBinaryResponse(hex(`01 00 0000000000000005 ${HI}`)),
      NymErrorKind.MalformedResponse,
      'message len has inconsistent length. specified: 5 got: 2',
    );
  });

  it('selfAddress must be exactly 97 bytes and a valid recipient', () => {
    expectProtocolError(() => decodeBinaryResponse(hex(`02 ${RECIPIENT_HEX} 00`)), NymErrorKind.TooShortResponse, "not enough data provided to recover 'self_address'");
    expectProtocolError(() => decodeBinaryResponse(hex('02')), NymErrorKind.TooShortResponse, "not enough data provided to recover 'self_address'");
    expectProtocolError(
      () => decodeBinaryResponse(hex(`02 02${'00'.repeat(31)}${RECIPIENT_HEX.slice(64)}`)),
      NymErrorKind.MalformedResponse,
      /^malformed Recipient: /,
    );
  });

  it('laneQueueLength and error that are too short', () => {
    expectProtocolError(() => decodeBinaryResponse(hex('03 000000000000002a 00')), NymErrorKind.TooShortResponse, "not enough data provided to recover 'lane_queue_length'");
    expectProtocolError(() => decodeBinaryResponse(hex('00 04 00000000000000')), NymErrorKind.TooShortResponse, "not enough data provided to recover 'error'");
  });

  it('error with an unknown kind, a bad length or invalid UTF-8', () => {
    expectProtocolError(() => decodeBinaryResponse(hex('00 05 0000000000000000')), NymErrorKind.MalformedResponse, /5 does not correspond/);
    expectProtocolError(() => decodeBinaryResponse(hex('00 04 0000000000000002 61')), NymErrorKind.MalformedResponse, 'message len has inconsistent length. specified: 2 got: 1');
    expectProtocolError(() => decodeBinaryResponse(hex('00 04 0000000000000001 ff')), NymErrorKind.MalformedResponse, /^malformed error message/);
  });
});
