// The decoded request/response model shared by the text (messages.ts) and binary
// (binary-codec.ts) codecs: `ClientRequest` / `ServerResponse` of websocket-requests. Types only.
import type { Recipient } from './address';
import type { NymErrorKindCode } from './errors';

/**
 * u64 ids stay bigint so the binary API round-trips every value. `null` is "no connection id":
 * a missing/null JSON field in text mode, the value 0 in binary mode (nym.md §1.1, §2).
 */
export type ConnectionId = bigint | null;

export type NymRequest =
  | { kind: 'send'; recipient: Recipient; message: Uint8Array; connectionId: ConnectionId }
  | {
      kind: 'sendAnonymous';
      recipient: Recipient;
      message: Uint8Array;
      replySurbs: number;
      connectionId: ConnectionId;
    }
  | { kind: 'reply'; senderTag: Uint8Array; message: Uint8Array; connectionId: ConnectionId }
  | { kind: 'selfAddress' }
  | { kind: 'closedConnection'; connectionId: bigint }
  | { kind: 'getLaneQueueLength'; connectionId: bigint };

export type NymResponse =
  | { kind: 'received'; message: Uint8Array; senderTag: Uint8Array | null }
  | { kind: 'selfAddress'; address: Recipient }
  | { kind: 'laneQueueLength'; lane: bigint; queueLength: bigint }
  /** `message` never carries the "<kind text>:" prefix; text encoding adds it. */
  | { kind: 'error'; errorKind: NymErrorKindCode; message: string };

export const U32_MAX = 0xffff_ffff;
export const U64_MAX = (1n << 64n) - 1n;
