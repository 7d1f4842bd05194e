// The stand-in's connection to the lab gateway (the role of nym's gateway-client): register, carry
// fixed-size packets, report counters. Lab protocol only (lab-wire.ts); no retry policy here,
// the core decides about reconnection.
import WebSocket from 'ws';
import { base58Decode } from '../../services/nym/websocket';
import type { LabTopology } from './lab-packet';
import { GatewayToClientSchema, type ClientCounters, type ClientToGateway, type GatewayToClient, type LabTiming } from './lab-wire';

export interface Registration {
  readonly gateway: Uint8Array;
  readonly gatewayIdentity: string;
  readonly topology: LabTopology;
  readonly timing: LabTiming;
}

export class GatewayConnectError extends Error {}

function open(url: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', (error) => reject(new GatewayConnectError(`${url}: ${error.message}`)));
  });
}

function nextControl(ws: WebSocket, timeoutMs: number): Promise<GatewayToClient> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new GatewayConnectError('timed out while waiting for the gateway'));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      if (isBinary) return;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(data as Buffer).toString('utf8'));
      } catch {
        return;
      }
      const parsed = GatewayToClientSchema.safeParse(json);
      if (!parsed.success) return;
      cleanup();
      resolve(parsed.data);
    };
    const onClose = (): void => {
      cleanup();
      reject(new GatewayConnectError('connection closed by the gateway'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    ws.on('message', onMessage);
    ws.once('close', onClose);
  });
}

function sendControl(ws: WebSocket, message: ClientToGateway): void {
  ws.send(JSON.stringify(message));
}

/** What `init` needs: the gateway's identity, without registering. */
export async function helloGateway(url: string, timeoutMs = 5_000): Promise<{ gateway: string; url: string }> {
  const ws = await open(url, timeoutMs);
  try {
    const reply = nextControl(ws, timeoutMs);
    sendControl(ws, { type: 'hello' });
    const message = await reply;
    if (message.type !== 'hello') throw new GatewayConnectError(`unexpected ${message.type} from the gateway`);
    return { gateway: message.gateway, url: message.url };
  } finally {
    ws.terminate();
  }
}

export class GatewayLink {
  private ws: WebSocket | null = null;
  private closing = false;
  private packetListener: ((packet: Uint8Array) => void) | null = null;
  /** Packets that came before anyone listened (e.g. stored while we were offline). */
  private readonly backlog: Uint8Array[] = [];
  private lostListener: (reason: string) => void = () => undefined;

  constructor(
    readonly url: string,
    private readonly identity: string,
    private readonly encryption: string,
  ) {}

  onPacket(listener: (packet: Uint8Array) => void): void {
    this.packetListener = listener;
    for (const packet of this.backlog.splice(0)) listener(packet);
  }

  private deliver(packet: Uint8Array): void {
    if (this.packetListener) this.packetListener(packet);
    else this.backlog.push(packet);
  }

  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  async connect(timeoutMs = 5_000): Promise<Registration> {
    const ws = await open(this.url, timeoutMs);
    ws.on('error', () => undefined); // failures surface as 'close'
    // Attached before registering: stored packets follow 'registered' at once, maybe in one read.
    let early: Uint8Array[] | null = [];
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      const packet = new Uint8Array(data);
      if (early) early.push(packet);
      else if (this.ws === ws) this.deliver(packet);
    });
    const reply = nextControl(ws, timeoutMs);
    sendControl(ws, { type: 'register', identity: this.identity, encryption: this.encryption });
    let message: GatewayToClient;
    try {
      message = await reply;
    } catch (error) {
      ws.terminate();
      throw error;
    }
    if (message.type !== 'registered') {
      ws.terminate();
      throw new GatewayConnectError(message.type === 'rejected' ? message.reason : `unexpected ${message.type} from the gateway`);
    }
    this.ws = ws;
    const arrived = early;
    early = null;
    for (const packet of arrived) this.deliver(packet);
    ws.once('close', (code) => {
      if (this.ws === ws) this.ws = null;
      if (!this.closing) this.lostListener(`connection closed (code ${code})`);
    });
    return {
      gateway: base58Decode(message.gateway),
      gatewayIdentity: message.gateway,
      topology: {
        gateway: base58Decode(message.gateway),
        layers: message.topology.layers.map((layer) => layer.map((id) => base58Decode(id))),
      },
      timing: message.timing,
    };
  }

  /** null when handed to the socket, otherwise the reason it could not be. */
  send(packet: Uint8Array): string | null {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return 'gateway client error: the connection to the gateway is not established';
    ws.send(packet, { binary: true });
    return null;
  }

  sendStats(counters: ClientCounters): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) sendControl(this.ws, { type: 'stats', counters });
  }

  close(): void {
    this.closing = true;
    this.ws?.close();
    this.ws = null;
  }
}
