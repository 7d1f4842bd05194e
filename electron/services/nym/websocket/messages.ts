// nym-client's text (JSON) websocket API, pure: zod schemas on "type" with the exact field names of
// clients/native/websocket-requests/src/text.rs (nym.md §1), encoders that emit serde's field order,
// and decoders that turn bad input into the "malformed request:<detail>" nym-client would send.
import { z } from 'zod';
import {
  formatRecipient,
  formatSenderTag,
  parseRecipient,
  parseSenderTag,
  type Recipient,
} from './address';
import {
  NYM_ERROR_KIND_TEXT,
  NymErrorKind,
  NymProtocolError,
  NymValidationError,
  type NymErrorKindCode,
} from './errors';
import { U32_MAX, U64_MAX, type NymRequest, type NymResponse } from './model';

// connectionId/lane are u64: numbers while they are safe integers, bigint beyond that.
const u64 = z.union([z.number().int().min(0), z.bigint().min(0n).max(U64_MAX)]);
const u32 = z.number().int().min(0).max(U32_MAX);

// --- requests (client → nym-client) -----------------------------------------------------------
// z.object strips unknown keys, which is what serde does without deny_unknown_fields (§1.1).
export const SendRequestSchema = z.object({
  type: z.literal('send'),
  message: z.string(),
  recipient: z.string(),
  connectionId: u64.nullish(),
});
export const SendAnonymousRequestSchema = z.object({
  type: z.literal('sendAnonymous'),
  recipient: z.string(),
  message: z.string(),
  replySurbs: u32, // required: serde has no default for it
  connectionId: u64.nullish(),
});
export const ReplyRequestSchema = z.object({
  type: z.literal('reply'),
  senderTag: z.string(),
  message: z.string(),
  connectionId: u64.nullish(),
});
export const SelfAddressRequestSchema = z.object({ type: z.literal('selfAddress') });

/**
 * closedConnection and getLaneQueueLength have no text form in any nym-client since 1.1.4
 * (nym.md §1.2): a text `{"type":"closedConnection"}` is "unknown variant". They exist only as
 * binary tags 0x04/0x05, see binary-codec.ts.
 */
export const TextRequestSchema = z.discriminatedUnion('type', [
  SendRequestSchema,
  SendAnonymousRequestSchema,
  ReplyRequestSchema,
  SelfAddressRequestSchema,
]);
export type TextRequest = z.infer<typeof TextRequestSchema>;

// --- responses (nym-client → client) -------------------------------------------------------------
export const ReceivedResponseSchema = z.object({
  type: z.literal('received'),
  message: z.string(),
  // Always written (null for plain messages and replies); serde would also accept it missing.
  senderTag: z.string().nullish(),
});
export const SelfAddressResponseSchema = z.object({ type: z.literal('selfAddress'), address: z.string() });
export const LaneQueueLengthResponseSchema = z.object({
  type: z.literal('laneQueueLength'),
  lane: u64,
  queue_length: u64, // snake_case: this serde variant has no rename_all (nym.md §1.3)
});
export const ErrorResponseSchema = z.object({ type: z.literal('error'), message: z.string() });

export const TextResponseSchema = z.discriminatedUnion('type', [
  ReceivedResponseSchema,
  SelfAddressResponseSchema,
  LaneQueueLengthResponseSchema,
  ErrorResponseSchema,
]);
export type TextResponse = z.infer<typeof TextResponseSchema>;

// --- encoding ----------------------------------------------------------------------------------
const UTF8 = new TextEncoder();
// from_utf8_lossy semantics: U+FFFD for bad sequences, and a leading BOM is kept, not eaten.
const LOSSY_UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function jsonU64(value: number | bigint): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}

/** Request JSON with `type` first and fields in serde declaration order; absent ids omitted. */
export function encodeTextRequest(request: TextRequest): string {
  const req = TextRequestSchema.parse(request);
  const conn = req.type === 'selfAddress' || req.connectionId == null ? '' : `,"connectionId":${jsonU64(req.connectionId)}`;
  switch (req.type) {
    case 'send':
      return `{"type":"send","message":${JSON.stringify(req.message)},"recipient":${JSON.stringify(req.recipient)}${conn}}`;
    case 'sendAnonymous':
      return `{"type":"sendAnonymous","recipient":${JSON.stringify(req.recipient)},"message":${JSON.stringify(req.message)},"replySurbs":${req.replySurbs}${conn}}`;
    case 'reply':
      return `{"type":"reply","senderTag":${JSON.stringify(req.senderTag)},"message":${JSON.stringify(req.message)}${conn}}`;
    case 'selfAddress':
      return '{"type":"selfAddress"}';
  }
}

/** The text form of a decoded request; binary-only requests are refused. */
export function textRequestFromModel(request: NymRequest): TextRequest {
  const text = (bytes: Uint8Array): string => {
    try {
      return STRICT_UTF8.decode(bytes);
    } catch {
      throw new NymValidationError('message', 'text mode carries UTF-8 strings only; use binary mode for raw bytes');
    }
  };
  switch (request.kind) {
    case 'send':
      return {
        type: 'send',
        message: text(request.message),
        recipient: formatRecipient(request.recipient),
        connectionId: request.connectionId,
      };
    case 'sendAnonymous':
      return {
        type: 'sendAnonymous',
        recipient: formatRecipient(request.recipient),
        message: text(request.message),
        replySurbs: request.replySurbs,
        connectionId: request.connectionId,
      };
    case 'reply':
      return {
        type: 'reply',
        senderTag: formatSenderTag(request.senderTag),
        message: text(request.message),
        connectionId: request.connectionId,
      };
    case 'selfAddress':
      return { type: 'selfAddress' };
    case 'closedConnection':
    case 'getLaneQueueLength':
      throw new NymValidationError('request', `${request.kind} exists only in the binary API (nym.md §1.2)`);
  }
}

/** Server side (the stand-in): serde_json's output for ServerResponseText. */
export function encodeTextResponse(response: NymResponse): string {
  switch (response.kind) {
    case 'received': {
      const tag = response.senderTag === null ? 'null' : JSON.stringify(formatSenderTag(response.senderTag));
      return `{"type":"received","message":${JSON.stringify(LOSSY_UTF8.decode(response.message))},"senderTag":${tag}}`;
    }
    case 'selfAddress':
      return `{"type":"selfAddress","address":${JSON.stringify(formatRecipient(response.address))}}`;
    case 'laneQueueLength':
      return `{"type":"laneQueueLength","lane":${response.lane},"queue_length":${response.queueLength}}`;
    case 'error':
      return `{"type":"error","message":${JSON.stringify(`${NYM_ERROR_KIND_TEXT[response.errorKind]}:${response.message}`)}}`;
  }
}

// --- decoding ----------------------------------------------------------------------------------
/** Splits a text-mode error message "<kind text>:<detail>" back into kind and detail. */
export function parseTextErrorMessage(message: string): { errorKind: NymErrorKindCode; detail: string } {
  for (const [code, kindText] of Object.entries(NYM_ERROR_KIND_TEXT)) {
    if (message.startsWith(`${kindText}:`)) {
      return { errorKind: Number(code) as NymErrorKindCode, detail: message.slice(kindText.length + 1) };
    }
  }
  return { errorKind: NymErrorKind.Other, detail: message };
}

/** Client side: a text frame from nym-client → model. Malformed → NymProtocolError(MalformedResponse). */
export function decodeTextResponse(raw: string): NymResponse {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new NymProtocolError(NymErrorKind.MalformedResponse, jsonSyntaxDetail(raw, error));
  }
  recoverUnsafeU64(raw, value, 'lane');
  const parsed = TextResponseSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (field ${issue.path.join('.')})` : '';
    throw new NymProtocolError(NymErrorKind.MalformedResponse, `${issue?.message ?? 'invalid response'}${where}`);
  }
  const res = parsed.data;
  try {
    switch (res.type) {
      case 'received':
        return {
          kind: 'received',
          message: UTF8.encode(res.message),
          senderTag: res.senderTag == null ? null : parseSenderTag(res.senderTag),
        };
      case 'selfAddress':
        return { kind: 'selfAddress', address: parseRecipient(res.address) };
      case 'laneQueueLength':
        return { kind: 'laneQueueLength', lane: BigInt(res.lane), queueLength: BigInt(res.queue_length) };
      case 'error': {
        const { errorKind, detail } = parseTextErrorMessage(res.message);
        return { kind: 'error', errorKind, message: detail };
      }
    }
  } catch (error) {
    if (error instanceof NymValidationError) {
      throw new NymProtocolError(NymErrorKind.MalformedResponse, error.detail, { cause: error });
    }
    throw error;
  }
}

/**
 * Server side (the stand-in): a text frame → model, or NymProtocolError(MalformedRequest) whose
 * detail imitates serde_json + nym's parsers: type errors in input order, then missing fields in
 * declaration order, each with serde's " at line L column C"; then the recipient check (it runs
 * after serde, in `TryInto<ClientRequest>`). Only the "malformed request:" prefix is contractual.
 */
export function decodeTextRequest(raw: string): NymRequest {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw malformed(jsonSyntaxDetail(raw, error));
  }
  recoverUnsafeU64(raw, value, 'connectionId');
  const at = serdeEndPosition(raw);
  const parsed = TextRequestSchema.safeParse(value);
  if (!parsed.success) {
    throw malformed(`${serdeDetail(value) ?? parsed.error.issues[0]?.message ?? 'invalid request'}${at}`);
  }
  const req = parsed.data;
  const bytes = (s: string): Uint8Array => UTF8.encode(s);
  const connectionId = (id: number | bigint | null | undefined): bigint | null => (id == null ? null : BigInt(id));
  switch (req.type) {
    case 'send':
      return {
        kind: 'send',
        message: bytes(req.message),
        recipient: recipientOrThrow(req.recipient),
        connectionId: connectionId(req.connectionId),
      };
    case 'sendAnonymous':
      return {
        kind: 'sendAnonymous',
        recipient: recipientOrThrow(req.recipient),
        message: bytes(req.message),
        replySurbs: req.replySurbs,
        connectionId: connectionId(req.connectionId),
      };
    case 'reply': {
      let senderTag: Uint8Array;
      try {
        senderTag = parseSenderTag(req.senderTag);
      } catch (error) {
        // Parsed inside serde (AnonymousSenderTag's Deserialize), hence the position suffix.
        throw malformed(`${(error as NymValidationError).detail}${at}`);
      }
      return { kind: 'reply', senderTag, message: bytes(req.message), connectionId: connectionId(req.connectionId) };
    }
    case 'selfAddress':
      return { kind: 'selfAddress' };
  }
}

function malformed(detail: string): NymProtocolError {
  return new NymProtocolError(NymErrorKind.MalformedRequest, detail);
}

function recipientOrThrow(text: string): Recipient {
  try {
    return parseRecipient(text);
  } catch (error) {
    if (error instanceof NymValidationError) throw malformed(error.detail);
    throw error;
  }
}

// --- serde wording helpers -----------------------------------------------------------------------
type FieldType = 'string' | 'u32' | 'optionU64' | 'senderTag';

const REQUEST_FIELDS: Readonly<Record<string, ReadonlyArray<readonly [string, FieldType]>>> = {
  send: [
    ['message', 'string'],
    ['recipient', 'string'],
    ['connectionId', 'optionU64'],
  ],
  sendAnonymous: [
    ['recipient', 'string'],
    ['message', 'string'],
    ['replySurbs', 'u32'],
    ['connectionId', 'optionU64'],
  ],
  reply: [
    ['senderTag', 'senderTag'],
    ['message', 'string'],
    ['connectionId', 'optionU64'],
  ],
  selfAddress: [],
};

function unexpected(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === 'bigint') return `integer \`${value}\``;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return Array.isArray(value) ? 'sequence' : 'map';
}

function checkField(value: unknown, type: FieldType): string | null {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? null : `invalid type: ${unexpected(value)}, expected a string`;
    case 'senderTag':
      if (typeof value !== 'string') return `invalid type: ${unexpected(value)}, expected a string`;
      try {
        parseSenderTag(value);
        return null;
      } catch (error) {
        return (error as NymValidationError).detail;
      }
    case 'u32':
    case 'optionU64': {
      const name = type === 'u32' ? 'u32' : 'u64';
      if (type === 'optionU64' && value === null) return null;
      const max = type === 'u32' ? BigInt(U32_MAX) : U64_MAX;
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
        const big = BigInt(value);
        return big < 0n || big > max ? `invalid value: integer \`${big}\`, expected ${name}` : null;
      }
      return `invalid type: ${unexpected(value)}, expected ${name}`;
    }
  }
}

/** serde's message for a request that failed schema validation, or null if none applies. */
function serdeDetail(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `invalid type: ${unexpected(value)}, expected internally tagged enum ClientRequestText`;
  }
  const record = value as Record<string, unknown>;
  if (!('type' in record)) return 'missing field `type`';
  const type = record['type'];
  if (typeof type !== 'string') return `invalid type: ${unexpected(type)}, expected variant identifier`;
  const fields = Object.hasOwn(REQUEST_FIELDS, type) ? REQUEST_FIELDS[type] : undefined;
  if (!fields) {
    return `unknown variant \`${type}\`, expected one of \`send\`, \`sendAnonymous\`, \`reply\`, \`selfAddress\``;
  }
  const known = new Map(fields);
  for (const [key, fieldValue] of Object.entries(record)) {
    const fieldType = known.get(key);
    if (fieldType === undefined) continue;
    const problem = checkField(fieldValue, fieldType);
    if (problem) return problem;
  }
  for (const [key, fieldType] of fields) {
    if (fieldType !== 'optionU64' && !(key in record)) return `missing field \`${key}\``;
  }
  return null;
}

/** serde_json reports post-parse errors at the last consumed byte: the closing brace. */
function serdeEndPosition(raw: string): string {
  return lineColumn(raw.trimEnd(), Buffer.byteLength(raw.trimEnd()));
}

function lineColumn(raw: string, byteOffset: number): string {
  const before = Buffer.from(raw).subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  const last = lines[lines.length - 1] ?? '';
  return ` at line ${lines.length} column ${Buffer.byteLength(last)}`;
}

/** Approximates serde_json's syntax errors from V8's (only "malformed request:" is contractual). */
function jsonSyntaxDetail(raw: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  if (raw.trim() === '' || /end of JSON input/.test(message)) {
    return `EOF while parsing a value${lineColumn(raw, Buffer.byteLength(raw))}`;
  }
  const offset = position ? Number(position[1]) + 1 : 1;
  const prefix = /non-whitespace character after JSON/.test(message) ? 'trailing characters' : 'expected value';
  return `${prefix}${lineColumn(raw, Buffer.byteLength(raw.slice(0, offset)))}`;
}

/**
 * JSON.parse rounds integers above 2^53; nym-client reads them as exact u64. When the parsed
 * value of `key` is such an integer, take its digits from the raw text instead.
 */
function recoverUnsafeU64(raw: string, value: unknown, key: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const record = value as Record<string, unknown>;
  const current = record[key];
  if (typeof current !== 'number' || !Number.isInteger(current) || Number.isSafeInteger(current)) return;
  const matches = [...raw.matchAll(new RegExp(`"${key}"\\s*:\\s*(\\d+)(?![\\d.eE])`, 'g'))];
  if (matches.length === 1 && matches[0]?.[1] !== undefined) record[key] = BigInt(matches[0][1]);
}
