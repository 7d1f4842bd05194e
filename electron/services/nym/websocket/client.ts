// The only I/O of the nym websocket layer: one `ws` connection to nym-client (nym.md §1, §2, §4.6).
// Owns request/response correlation, the push-frame-type rule and local limits; frames are built
// and parsed only by messages.ts / binary-codec.ts. It never spawns or supervises nym-client.
import WebSocket from 'ws';
import { formatRecipient, formatSenderTag, parseRecipient, parseSenderTag } from './address';
import { decodeBinaryResponse, encodeBinaryRequest } from './binary-codec';
import {
  NymErrorKind,
  NymProtocolError,
  NymServerError,
  NymSocketClosed,
  NymTimeout,
  NymValidationError,
  type NymError,
} from './errors';
import { decodeTextResponse, encodeTextRequest, textRequestFromModel } from './messages';
import { U32_MAX, U64_MAX, type ConnectionId, type NymRequest, type NymResponse } from './model';

export type NymWireMode = 'text' | 'binary';

/** tungstenite 0.20 default `max_frame_size`; Node's ws sends each message as one frame (§4.7). */
export const NYM_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const NYM_DEFAULT_PORT = 1977;

export interface NymReceivedMessage {
  /** Payload bytes. After a text-mode push these are the UTF-8 of nym's lossy string. */
  readonly message: Uint8Array;
  /** The payload as text (lossy UTF-8 for binary pushes). */
  readonly text: string;
  /** base58 tag for `sendAnonymous` messages; null for plain messages and for replies (§1.3). */
  readonly senderTag: string | null;
  /** Frame type it arrived in; see the push rule on `NymWebsocketClient`. */
  readonly frame: NymWireMode;
}

export interface NymClientOptions {
  port: number;
  host?: string;
  /** Frame type for requests (default 'text'). Pushes are decoded in either type regardless. */
  mode?: NymWireMode;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * nym-client serves one websocket at a time and a reconnect can race the old handler's exit
   * (§4.6), so connecting may be retried. Default 1 attempt.
   */
  connectAttempts?: number;
  connectRetryDelayMs?: number;
  /** Local cap on one request frame; default and maximum is nym-client's 16 MiB. */
  maxFrameBytes?: number;
  /** Send `selfAddress` right after connecting (readiness probe, and it switches pushes to text). Default true. */
  probe?: boolean;
  /** With `probe`, fail the connect if nym-client reports another address (e.g. after a switch). */
  expectedAddress?: string;
  /** Registered before the first frame is read, so messages flushed at connect are not missed. */
  onReceived?: (message: NymReceivedMessage) => void;
}

export interface NymSendOptions {
  /** Lane id. With one, nym-client answers with the lane's queue length (`laneQueueLength`). */
  connectionId?: number | bigint;
}

type Expectation = 'selfAddress' | 'lane' | 'nothing';

interface Pending {
  readonly expects: Expectation;
  readonly lane: bigint | null;
  readonly description: string;
  settled: boolean;
  timer: NodeJS.Timeout | null;
  resolve(response: NymResponse | null): void;
  reject(error: Error): void;
}

const BACKLOG_LIMIT = 10_000;
const FIRE_AND_FORGET_MEMORY = 1_024;
const UTF8 = new TextEncoder();
const LOSSY_UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Correlation. nym-client has no request ids; it handles one frame at a time and writes the
 * answer before reading the next frame (clients/native/src/websocket/handler.rs), so answers
 * come back in request order, interleaved with `received` pushes:
 *  - `selfAddress` answers the oldest pending selfAddress;
 *  - `laneQueueLength` echoes the connection id, so it answers the oldest request on that lane;
 *  - `error` answers the oldest request that can fail (everything but selfAddress). Sends without
 *    a connection id get no answer on success, so their promises resolve once the frame is written
 *    and a later error attributed to them goes to `onError` listeners.
 *  Any answer also proves every older unanswered fire-and-forget request was accepted.
 *
 * Push rule (§1.1, issue #3335): nym-client pushes `received` in the frame type of the *last
 * request* it got, Binary until the first request. Messages buffered while nobody was connected are
 * flushed at connect time, before any request, hence binary. This client decodes both types
 * always; `laneQueueLength()`/`closeLane()` are binary-only requests and switch pushes to binary.
 */
export class NymWebsocketClient {
  readonly mode: NymWireMode;
  readonly url: string;
  private readonly ws: WebSocket;
  private readonly requestTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly pending: Pending[] = [];
  private readonly receivedListeners = new Set<(message: NymReceivedMessage) => void>();
  private readonly errorListeners = new Set<(error: NymError) => void>();
  private readonly closeListeners = new Set<(error: NymSocketClosed) => void>();
  private readonly backlog: NymReceivedMessage[] = [];
  private closedError: NymSocketClosed | null = null;
  private lastSocketError: Error | null = null;
  private knownAddress: string | null = null;

  private constructor(opened: OpenedSocket, url: string, options: NymClientOptions) {
    const ws = opened.ws;
    this.ws = ws;
    this.url = url;
    this.mode = options.mode ?? 'text';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxFrameBytes = Math.min(options.maxFrameBytes ?? NYM_MAX_FRAME_BYTES, NYM_MAX_FRAME_BYTES);
    if (options.onReceived) this.receivedListeners.add(options.onReceived);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('error', (error) => {
      this.lastSocketError = error;
    });
    ws.on('close', (code, reason) => this.onClosed(code, reason.toString('utf8')));
    // Frames that arrived with the handshake (nym flushes its buffer at once, §4.6).
    for (const [data, isBinary] of opened.early) this.onFrame(data, isBinary);
    if (ws.readyState === WebSocket.CLOSED) this.onClosed(1006, '');
  }

  static async connect(options: NymClientOptions): Promise<NymWebsocketClient> {
    const host = options.host ?? '127.0.0.1';
    const url = `ws://${host.includes(':') ? `[${host}]` : host}:${options.port}/`;
    const attempts = Math.max(1, options.connectAttempts ?? 1);
    const retryDelay = options.connectRetryDelayMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        const opened = await openSocket(url, options.connectTimeoutMs ?? 5_000);
        const client = new NymWebsocketClient(opened, url, options);
        if (options.probe !== false) {
          try {
            const address = await client.selfAddress();
            if (options.expectedAddress !== undefined && address !== options.expectedAddress) {
              throw new NymProtocolError(
                NymErrorKind.Other,
                `nym-client reports address ${address}, expected ${options.expectedAddress}`,
              );
            }
          } catch (error) {
            await client.close();
            throw error;
          }
        }
        return client;
      } catch (error) {
        if (!(error instanceof NymSocketClosed) || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelay * attempt));
      }
    }
  }

  /** Address from the last selfAddress answer, or null before the first one. */
  get address(): string | null {
    return this.knownAddress;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  async selfAddress(): Promise<string> {
    const request: NymRequest = { kind: 'selfAddress' };
    const response = await this.request(this.encode(request), 'selfAddress', null, 'selfAddress');
    if (response?.kind !== 'selfAddress') throw unexpectedAnswer('selfAddress', response);
    this.knownAddress = formatRecipient(response.address);
    return this.knownAddress;
  }

  /** Plain message: the recipient sees senderTag null. Resolves with the lane's queue length if a connectionId was given. */
  async send(recipient: string, message: string | Uint8Array, options: NymSendOptions = {}): Promise<number | null> {
    const connectionId = this.connectionId(options.connectionId);
    const request: NymRequest = {
      kind: 'send',
      recipient: parseRecipient(recipient),
      message: toBytes(message),
      connectionId,
    };
    return this.laneAnswer(request, connectionId, `send to ${recipient}`);
  }

  /** Repliable message: attaches this client's stable sender tag for the recipient and `replySurbs` reply SURBs. */
  async sendAnonymous(
    recipient: string,
    message: string | Uint8Array,
    replySurbs: number,
    options: NymSendOptions = {},
  ): Promise<number | null> {
    if (!Number.isInteger(replySurbs) || replySurbs < 0 || replySurbs > U32_MAX) {
      throw new NymValidationError('replySurbs', `${replySurbs} is not a u32`);
    }
    const connectionId = this.connectionId(options.connectionId);
    const request: NymRequest = {
      kind: 'sendAnonymous',
      recipient: parseRecipient(recipient),
      message: toBytes(message),
      replySurbs,
      connectionId,
    };
    return this.laneAnswer(request, connectionId, `sendAnonymous to ${recipient}`);
  }

  /**
   * Reply through SURBs stored for `senderTag`. nym-client gives no error when it has none: the
   * reply is dropped with only a WARN log (§5.4), so a resolved promise is not a delivery.
   */
  async reply(senderTag: string, message: string | Uint8Array, options: NymSendOptions = {}): Promise<number | null> {
    const connectionId = this.connectionId(options.connectionId);
    const request: NymRequest = {
      kind: 'reply',
      senderTag: parseSenderTag(senderTag),
      message: toBytes(message),
      connectionId,
    };
    return this.laneAnswer(request, connectionId, `reply to ${senderTag}`);
  }

  /** Packets queued on a lane plus reply fragments waiting for SURBs. Binary-only request (0x05). */
  async laneQueueLength(connectionId: number | bigint): Promise<number> {
    const lane = toU64('connectionId', connectionId);
    const request: NymRequest = { kind: 'getLaneQueueLength', connectionId: lane };
    const response = await this.request(encodeBinaryRequest(request), 'lane', lane, `getLaneQueueLength(${lane})`);
    if (response?.kind !== 'laneQueueLength') throw unexpectedAnswer('getLaneQueueLength', response);
    return Number(response.queueLength);
  }

  /** Tells nym-client the lane is finished (binary-only request 0x04); no answer. */
  async closeLane(connectionId: number | bigint): Promise<void> {
    const lane = toU64('connectionId', connectionId);
    const request: NymRequest = { kind: 'closedConnection', connectionId: lane };
    await this.request(encodeBinaryRequest(request), 'nothing', null, `closedConnection(${lane})`);
  }

  /** Subscribes to incoming messages; the first subscriber also gets what arrived before it. */
  onReceived(listener: (message: NymReceivedMessage) => void): () => void {
    this.receivedListeners.add(listener);
    for (const message of this.backlog.splice(0)) listener(message);
    return () => this.receivedListeners.delete(listener);
  }

  /** Errors not owned by a pending call: server errors for fire-and-forget sends, undecodable frames. */
  onError(listener: (error: NymError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  onClose(listener: (error: NymSocketClosed) => void): () => void {
    if (this.closedError) {
      listener(this.closedError);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closedError) return;
    await new Promise<void>((resolve) => {
      const fallback = setTimeout(() => this.ws.terminate(), 2_000);
      this.ws.once('close', () => {
        clearTimeout(fallback);
        resolve();
      });
      this.ws.close(1000);
    });
  }

  // --- internals ---------------------------------------------------------------------------------
  private connectionId(value: number | bigint | undefined): ConnectionId {
    if (value === undefined) return null;
    const id = toU64('connectionId', value);
    if (this.mode === 'binary' && id === 0n) {
      // In binary requests 0 is how "no connection id" is written, so nym would not answer.
      throw new NymValidationError('connectionId', "0 means 'no connection id' in the binary API; use 1 or more");
    }
    if (this.mode === 'text' && id > BigInt(Number.MAX_SAFE_INTEGER) && typeof value === 'number') {
      throw new NymValidationError('connectionId', `${value} is not a safe integer; pass a bigint`);
    }
    return id;
  }

  private encode(request: NymRequest): string | Uint8Array {
    return this.mode === 'text' ? encodeTextRequest(textRequestFromModel(request)) : encodeBinaryRequest(request);
  }

  private async laneAnswer(request: NymRequest, connectionId: ConnectionId, description: string): Promise<number | null> {
    const frame = this.encode(request);
    if (connectionId === null) {
      await this.request(frame, 'nothing', null, description);
      return null;
    }
    const response = await this.request(frame, 'lane', connectionId, description);
    if (response?.kind !== 'laneQueueLength') throw unexpectedAnswer(description, response);
    return Number(response.queueLength);
  }

  private request(
    frame: string | Uint8Array,
    expects: Expectation,
    lane: bigint | null,
    description: string,
  ): Promise<NymResponse | null> {
    if (this.closedError) return Promise.reject(this.closedError);
    const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    if (size > this.maxFrameBytes) {
      return Promise.reject(
        new NymValidationError(
          'message',
          `the ${description} request is ${size} bytes; nym-client closes the websocket on frames over ` +
            `${NYM_MAX_FRAME_BYTES} bytes (16 MiB, nym.md §4.7)` +
            (this.maxFrameBytes < NYM_MAX_FRAME_BYTES ? ` and this client is capped at ${this.maxFrameBytes}` : ''),
        ),
      );
    }
    return new Promise<NymResponse | null>((resolve, reject) => {
      const entry: Pending = {
        expects,
        lane,
        description,
        settled: false,
        timer: null,
        resolve: (value) => {
          if (entry.settled) return;
          entry.settled = true;
          if (entry.timer) clearTimeout(entry.timer);
          resolve(value);
        },
        reject: (error) => {
          if (entry.settled) return;
          entry.settled = true;
          if (entry.timer) clearTimeout(entry.timer);
          reject(error);
        },
      };
      this.pending.push(entry);
      this.forgetOldFireAndForget();
      if (expects !== 'nothing') {
        // A timed-out entry stays queued so the late answer still lines up with it.
        entry.timer = setTimeout(() => entry.reject(new NymTimeout(description, this.requestTimeoutMs)), this.requestTimeoutMs);
      }
      this.ws.send(frame, { binary: typeof frame !== 'string' }, (error) => {
        if (error) {
          entry.reject(this.closedError ?? new NymSocketClosed(`could not write ${description}: ${error.message}`, null, '', { cause: error }));
        } else if (expects === 'nothing') {
          entry.resolve(null);
        }
      });
    });
  }

  private forgetOldFireAndForget(): void {
    while (this.pending.length > FIRE_AND_FORGET_MEMORY && this.pending[0]?.expects === 'nothing') {
      this.pending.shift();
    }
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    const bytes = rawToBytes(data);
    let response: NymResponse;
    try {
      response = isBinary ? decodeBinaryResponse(bytes) : decodeTextResponse(LOSSY_UTF8.decode(bytes));
    } catch (error) {
      this.emitError(error instanceof NymProtocolError ? error : new NymProtocolError(NymErrorKind.Other, String(error)));
      return;
    }
    const frame: NymWireMode = isBinary ? 'binary' : 'text';
    switch (response.kind) {
      case 'received':
        this.emitReceived({
          message: response.message,
          text: LOSSY_UTF8.decode(response.message),
          senderTag: response.senderTag === null ? null : formatSenderTag(response.senderTag),
          frame,
        });
        return;
      case 'selfAddress':
        this.answer(this.pending.findIndex((p) => p.expects === 'selfAddress'), response);
        return;
      case 'laneQueueLength':
        this.answer(this.pending.findIndex((p) => p.expects === 'lane' && p.lane === response.lane), response);
        return;
      case 'error': {
        const index = this.pending.findIndex((p) => p.expects !== 'selfAddress');
        const entry = index >= 0 ? this.pending[index] : undefined;
        if (!entry) {
          this.emitError(new NymServerError(response.errorKind, response.message));
          return;
        }
        this.retireBefore(index);
        this.pending.shift();
        const error = new NymServerError(response.errorKind, response.message, entry.description);
        if (entry.expects === 'nothing' || entry.settled) this.emitError(error);
        else entry.reject(error);
        return;
      }
    }
  }

  private answer(index: number, response: NymResponse): void {
    const entry = index >= 0 ? this.pending[index] : undefined;
    if (!entry) {
      this.emitError(new NymProtocolError(NymErrorKind.Other, `unsolicited ${response.kind} answer from nym-client`));
      return;
    }
    this.retireBefore(index);
    this.pending.shift();
    entry.resolve(response);
  }

  /** Older entries were processed without an answer: fine for fire-and-forget, a skip otherwise. */
  private retireBefore(index: number): void {
    for (const entry of this.pending.splice(0, index)) {
      if (entry.expects !== 'nothing') {
        entry.reject(new NymProtocolError(NymErrorKind.Other, `nym-client answered a later request before ${entry.description}`));
      }
    }
  }

  private emitReceived(message: NymReceivedMessage): void {
    if (this.receivedListeners.size === 0) {
      if (this.backlog.length >= BACKLOG_LIMIT) this.backlog.shift();
      this.backlog.push(message);
      return;
    }
    for (const listener of this.receivedListeners) listener(message);
  }

  private emitError(error: NymError): void {
    for (const listener of this.errorListeners) listener(error);
  }

  private onClosed(code: number, reason: string): void {
    if (this.closedError) return;
    const why = this.lastSocketError ? `: ${this.lastSocketError.message}` : '';
    // nym-client drops the socket without a close frame when it stops (§4.6): code 1006.
    this.closedError = new NymSocketClosed(`nym-client websocket closed (code ${code})${why}`, code, reason, {
      cause: this.lastSocketError ?? undefined,
    });
    for (const entry of this.pending.splice(0)) entry.reject(this.closedError);
    for (const listener of this.closeListeners) listener(this.closedError);
    this.closeListeners.clear();
  }
}

interface OpenedSocket {
  readonly ws: WebSocket;
  /** Frames received between 'open' and the client attaching its own listener. */
  readonly early: Array<[WebSocket.RawData, boolean]>;
}

function openSocket(url: string, timeoutMs: number): Promise<OpenedSocket> {
  return new Promise((resolve, reject) => {
    // tungstenite negotiates no extensions; offering permessage-deflate would only be ignored.
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const early: Array<[WebSocket.RawData, boolean]> = [];
    let failure: Error | null = null;
    const collect = (data: WebSocket.RawData, isBinary: boolean): void => {
      early.push([data, isBinary]);
    };
    ws.on('message', collect);
    ws.once('open', () => {
      // The client is built a microtask later; frames in that gap (or in the same TCP read as
      // the handshake) are collected until it takes over by reading `early`.
      resolve({
        ws,
        get early() {
          ws.off('message', collect);
          return early;
        },
      });
    });
    ws.on('error', (error) => {
      failure = error;
    });
    ws.once('close', (code) => {
      // A second client is cut off before the handshake (§4.6): 'socket hang up' / ECONNRESET.
      const detail = failure ? failure.message : `closed with code ${code}`;
      reject(new NymSocketClosed(`cannot open nym-client websocket at ${url}: ${detail}`, code, '', { cause: failure ?? undefined }));
    });
  });
}

function rawToBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function toBytes(message: string | Uint8Array): Uint8Array {
  return typeof message === 'string' ? UTF8.encode(message) : message;
}

function toU64(field: string, value: number | bigint): bigint {
  if (typeof value === 'number' && !Number.isInteger(value)) throw new NymValidationError(field, `${value} is not an integer`);
  const big = BigInt(value);
  if (big < 0n || big > U64_MAX) throw new NymValidationError(field, `${value} is not a u64`);
  return big;
}

function unexpectedAnswer(what: string, response: NymResponse | null): NymProtocolError {
  return new NymProtocolError(NymErrorKind.Other, `unexpected answer to ${what}: ${response?.kind ?? 'none'}`);
}
