// The only module with SAM socket I/O: TCP connect, HELLO negotiation, a FIFO of waiters with
// deadlines, optional PING keepalive, and handing the raw socket over after STREAM CONNECT/ACCEPT.
// It understands HELLO, PING/PONG and *_RECEIVED headers only; other replies are the callers'.

import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

import { SamError, SamProtocolError, SamSocketClosed, SamTimeout, SamUnsupported, SamInvalidArgument } from './errors';
import { DEFAULT_MAX_LINE_BYTES, LineFramer } from './framing';
import { expectOk, parseHelloReply, parsePingPong, parseReceivedHeader, type DatagramReceivedHeader } from './replies';
import { encodeLine, type OptionInput } from './tokens';

export const DEFAULT_SAM_HOST = '127.0.0.1';
export const DEFAULT_SAM_PORT = 7656;
/**
 * MIN=3.1 MAX=3.3: i2pd 2.56 answers 3.1, 2.58+ answers 3.3. Never MIN=3.0: i2pd falls back to
 * MIN when MAX is unsupported, so 2.56 would answer 3.0 (observed on 2.56; SAM.cpp HandleHandshakeReceived).
 */
export const DEFAULT_MIN_VERSION = '3.1';
export const DEFAULT_MAX_VERSION = '3.3';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_REPLY_TIMEOUT_MS = 30_000;

export interface SamConnectionOptions {
  /** Bridge address; an IP literal is best (the datagram helpers reuse it for UDP). Default 127.0.0.1. */
  host?: string;
  /** Bridge TCP port, default 7656. */
  port?: number;
  minVersion?: string;
  maxVersion?: string;
  /** Deadline for TCP connect plus HELLO REPLY. */
  connectTimeoutMs?: number;
  /** Default deadline of request()/readLine() when the call gives none; 0 waits forever. */
  replyTimeoutMs?: number;
  maxLineBytes?: number;
  /**
   * Send `PING <token>` when idle this often and expect PONG (SAM 3.2+ only; ignored below).
   * Off by default: i2pd 2.58 and 2.59 (checked against the bundled 2.59.0) write PONG and then
   * close the socket (SAM.cpp ProcessPing → SendReplyWithMessage(close=true)), which would end the
   * session; 2.56 closes it without a PONG.
   */
  keepaliveMs?: number;
  /** Aborting destroys the connection; pending waiters fail with SamSocketClosed (cause = reason). */
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** Overrides replyTimeoutMs; 0 waits forever. */
  timeoutMs?: number;
  /**
   * Stop reading at this reply: the bytes after it belong to a raw stream and the caller will
   * detach() (STREAM CONNECT status, the peer line after STREAM ACCEPT).
   */
  final?: boolean;
  /** Names the wait in timeout and close messages. Never put keys here. */
  label?: string;
}

/** A datagram delivered on the control socket (DATAGRAM/RAW session created without PORT/HOST). */
export interface ControlDatagram {
  readonly header: DatagramReceivedHeader;
  readonly payload: Buffer;
}

export interface SamConnectionEvents {
  /** Once, when the connection ends for any reason but detach(); undefined when close() was called. */
  close: [error: SamError | undefined];
  datagram: [datagram: ControlDatagram];
  /** A line that arrived while nobody was waiting (e.g. a bridge timeout notice before it hangs up). */
  unsolicited: [line: string];
}

interface Waiter {
  readonly line: string | undefined;
  readonly label: string;
  readonly timeoutMs: number;
  readonly final: boolean;
  readonly resolve: (line: string) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** "3" → [3, 0], "3.1" → [3, 1]; anything else is undefined. */
export function parseVersion(version: string): readonly [number, number] | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(version);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? '0')];
}

export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) throw new SamInvalidArgument('version', `cannot compare ${a} and ${b}`);
  return va[0] - vb[0] || va[1] - vb[1];
}

/**
 * One TCP connection to the bridge. Commands are strictly serialised: the next one is written
 * only after the previous reply, because i2pd reads one command per read and drops what was
 * pipelined behind it (SAM.cpp HandleMessage; observed after HELLO on 2.45 and 2.58).
 * A reply goes to the oldest waiter; a dead socket fails every waiter exactly once.
 */
export class SamConnection extends EventEmitter<SamConnectionEvents> {
  readonly host: string;
  readonly port: number;
  readonly #socket: net.Socket;
  readonly #framer: LineFramer;
  readonly #replyTimeoutMs: number;
  readonly #keepaliveMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #waiters: Waiter[] = [];
  #version = '';
  #connected = false;
  /** Set once the connection is unusable (closed, failed or detached). */
  #dead: SamError | undefined;
  /** A `final` reply was delivered: stop consuming bytes, they are the stream's. */
  #detaching = false;
  #pendingDatagram: DatagramReceivedHeader | undefined;
  #keepalive: NodeJS.Timeout | undefined;

  /** Connect and negotiate HELLO; rejects with SamResultError('NOVERSION') etc. */
  static async open(options: SamConnectionOptions = {}): Promise<SamConnection> {
    const minVersion = options.minVersion ?? DEFAULT_MIN_VERSION;
    const maxVersion = options.maxVersion ?? DEFAULT_MAX_VERSION;
    if (compareVersions(minVersion, maxVersion) > 0) {
      throw new SamInvalidArgument('minVersion', `${minVersion} is above maxVersion ${maxVersion}`);
    }
    const host = options.host ?? DEFAULT_SAM_HOST;
    const port = options.port ?? DEFAULT_SAM_PORT;
    // net.connect throws a bare RangeError on a bad port; keep every failure a SamError.
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SamInvalidArgument('port', 'must be a port number 1-65535');
    if (host.length === 0) throw new SamInvalidArgument('host', 'must not be empty');
    const socket = net.connect({ host, port });
    const connection = new SamConnection(socket, host, port, options);
    try {
      // Writes queue up until the TCP connect completes; the HELLO deadline covers both.
      const line = await connection.request(
        ['HELLO', 'VERSION'],
        [
          ['MIN', minVersion],
          ['MAX', maxVersion],
        ],
        { timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, label: 'HELLO' },
      );
      const hello = expectOk(parseHelloReply(line));
      if (compareVersions(hello.version, minVersion) < 0 || compareVersions(hello.version, maxVersion) > 0) {
        throw new SamProtocolError(`bridge chose SAM ${hello.version} outside ${minVersion}..${maxVersion}`);
      }
      connection.#version = hello.version;
    } catch (error) {
      connection.close();
      throw error;
    }
    connection.#startKeepalive();
    return connection;
  }

  private constructor(socket: net.Socket, host: string, port: number, options: SamConnectionOptions) {
    super();
    this.host = host;
    this.port = port;
    this.#socket = socket;
    this.#framer = new LineFramer(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.#replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.#keepaliveMs = options.keepaliveMs ?? 0;
    this.#signal = options.signal;
    socket.setNoDelay(true);
    socket.on('connect', this.#onConnect);
    socket.on('readable', this.#onReadable);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    if (this.#signal?.aborted) {
      this.#fail(this.#abortError());
    } else {
      this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** Negotiated version, e.g. "3.1". */
  get version(): string {
    return this.#version;
  }

  get isOpen(): boolean {
    return this.#dead === undefined;
  }

  /** True when the negotiated version is at least `version` (gate 3.2/3.3 features on this). */
  atLeast(version: string): boolean {
    return this.#version !== '' && compareVersions(this.#version, version) >= 0;
  }

  /** Send one command and resolve with the next reply line (not interpreted). */
  request(words: readonly string[], options: OptionInput = [], wait: WaitOptions = {}): Promise<string> {
    let line: string;
    try {
      line = encodeLine(words, options);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new SamError(String(error)));
    }
    return this.#enqueue(`${line}\n`, wait.label ?? words.slice(0, 2).join(' '), wait);
  }

  /** Wait for the next line without sending anything (the peer line after STREAM ACCEPT). */
  readLine(wait: WaitOptions = {}): Promise<string> {
    return this.#enqueue(undefined, wait.label ?? 'line', wait);
  }

  /** PING/PONG round trip (SAM 3.2+). Refused locally below 3.2: i2pd 2.56 hangs up on PING. */
  async ping(text: string = randomBytes(6).toString('hex'), wait: WaitOptions = {}): Promise<void> {
    if (!this.atLeast('3.2')) throw new SamUnsupported('PING', this.#version || 'before HELLO');
    if (!/^[\x21-\x7e]+$/.test(text)) throw new SamInvalidArgument('text', 'PING text must be printable ASCII without spaces');
    const line = await this.#enqueue(`PING ${text}\n`, wait.label ?? 'PING', wait);
    const pong = parsePingPong(line);
    if (pong?.kind !== 'PONG' || pong.text !== text) throw new SamProtocolError('expected PONG with the PING text', line);
  }

  /**
   * Hand the socket over as a raw byte pipe, with any bytes already read after the last reply
   * put back in front (Readable.unshift). Only valid right after a `final` reply. The socket
   * then belongs to the caller, who must attach its own 'error' listener.
   */
  detach(): net.Socket {
    if (this.#dead) throw new SamSocketClosed('connection is already closed', { cause: this.#dead });
    if (this.#waiters.length > 0) throw new SamError('cannot detach a SAM connection with pending waiters');
    this.#detaching = true;
    this.#dead = new SamSocketClosed('connection was detached into a raw stream');
    this.#stopKeepalive();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const socket = this.#socket;
    socket.off('connect', this.#onConnect);
    socket.off('readable', this.#onReadable);
    socket.off('end', this.#onEnd);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
    const rest = this.#framer.takeRest();
    if (rest.length > 0) socket.unshift(rest);
    return socket;
  }

  /** Destroy the socket (ending a session on it). Pending waiters fail with SamSocketClosed. Idempotent. */
  close(): void {
    this.#fail(new SamSocketClosed('connection closed by the client'), true);
  }

  #enqueue(line: string | undefined, label: string, wait: WaitOptions): Promise<string> {
    if (this.#dead) {
      return Promise.reject(new SamSocketClosed(`${label}: SAM connection is closed`, { cause: this.#dead }));
    }
    return new Promise<string>((resolve, reject) => {
      this.#waiters.push({
        line,
        label,
        timeoutMs: wait.timeoutMs ?? this.#replyTimeoutMs,
        final: wait.final ?? false,
        resolve,
        reject,
        timer: undefined,
      });
      if (this.#waiters.length === 1) this.#startHead();
    });
  }

  /** Write the head's command (if any) and arm its deadline, which runs from now, not from enqueueing. */
  #startHead(): void {
    const head = this.#waiters[0];
    if (!head || this.#dead) return;
    if (head.line !== undefined) this.#socket.write(head.line);
    if (head.timeoutMs > 0) {
      head.timer = setTimeout(() => this.#onTimeout(head), head.timeoutMs);
    }
  }

  #onTimeout(waiter: Waiter): void {
    if (this.#waiters[0] !== waiter) return;
    this.#waiters.shift();
    const timeout = new SamTimeout(waiter.label, waiter.timeoutMs);
    waiter.reject(timeout);
    // A reply may still come; it would be taken as the answer to the next command.
    this.#fail(new SamSocketClosed(`connection dropped after ${waiter.label} timed out`, { cause: timeout }));
  }

  #onConnect = (): void => {
    this.#connected = true;
  };

  #onReadable = (): void => {
    while (!this.#detaching && !this.#dead) {
      const chunk = this.#socket.read() as Buffer | null;
      if (chunk === null) return;
      this.#framer.push(chunk);
      this.#drain();
    }
  };

  #drain(): void {
    while (!this.#detaching && !this.#dead) {
      if (this.#pendingDatagram) {
        const payload = this.#framer.takeBytes(this.#pendingDatagram.size);
        if (!payload) return;
        const header = this.#pendingDatagram;
        this.#pendingDatagram = undefined;
        this.emit('datagram', { header, payload });
        continue;
      }
      let line: string | undefined;
      try {
        line = this.#framer.nextLine();
        if (line === undefined) return;
        this.#dispatch(line);
      } catch (error) {
        this.#fail(error instanceof SamError ? error : new SamProtocolError('cannot process SAM line', undefined, { cause: error }));
        return;
      }
    }
  }

  #dispatch(line: string): void {
    // Classification is safe even for the base64 peer line: base64 has no spaces and is far
    // longer than "PING", so it can never look like PING or "<X> RECEIVED".
    const ping = parsePingPong(line);
    if (ping?.kind === 'PING') {
      // The bridge may probe us too (SAMv3 "PING/PONG"); answer without disturbing the FIFO.
      this.#socket.write(ping.text === '' ? 'PONG\n' : `PONG ${ping.text}\n`);
      return;
    }
    if (line.startsWith('DATAGRAM RECEIVED ') || line.startsWith('RAW RECEIVED ')) {
      this.#pendingDatagram = parseReceivedHeader(line);
      return;
    }
    const head = this.#waiters.shift();
    if (!head) {
      this.emit('unsolicited', line);
      return;
    }
    clearTimeout(head.timer);
    if (head.final) this.#detaching = true;
    head.resolve(line);
    if (!this.#detaching) this.#startHead();
  }

  #onEnd = (): void => {
    if (this.#detaching) return;
    const head = this.#waiters[0];
    this.#fail(new SamSocketClosed(`SAM bridge closed the connection${head ? ` while waiting for ${head.label}` : ''}`));
  };

  #onError = (error: Error): void => {
    if (this.#detaching) return;
    const where = `${this.host}:${this.port}`;
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    this.#fail(
      new SamSocketClosed(this.#connected ? `SAM connection to ${where} failed (${code})` : `cannot reach the SAM bridge at ${where} (${code})`, {
        cause: error,
      }),
    );
  };

  #onClose = (): void => {
    if (this.#detaching) return;
    this.#fail(new SamSocketClosed('SAM socket closed'));
  };

  #onAbort = (): void => {
    this.#fail(this.#abortError());
  };

  #abortError(): SamSocketClosed {
    return new SamSocketClosed('SAM connection aborted', { cause: this.#signal?.reason });
  }

  /** Mark dead, reject each pending waiter once, destroy the socket, emit 'close' once. */
  #fail(error: SamError, byClient = false): void {
    if (this.#dead) return;
    this.#dead = error;
    this.#stopKeepalive();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#socket.destroy();
    this.emit('close', byClient ? undefined : error);
  }

  #startKeepalive(): void {
    if (this.#keepaliveMs <= 0 || !this.atLeast('3.2')) return;
    this.#keepalive = setInterval(() => {
      if (this.#waiters.length > 0 || this.#dead) return;
      this.ping(undefined, { timeoutMs: this.#keepaliveMs, label: 'keepalive PING' }).catch((error: unknown) => {
        this.#fail(error instanceof SamError ? error : new SamSocketClosed('keepalive failed', { cause: error }));
      });
    }, this.#keepaliveMs);
    this.#keepalive.unref();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}
