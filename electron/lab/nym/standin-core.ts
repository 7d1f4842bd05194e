// What nym's client-core does, at lab fidelity: lanes + Poisson real-traffic slots, loop cover,
// chunking, sender tags, reply SURBs with the 10-SURB reserve, reassembly, gateway loss handling
// (nym.md §3.3, §4.8, §5). Answers decoded websocket requests; does no websocket I/O itself.
import { randomBytes } from 'node:crypto';
import {
  formatRecipient,
  formatSenderTag,
  parseRecipient,
  parseSenderTag,
  type Recipient,
} from '../../services/nym/websocket';
import type { NymRequest, NymResponse } from '../../services/nym/websocket';
import {
  LabPacketError,
  Reassembler,
  buildPacket,
  decodeLabMessage,
  decodeSurb,
  encodeLabMessage,
  encodeSurb,
  exponentialUs,
  fragmentCount,
  fragmentMessage,
  readPacket,
  routeHeader,
  type LabMessage,
} from './lab-packet';
import type { ClientCounters, LabTiming } from './lab-wire';
import type { GatewayLink, Registration } from './standin-gateway';
import { SRC, type StandinLogger } from './standin-log';

/** `minimum_reply_surb_storage_threshold` (receiver_controller.rs). */
export const SURB_RESERVE = 10;
const MIN_SURB_REQUEST = 10;
const MAX_SURB_REQUEST = 50;
/** The original sender never hands out more than this per request (nym.md §5.4). */
const MAX_SURBS_PER_REQUEST = 500;
const MAX_REREQUESTS = 5;
/** MixTrafficController's `MAX_FAILURE_COUNT`. */
const MAX_CONSECUTIVE_FAILURES = 20;
const REASSEMBLY_TIMEOUT_MS = 10 * 60_000;

export interface ReceivedMessage {
  readonly message: Uint8Array;
  readonly senderTag: Uint8Array | null;
}

export interface StandinCoreOptions {
  readonly identity: Uint8Array;
  readonly encryption: Uint8Array;
  readonly registration: Registration;
  readonly link: GatewayLink;
  /** `--no-cover`: no loop cover stream (and no slot filling). */
  readonly noCover: boolean;
  readonly log: StandinLogger;
  /** recipient → base58 tag; mutated here, persisted through `persistSenderTags`. */
  readonly senderTags: Record<string, string>;
  readonly persistSenderTags: () => void;
  readonly deliver: (message: ReceivedMessage) => void;
  readonly onGatewayDead: () => void;
}

interface PendingReply {
  readonly stream: Uint8Array;
  readonly packets: number;
  readonly lane: string;
  readonly queuedAt: number;
}

interface ReplyEntry {
  readonly surbs: Uint8Array[];
  readonly pending: PendingReply[];
  requestedAt: number | null;
  rerequests: number;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const GENERAL_LANE = 'general';
const CONTROL_LANE = 'control';

function laneKey(connectionId: bigint | null): string {
  return connectionId === null ? GENERAL_LANE : `conn:${connectionId}`;
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(2);
}

function connectionIdDebug(connectionId: bigint | null): string {
  return connectionId === null ? 'None' : `Some(${connectionId})`;
}

export class StandinCore {
  readonly self: Recipient;
  readonly address: string;
  private readonly timing: LabTiming;
  private readonly lanes = new Map<string, Uint8Array[]>();
  private laneCursor = 0;
  private readonly reassembler = new Reassembler();
  /** SURB id → the recipient we gave it to (so a SURB request can be answered). */
  private readonly surbOwners = new Map<string, string>();
  /** sender tag (base58) → SURBs it gave us and replies waiting for more. */
  private readonly replyStore = new Map<string, ReplyEntry>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private slotTimer: NodeJS.Timeout | null = null;
  private rerequestTimer: NodeJS.Timeout | null = null;
  private consecutiveFailures = 0;
  private reconnecting = false;
  private stopped = false;
  private packetsReceived = 0;
  private readonly counters: ClientCounters = { coverSent: 0, coverReceived: 0, realSent: 0, realReceived: 0 };
  private reportedCounters = '';

  constructor(private readonly options: StandinCoreOptions) {
    this.timing = options.registration.timing;
    this.self = { identity: options.identity, encryption: options.encryption, gateway: options.registration.gateway };
    this.address = formatRecipient(this.self);
    options.link.onPacket((packet) => this.onPacket(packet));
    options.link.onLost((reason) => void this.onGatewayLost(reason));
  }

  /** Starts the loop-cover stream, counters reporting and the backlog log. */
  start(): void {
    if (!this.options.noCover && this.timing.loopCoverAverageDelayMs > 0) this.scheduleLoopCover();
    if (this.timing.fillSlotsWithCover && !this.options.noCover) this.scheduleSlot();
    this.every(this.timing.statsIntervalMs, () => {
      this.reassembler.prune(REASSEMBLY_TIMEOUT_MS);
      this.counters.realReceived = this.packetsReceived - this.counters.coverReceived;
      const snapshot = JSON.stringify(this.counters);
      if (snapshot !== this.reportedCounters) {
        this.reportedCounters = snapshot;
        this.options.link.sendStats({ ...this.counters });
      }
    });
    this.every(5_000, () => {
      const backlog = [...this.lanes].filter(([, q]) => q.length > 0);
      if (backlog.length === 0) return;
      const total = backlog.reduce((n, [, q]) => n + q.length, 0);
      const lanes = backlog.map(([lane, q]) => `${lane}: ${q.length}`).join(', ');
      const line = `Packet backlog: ${lanes}, avg delay: ${this.timing.messageSendingAverageDelayMs}ms (1)`;
      if (total > 1000) this.options.log.warn(SRC.realTraffic, line);
      else this.options.log.info(SRC.realTraffic, line);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.slotTimer) clearTimeout(this.slotTimer);
    if (this.rerequestTimer) clearTimeout(this.rerequestTimer);
    this.options.link.close();
  }

  get stats(): ClientCounters {
    return { ...this.counters };
  }

  // --- websocket requests ------------------------------------------------------------------------
  handle(request: NymRequest): NymResponse | null {
    const log = this.options.log;
    switch (request.kind) {
      case 'selfAddress':
        return { kind: 'selfAddress', address: this.self };
      case 'send': {
        const recipient = formatRecipient(request.recipient);
        log.info(
          SRC.handler,
          `Attempting to send ${kib(request.message.length)} kiB message to ${recipient} on connection_id ${connectionIdDebug(request.connectionId)}`,
        );
        this.sendForward(request.recipient, { kind: 'plain', message: request.message }, laneKey(request.connectionId));
        return this.laneAnswer(request.connectionId);
      }
      case 'sendAnonymous': {
        const recipient = formatRecipient(request.recipient);
        log.info(
          SRC.handler,
          `Attempting to anonymously send ${kib(request.message.length)} kiB message to ${recipient} on connection_id ${connectionIdDebug(request.connectionId)} while attaching ${request.replySurbs} replySURBs.`,
        );
        const senderTag = this.senderTagFor(recipient);
        const surbs = this.createSurbs(request.replySurbs, recipient);
        this.sendForward(
          request.recipient,
          { kind: 'repliable', senderTag, surbs, message: request.message },
          laneKey(request.connectionId),
        );
        return this.laneAnswer(request.connectionId);
      }
      case 'reply': {
        const tag = formatSenderTag(request.senderTag);
        log.info(
          SRC.handler,
          `Attempting to send ${kib(request.message.length)} kiB reply message to ${tag} on connection_id ${connectionIdDebug(request.connectionId)}`,
        );
        this.sendReply(tag, request.message, laneKey(request.connectionId));
        return this.laneAnswer(request.connectionId);
      }
      case 'closedConnection':
        this.lanes.delete(laneKey(request.connectionId));
        return null;
      case 'getLaneQueueLength':
        return this.laneAnswer(request.connectionId);
    }
  }

  /** `queue_length` = packets queued on the lane + reply packets waiting for SURBs (handler.rs). */
  laneQueueLength(connectionId: bigint): number {
    const key = laneKey(connectionId);
    let waiting = 0;
    for (const entry of this.replyStore.values()) {
      for (const reply of entry.pending) if (reply.lane === key) waiting += reply.packets;
    }
    return (this.lanes.get(key)?.length ?? 0) + waiting;
  }

  private laneAnswer(connectionId: bigint | null): NymResponse | null {
    if (connectionId === null) return null;
    return { kind: 'laneQueueLength', lane: connectionId, queueLength: BigInt(this.laneQueueLength(connectionId)) };
  }

  // --- sending ---------------------------------------------------------------------------------------
  private sendForward(recipient: Recipient, message: LabMessage, lane: string): void {
    if (hex(recipient.gateway) !== hex(this.self.gateway)) {
      // One gateway in the lab; every other gateway is absent from the topology, and nym drops the
      // message after failing to build a route.
      this.options.log.warn(
        SRC.messageHandler,
        `Failed to prepare packets for ${formatRecipient(recipient)}: its gateway is not part of the current (lab) topology`,
      );
      return;
    }
    const { topology } = this.options.registration;
    for (const fragment of fragmentMessage(encodeLabMessage(message))) {
      const header = routeHeader(topology, recipient.identity, this.timing.averagePacketDelayMs);
      this.enqueue(lane, buildPacket(header, { reply: false }, fragment));
    }
  }

  private senderTagFor(recipient: string): Uint8Array {
    const existing = this.options.senderTags[recipient];
    const stored = existing === undefined ? null : parseTagOrNull(existing);
    if (stored) return stored;
    const tag = new Uint8Array(randomBytes(16));
    const text = formatSenderTag(tag);
    this.options.senderTags[recipient] = text;
    this.options.persistSenderTags();
    this.options.log.info(SRC.messageHandler, `using ${text} for all anonymous messages sent to ${recipient}`);
    return tag;
  }

  private createSurbs(count: number, recipient: string): Uint8Array[] {
    const { topology } = this.options.registration;
    const surbs: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const surbId = new Uint8Array(randomBytes(16));
      this.surbOwners.set(hex(surbId), recipient);
      const header = routeHeader(topology, this.self.identity, this.timing.averagePacketDelayMs);
      surbs.push(encodeSurb({ header, surbId, firstHop: topology.gateway }));
    }
    return surbs;
  }

  /** Reply via stored SURBs, keeping SURB_RESERVE for asking for more (receiver_controller.rs). */
  private sendReply(tag: string, message: Uint8Array, lane: string): void {
    const entry = this.replyStore.get(tag);
    if (!entry || entry.surbs.length === 0) {
      this.options.log.warn(
        SRC.replies,
        `received reply request for ${tag} but we don't have any surbs stored for that recipient!`,
      );
      return;
    }
    const stream = encodeLabMessage({ kind: 'reply', message });
    const packets = fragmentCount(stream.length);
    if (entry.pending.length === 0 && entry.surbs.length > SURB_RESERVE + packets) {
      this.emitReply(entry, stream, lane);
      return;
    }
    entry.pending.push({ stream, packets, lane, queuedAt: Date.now() });
    this.requestMoreSurbs(tag, entry);
  }

  private emitReply(entry: ReplyEntry, stream: Uint8Array, lane: string): void {
    for (const fragment of fragmentMessage(stream)) {
      const raw = entry.surbs.shift();
      if (!raw) return;
      const surb = decodeSurb(raw);
      this.enqueue(lane, buildPacket(surb.header, { reply: true, surbId: surb.surbId }, fragment));
    }
  }

  private requestMoreSurbs(tag: string, entry: ReplyEntry): void {
    if (entry.requestedAt !== null) return; // one request in flight
    const raw = entry.surbs.shift();
    if (!raw) return; // nothing left to ask with; the re-request timer will drop the replies
    const waiting = entry.pending.reduce((n, r) => n + r.packets, 0);
    const needed = SURB_RESERVE + waiting + 1 - entry.surbs.length;
    const amount = Math.min(MAX_SURB_REQUEST, Math.max(MIN_SURB_REQUEST, needed));
    const surb = decodeSurb(raw);
    const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'surbRequest', amount }));
    if (fragment) this.enqueue(CONTROL_LANE, buildPacket(surb.header, { reply: true, surbId: surb.surbId }, fragment));
    entry.requestedAt = Date.now();
    this.options.log.debug(SRC.replies, `requesting ${amount} reply SURBs from ${tag}`);
    this.scheduleRerequests();
  }

  private storeSurbs(tag: string, surbs: Uint8Array[]): void {
    let entry = this.replyStore.get(tag);
    if (!entry) {
      entry = { surbs: [], pending: [], requestedAt: null, rerequests: 0 };
      this.replyStore.set(tag, entry);
    }
    if (surbs.length === 0) return;
    entry.surbs.push(...surbs);
    entry.requestedAt = null;
    entry.rerequests = 0;
    while (entry.pending[0] && entry.surbs.length > SURB_RESERVE + entry.pending[0].packets) {
      const reply = entry.pending.shift();
      if (reply) this.emitReply(entry, reply.stream, reply.lane);
    }
    if (entry.pending.length > 0) this.requestMoreSurbs(tag, entry);
  }

  /** Re-request after surbRerequestMs; drop after 5 fruitless re-requests or maxReplyWaitMs (§5.4). */
  private scheduleRerequests(): void {
    if (this.rerequestTimer || this.stopped) return;
    const period = Math.max(5, Math.min(this.timing.surbRerequestMs / 4, 1_000));
    this.rerequestTimer = setTimeout(() => {
      this.rerequestTimer = null;
      const now = Date.now();
      let waiting = false;
      for (const [tag, entry] of this.replyStore) {
        const oldest = entry.pending[0];
        if (!oldest) continue;
        const stale = entry.requestedAt === null || now - entry.requestedAt >= this.timing.surbRerequestMs;
        if (now - oldest.queuedAt >= this.timing.maxReplyWaitMs || (stale && entry.rerequests >= MAX_REREQUESTS)) {
          this.options.log.warn(
            SRC.replies,
            `dropping ${entry.pending.length} queued reply message(s) for ${tag}: no reply SURBs arrived in time`,
          );
          entry.pending.length = 0;
          entry.requestedAt = null;
          entry.rerequests = 0;
          continue;
        }
        if (stale) {
          entry.rerequests++;
          entry.requestedAt = null;
          this.requestMoreSurbs(tag, entry);
        }
        waiting = true;
      }
      if (waiting) this.scheduleRerequests();
    }, period);
  }

  // --- traffic streams -----------------------------------------------------------------------------
  private enqueue(lane: string, packet: Uint8Array): void {
    let queue = this.lanes.get(lane);
    if (!queue) {
      queue = [];
      this.lanes.set(lane, queue);
    }
    queue.push(packet);
    this.scheduleSlot();
  }

  /** Control traffic first, then round-robin over the other lanes (nym's lane fairness, roughly). */
  private nextPacket(): Uint8Array | null {
    const control = this.lanes.get(CONTROL_LANE);
    if (control && control.length > 0) return control.shift() ?? null;
    const keys = [...this.lanes.keys()].filter((k) => k !== CONTROL_LANE);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(this.laneCursor + i) % keys.length];
      const queue = key === undefined ? undefined : this.lanes.get(key);
      if (queue && queue.length > 0) {
        this.laneCursor = (this.laneCursor + i + 1) % keys.length;
        const packet = queue.shift() ?? null;
        if (queue.length === 0 && key !== GENERAL_LANE) this.lanes.delete(key as string);
        return packet;
      }
    }
    return null;
  }

  private queuedPackets(): number {
    let n = 0;
    for (const queue of this.lanes.values()) n += queue.length;
    return n;
  }

  /** One Poisson slot at a time, only while something is queued (unless slots are cover-filled). */
  private scheduleSlot(): void {
    if (this.slotTimer || this.stopped) return;
    const fill = this.timing.fillSlotsWithCover && !this.options.noCover;
    if (!fill && this.queuedPackets() === 0) return;
    this.slotTimer = setTimeout(() => {
      this.slotTimer = null;
      const packet = this.nextPacket();
      if (packet) {
        if (this.transmit(packet)) this.counters.realSent++;
      } else if (fill) {
        this.sendLoopCover();
      }
      this.scheduleSlot();
    }, exponentialUs(this.timing.messageSendingAverageDelayMs) / 1000);
  }

  private scheduleLoopCover(): void {
    if (this.stopped) return;
    this.after(exponentialUs(this.timing.loopCoverAverageDelayMs) / 1000, () => {
      this.sendLoopCover();
      this.scheduleLoopCover();
    });
  }

  /** Loop cover: a packet through all three mixes back to ourselves (nym.md §5.1). */
  private sendLoopCover(): void {
    const { topology } = this.options.registration;
    const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'loopCover' }));
    if (!fragment) return;
    const header = routeHeader(topology, this.self.identity, this.timing.averagePacketDelayMs);
    if (this.transmit(buildPacket(header, { reply: false }, fragment))) this.counters.coverSent++;
  }

  /** MixTrafficController: 20 failed sends in a row → assume the gateway is dead and shut down. */
  private transmit(packet: Uint8Array): boolean {
    const error = this.options.link.send(packet);
    if (error === null) {
      this.consecutiveFailures = 0;
      return true;
    }
    this.consecutiveFailures++;
    this.options.log.error(SRC.mixTraffic, `Failed to send sphinx packet(s) to the gateway: ${error}`);
    if (this.consecutiveFailures === MAX_CONSECUTIVE_FAILURES) {
      this.options.log.error(
        SRC.mixTraffic,
        `Failed to send sphinx packet to the gateway ${MAX_CONSECUTIVE_FAILURES} times in a row - assuming the gateway is dead`,
      );
      this.options.log.info(SRC.mixTraffic, 'Signalling shutdown from the MixTrafficController');
      this.options.onGatewayDead();
    }
    return false;
  }

  private async onGatewayLost(reason: string): Promise<void> {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    const log = this.options.log;
    log.warn(SRC.gatewayClient, `lost the gateway connection: ${reason}`);
    log.info(SRC.gatewayClient, 'Attempting gateway reconnection...');
    const attempts = this.timing.reconnectAttempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await new Promise<void>((resolve) => this.after(this.timing.reconnectIntervalMs, resolve));
      if (this.stopped) return;
      log.info(SRC.gatewayClient, `reconnection attempt ${attempt}...`);
      try {
        await this.options.link.connect();
        if (this.stopped) return;
        log.info(SRC.gatewayClient, 'managed to reconnect!');
        this.reconnecting = false;
        return;
      } catch {
        // next attempt
      }
    }
    if (!this.stopped) log.error(SRC.gatewayClient, `failed to reconnect after ${attempts} attempts`);
    this.reconnecting = false;
  }

  // --- receiving -------------------------------------------------------------------------------------
  private onPacket(packet: Uint8Array): void {
    let read: ReturnType<typeof readPacket>;
    try {
      read = readPacket(packet);
    } catch (error) {
      if (error instanceof LabPacketError) return;
      throw error;
    }
    this.packetsReceived++;
    let surbOwner: string | null = null;
    if (read.key.reply) {
      const key = hex(read.key.surbId);
      surbOwner = this.surbOwners.get(key) ?? null;
      this.surbOwners.delete(key); // every SURB is single-use
    }
    const stream = this.reassembler.add(read.fragment);
    if (!stream) return;
    let message: LabMessage;
    try {
      message = decodeLabMessage(stream);
    } catch (error) {
      if (error instanceof LabPacketError) return;
      throw error;
    }
    switch (message.kind) {
      case 'plain':
      case 'reply': // replies reach the original sender without a tag (nym.md §1.3)
        this.options.deliver({ message: message.message, senderTag: null });
        return;
      case 'repliable':
        this.storeSurbs(formatSenderTag(message.senderTag), message.surbs);
        this.options.deliver({ message: message.message, senderTag: message.senderTag });
        return;
      case 'additionalSurbs':
        this.storeSurbs(formatSenderTag(message.senderTag), message.surbs);
        return;
      case 'surbRequest':
        this.answerSurbRequest(surbOwner, message.amount);
        return;
      case 'loopCover':
        this.counters.coverReceived++;
        return;
    }
  }

  private answerSurbRequest(owner: string | null, amount: number): void {
    const tag = owner === null ? undefined : this.options.senderTags[owner];
    if (owner === null || tag === undefined) {
      this.options.log.warn(SRC.replies, 'received a request for more reply SURBs through a SURB we do not know; ignoring it');
      return;
    }
    const senderTag = parseTagOrNull(tag);
    if (!senderTag) return;
    const surbs = this.createSurbs(Math.min(amount, MAX_SURBS_PER_REQUEST), owner);
    this.sendForward(parseRecipient(owner), { kind: 'additionalSurbs', senderTag, surbs }, CONTROL_LANE);
  }

  // --- timers ----------------------------------------------------------------------------------------
  private after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private every(ms: number, fn: () => void): void {
    this.after(ms, () => {
      fn();
      this.every(ms, fn);
    });
  }
}

function parseTagOrNull(text: string): Uint8Array | null {
  try {
    return parseSenderTag(text);
  } catch {
    return null;
  }
}
