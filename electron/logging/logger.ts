// Scoped, scrubbed logging: `[tor pid=1234] Bootstrapped 45%`. Secrets (control cookies, tokens,
// onion and nym keys) are removed before a line is stored, printed or sent to the UI. Keeps a ring
// buffer for the log panel and fans lines out to subscribers.
import type { LogLevel, LogLine } from '../../shared/domain/app';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warn: 3, error: 4 };
const REDACTED = '[redacted]';

// Shapes of secrets that may appear in daemon output or protocol traces even when nobody
// registered the exact value (tor control commands, ADD_ONION replies, client-auth keys).
const SECRET_PATTERNS: RegExp[] = [
  /(AUTHENTICATE\s+)(?:"(?:[^"\\]|\\.)*"|[0-9A-Fa-f]+)/g,
  /(AUTHCHALLENGE\s+SAFECOOKIE\s+)[0-9A-Fa-f]+/g,
  /((?:PrivateKey=|ED25519-V3:|RSA1024:))[A-Za-z0-9+/=]{20,}/g,
  /((?:x25519:|descriptor:x25519:))[A-Za-z0-9+/=]{20,}/g,
  /((?:token|password|passwd|secret)[=:]\s*)\S+/gi,
  /((?:auth\.))[0-9a-f]{16,}/g,
];

export interface LoggerOptions {
  /** Lines below this level are dropped (the ring buffer included). */
  minLevel?: LogLevel;
  /** Ring buffer size for `recent()`. */
  capacity?: number;
  /** Where lines are printed; defaults to stderr. Tests pass a collector. */
  sink?: (formatted: string, line: LogLine) => void;
}

export interface ScopedLogger {
  readonly source: string;
  debug(message: string): void;
  info(message: string): void;
  notice(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  log(level: LogLevel, message: string): void;
  /** A child scope for a process: `[tor pid=42]`. */
  withPid(pid: number | null): ScopedLogger;
}

export class Logger {
  private readonly secrets = new Set<string>();
  private readonly ring: LogLine[] = [];
  private readonly listeners = new Set<(line: LogLine) => void>();
  private seq = 0;
  private readonly minRank: number;
  private readonly capacity: number;
  private readonly sink: (formatted: string, line: LogLine) => void;

  constructor(opts: LoggerOptions = {}) {
    this.minRank = LEVEL_RANK[opts.minLevel ?? 'info'];
    this.capacity = opts.capacity ?? 2000;
    this.sink = opts.sink ?? ((formatted) => process.stderr.write(`${formatted}\n`));
  }

  /** Registers an exact secret value (a token, a cookie hex) to be redacted wherever it shows up. */
  addSecret(value: string): void {
    if (value.length >= 6) this.secrets.add(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, `$1${REDACTED}`);
    return out;
  }

  scope(source: string, pid: number | null = null): ScopedLogger {
    const log = (level: LogLevel, message: string) => this.write(level, source, pid, message);
    return {
      source,
      log,
      debug: (m) => log('debug', m),
      info: (m) => log('info', m),
      notice: (m) => log('notice', m),
      warn: (m) => log('warn', m),
      error: (m) => log('error', m),
      withPid: (p) => this.scope(source, p),
    };
  }

  recent(limit: number, source?: string): LogLine[] {
    const lines = source === undefined ? this.ring : this.ring.filter((l) => l.source === source);
    return lines.slice(-limit);
  }

  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(level: LogLevel, source: string, pid: number | null, message: string): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    // Control characters from a daemon could forge log lines or terminal escapes.
    const clean = this.scrub(message).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '�').slice(0, 4000);
    const line: LogLine = { seq: this.seq++, time: Date.now(), level, source, pid, message: clean };
    this.ring.push(line);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    const scopeText = pid === null ? source : `${source} pid=${pid}`;
    this.sink(`${new Date(line.time).toISOString()} ${level.padEnd(6)} [${scopeText}] ${clean}`, line);
    for (const listener of this.listeners) listener(line);
  }
}

/** Splits a byte stream into lines without holding more than `maxLine` bytes of a runaway line. */
export class LineSplitter {
  private buffered = '';
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 16 * 1024,
  ) {}

  push(chunk: Buffer | string): void {
    this.buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) !== -1) {
      const line = this.buffered.slice(0, nl).replace(/\r$/, '');
      this.buffered = this.buffered.slice(nl + 1);
      this.onLine(line);
    }
    if (this.buffered.length > this.maxLine) {
      this.onLine(`${this.buffered.slice(0, this.maxLine)} …[truncated]`);
      this.buffered = '';
    }
  }

  flush(): void {
    if (this.buffered.length > 0) this.onLine(this.buffered);
    this.buffered = '';
  }
}
