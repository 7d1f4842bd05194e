// The lab mix network: one gateway (a loopback websocket server the stand-ins join) and three mix
// layers in one process, moving fixed-size lab packets with sender-chosen exponential per-hop
// delays. Lab only: no Sphinx crypto, never reachable beyond loopback, never touches real Nym.
import { writeFileSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { base58Encode } from '../../services/nym/websocket';
import { ed25519FromSeed, generateEd25519, randomSeed } from './lab-keys';
import { PACKET_SIZE, peelHop, LabPacketError } from './lab-packet';
import {
  ClientToGatewaySchema,
  LAB_DEFAULT_TIMING,
  type ClientCounters,
  type GatewayToClient,
  type LabDescriptor,
  type LabMixnetStatus,
  type LabTiming,
} from './lab-wire';

export interface LabMixnetOptions {
  /** Loopback only; anything else is refused. */
  host?: string;
  /** 0 (default) picks a free port; read it back from `url`. */
  port?: number;
  nodesPerLayer?: number;
  timing?: Partial<LabTiming>;
  /**
   * true (default): every packet waits its own exponential delay at each mix, so later packets can
   * overtake earlier ones as on the real network (nym.md §5.6). false: each mix releases in arrival
   * order (a packet never leaves before the one ahead of it), for tests that want determinism.
   */
  reorder?: boolean;
  /** Upper bound on one hop's delay, whatever the header asks for. */
  maxHopDelayMs?: number;
  /** Packets kept per offline client (gateways store for offline recipients, nym.md §5.6). */
  offlineQueueLimit?: number;
  /** Fixed gateway identity seed, so client addresses survive a lab restart. */
  gatewaySeed?: Uint8Array;
  /** Written (atomically) once listening; UNDERPASS_NYM_LAB may point at it. */
  descriptorPath?: string;
  log?: (line: string) => void;
}

interface MixNode {
  readonly id: Uint8Array;
  readonly key: string;
  readonly layer: number;
  processed: number;
  inFlight: number;
  lastRelease: number;
  /** reorder=false: packets in release order, drained by one timer so ties keep arrival order. */
  readonly fifo: Array<{ readonly releaseAt: number; readonly release: () => void }>;
  fifoTimer: NodeJS.Timeout | null;
}

interface ClientRecord {
  readonly identity: string;
  socket: WebSocket | null;
  connections: number;
  packetsIn: number;
  packetsOut: number;
  stored: Uint8Array[];
  counters: ClientCounters;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export class LabMixnet {
  readonly gatewayId: Uint8Array;
  readonly gatewayIdentity: string;
  readonly timing: LabTiming;
  private readonly gatewayKey: string;
  private readonly layers: MixNode[][];
  private readonly mixes = new Map<string, MixNode>();
  private readonly clients = new Map<string, ClientRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dropped = { malformed: 0, badRoute: 0, storeFull: 0 };
  private readonly started = Date.now();
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly reorder: boolean;
  private readonly maxHopDelayMs: number;
  private readonly offlineQueueLimit: number;
  private readonly log: (line: string) => void;
  private closed = false;
  url = '';

  constructor(options: LabMixnetOptions = {}) {
    this.timing = { ...LAB_DEFAULT_TIMING, ...options.timing };
    this.reorder = options.reorder ?? true;
    this.maxHopDelayMs = options.maxHopDelayMs ?? 10_000;
    this.offlineQueueLimit = options.offlineQueueLimit ?? 10_000;
    this.log = options.log ?? (() => undefined);
    this.gatewayId = ed25519FromSeed(options.gatewaySeed ?? randomSeed()).publicKey;
    this.gatewayIdentity = base58Encode(this.gatewayId);
    this.gatewayKey = hex(this.gatewayId);
    const perLayer = Math.max(1, options.nodesPerLayer ?? 1);
    this.layers = [1, 2, 3].map((layer) =>
      Array.from({ length: perLayer }, () => {
        const id = generateEd25519().publicKey;
        const node: MixNode = { id, key: hex(id), layer, processed: 0, inFlight: 0, lastRelease: 0, fifo: [], fifoTimer: null };
        this.mixes.set(node.key, node);
        return node;
      }),
    );
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('websocket only\n');
    });
    this.wss = new WebSocketServer({ server: this.http, perMessageDeflate: false, maxPayload: 1024 * 1024 });
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  async listen(host = '127.0.0.1', port = 0): Promise<void> {
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new Error('the lab mixnet listens on loopback only');
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address() as AddressInfo;
    this.url = `ws://${host === '::1' ? '[::1]' : host}:${address.port}/`;
    this.log(`gateway ${this.gatewayIdentity} listening on ${this.url}`);
  }

  get descriptor(): LabDescriptor {
    return {
      kind: 'underpass-nym-lab',
      version: 1,
      gateway: { identity: this.gatewayIdentity, url: this.url },
      timing: this.timing,
      pid: process.pid,
    };
  }

  status(): LabMixnetStatus {
    return {
      gateway: this.gatewayIdentity,
      url: this.url,
      uptimeMs: Date.now() - this.started,
      clients: [...this.clients.values()].map((c) => ({
        identity: c.identity,
        connected: c.socket !== null,
        connections: c.connections,
        packetsIn: c.packetsIn,
        packetsOut: c.packetsOut,
        stored: c.stored.length,
        counters: { ...c.counters },
      })),
      mixes: this.layers.flat().map((m) => ({ layer: m.layer, id: base58Encode(m.id), processed: m.processed, inFlight: m.inFlight })),
      dropped: { ...this.dropped },
    };
  }

  /** Drops every client connection (they see their gateway vanish) and stops. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.log('stopped');
  }

  // --- gateway ---------------------------------------------------------------------------------
  private onConnection(socket: WebSocket): void {
    let client: ClientRecord | null = null;
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (!client || client.socket !== socket) {
          this.dropped.malformed++;
          return;
        }
        client.packetsIn++;
        this.fromClient(new Uint8Array(data));
        return;
      }
      let parsed: ReturnType<typeof ClientToGatewaySchema.safeParse>;
      try {
        parsed = ClientToGatewaySchema.safeParse(JSON.parse(data.toString('utf8')));
      } catch {
        this.dropped.malformed++;
        return;
      }
      if (!parsed.success) {
        this.dropped.malformed++;
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'hello':
          send(socket, { type: 'hello', gateway: this.gatewayIdentity, url: this.url });
          return;
        case 'status':
          send(socket, { type: 'status', status: this.status() });
          return;
        case 'stats':
          if (client) client.counters = message.counters;
          return;
        case 'register':
          client = this.register(socket, message.identity);
          return;
      }
    });
    socket.on('close', () => {
      if (client && client.socket === socket) {
        client.socket = null;
        // This is how the lab notices a stand-in that died, e.g. from SIGKILL.
        this.log(`client ${client.identity} disconnected`);
      }
    });
    socket.on('error', () => undefined);
  }

  private register(socket: WebSocket, identity: string): ClientRecord | null {
    let record = this.clients.get(identity);
    if (record?.socket) {
      // What gateways historically told a second instance with the same keys (nym.md §4.8, #1129).
      send(socket, { type: 'rejected', reason: 'There is already an open connection to this client' });
      socket.close();
      return null;
    }
    record ??= this.clientRecord(identity);
    record.socket = socket;
    record.connections++;
    send(socket, {
      type: 'registered',
      gateway: this.gatewayIdentity,
      topology: { layers: this.layers.map((layer) => layer.map((m) => base58Encode(m.id))) },
      timing: this.timing,
    });
    this.log(`client ${identity} registered (${record.stored.length} stored packets)`);
    for (const packet of record.stored.splice(0)) this.deliverTo(record, packet);
    return record;
  }

  /** Entry gateway: the first slot names a layer-1 mix; no delay here (nym.md §5.1). */
  private fromClient(packet: Uint8Array): void {
    const next = this.peel(packet);
    if (!next) return;
    const mix = this.mixes.get(hex(next.hop.address));
    if (next.hop.action !== 'forward' || !mix || mix.layer !== 1) {
      this.dropped.badRoute++;
      return;
    }
    this.toMix(mix, next.packet);
  }

  private toMix(mix: MixNode, packet: Uint8Array): void {
    const next = this.peel(packet);
    if (!next) return;
    const { hop } = next;
    const target = this.mixes.get(hex(hop.address));
    const toGateway = hex(hop.address) === this.gatewayKey;
    const valid = hop.action === 'forward' && (mix.layer === 3 ? toGateway : target?.layer === mix.layer + 1);
    if (!valid) {
      this.dropped.badRoute++;
      return;
    }
    const now = Date.now();
    let releaseAt = now + Math.min(hop.delayUs / 1000, this.maxHopDelayMs);
    mix.inFlight++;
    const release = (): void => {
      mix.inFlight--;
      mix.processed++;
      if (this.closed) return;
      if (toGateway) this.egress(next.packet);
      else if (target) this.toMix(target, next.packet);
    };
    if (this.reorder) {
      this.after(releaseAt - now, release);
      return;
    }
    releaseAt = Math.max(releaseAt, mix.lastRelease);
    mix.lastRelease = releaseAt;
    mix.fifo.push({ releaseAt, release });
    this.pumpFifo(mix);
  }

  private pumpFifo(mix: MixNode): void {
    const head = mix.fifo[0];
    if (mix.fifoTimer || !head) return;
    mix.fifoTimer = this.after(head.releaseAt - Date.now(), () => {
      mix.fifoTimer = null;
      const now = Date.now();
      while (mix.fifo[0] && mix.fifo[0].releaseAt <= now) mix.fifo.shift()?.release();
      this.pumpFifo(mix);
    });
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, ms));
    this.timers.add(timer);
    return timer;
  }

  /** Egress gateway: the last slot names the recipient client's identity. */
  private egress(packet: Uint8Array): void {
    const next = this.peel(packet);
    if (!next) return;
    if (next.hop.action !== 'deliver') {
      this.dropped.badRoute++;
      return;
    }
    const identity = base58Encode(next.hop.address);
    this.deliverTo(this.clients.get(identity) ?? this.clientRecord(identity), next.packet);
  }

  /** A gateway-side record for a client, created on first contact (connect or a packet for it). */
  private clientRecord(identity: string): ClientRecord {
    const record: ClientRecord = {
      identity,
      socket: null,
      connections: 0,
      packetsIn: 0,
      packetsOut: 0,
      stored: [],
      counters: { coverSent: 0, coverReceived: 0, realSent: 0, realReceived: 0 },
    };
    this.clients.set(identity, record);
    return record;
  }

  private deliverTo(record: ClientRecord, packet: Uint8Array): void {
    if (record.socket && record.socket.readyState === record.socket.OPEN) {
      record.packetsOut++;
      record.socket.send(packet, { binary: true });
      return;
    }
    if (record.stored.length >= this.offlineQueueLimit) {
      this.dropped.storeFull++;
      return;
    }
    record.stored.push(packet);
  }

  private peel(packet: Uint8Array): ReturnType<typeof peelHop> | null {
    if (packet.length !== PACKET_SIZE) {
      this.dropped.malformed++;
      return null;
    }
    try {
      return peelHop(packet);
    } catch (error) {
      if (!(error instanceof LabPacketError)) throw error;
      this.dropped.malformed++;
      return null;
    }
  }
}

function send(socket: WebSocket, message: GatewayToClient): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/** Builds, starts and (optionally) describes a lab mixnet. */
export async function startLabMixnet(options: LabMixnetOptions = {}): Promise<LabMixnet> {
  const mixnet = new LabMixnet(options);
  await mixnet.listen(options.host, options.port);
  if (options.descriptorPath) {
    const tmp = `${options.descriptorPath}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(mixnet.descriptor, null, 2)}\n`);
    renameSync(tmp, options.descriptorPath);
  }
  return mixnet;
}
