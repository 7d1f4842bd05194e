// Typed errors of the nym-client websocket layer and nym-client's own error kinds
// (clients/native/websocket-requests/src/error.rs, nym.md §2.3). No I/O, no parsing here.

/** nym-client `ErrorKind` byte values: 0x01–0x7F requests, 0x80–0xFE responses, 0xFF other. */
export const NymErrorKind = {
  EmptyRequest: 0x01,
  TooShortRequest: 0x02,
  UnknownRequest: 0x03,
  MalformedRequest: 0x04,
  EmptyResponse: 0x80,
  TooShortResponse: 0x81,
  UnknownResponse: 0x82,
  MalformedResponse: 0x83,
  Other: 0xff,
} as const;

export type NymErrorKindCode = (typeof NymErrorKind)[keyof typeof NymErrorKind];

/** `ErrorKind::as_str`: the text nym-client puts before ':' in text-mode error messages. */
export const NYM_ERROR_KIND_TEXT: Readonly<Record<NymErrorKindCode, string>> = {
  [NymErrorKind.EmptyRequest]: 'received request contained no data',
  [NymErrorKind.TooShortRequest]: 'received request did not contain enough data',
  [NymErrorKind.UnknownRequest]: 'unknown request type',
  [NymErrorKind.MalformedRequest]: 'malformed request',
  [NymErrorKind.EmptyResponse]: 'received response contained no data',
  [NymErrorKind.TooShortResponse]: 'received response did not contain enough data',
  [NymErrorKind.UnknownResponse]: 'unknown response type',
  [NymErrorKind.MalformedResponse]: 'malformed response',
  [NymErrorKind.Other]: 'other',
};

const KIND_CODES = new Set<number>(Object.values(NymErrorKind));

export function isNymErrorKind(value: number): value is NymErrorKindCode {
  return KIND_CODES.has(value);
}

/** Machine-readable codes for callers (and, later, the IPC layer's ErrorCode union). */
export type NymErrorCode =
  | 'NYM_PROTOCOL'
  | 'NYM_SERVER_ERROR'
  | 'NYM_SOCKET_CLOSED'
  | 'NYM_TIMEOUT'
  | 'NYM_VALIDATION';

export class NymError extends Error {
  readonly code: NymErrorCode;

  constructor(code: NymErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Bytes or JSON that do not decode. `kind` is the nym-client ErrorKind the real decoder would
 * report (the stand-in sends it back as an error response), `detail` the text after "<kind>:".
 */
export class NymProtocolError extends NymError {
  readonly kind: NymErrorKindCode;
  readonly detail: string;

  constructor(kind: NymErrorKindCode, detail: string, options?: { cause?: unknown }) {
    super('NYM_PROTOCOL', `${NYM_ERROR_KIND_TEXT[kind]}:${detail}`, options);
    this.kind = kind;
    this.detail = detail;
  }
}

/** An `error` response sent by nym-client, keeping its kind byte and its own message text. */
export class NymServerError extends NymError {
  /** Raw kind byte; text-mode errors get it back from their "<kind text>:" prefix. */
  readonly kind: number;
  /** nym-client's message without the kind prefix. */
  readonly serverMessage: string;
  /** What this error most likely answered (nym-client has no request ids), if known. */
  readonly request: string | null;

  constructor(kind: number, serverMessage: string, request: string | null = null) {
    const kindText = isNymErrorKind(kind) ? NYM_ERROR_KIND_TEXT[kind] : `unknown kind ${kind}`;
    super('NYM_SERVER_ERROR', `nym-client rejected ${request ?? 'a request'}: ${kindText}:${serverMessage}`);
    this.kind = kind;
    this.serverMessage = serverMessage;
    this.request = request;
  }
}

export class NymSocketClosed extends NymError {
  readonly closeCode: number | null;
  readonly reason: string;

  constructor(message: string, closeCode: number | null = null, reason = '', options?: { cause?: unknown }) {
    super('NYM_SOCKET_CLOSED', message, options);
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

export class NymTimeout extends NymError {
  readonly operation: string;
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number) {
    super('NYM_TIMEOUT', `nym-client did not answer ${operation} within ${timeoutMs} ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Rejected locally before anything was sent: bad address, tag, number or size. `detail` uses
 * nym-client's own parser wording where one exists, so the stand-in can echo it verbatim.
 */
export class NymValidationError extends NymError {
  readonly field: string;
  readonly detail: string;

  constructor(field: string, detail: string) {
    super('NYM_VALIDATION', `invalid ${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}
