// The Nym service: runs the app's nym-client under the supervisor (init once per profile, run on a
// random loopback port, ready when selfAddress answers, SIGINT to stop), holds the one websocket,
// and turns it into the Messages pane's state (contacts, conversations, per-message queued → sent).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Handlers } from '../../../shared/ipc/api';
import type { Contact, NymMessage, NymMessageEvent, NymStatus, NymTraffic, SendArgs, SendFileArgs } from '../../../shared/domain/nym';
import { NYM_DEFAULT_REPLY_SURBS, NYM_MAX_ATTACHMENT_BYTES } from '../../../shared/domain/nym';
import type { EventBus } from '../event-bus';
import type { Logger, ScopedLogger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan, SupervisedProcess } from '../../supervisor/supervised-process';
import { BinaryNotFoundError, resolveBinary } from '../../supervisor/binaries';
import type { NetworkModule } from '../network-module';
import { NymSocketClosed, NymWebsocketClient, isValidRecipient, type NymReceivedMessage } from './websocket';
import {
  ProfileSchema,
  classifyNymLine,
  clientConfigFile,
  describeNymExit,
  droppedReplyTag,
  fatalError,
  gatewaySignal,
  initArgs,
  nymEnv,
  nymFiles,
  parseInitOutput,
  readClientTraffic,
  runArgs,
  type NymFiles,
  type NymProfile,
} from './nym-process';
import { MessagesStore, decodeEnvelope, decodeFileMessage, encodeEnvelope, encodeFileMessage, newId, safeFileName } from './messages-store';
import { NymServiceError, nymCall } from './errors';

/** How the app's client joins a network other than the real one (the lab mixnet and its stand-in). */
export interface NymNetworkPlan {
  /** spawn(command, [...argsPrefix, ...nym-client args]) */
  command: string;
  argsPrefix: string[];
  env: Record<string, string>;
  /** The lab's timing, which its gateway hands to every client. */
  traffic: NymTraffic;
  /** Shown as the binary in the status ("lab stand-in for nym-client"). */
  file: string;
}

export interface NymServiceOptions {
  registry: ProcessRegistry;
  logger: Logger;
  bus: EventBus;
  /** <data>/nym */
  root: string;
  resourcesDir: string;
  configuredBinary: () => string | null;
  /** Lab mode: the stand-in and the lab it joins. Real mode: undefined (a real nym-client is required). */
  network?: () => Promise<NymNetworkPlan>;
  /** SIGINT → wait this long (nym's own task timeout is 10 s, nym.md §4.9) → SIGTERM/SIGKILL. */
  gracefulStopMs?: number;
  restart?: { initialDelayMs?: number; maxAttempts?: number };
  /** How often queued messages' lanes are polled for their queue length. */
  lanePollMs?: number;
}

const HOW_TO_GET_NYM_CLIENT =
  'No nym-client program was found. No Debian or npm package ships nym-client, so Underpass cannot bundle it: ' +
  'download nym-client for Linux or macOS from the official Nym releases (github.com/nymtech/nym/releases, assets of a ' +
  '"nym-binaries-…" release), check its checksum, make it executable (chmod +x), then either set its full path in ' +
  'Settings → Binaries → nym-client or put it on your PATH. Lab mode (npm run lab) works without it.';

const REPLY_DROP_WINDOW_MS = 60_000;
/** Lab mode: the client sends itself a one-packet probe this often to show the measured latency. */
const LAB_PROBE_INTERVAL_MS = 15_000;
const LAB_PROBES_KEPT = 20;

export class NymService implements NetworkModule {
  readonly id = 'nym' as const;
  readonly label = 'Nym mixnet';
  readonly proc: SupervisedProcess;
  readonly store: MessagesStore;
  private readonly log: ScopedLogger;
  private readonly files: NymFiles;
  private ws: NymWebsocketClient | null = null;
  private profile: NymProfile | null = null;
  private port: number | null = null;
  private traffic: NymTraffic | null = null;
  private lab = false;
  private startedAt: number | null = null;
  private gateway: 'ok' | 'reconnecting' | 'lost' = 'ok';
  private runFacts = { sawGatewayDead: false, fatal: null as string | null };
  private lastExitWasGatewayLoss = false;
  private loaded: Promise<void>;
  /** Sender tags an anonymous message arrived from since our client started (so it holds their SURBs). */
  private readonly surbTags = new Set<string>();
  /** lane → message id, for messages still queued in the client. */
  private readonly lanes = new Map<number, string>();
  private laneQueue = new Map<number, number>();
  private nextLane = 1;
  private laneTimer: NodeJS.Timeout | null = null;
  /** Replies handed to the client recently, per tag, oldest first: the WARN "no surbs" line drops the oldest. */
  private readonly recentReplies = new Map<string, { id: string; at: number }[]>();
  private reconnecting = false;
  private readonly probes = new Map<string, number>();
  private probeSamples: number[] = [];
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: NymServiceOptions) {
    this.log = opts.logger.scope('nym');
    this.files = nymFiles(opts.root);
    this.store = new MessagesStore(this.files.messagesFile);
    this.loaded = this.store.load().then(
      () => this.failLeftoverQueued('the app stopped before the Nym client sent it'),
      (e: unknown) => {
        this.store.warning = e instanceof Error ? e.message : String(e);
      },
    );
    this.proc = opts.registry.create({
      id: 'nym',
      label: 'Nym client',
      readyTimeoutMs: 60_000,
      gracefulStopMs: opts.gracefulStopMs ?? 12_000,
      // nym-client ignores SIGTERM's graceful path (it dies at once), so this step is effectively the kill.
      termStopMs: 1000,
      restart: { initialDelayMs: opts.restart?.initialDelayMs ?? 1000, maxAttempts: opts.restart?.maxAttempts ?? 5 },
      hooks: {
        plan: () => this.buildPlan(),
        probe: async (ctx) => {
          const client = await this.connect(ctx.signal);
          ctx.answering();
          this.attach(client);
          ctx.log.info(`websocket answered selfAddress on port ${this.port ?? '?'}`);
        },
        requestStop: (ctx) => {
          // ShutdownManager listens for SIGINT only (nym.md §4.9).
          process.kill(ctx.pid, 'SIGINT');
        },
        classifyLine: (stream, line) => this.onLine(stream, line),
        describeExit: (code, signal) => {
          const error = describeNymExit(code, signal, this.runFacts);
          this.lastExitWasGatewayLoss = code === 0;
          return error;
        },
        onExit: () => this.onClientExit(),
      },
    });
    this.proc.on('status', () => this.emitStatus());
  }

  availability() {
    return { available: true, reason: null };
  }

  async start(): Promise<void> {
    await this.proc.start();
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }

  /** The connected websocket client (for tests and tools); throws when the client is not up. */
  requireClient(): NymWebsocketClient {
    if (!this.ws || this.ws.closed) throw new NymServiceError('NYM_NOT_RUNNING', 'The Nym client is not running. Start it from the Messages page.');
    return this.ws;
  }

  get address(): string | null {
    return this.ws?.address ?? this.profile?.address ?? null;
  }

  status(): NymStatus {
    const p = this.proc.status();
    const address = this.address;
    const clientState: NymStatus['clientState'] =
      p.state === 'stopped'
        ? 'stopped'
        : p.state === 'failed'
          ? 'failed'
          : this.gateway === 'lost' || (p.state === 'starting' && this.lastExitWasGatewayLoss)
            ? 'gateway-lost'
            : p.state === 'starting'
              ? 'starting'
              : this.gateway === 'reconnecting' || !this.ws
                ? 'reconnecting'
                : 'connected';
    return {
      state: p.state,
      clientState,
      address,
      clientId: this.profile?.id ?? null,
      gateway: address ? (address.split('@')[1] ?? null) : null,
      websocketPort: this.port,
      lab: this.lab,
      traffic: this.traffic,
      laneQueueLength: [...this.laneQueue.values()].reduce((a, b) => a + b, 0),
      labLatencyMs: this.lab && this.probeSamples.length ? median(this.probeSamples) : null,
      startedAt: this.startedAt,
      lastError: p.lastError,
      storageWarning: this.store.warning,
    };
  }

  handlers(): Handlers['nym'] {
    return {
      getStatus: async () => this.status(),
      listContacts: async () => {
        await this.loaded;
        return this.store.contacts();
      },
      addContact: ({ name, address }) =>
        nymCall(async () => {
          await this.loaded;
          this.requireValidAddress(address);
          const contact = this.store.addContact(name, address);
          this.emitContacts();
          return contact;
        }),
      updateContact: ({ id, name, address }) =>
        nymCall(async () => {
          await this.loaded;
          if (address !== undefined) this.requireValidAddress(address);
          const contact = this.store.updateContact(id, { ...(name !== undefined ? { name } : {}), ...(address !== undefined ? { address } : {}) });
          this.emitContacts();
          return contact;
        }),
      removeContact: ({ id }) =>
        nymCall(async () => {
          await this.loaded;
          this.store.removeContact(id);
          this.emitContacts();
          return { removed: true };
        }),
      listConversations: async () => {
        await this.loaded;
        return this.store.summaries((t) => this.canReply(t));
      },
      getConversation: ({ id }) =>
        nymCall(async () => {
          await this.loaded;
          const conv = this.store.conversation(id);
          if (!conv) throw new NymServiceError('IPC_INVALID_ARGS', 'no such conversation');
          return this.store.full(conv, (t) => this.canReply(t));
        }),
      send: (args) => nymCall(() => this.send(args)),
      reply: ({ conversationId, text }) => nymCall(() => this.reply(conversationId, text)),
      sendFile: (args) => nymCall(() => this.sendFile(args)),
      markRead: ({ conversationId }) =>
        nymCall(async () => {
          await this.loaded;
          return this.store.summary(this.store.markRead(conversationId), (t) => this.canReply(t));
        }),
    };
  }

  // ── messages ────────────────────────────────────────────────────────────────

  async send(args: SendArgs): Promise<NymMessageEvent> {
    await this.loaded;
    this.requireValidAddress(args.address);
    const ws = this.requireClient();
    const conv = this.store.forAddress(args.address);
    const surbs = args.anonymous ? (args.replySurbs ?? NYM_DEFAULT_REPLY_SURBS) : null;
    const from = !args.anonymous && args.includeAddress ? (this.address ?? undefined) : undefined;
    const payload = args.anonymous
      ? encodeEnvelope({ text: args.text, c: this.store.tokenFor(conv) })
      : from
        ? encodeEnvelope({ text: args.text, from })
        : args.text;
    const message = this.outgoing(args.text, args.anonymous ? 'anonymous' : 'plain', surbs);
    this.store.append(conv, message);
    const lane = this.nextLane++;
    return this.handOver(message.id, lane, () =>
      surbs === null ? ws.send(args.address, payload, { connectionId: lane }) : ws.sendAnonymous(args.address, payload, surbs, { connectionId: lane }),
    );
  }

  /** A file through the binary API (byte-exact); progress is the lane's queue draining (queueLength of totalPackets). */
  async sendFile(args: SendFileArgs): Promise<NymMessageEvent> {
    await this.loaded;
    this.requireValidAddress(args.address);
    const data = new Uint8Array(Buffer.from(args.dataBase64, 'base64'));
    if (data.length > NYM_MAX_ATTACHMENT_BYTES) {
      throw new NymServiceError('IPC_INVALID_ARGS', `The file is ${data.length} bytes; attachments are limited to ${NYM_MAX_ATTACHMENT_BYTES} bytes.`);
    }
    const ws = this.requireClient();
    const conv = this.store.forAddress(args.address);
    const surbs = args.anonymous ? (args.replySurbs ?? NYM_DEFAULT_REPLY_SURBS) : null;
    const header = {
      name: args.name,
      mime: args.mime,
      size: data.length,
      ...(args.text ? { text: args.text } : {}),
      ...(args.anonymous ? { c: this.store.tokenFor(conv) } : {}),
    };
    const payload = encodeFileMessage(header, data);
    const message: NymMessage = {
      ...this.outgoing(args.text ?? '', args.anonymous ? 'anonymous' : 'plain', surbs),
      attachment: { name: args.name, mime: args.mime, size: data.length, savedAs: null },
    };
    this.store.append(conv, message);
    const lane = this.nextLane++;
    return this.handOver(message.id, lane, () =>
      surbs === null ? ws.send(args.address, payload, { connectionId: lane }) : ws.sendAnonymous(args.address, payload, surbs, { connectionId: lane }),
    );
  }

  async reply(conversationId: string, text: string): Promise<NymMessageEvent> {
    await this.loaded;
    const conv = this.store.conversation(conversationId);
    if (!conv) throw new NymServiceError('IPC_INVALID_ARGS', 'no such conversation');
    if (conv.kind === 'contact' && conv.address) return this.send({ address: conv.address, text, anonymous: false });
    if (conv.kind !== 'tag' || !conv.senderTag) {
      throw new NymServiceError('IPC_INVALID_ARGS', 'These messages came without a sender tag or address, so there is no way to answer them.');
    }
    const ws = this.requireClient();
    const tag = conv.senderTag;
    const payload = encodeEnvelope({ text, ...(conv.token ? { re: conv.token } : {}) });
    const message = this.outgoing(text, 'reply', null);
    this.store.append(conv, message);
    const recent = (this.recentReplies.get(tag) ?? []).filter((r) => Date.now() - r.at < REPLY_DROP_WINDOW_MS);
    recent.push({ id: message.id, at: Date.now() });
    this.recentReplies.set(tag, recent);
    const lane = this.nextLane++;
    return this.handOver(message.id, lane, () => ws.reply(tag, payload, { connectionId: lane }));
  }

  private outgoing(text: string, kind: NymMessage['kind'], replySurbs: number | null): NymMessage {
    return { id: newId('m_'), direction: 'out', text, kind, replySurbs, state: 'queued', queueLength: null, error: null, at: Date.now(), sentAt: null, attachment: null, totalPackets: null };
  }

  /** Hands the request to nym-client on its own lane; the answer is the lane's queue length. */
  private async handOver(messageId: string, lane: number, write: () => Promise<number | null>): Promise<NymMessageEvent> {
    let queued: number | null;
    try {
      queued = await write();
    } catch (e) {
      this.updateMessage(messageId, { state: 'failed', error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    const length = queued ?? 0;
    if (length === 0) {
      await this.markSent(messageId, lane);
    } else {
      this.lanes.set(lane, messageId);
      this.laneQueue.set(lane, length);
      this.updateMessage(messageId, { queueLength: length, totalPackets: length });
      this.pollLanes();
    }
    const found = this.findEvent(messageId);
    if (!found) throw new NymServiceError('INTERNAL', 'message vanished');
    return found;
  }

  private async markSent(messageId: string, lane: number): Promise<void> {
    this.lanes.delete(lane);
    this.laneQueue.delete(lane);
    // A finished lane is closed so the client forgets it (binary closedConnection); never before it is empty.
    await this.ws?.closeLane(lane).catch(() => undefined);
    const current = this.findEvent(messageId)?.message;
    if (current && current.state === 'queued') this.updateMessage(messageId, { state: 'sent', queueLength: 0, sentAt: Date.now() });
    this.emitStatus();
  }

  private pollLanes(): void {
    if (this.laneTimer || this.lanes.size === 0) return;
    this.laneTimer = setTimeout(() => {
      this.laneTimer = null;
      void this.pollOnce().finally(() => this.pollLanes());
    }, this.opts.lanePollMs ?? 200);
  }

  private async pollOnce(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.closed) return;
    for (const [lane, messageId] of [...this.lanes]) {
      let length: number;
      try {
        length = await ws.laneQueueLength(lane);
      } catch {
        return;
      }
      if (length === 0) {
        await this.markSent(messageId, lane);
      } else if (length !== this.laneQueue.get(lane)) {
        this.laneQueue.set(lane, length);
        this.updateMessage(messageId, { queueLength: length });
        this.emitStatus();
      }
    }
  }

  private onReceived(m: NymReceivedMessage): void {
    const file = decodeFileMessage(m.message);
    if (file) {
      void this.receiveFile(m, file);
      return;
    }
    const envelope = decodeEnvelope(m.text);
    if (envelope?.probe !== undefined && m.senderTag === null) {
      const sentAt = this.probes.get(envelope.probe);
      if (sentAt !== undefined) {
        this.probes.delete(envelope.probe);
        this.probeSamples = [...this.probeSamples, performance.now() - sentAt].slice(-LAB_PROBES_KEPT);
        this.emitStatus();
        return;
      }
    }
    const text = envelope?.text ?? m.text;
    let conv;
    let kind: NymMessage['kind'] = 'plain';
    if (m.senderTag) {
      conv = this.store.forTag(m.senderTag);
      kind = 'anonymous';
      this.surbTags.add(m.senderTag);
      if (envelope?.c) this.store.setToken(conv, envelope.c);
    } else if (envelope?.re && this.store.forToken(envelope.re)) {
      conv = this.store.forToken(envelope.re);
      kind = 'reply';
    } else if (envelope?.from && isValidRecipient(envelope.from)) {
      conv = this.store.forAddress(envelope.from);
    }
    conv ??= this.store.inbox();
    const message: NymMessage = {
      id: newId('m_'),
      direction: 'in',
      text,
      kind,
      replySurbs: null,
      state: 'received',
      queueLength: null,
      error: null,
      at: Date.now(),
      sentAt: null,
      attachment: null,
      totalPackets: null,
    };
    this.store.append(conv, message);
    this.opts.bus.emit('nym', 'onMessage', { conversation: this.store.summary(conv, (t) => this.canReply(t)), message });
  }

  private async receiveFile(m: NymReceivedMessage, file: NonNullable<ReturnType<typeof decodeFileMessage>>): Promise<void> {
    const { header, data } = file;
    let conv;
    let kind: NymMessage['kind'] = 'plain';
    if (m.senderTag) {
      conv = this.store.forTag(m.senderTag);
      kind = 'anonymous';
      this.surbTags.add(m.senderTag);
      if (header.c) this.store.setToken(conv, header.c);
    } else if (header.re && this.store.forToken(header.re)) {
      conv = this.store.forToken(header.re);
      kind = 'reply';
    } else if (header.from && isValidRecipient(header.from)) {
      conv = this.store.forAddress(header.from);
    }
    conv ??= this.store.inbox();
    const id = newId('m_');
    const dir = join(this.files.root, 'attachments');
    let savedAs: string | null = join(dir, `${id}-${safeFileName(header.name)}`);
    let error: string | null = null;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(savedAs, data, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      error = `Could not save the file: ${e instanceof Error ? e.message : String(e)}`;
      savedAs = null;
    }
    const message: NymMessage = {
      id,
      direction: 'in',
      text: header.text ?? '',
      kind,
      replySurbs: null,
      state: 'received',
      queueLength: null,
      error,
      at: Date.now(),
      sentAt: null,
      attachment: { name: header.name, mime: header.mime, size: data.length, savedAs },
      totalPackets: null,
    };
    this.store.append(conv, message);
    this.opts.bus.emit('nym', 'onMessage', { conversation: this.store.summary(conv, (t) => this.canReply(t)), message });
  }

  private onReplyDropped(tag: string): void {
    this.surbTags.delete(tag);
    const recent = this.recentReplies.get(tag) ?? [];
    const victim = recent.shift();
    if (!victim) return;
    this.updateMessage(victim.id, {
      state: 'dropped',
      error: 'Your Nym client holds no reply SURBs from this sender, so it dropped the reply. They need to write again anonymously with reply SURBs.',
    });
  }

  private canReply(tag: string): boolean {
    return this.surbTags.has(tag);
  }

  private updateMessage(id: string, patch: Partial<NymMessage>): void {
    const updated = this.store.updateMessage(id, patch);
    if (updated) this.opts.bus.emit('nym', 'onMessage', { conversation: this.store.summary(updated.conv, (t) => this.canReply(t)), message: updated.message });
  }

  private findEvent(id: string): NymMessageEvent | null {
    for (const summary of this.store.summaries((t) => this.canReply(t))) {
      const conv = this.store.conversation(summary.id);
      const message = conv?.messages.find((m) => m.id === id);
      if (message) return { conversation: summary, message };
    }
    return null;
  }

  private failLeftoverQueued(why: string): void {
    for (const m of this.store.queued()) this.updateMessage(m.id, { state: 'failed', error: why });
  }

  private requireValidAddress(address: string): void {
    if (!isValidRecipient(address)) {
      throw new NymServiceError('NYM_INVALID_ADDRESS', 'That is not a valid Nym address: one of its three keys does not decode to a valid 32-byte public key.');
    }
  }

  // ── process ─────────────────────────────────────────────────────────────────

  private async buildPlan(): Promise<SpawnPlan> {
    await this.loaded;
    await mkdir(this.files.root, { recursive: true, mode: 0o700 });
    await mkdir(this.files.home, { recursive: true, mode: 0o700 });
    await chmod(this.files.home, 0o700);
    this.runFacts = { sawGatewayDead: false, fatal: null };
    this.gateway = 'ok';
    let spawnBase: { command: string; argsPrefix: string[]; env: Record<string, string>; binary: SpawnPlan['binary'] };
    if (this.opts.network) {
      const plan = await this.opts.network();
      this.lab = true;
      this.traffic = plan.traffic;
      spawnBase = { command: plan.command, argsPrefix: plan.argsPrefix, env: plan.env, binary: { source: 'path', file: plan.file, version: 'lab stand-in' } };
    } else {
      this.lab = false;
      try {
        const bin = await resolveBinary('nym-client', { resourcesDir: this.opts.resourcesDir, configured: this.opts.configuredBinary() });
        spawnBase = { command: bin.command, argsPrefix: bin.argsPrefix, env: bin.env, binary: { source: bin.source, file: bin.file, version: bin.version } };
      } catch (e) {
        if (e instanceof BinaryNotFoundError) {
          throw new NymServiceError('BINARY_NOT_FOUND', `${HOW_TO_GET_NYM_CLIENT} Searched: ${e.searched.join('; ')}.`);
        }
        throw e;
      }
    }
    const profile = await this.loadProfile();
    const port = await freeLoopbackPort();
    const env = nymEnv(this.files.home, this.lab, spawnBase.env);
    if (!existsSync(clientConfigFile(this.files.home, profile.id))) {
      this.log.info(`first run: nym-client init --id ${profile.id}`);
      const result = await runOnce(spawnBase.command, [...spawnBase.argsPrefix, ...initArgs(profile.id, port)], env, this.files.root);
      if (result.code !== 0) {
        const why = fatalError(result.stdout) ?? (result.stderr.trim().split('\n').pop() || `exit code ${result.code}`);
        throw new NymServiceError('NYM_FAILED', `nym-client init failed: ${why}`);
      }
      const init = parseInitOutput(result.stdout);
      await this.saveProfile({ ...profile, address: init.address });
    }
    if (!this.lab) this.traffic = await readClientTraffic(this.files.home, profile.id);
    this.port = port;
    this.emitStatus();
    return {
      command: spawnBase.command,
      args: [...spawnBase.argsPrefix, ...runArgs(profile.id, port)],
      env,
      cwd: this.files.root,
      binary: spawnBase.binary,
    };
  }

  private async loadProfile(): Promise<NymProfile> {
    if (this.profile) return this.profile;
    try {
      const parsed = ProfileSchema.safeParse(JSON.parse(await readFile(this.files.profileFile, 'utf8')));
      if (parsed.success) {
        this.profile = parsed.data;
        return parsed.data;
      }
      this.log.warn(`${this.files.profileFile} is not a valid profile; a new client id will be made`);
    } catch {
      // first run
    }
    const profile = { id: `underpass-${randomBytes(6).toString('hex')}`, address: null };
    await this.saveProfile(profile);
    return profile;
  }

  private async saveProfile(profile: NymProfile): Promise<void> {
    this.profile = profile;
    const tmp = `${this.files.profileFile}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(profile)}\n`, { mode: 0o600 });
    await rename(tmp, this.files.profileFile);
  }

  /** Connects with retries until nym-client's listener is up; the address must match init's (§4.6: anyone may hold the slot). */
  private async connect(signal: AbortSignal): Promise<NymWebsocketClient> {
    const port = this.port;
    if (port === null) throw new NymServiceError('NYM_NOT_RUNNING', 'no websocket port planned');
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new NymServiceError('PROCESS_EXITED', 'nym-client exited before its websocket answered');
      try {
        return await NymWebsocketClient.connect({
          port,
          // Every request binary, so every push is binary too (nym.md §1.1): files arrive byte-exact.
          mode: 'binary',
          connectTimeoutMs: 2000,
          requestTimeoutMs: 10_000,
          ...(this.profile?.address ? { expectedAddress: this.profile.address } : {}),
        });
      } catch (e) {
        if (!(e instanceof NymSocketClosed)) throw e;
        await sleep(Math.min(1000, 100 * attempt));
      }
    }
  }

  private attach(client: NymWebsocketClient): void {
    this.ws = client;
    this.startedAt ??= Date.now();
    this.lastExitWasGatewayLoss = false;
    client.onReceived((m) => this.onReceived(m));
    client.onError((e) => this.log.warn(`nym-client: ${e.message}`));
    client.onClose(() => {
      if (this.ws !== client) return;
      this.ws = null;
      this.emitStatus();
      if (this.proc.pid !== null) void this.reconnect();
    });
    if (client.address && client.address !== this.profile?.address && this.profile) void this.saveProfile({ ...this.profile, address: client.address });
    this.emitStatus();
    this.pollLanes();
    if (this.lab) this.scheduleProbe(500);
  }

  /** Lab only: one plain message to ourselves through the whole mixnet (out and back through 3 mix layers). */
  private scheduleProbe(delayMs: number): void {
    if (this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      const ws = this.ws;
      const self = ws?.address;
      if (!ws || ws.closed || !self) return;
      const token = randomBytes(8).toString('hex');
      this.probes.set(token, performance.now());
      for (const old of [...this.probes.keys()].slice(0, -5)) this.probes.delete(old);
      ws.send(self, encodeEnvelope({ text: '', probe: token })).catch(() => this.probes.delete(token));
      this.scheduleProbe(LAB_PROBE_INTERVAL_MS);
    }, delayMs);
  }

  /** The websocket dropped while the process lives (another local program took the slot, or a hiccup). */
  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    this.proc.setDegraded('the websocket to nym-client closed; reconnecting');
    const pid = this.proc.pid;
    try {
      const abort = new AbortController();
      const watch = setInterval(() => {
        if (this.proc.pid !== pid) abort.abort();
      }, 200);
      try {
        const client = await this.connect(abort.signal);
        if (this.proc.pid !== pid) {
          await client.close();
          return;
        }
        this.attach(client);
        this.proc.setHealthy();
      } finally {
        clearInterval(watch);
      }
    } catch (e) {
      this.log.warn(`could not reconnect to nym-client: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.reconnecting = false;
    }
  }

  private onLine(stream: 'stdout' | 'stderr', line: string) {
    const classified = classifyNymLine(stream, line);
    const fatal = fatalError(line);
    if (fatal) this.runFacts.fatal = fatal;
    const signal = gatewaySignal(classified.text);
    if (signal === 'dead') {
      this.runFacts.sawGatewayDead = true;
      this.gateway = 'lost';
      this.emitStatus();
    } else if (signal === 'reconnecting' && this.gateway !== 'reconnecting') {
      this.gateway = 'reconnecting';
      this.proc.setDegraded('nym-client lost its gateway connection and is reconnecting');
    } else if (signal === 'reconnected') {
      this.gateway = 'ok';
      this.proc.setHealthy();
    }
    const dropped = droppedReplyTag(classified.text);
    if (dropped) this.onReplyDropped(dropped);
    return classified;
  }

  private onClientExit(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws && !ws.closed) void ws.close().catch(() => undefined);
    this.startedAt = null;
    this.surbTags.clear();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.probes.clear();
    // The client's send queue lived in its memory; what was still queued is gone.
    for (const [lane, messageId] of this.lanes) {
      this.updateMessage(messageId, { state: 'failed', error: 'The Nym client stopped before this left its queue. Send it again.' });
      this.lanes.delete(lane);
    }
    this.laneQueue.clear();
    this.emitStatus();
  }

  private emitStatus(): void {
    this.opts.bus.emit('nym', 'onStatus', this.status());
  }

  private emitContacts(): void {
    const contacts: Contact[] = this.store.contacts();
    this.opts.bus.emit('nym', 'onContacts', contacts);
  }
}

function runOnce(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { env, cwd, timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && typeof err.code !== 'number' ? `\n${err.message}` : '') });
    });
    child.stdin?.end();
  });
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
