// Error hierarchy of the SAM v3 client. Owns the classes and the redaction of wire text
// quoted in messages; it must not parse replies or touch sockets.
// RESULT codes stay verbatim so the service layer can map them to UI ErrorCodes.

/**
 * RESULT values named by the SAMv3 spec (i2p.www docs/api/samv3.html) or sent by i2pd.
 * Other strings can still arrive and are kept as they are, hence the open `string` arm.
 */
export type SamResultCode =
  | 'CANT_REACH_PEER'
  | 'DUPLICATED_ID'
  | 'DUPLICATED_DEST'
  | 'I2P_ERROR'
  | 'INVALID_ID'
  | 'INVALID_KEY'
  | 'KEY_NOT_FOUND'
  | 'PEER_NOT_FOUND'
  | 'TIMEOUT'
  | 'NOVERSION'
  | 'ALREADY_ACCEPTING'
  | (string & {});

/** Base of every error this client throws. */
export class SamError extends Error {
  override readonly name: string = 'SamError';
}

/** The bridge sent something that does not follow the SAM grammar (or one we cannot frame). */
export class SamProtocolError extends SamError {
  override readonly name: string = 'SamProtocolError';
  /** The offending line with long base64 runs elided (it may hold a private key). */
  readonly line: string | undefined;

  constructor(message: string, line?: string, options?: ErrorOptions) {
    super(line === undefined ? message : `${message}: ${redactLine(line)}`, options);
    this.line = line === undefined ? undefined : redactLine(line);
  }
}

/** A line grew past the framing cap without a '\n': a runaway or hostile peer. */
export class SamLineTooLong extends SamProtocolError {
  override readonly name: string = 'SamLineTooLong';
  constructor(readonly limit: number) {
    super(`SAM line longer than ${limit} bytes`);
  }
}

/**
 * The bridge answered with RESULT other than OK. `code` is SAM's RESULT verbatim and
 * `samMessage` its MESSAGE, so `new SamResultError('STREAM STATUS', 'CANT_REACH_PEER',
 * 'LeaseSet not found')` keeps what i2pd said.
 */
export class SamResultError extends SamError {
  override readonly name: string = 'SamResultError';
  constructor(
    /** The reply that carried the RESULT, e.g. 'SESSION STATUS'. */
    readonly reply: string,
    readonly code: SamResultCode,
    readonly samMessage?: string,
  ) {
    super(`${reply} RESULT=${code}${samMessage === undefined ? '' : ` (${samMessage})`}`);
  }
}

/** The socket to the bridge ended (EOF, reset, refused, destroyed) before an answer came. */
export class SamSocketClosed extends SamError {
  override readonly name: string = 'SamSocketClosed';
}

/** No answer within the caller's deadline. The connection is destroyed with it, since a late reply would desynchronise the FIFO. */
export class SamTimeout extends SamError {
  override readonly name: string = 'SamTimeout';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation}: no answer from the SAM bridge within ${timeoutMs} ms`);
  }
}

/** A caller-supplied value cannot be sent safely (CR/LF injection, spaces without quoting, bad key). */
export class SamInvalidArgument extends SamError {
  override readonly name: string = 'SamInvalidArgument';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/** The negotiated SAM version lacks a feature (PING needs 3.2; i2pd 2.56 closes the socket on it). */
export class SamUnsupported extends SamError {
  override readonly name: string = 'SamUnsupported';
  constructor(
    readonly feature: string,
    readonly version: string,
  ) {
    super(`${feature} is not available with SAM ${version}`);
  }
}

const LONG_BASE64 = /[A-Za-z0-9~+/-]{64,}={0,2}/g;
const MAX_PREVIEW = 200;

/** Elide base64 runs of 64+ chars (destinations, private keys) and cap the length, for messages and logs. */
export function redactLine(line: string): string {
  const elided = line.replace(LONG_BASE64, (run) => `<${run.length} chars>`);
  return elided.length > MAX_PREVIEW ? `${elided.slice(0, MAX_PREVIEW)}…` : elided;
}
