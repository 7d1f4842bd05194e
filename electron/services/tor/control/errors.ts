// Typed failures of the Tor control protocol, one class per way a command can go wrong.
// Owns only the classes; it must not format wire text or decide retry policy.

export class TorControlError extends Error {
  override name = 'TorControlError';
}

// The bytes from tor (or a would-be tor) break the grammar of control-spec §2.3 / §2.4.
// After one of these the byte stream cannot be trusted, so the connection is closed.
export class TorProtocolError extends TorControlError {
  override name = 'TorProtocolError';
}

// A caller-supplied value cannot be put on the wire safely (CR/LF injection, a space in a
// keyword, an out-of-range port). Thrown before anything is sent.
export class TorArgumentError extends TorControlError {
  override name = 'TorArgumentError';
}

// tor answered with a 4xx/5xx reply (control-spec §4). `status` keeps tor's own number and
// `code` the same as the 3-digit string (stem's OperationFailed.code) for the UI's error table.
export class TorOperationFailed extends TorControlError {
  override name = 'TorOperationFailed';
  readonly status: number;
  readonly code: string;
  readonly torMessage: string;

  constructor(status: number, torMessage: string, context?: string) {
    super(context ? `${context}: ${status} ${torMessage}` : `${status} ${torMessage}`);
    this.status = status;
    this.code = String(status);
    this.torMessage = torMessage;
  }
}

// Authentication could not be completed: tor said 515/514, no method fits, the cookie file is
// unusable, or tor's SAFECOOKIE proof was wrong (then `status` is undefined: tor said nothing wrong,
// it just could not prove it knows the cookie — control-spec §3.24).
export class TorAuthError extends TorControlError {
  override name = 'TorAuthError';
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

export class TorSocketClosed extends TorControlError {
  override name = 'TorSocketClosed';
}

export class TorTimeout extends TorControlError {
  override name = 'TorTimeout';
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(`${what} got no reply within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}
