// The only file here that does I/O: one socket (TCP or unix, tor's `ControlPort unix:/path`),
// one reader loop feeding the framer, a FIFO of pending commands with timeouts, 650 fan-out.
// It must not parse reply text or build commands: that is the parsers' and the controller's job.
import { createConnection, type Socket } from 'node:net';
import { redactCommand } from './commands';
import { TorArgumentError, TorProtocolError, TorSocketClosed, TorTimeout, type TorControlError } from './errors';
import { ReplyFramer, type FramerOptions, type Reply } from './framing';

export type ControlTarget = { host: string; port: number } | { path: string };

export interface ConnectionOptions {
  connectTimeoutMs?: number;
  // Per command; 0 disables the timer.
  commandTimeoutMs?: number;
  // Raw protocol trace ("> GETINFO version", "< 250-version=…"). Truncated; secrets redacted.
  trace?: (line: string) => void;
  // Where an exception thrown by an event listener goes (the reader loop must keep running).
  onListenerError?: (error: unknown) => void;
  framer?: FramerOptions;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
// stem caps its trace at 10 lines per message; so do we, plus a per-line cap.
const TRACE_MAX_LINES = 10;
const TRACE_MAX_LINE_CHARS = 240;

interface Waiter {
  verb: string;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  // A timed-out waiter stays queued so that its late reply is consumed and dropped instead of
  // being handed to the next command.
  settled: boolean;
}

export function describeTarget(target: ControlTarget): string {
  return 'path' in target ? `unix:${target.path}` : `${target.host}:${target.port}`;
}

export class TorConnection {
  private readonly socket: Socket;
  private readonly framer: ReplyFramer;
  private readonly queue: Waiter[] = [];
  private readonly eventListeners = new Set<(reply: Reply) => void>();
  private readonly closeListeners = new Set<(error: Error) => void>();
  private readonly commandTimeoutMs: number;
  private readonly trace: ((line: string) => void) | undefined;
  private readonly onListenerError: (error: unknown) => void;
  private closedError: TorControlError | null = null;
  private failure: Error | null = null;
  private readonly closedPromise: Promise<void>;

  static async connect(target: ControlTarget, options: ConnectionOptions = {}): Promise<TorConnection> {
    const socket = 'path' in target ? createConnection({ path: target.path }) : createConnection({ host: target.host, port: target.port });
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise<TorConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TorTimeout(`connecting to tor at ${describeTarget(target)}`, timeoutMs));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(new TorSocketClosed(`cannot connect to tor at ${describeTarget(target)}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        // Built in the same tick, so the connection's own 'error' handler is in place at once.
        resolve(new TorConnection(socket, options));
      });
    });
  }

  // Wraps an already connected socket (also what tests use with a loopback server).
  constructor(socket: Socket, options: ConnectionOptions = {}) {
    this.socket = socket;
    this.framer = new ReplyFramer(options.framer);
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.trace = options.trace;
    this.onListenerError =
      options.onListenerError ??
      ((error) => {
        process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'TorEventListenerError');
      });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.failure ??= err;
    });
    socket.on('end', () => {
      try {
        this.framer.end();
      } catch (err) {
        // A reply cut off by EOF is a closed socket for the waiter; the framing detail is the cause.
        this.failure ??= new TorSocketClosed(`tor closed the connection: ${(err as Error).message}`, { cause: err });
      }
    });
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.handleClose();
        resolve();
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  // `command` is a full line from commands.ts, CRLF included.
  send(command: string, options: { timeoutMs?: number } = {}): Promise<Reply> {
    if (this.closedError) return Promise.reject(new TorSocketClosed(this.closedError.message, { cause: this.closedError }));
    // One command, one line: a second CR/LF would smuggle in a command the FIFO knows nothing about.
    // (Multi-line "+" commands such as +LOADCONF are not supported yet.)
    const lf = command.indexOf('\n');
    if (lf !== command.length - 1 || command.charCodeAt(lf - 1) !== 0x0d || command.indexOf('\r') !== lf - 1) {
      return Promise.reject(new TorArgumentError('a command must be exactly one line ending in CRLF'));
    }
    const space = command.indexOf(' ');
    const verb = (space === -1 ? command.trimEnd() : command.slice(0, space)).toUpperCase();
    return new Promise<Reply>((resolve, reject) => {
      const waiter: Waiter = { verb, resolve, reject, timer: undefined, settled: false };
      const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
      if (timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          if (waiter.settled) return;
          waiter.settled = true;
          this.emitTrace(`! ${verb} timed out after ${timeoutMs} ms`);
          reject(new TorTimeout(verb, timeoutMs));
        }, timeoutMs);
      }
      this.queue.push(waiter);
      this.emitTrace(`> ${redactCommand(command)}`);
      this.socket.write(command);
    });
  }

  onEvent(listener: (reply: Reply) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  // Called once, with the reason, when the socket is gone (tor exited, QUIT, close(), bad bytes).
  onClose(listener: (error: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  // Destroys the socket; every pending command is rejected with TorSocketClosed.
  close(): Promise<void> {
    if (!this.socket.destroyed) {
      this.failure ??= new TorSocketClosed('connection closed by the controller');
      this.socket.destroy();
    }
    return this.closedPromise;
  }

  private onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.framer.feed(chunk);
    } catch (err) {
      // The stream cannot be resynchronised after a framing error: drop the connection.
      this.failure ??= err as Error;
      this.emitTrace(`! ${(err as Error).message}`);
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      this.emitTrace(formatReplyTrace(frame.reply));
      if (frame.kind === 'event') {
        for (const listener of this.eventListeners) {
          try {
            listener(frame.reply);
          } catch (err) {
            this.onListenerError(err);
          }
        }
        continue;
      }
      const waiter = this.queue.shift();
      if (!waiter) {
        // Tor sends e.g. "514 Authentication required." and then closes; nobody asked for it.
        this.emitTrace('! reply with no pending command, dropped');
        continue;
      }
      if (waiter.timer) clearTimeout(waiter.timer);
      if (waiter.settled) {
        this.emitTrace(`! late reply to ${waiter.verb} (timed out), dropped`);
        continue;
      }
      waiter.settled = true;
      waiter.resolve(frame.reply);
    }
  }

  private handleClose(): void {
    if (this.closedError) return;
    const cause = this.failure;
    const reason =
      cause instanceof TorSocketClosed
        ? cause.message
        : cause
          ? `control connection lost: ${cause.message}`
          : 'tor closed the control connection';
    this.closedError = cause instanceof TorProtocolError ? cause : new TorSocketClosed(reason, cause ? { cause } : undefined);
    const waiters = this.queue.splice(0);
    for (const waiter of waiters) {
      if (waiter.timer) clearTimeout(waiter.timer);
      if (waiter.settled) continue;
      waiter.settled = true;
      // Framing errors are reported as such; everything else as the socket being gone.
      waiter.reject(
        cause instanceof TorProtocolError
          ? new TorProtocolError(`${waiter.verb} aborted: ${cause.message}`, { cause })
          : new TorSocketClosed(`${waiter.verb} aborted: ${reason}`, cause ? { cause } : undefined),
      );
    }
    this.emitTrace(`! closed: ${reason}`);
    for (const listener of this.closeListeners) {
      try {
        listener(this.closedError);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  private emitTrace(text: string): void {
    if (!this.trace) return;
    try {
      this.trace(truncateTrace(text));
    } catch {
      // A broken trace sink must not break the protocol.
    }
  }
}

// Private keys in ADD_ONION and ONION_CLIENT_AUTH_VIEW replies (style rule 12).
export function redactReplyText(text: string): string {
  if (text.startsWith('PrivateKey=')) return 'PrivateKey=[redacted]';
  if (text.startsWith('CLIENT ')) return text.replace(/ (x25519):\S+/, ' $1:[redacted]');
  return text;
}

function formatReplyTrace(reply: Reply): string {
  const out: string[] = [];
  for (const line of reply.lines) {
    out.push(`< ${line.status}${line.divider}${redactReplyText(line.text)}`);
    if (line.data !== undefined) {
      for (const d of line.data.split('\n', TRACE_MAX_LINES + 1)) out.push(`< ${d}`);
      out.push('< .');
    }
    if (out.length > TRACE_MAX_LINES) break;
  }
  return out.join('\n');
}

export function truncateTrace(text: string): string {
  const lines = text.split('\n');
  const kept = lines.slice(0, TRACE_MAX_LINES).map((l) => (l.length > TRACE_MAX_LINE_CHARS ? `${l.slice(0, TRACE_MAX_LINE_CHARS)}…` : l));
  if (lines.length > TRACE_MAX_LINES) kept.push(`… (${lines.length - TRACE_MAX_LINES} more lines)`);
  return kept.join('\n');
}
