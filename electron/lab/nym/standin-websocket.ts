// nym-client's websocket listener and handler, emulated (nym.md §1, §2, §4.6, §4.7, §8): one client
// at a time, duplicates cut before the handshake, push type follows the last request, buffered
// messages flushed at connect, 16 MiB frame / 64 MiB message limits. Protocol via the app's codecs.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeBinaryRequest, encodeBinaryResponse } from '../../services/nym/websocket';
import { NymProtocolError } from '../../services/nym/websocket';
import { decodeTextRequest, encodeTextResponse } from '../../services/nym/websocket';
import type { NymRequest, NymResponse } from '../../services/nym/websocket';
import { SRC, type StandinLogger } from './standin-log';

/** tungstenite 0.20 `WebSocketConfig::default()` (nym.md §4.7). */
export const MAX_FRAME_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

export interface StandinRequestHandler {
  handle(request: NymRequest): NymResponse | null;
}

export interface PushedMessage {
  readonly message: Uint8Array;
  readonly senderTag: Uint8Array | null;
}

/**
 * Watches raw client→server bytes for frame headers so oversized frames are caught the way
 * tungstenite does (per frame at 16 MiB, per message at 64 MiB); `ws` alone has one limit.
 */
class FrameLimitGuard {
  private header: number[] = [];
  private skip = 0;
  private messageSize = 0;

  feed(chunk: Buffer): string | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.header.push(chunk[i++] ?? 0);
      const h = this.header;
      if (h.length < 2) continue;
      const code = (h[1] ?? 0) & 0x7f;
      const masked = ((h[1] ?? 0) & 0x80) !== 0;
      const need = 2 + (code === 126 ? 2 : code === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (h.length < need) continue;
      let length = code;
      if (code === 126) length = ((h[2] ?? 0) << 8) | (h[3] ?? 0);
      if (code === 127) length = Number(Buffer.from(h.slice(2, 10)).readBigUInt64BE(0));
      const fin = ((h[0] ?? 0) & 0x80) !== 0;
      const opcode = (h[0] ?? 0) & 0x0f;
      this.header = [];
      if (length > MAX_FRAME_SIZE) return `Space limit exceeded: Message too long: ${length} > ${MAX_FRAME_SIZE}`;
      if (opcode <= 2) {
        this.messageSize += length;
        if (this.messageSize > MAX_MESSAGE_SIZE) {
          return `Space limit exceeded: Message too long: ${this.messageSize} > ${MAX_MESSAGE_SIZE}`;
        }
        if (fin) this.messageSize = 0;
      }
      this.skip = length;
    }
    return null;
  }
}

function rustOsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'Address already in use (os error 98)';
    case 'EACCES':
      return 'Permission denied (os error 13)';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address (os error 99)';
    default:
      return error.message;
  }
}

export class StandinWebsocketListener {
  private readonly net: NetServer;
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  private activeSocket: Socket | null = null;
  private activeWs: WebSocket | null = null;
  /** handler.rs `received_response_type`: Binary until the first request of a session. */
  private pushBinary = true;
  /** Messages that arrived while no client was connected: unbounded, lost on exit (§4.6). */
  private readonly buffered: PushedMessage[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly handler: StandinRequestHandler,
    private readonly log: StandinLogger,
  ) {
    this.http = createHttpServer((_req, res) => {
      // tokio_tungstenite::accept_async fails a non-upgrade request; the handler just ends.
      res.writeHead(400).end();
    });
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE_SIZE + 1 });
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSession(ws, socket as Socket));
    });
    this.net = createNetServer((socket) => this.onTcp(socket));
  }

  /** Binds; rejects with nym's "Failed to bind to …" text. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new Error(
            `Failed to bind to ${this.host}:${this.port} - ${rustOsError(error)}. Are you sure nothing else is running on the specified port and your user has sufficient permission to bind to the requested address?`,
          ),
        );
      };
      this.net.once('error', onError);
      this.net.listen(this.port, this.host, () => {
        this.net.off('error', onError);
        resolve();
      });
    });
  }

  push(message: PushedMessage): void {
    const ws = this.activeWs;
    if (!ws || ws.readyState !== ws.OPEN) {
      this.buffered.push(message);
      return;
    }
    this.sendPush(ws, message);
  }

  /** Shutdown drops the socket without a close frame (client sees 1006, §4.6). */
  close(): void {
    this.activeSocket?.destroy();
    this.net.close();
    this.wss.close();
  }

  private onTcp(socket: Socket): void {
    if (this.activeSocket) {
      // listener.rs: accept, log, shutdown() — before any websocket handshake.
      this.log.warn(
        SRC.listener,
        `Tried to open a duplicate websocket connection. The request came from ${socket.remoteAddress}:${socket.remotePort}`,
      );
      socket.on('error', () => undefined);
      socket.end();
      socket.resume();
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    this.activeSocket = socket;
    socket.on('error', () => undefined);
    socket.once('close', () => {
      if (this.activeSocket === socket) {
        this.activeSocket = null;
        this.activeWs = null;
      }
    });
    this.http.emit('connection', socket);
  }

  private onSession(ws: WebSocket, socket: Socket): void {
    this.activeWs = ws;
    this.pushBinary = true;
    const guard = new FrameLimitGuard();
    socket.prependListener('data', (chunk: Buffer) => {
      const problem = guard.feed(chunk);
      if (problem) {
        this.log.warn(SRC.handler, `failed to obtain message from websocket stream! stopping connection handler: ${problem}`);
        socket.destroy();
      }
    });
    ws.on('error', (error) => {
      this.log.warn(SRC.handler, `failed to obtain message from websocket stream! stopping connection handler: ${error.message}`);
    });
    ws.on('message', (data: Buffer, isBinary) => this.onRequest(ws, data, isBinary));
    // Flushed before the client has said anything, so in binary (issue #3335).
    for (const message of this.buffered.splice(0)) this.sendPush(ws, message);
  }

  private onRequest(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    this.pushBinary = isBinary;
    let response: NymResponse | null;
    try {
      const request = isBinary ? decodeBinaryRequest(new Uint8Array(data)) : decodeTextRequest(data.toString('utf8'));
      response = this.handler.handle(request);
    } catch (error) {
      if (!(error instanceof NymProtocolError)) throw error;
      response = { kind: 'error', errorKind: error.kind, message: error.detail };
    }
    if (!response || ws.readyState !== ws.OPEN) return;
    if (isBinary) ws.send(encodeBinaryResponse(response), { binary: true });
    else ws.send(encodeTextResponse(response));
  }

  private sendPush(ws: WebSocket, message: PushedMessage): void {
    const response: NymResponse = { kind: 'received', message: message.message, senderTag: message.senderTag };
    if (this.pushBinary) ws.send(encodeBinaryResponse(response), { binary: true });
    else ws.send(encodeTextResponse(response));
  }
}
