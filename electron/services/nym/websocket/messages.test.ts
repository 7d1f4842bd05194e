import { describe, expect, it } from 'vitest';
import { parseRecipient } from './address';
import { NymErrorKind, NymProtocolError, NymValidationError } from './errors';
import {
  TextRequestSchema,
  decodeTextRequest,
  decodeTextResponse,
  encodeTextRequest,
  encodeTextResponse,
  parseTextErrorMessage,
  textRequestFromModel,
} from './messages';

const ADDRESS =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';
const SELF =
  'DguTcdkWWtDyUFLvQxRdcA8qZhardhE1ZXy1YCC7Zfmq.Dxreouj5RhQqMb3ZaAxgXFdGkmfbDKwk457FdeHGKmQQ@4kjgWmFU1tcGAZYRZR57yFuVAexjLbJ5M7jvo3X5Hkcf';
const TAG_8 = 'zXExeyvPEHUk9rjXTu78T';
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function requestError(raw: string): NymProtocolError {
  try {
    decodeTextRequest(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(NymProtocolError);
    return error as NymProtocolError;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('text requests: the nym.md §1.4 frames', () => {
  it('selfAddress', () => {
    expect(encodeTextRequest({ type: 'selfAddress' })).toBe('{"type":"selfAddress"}');
    expect(decodeTextRequest('{"type":"selfAddress"}')).toEqual({ kind: 'selfAddress' });
  });

  it('send', () => {
    const frame = `{"type":"send","message":"hi","recipient":"${ADDRESS}"}`;
    expect(encodeTextRequest({ type: 'send', message: 'hi', recipient: ADDRESS })).toBe(frame);
    expect(decodeTextRequest(frame)).toEqual({
      kind: 'send',
      message: utf8('hi'),
      recipient: parseRecipient(ADDRESS),
      connectionId: null,
    });
  });

  it('send with connectionId 42 (text mode: 0 is a real id too)', () => {
    const frame = `{"type":"send","message":"x","recipient":"${ADDRESS}","connectionId":42}`;
    expect(encodeTextRequest({ type: 'send', message: 'x', recipient: ADDRESS, connectionId: 42 })).toBe(frame);
    expect(decodeTextRequest(frame)).toMatchObject({ kind: 'send', connectionId: 42n });
    expect(decodeTextRequest(frame.replace('42', '0'))).toMatchObject({ connectionId: 0n });
    expect(decodeTextRequest(frame.replace('42', 'null'))).toMatchObject({ connectionId: null });
  });

  it('keeps u64 connection ids above 2^53 exact', () => {
    const frame = `{"type":"send","message":"x","recipient":"${ADDRESS}","connectionId":18446744073709551615}`;
    expect(decodeTextRequest(frame)).toMatchObject({ connectionId: 18446744073709551615n });
    expect(encodeTextRequest({ type: 'send', message: 'x', recipient: ADDRESS, connectionId: 18446744073709551615n })).toBe(frame);
  });

  it('sendAnonymous with replySurbs 20', () => {
    const decoded = decodeTextRequest(`{"type":"sendAnonymous","message":"hi","recipient":"${ADDRESS}","replySurbs":20}`);
    expect(decoded).toEqual({
      kind: 'sendAnonymous',
      message: utf8('hi'),
      recipient: parseRecipient(ADDRESS),
      replySurbs: 20,
      connectionId: null,
    });
    expect(encodeTextRequest({ type: 'sendAnonymous', message: 'hi', recipient: ADDRESS, replySurbs: 20 })).toBe(
      `{"type":"sendAnonymous","recipient":"${ADDRESS}","message":"hi","replySurbs":20}`,
    );
  });

  it('reply with senderTag (base58 of 16×0x08)', () => {
    const frame = `{"type":"reply","message":"hello back","senderTag":"${TAG_8}"}`;
    expect(decodeTextRequest(frame)).toEqual({
      kind: 'reply',
      message: utf8('hello back'),
      senderTag: new Uint8Array(16).fill(8),
      connectionId: null,
    });
    expect(encodeTextRequest({ type: 'reply', message: 'hello back', senderTag: TAG_8 })).toBe(
      `{"type":"reply","senderTag":"${TAG_8}","message":"hello back"}`,
    );
  });

  it('ignores unknown fields, so the 0.8–1.1.3 withReplySurb snippet becomes a plain send (§1.5)', () => {
    const decoded = decodeTextRequest(`{"type":"send","message":"m","recipient":"${ADDRESS}","withReplySurb":true}`);
    expect(decoded.kind).toBe('send');
  });

  it('round-trips every model request that has a text form', () => {
    for (const frame of [
      '{"type":"selfAddress"}',
      `{"type":"send","message":"é ✓","recipient":"${ADDRESS}","connectionId":7}`,
      `{"type":"sendAnonymous","recipient":"${ADDRESS}","message":"","replySurbs":0}`,
      `{"type":"reply","senderTag":"${TAG_8}","message":"\\n"}`,
    ]) {
      expect(encodeTextRequest(textRequestFromModel(decodeTextRequest(frame)))).toBe(frame);
    }
  });

  it('has no text form for closedConnection / getLaneQueueLength', () => {
    expect(() => textRequestFromModel({ kind: 'closedConnection', connectionId: 1n })).toThrow(NymValidationError);
    expect(() => textRequestFromModel({ kind: 'getLaneQueueLength', connectionId: 1n })).toThrow(NymValidationError);
    expect(requestError('{"type":"closedConnection","connectionId":1}').detail).toMatch(/^unknown variant `closedConnection`/);
    expect(TextRequestSchema.safeParse({ type: 'getLaneQueueLength' }).success).toBe(false);
  });

  it('refuses non-UTF-8 bytes in text mode', () => {
    expect(() =>
      textRequestFromModel({ kind: 'send', recipient: parseRecipient(ADDRESS), message: Uint8Array.of(0xff), connectionId: null }),
    ).toThrow(/UTF-8/);
  });
});

describe('text requests: malformed input → "malformed request:<detail>"', () => {
  it('uses kind MalformedRequest for every parse failure', () => {
    for (const raw of ['', 'x', '{"type":', '[]', '5', '{}', '{"type":5}', '{"type":"nope"}']) {
      const error = requestError(raw);
      expect(error.kind).toBe(NymErrorKind.MalformedRequest);
      expect(error.message.startsWith('malformed request:')).toBe(true);
    }
  });

  it('imitates serde for missing fields, wrong types and unknown variants', () => {
    expect(requestError('{"type":"send","message":"hello world"}').message).toBe(
      'malformed request:missing field `recipient` at line 1 column 39',
    );
    expect(requestError(`{"type":"send","message":{"text":"hi"},"recipient":"${ADDRESS}"}`).detail).toMatch(
      /^invalid type: map, expected a string at line 1 column \d+$/,
    );
    expect(requestError('{"type":"nope"}').detail).toBe(
      'unknown variant `nope`, expected one of `send`, `sendAnonymous`, `reply`, `selfAddress` at line 1 column 15',
    );
    expect(requestError('{"message":"x"}').detail).toMatch(/^missing field `type`/);
    expect(requestError(`{"type":"sendAnonymous","message":"hi","recipient":"${ADDRESS}"}`).detail).toMatch(
      /^missing field `replySurbs`/,
    );
    expect(requestError(`{"type":"sendAnonymous","message":"hi","recipient":"${ADDRESS}","replySurbs":-1}`).detail).toMatch(
      /^invalid value: integer `-1`, expected u32/,
    );
    expect(requestError(`{"type":"send","message":"x","recipient":"${ADDRESS}","connectionId":1.5}`).detail).toMatch(
      /^invalid type: floating point `1.5`, expected u64/,
    );
    expect(requestError(`{"type":"send","message":"x","recipient":"${ADDRESS}","connectionId":"1"}`).detail).toMatch(
      /^invalid type: string "1", expected u64/,
    );
  });

  it('the old reply shape fails on the missing senderTag (§1.5)', () => {
    expect(requestError('{"type":"reply","message":"m","replySurb":"abc"}').detail).toMatch(/^missing field `senderTag`/);
  });

  it('bad recipients and tags carry the address/tag parser messages', () => {
    expect(requestError('{"type":"send","message":"hi","recipient":"nobody"}').message).toBe(
      "malformed request:recipient is malformed - the string address does not contain exactly a single '@' character ",
    );
    expect(requestError('{"type":"reply","message":"m","senderTag":"abc"}').detail).toMatch(
      /^Decoded AnonymousSenderTag has invalid length\. Expected 16, but got 3 at line 1 column \d+$/,
    );
  });
});

describe('text responses: the nym.md §1.4 frames', () => {
  it('selfAddress', () => {
    const frame = `{"type":"selfAddress","address":"${SELF}"}`;
    const decoded = decodeTextResponse(frame);
    expect(decoded).toEqual({ kind: 'selfAddress', address: parseRecipient(SELF) });
    expect(encodeTextResponse(decoded)).toBe(frame);
  });

  it('received without and with a senderTag', () => {
    const plain = '{"type":"received","message":"hi","senderTag":null}';
    expect(decodeTextResponse(plain)).toEqual({ kind: 'received', message: utf8('hi'), senderTag: null });
    expect(encodeTextResponse(decodeTextResponse(plain))).toBe(plain);
    const tagged = '{"type":"received","message":"hi","senderTag":"6CzGHguLGCk1f416kwDZB7"}';
    const decoded = decodeTextResponse(tagged);
    expect(decoded).toEqual({ kind: 'received', message: utf8('hi'), senderTag: new Uint8Array(16).fill(42) });
    expect(encodeTextResponse(decoded)).toBe(tagged);
  });

  it('received is lossy UTF-8 like String::from_utf8_lossy, keeping a BOM', () => {
    const frame = encodeTextResponse({ kind: 'received', message: Uint8Array.of(0xef, 0xbb, 0xbf, 0x68, 0xff), senderTag: null });
    expect(frame).toBe('{"type":"received","message":"\ufeffh\ufffd","senderTag":null}');
  });

  it('laneQueueLength keeps the snake_case queue_length', () => {
    const frame = '{"type":"laneQueueLength","lane":42,"queue_length":3}';
    const decoded = decodeTextResponse(frame);
    expect(decoded).toEqual({ kind: 'laneQueueLength', lane: 42n, queueLength: 3n });
    expect(encodeTextResponse(decoded)).toBe(frame);
    expect(() => decodeTextResponse('{"type":"laneQueueLength","lane":42,"queueLength":3}')).toThrow(NymProtocolError);
  });

  it('error carries "<kind text>:<detail>" and splits back into kind + detail', () => {
    const frame =
      '{"type":"error","message":"malformed request:recipient is malformed - the string address does not contain exactly a single \'@\' character "}';
    const decoded = decodeTextResponse(frame);
    expect(decoded).toEqual({
      kind: 'error',
      errorKind: NymErrorKind.MalformedRequest,
      message: "recipient is malformed - the string address does not contain exactly a single '@' character ",
    });
    expect(encodeTextResponse(decoded)).toBe(frame);
  });

  it('maps every kind text back to its code', () => {
    const cases: Array<[string, number]> = [
      ['received request contained no data:x', NymErrorKind.EmptyRequest],
      ['received request did not contain enough data:x', NymErrorKind.TooShortRequest],
      ['unknown request type:x', NymErrorKind.UnknownRequest],
      ['malformed request:x', NymErrorKind.MalformedRequest],
      ['received response contained no data:x', NymErrorKind.EmptyResponse],
      ['received response did not contain enough data:x', NymErrorKind.TooShortResponse],
      ['unknown response type:x', NymErrorKind.UnknownResponse],
      ['malformed response:x', NymErrorKind.MalformedResponse],
      ['other:x', NymErrorKind.Other],
    ];
    for (const [message, code] of cases) expect(parseTextErrorMessage(message)).toEqual({ errorKind: code, detail: 'x' });
    expect(parseTextErrorMessage('no prefix')).toEqual({ errorKind: NymErrorKind.Other, detail: 'no prefix' });
  });

  it('rejects malformed responses with MalformedResponse', () => {
    for (const raw of ['', '{', '{"type":"received"}', '{"type":"nope"}', '{"type":"selfAddress","address":"bad"}',
      '{"type":"received","message":"x","senderTag":"abc"}']) {
      try {
        decodeTextResponse(raw);
        throw new Error(`accepted ${raw}`);
      } catch (error) {
        expect(error).toBeInstanceOf(NymProtocolError);
        expect((error as NymProtocolError).kind).toBe(NymErrorKind.MalformedResponse);
      }
    }
  });
});
