// nym-client's binary websocket API, byte-exact and pure (websocket-requests/src/{requests,
// responses}.rs, nym.md §2): u8 tags, big-endian integers, u64 length prefixes, 96-byte
// recipients, 16-byte sender tags. Bad bytes → NymProtocolError carrying the kind nym would use.
import {
  RECIPIENT_LENGTH,
  SENDER_TAG_SIZE,
  recipientFromBytes,
  recipientToBytes,
  type Recipient,
} from './address';
import { NymErrorKind, NymProtocolError, NymValidationError, isNymErrorKind } from './errors';
import { U32_MAX, U64_MAX, type ConnectionId, type NymRequest, type NymResponse } from './model';

export const RequestTag = {
  Send: 0x00,
  SendAnonymous: 0x01,
  Reply: 0x02,
  SelfAddress: 0x03,
  ClosedConnection: 0x04,
  GetLaneQueueLength: 0x05,
} as const;

export const ResponseTag = {
  Error: 0x00,
  Received: 0x01,
  SelfAddress: 0x02,
  LaneQueueLength: 0x03,
} as const;

const U64 = 8;
const SEND_MIN = 1 + RECIPIENT_LENGTH + 2 * U64; // 113
const SEND_ANONYMOUS_MIN = 1 + 4 + RECIPIENT_LENGTH + 2 * U64; // 117
const REPLY_MIN = 1 + SENDER_TAG_SIZE + 2 * U64; // 33
const LANE_REQUEST_LEN = 1 + U64; // 9, exact
const RECEIVED_MIN = 2 + U64; // 10
const LANE_RESPONSE_LEN = 1 + 2 * U64; // 17 (usize is 8 bytes on the 64-bit builds)
const ERROR_MIN = 2 + U64; // 10

const UTF8 = new TextEncoder();
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function concat(parts: ReadonlyArray<Uint8Array>): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function u8(value: number): Uint8Array {
  return Uint8Array.of(value);
}

function u32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new NymValidationError('u32', `${value} is not a u32`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

function u64be(value: bigint | number): Uint8Array {
  const big = BigInt(value);
  if (big < 0n || big > U64_MAX) throw new NymValidationError('u64', `${value} is not a u64`);
  const out = new Uint8Array(U64);
  new DataView(out.buffer).setBigUint64(0, big, false);
  return out;
}

function readU64(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, false);
}

function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

/** Binary connection ids: 0 on the wire means "none" (nym.md §2). */
function connectionIdBytes(id: ConnectionId): Uint8Array {
  return u64be(id ?? 0n);
}

function connectionIdFromWire(raw: bigint): ConnectionId {
  return raw === 0n ? null : raw;
}

// --- requests ------------------------------------------------------------------------------------
export function encodeBinaryRequest(request: NymRequest): Uint8Array {
  switch (request.kind) {
    case 'send': // tag ‖ recipient(96) ‖ conn_id u64 ‖ data_len u64 ‖ data
      return concat([
        u8(RequestTag.Send),
        recipientToBytes(request.recipient),
        connectionIdBytes(request.connectionId),
        u64be(request.message.length),
        request.message,
      ]);
    case 'sendAnonymous': // tag ‖ reply_surbs u32 ‖ recipient(96) ‖ conn_id ‖ data_len ‖ data
      return concat([
        u8(RequestTag.SendAnonymous),
        u32be(request.replySurbs),
        recipientToBytes(request.recipient),
        connectionIdBytes(request.connectionId),
        u64be(request.message.length),
        request.message,
      ]);
    case 'reply': // tag ‖ sender_tag(16) ‖ conn_id ‖ msg_len ‖ msg
      if (request.senderTag.length !== SENDER_TAG_SIZE) {
        throw new NymValidationError('senderTag', `a sender tag is ${SENDER_TAG_SIZE} bytes, got ${request.senderTag.length}`);
      }
      return concat([
        u8(RequestTag.Reply),
        request.senderTag,
        connectionIdBytes(request.connectionId),
        u64be(request.message.length),
        request.message,
      ]);
    case 'selfAddress':
      return u8(RequestTag.SelfAddress);
    case 'closedConnection':
      return concat([u8(RequestTag.ClosedConnection), u64be(request.connectionId)]);
    case 'getLaneQueueLength':
      return concat([u8(RequestTag.GetLaneQueueLength), u64be(request.connectionId)]);
  }
}

function recipientAt(bytes: Uint8Array, offset: number): Recipient {
  try {
    return recipientFromBytes(bytes.subarray(offset, offset + RECIPIENT_LENGTH));
  } catch (error) {
    // nym formats the RecipientFormattingError with {:?}; the wording after the prefix is ours.
    const detail = error instanceof NymValidationError ? error.detail : String(error);
    throw new NymProtocolError(NymErrorKind.MalformedRequest, `malformed recipient: ${detail}`);
  }
}

function payloadAfter(bytes: Uint8Array, lenOffset: number, what: 'data' | 'message', kindOnMismatch: typeof NymErrorKind.MalformedRequest | typeof NymErrorKind.MalformedResponse): Uint8Array {
  const declared = readU64(bytes, lenOffset);
  const payload = bytes.subarray(lenOffset + U64);
  if (BigInt(payload.length) !== declared) {
    throw new NymProtocolError(
      kindOnMismatch,
      `${what} len has inconsistent length. specified: ${declared} got: ${payload.length}`,
    );
  }
  return payload.slice();
}

/** nym-client's `ClientRequest::deserialize`, including its check order and messages. */
export function decodeBinaryRequest(bytes: Uint8Array): NymRequest {
  if (bytes.length === 0) throw new NymProtocolError(NymErrorKind.EmptyRequest, 'no data provided');
  const tag = bytes[0] ?? -1;
  const tooShort = (name: string): NymProtocolError =>
    new NymProtocolError(NymErrorKind.TooShortRequest, `not enough data provided to recover '${name}'`);
  switch (tag) {
    case RequestTag.Send: {
      if (bytes.length < SEND_MIN) throw tooShort('send');
      const recipient = recipientAt(bytes, 1);
      const connectionId = connectionIdFromWire(readU64(bytes, 1 + RECIPIENT_LENGTH));
      const message = payloadAfter(bytes, 1 + RECIPIENT_LENGTH + U64, 'data', NymErrorKind.MalformedRequest);
      return { kind: 'send', recipient, message, connectionId };
    }
    case RequestTag.SendAnonymous: {
      if (bytes.length < SEND_ANONYMOUS_MIN) throw tooShort('send_anonymous');
      const replySurbs = readU32(bytes, 1);
      const recipient = recipientAt(bytes, 5);
      const connectionId = connectionIdFromWire(readU64(bytes, 5 + RECIPIENT_LENGTH));
      const message = payloadAfter(bytes, 5 + RECIPIENT_LENGTH + U64, 'data', NymErrorKind.MalformedRequest);
      return { kind: 'sendAnonymous', replySurbs, recipient, message, connectionId };
    }
    case RequestTag.Reply: {
      if (bytes.length < REPLY_MIN) throw tooShort('reply');
      const senderTag = bytes.slice(1, 1 + SENDER_TAG_SIZE);
      const connectionId = connectionIdFromWire(readU64(bytes, 1 + SENDER_TAG_SIZE));
      const message = payloadAfter(bytes, 1 + SENDER_TAG_SIZE + U64, 'message', NymErrorKind.MalformedRequest);
      return { kind: 'reply', senderTag, message, connectionId };
    }
    case RequestTag.SelfAddress:
      return { kind: 'selfAddress' }; // trailing bytes are ignored by nym-client
    case RequestTag.ClosedConnection:
      if (bytes.length !== LANE_REQUEST_LEN) {
        throw new NymProtocolError(NymErrorKind.MalformedRequest, 'The received closed connection has invalid length');
      }
      return { kind: 'closedConnection', connectionId: readU64(bytes, 1) };
    case RequestTag.GetLaneQueueLength:
      if (bytes.length !== LANE_REQUEST_LEN) {
        throw new NymProtocolError(
          NymErrorKind.MalformedRequest,
          'The received get lane queue lengths has invalid length',
        );
      }
      return { kind: 'getLaneQueueLength', connectionId: readU64(bytes, 1) };
    default:
      throw new NymProtocolError(NymErrorKind.UnknownRequest, `${tag} does not correspond to any valid request tag`);
  }
}

// --- responses -----------------------------------------------------------------------------------
export function encodeBinaryResponse(response: NymResponse): Uint8Array {
  switch (response.kind) {
    case 'received': // tag ‖ has_tag(0|1) ‖ [sender_tag(16)] ‖ msg_len u64 ‖ msg
      if (response.senderTag !== null && response.senderTag.length !== SENDER_TAG_SIZE) {
        throw new NymValidationError('senderTag', `a sender tag is ${SENDER_TAG_SIZE} bytes, got ${response.senderTag.length}`);
      }
      return concat([
        u8(ResponseTag.Received),
        u8(response.senderTag === null ? 0 : 1),
        response.senderTag ?? new Uint8Array(0),
        u64be(response.message.length),
        response.message,
      ]);
    case 'selfAddress':
      return concat([u8(ResponseTag.SelfAddress), recipientToBytes(response.address)]);
    case 'laneQueueLength':
      return concat([u8(ResponseTag.LaneQueueLength), u64be(response.lane), u64be(response.queueLength)]);
    case 'error': {
      // The binary form carries no "<kind text>:" prefix (nym.md §2.2).
      const message = UTF8.encode(response.message);
      return concat([u8(ResponseTag.Error), u8(response.errorKind), u64be(message.length), message]);
    }
  }
}

/**
 * `ServerResponse::deserialize`. Two deliberate hardenings where the Rust code would panic on
 * short input: laneQueueLength shorter than 17 bytes and error shorter than 10 bytes are
 * TooShortResponse here.
 */
export function decodeBinaryResponse(bytes: Uint8Array): NymResponse {
  if (bytes.length === 0) throw new NymProtocolError(NymErrorKind.EmptyResponse, 'no data provided');
  const tag = bytes[0] ?? -1;
  const tooShort = (name: string): NymProtocolError =>
    new NymProtocolError(NymErrorKind.TooShortResponse, `not enough data provided to recover '${name}'`);
  switch (tag) {
    case ResponseTag.Received: {
      if (bytes.length < RECEIVED_MIN) throw tooShort('received');
      const flag = bytes[1] ?? 0;
      if (flag !== 0 && flag !== 1) {
        throw new NymProtocolError(NymErrorKind.MalformedResponse, `invalid sender tag flag ${flag}`);
      }
      let offset = 2;
      let senderTag: Uint8Array | null = null;
      if (flag === 1) {
        if (bytes.length - 2 < SENDER_TAG_SIZE) throw tooShort('received');
        senderTag = bytes.slice(2, 2 + SENDER_TAG_SIZE);
        offset += SENDER_TAG_SIZE;
      }
      if (bytes.length - offset < U64) throw tooShort('received');
      const message = payloadAfter(bytes, offset, 'message', NymErrorKind.MalformedResponse);
      return { kind: 'received', message, senderTag };
    }
    case ResponseTag.SelfAddress: {
      if (bytes.length !== 1 + RECIPIENT_LENGTH) throw tooShort('self_address');
      try {
        return { kind: 'selfAddress', address: recipientFromBytes(bytes.subarray(1)) };
      } catch (error) {
        const detail = error instanceof NymValidationError ? error.detail : String(error);
        throw new NymProtocolError(NymErrorKind.MalformedResponse, `malformed Recipient: ${detail}`);
      }
    }
    case ResponseTag.LaneQueueLength:
      if (bytes.length < LANE_RESPONSE_LEN) throw tooShort('lane_queue_length');
      return { kind: 'laneQueueLength', lane: readU64(bytes, 1), queueLength: readU64(bytes, 1 + U64) };
    case ResponseTag.Error: {
      if (bytes.length < ERROR_MIN) throw tooShort('error');
      const kind = bytes[1] ?? 0;
      if (!isNymErrorKind(kind)) {
        throw new NymProtocolError(NymErrorKind.MalformedResponse, `${kind} does not correspond to any valid error kind`);
      }
      const raw = payloadAfter(bytes, 2, 'message', NymErrorKind.MalformedResponse);
      let message: string;
      try {
        message = STRICT_UTF8.decode(raw);
      } catch {
        throw new NymProtocolError(NymErrorKind.MalformedResponse, 'malformed error message: invalid utf-8');
      }
      return { kind: 'error', errorKind: kind, message };
    }
    default:
      throw new NymProtocolError(NymErrorKind.UnknownResponse, `${tag} does not correspond to any valid response tag`);
  }
}
