// THE list of IPC channels: every request with zod schemas for its argument and result, every
// pushed event with its payload. Main, preload, the headless host and the renderer all derive from
// this object, so a channel cannot exist on one side only. Channel names: underpass:<service>:<name>.
import { z } from 'zod';
import { AppInfoSchema, LogLineSchema, SettingsPatchSchema, SettingsSchema } from '../domain/app';
import { DaemonStatusSchema, ProcessIdSchema } from '../domain/network';
import {
  BandwidthSampleSchema,
  CircuitIdSchema,
  CircuitSchema,
  EditableOptionSchema,
  FingerprintSchema,
  NewIdentityResultSchema,
  RelaySchema,
  SocksTestResultSchema,
  StreamSchema,
  TorConfigSchema,
  TorStatusSchema,
} from '../domain/tor';
import { ApplyResultSchema, GuidanceApplyArgsSchema, MeasurementSchema } from '../domain/guidance';
import {
  AgeKeyPairSchema,
  DropCreateArgsSchema,
  DropDecryptArgsSchema,
  DropDecryptResultSchema,
  DropOpenFolderArgsSchema,
  DropOpenFolderResultSchema,
  DropRefSchema,
  DropSchema,
  DropUploadSchema,
} from '../domain/drop';
import { OnionServiceCreateArgsSchema, OnionServiceRefSchema, OnionServiceSchema } from '../domain/onion-services';
import {
  BridgeConfigSchema,
  BridgeLineResultSchema,
  BridgeLineTextSchema,
  BridgeSelectionSchema,
  BuiltinListSchema,
  DiagnosisSchema,
  ReachabilityResultSchema,
} from '../domain/bridges';
import {
  ClientTunnelSchema,
  CreateClientTunnelArgsSchema,
  CreateServerTunnelArgsSchema,
  I2pBandwidthSampleSchema,
  I2pStatusSchema,
  I2pTunnelsSchema,
  RouterInfoSchema,
  ServerTunnelSchema,
  TunnelRefSchema,
} from '../domain/i2p';
import {
  ContactIdSchema,
  ContactSchema,
  ConversationIdSchema,
  ConversationSchema,
  ConversationSummarySchema,
  MessageEventSchema,
  NYM_MAX_TEXT_CHARS,
  NymAddressSchema,
  NymStatusSchema,
  SendArgsSchema,
  SendFileArgsSchema,
} from '../domain/nym';

export interface InvokeDef<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly kind: 'invoke';
  readonly args: A;
  readonly result: R;
}
export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly payload: P;
}
export type ChannelDef = InvokeDef | EventDef;

const invoke = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R): InvokeDef<A, R> => ({
  kind: 'invoke',
  args,
  result,
});
const event = <P extends z.ZodType>(payload: P): EventDef<P> => ({ kind: 'event', payload });

/** Methods without input take `undefined` (JSON frames omit it). */
const NoArgs = z.undefined();
const ProcessRef = z.object({ id: ProcessIdSchema }).strict();

export const contract = {
  app: {
    getInfo: invoke(NoArgs, AppInfoSchema),
  },
  supervisor: {
    list: invoke(NoArgs, z.array(DaemonStatusSchema)),
    start: invoke(ProcessRef, DaemonStatusSchema),
    stop: invoke(ProcessRef, DaemonStatusSchema),
    restart: invoke(ProcessRef, DaemonStatusSchema),
    onStatus: event(DaemonStatusSchema),
  },
  settings: {
    get: invoke(NoArgs, SettingsSchema),
    update: invoke(SettingsPatchSchema, SettingsSchema),
    onChanged: event(SettingsSchema),
  },
  tor: {
    getStatus: invoke(NoArgs, TorStatusSchema),
    listCircuits: invoke(NoArgs, z.array(CircuitSchema)),
    listStreams: invoke(NoArgs, z.array(StreamSchema)),
    /** Up to the last five minutes of one-second samples. */
    getBandwidth: invoke(NoArgs, z.array(BandwidthSampleSchema)),
    listRelays: invoke(NoArgs, z.array(RelaySchema)),
    newIdentity: invoke(NoArgs, NewIdentityResultSchema),
    buildCircuit: invoke(z.object({ path: z.array(FingerprintSchema).min(1).max(8) }).strict(), z.object({ circuitId: CircuitIdSchema })),
    /** New streams go to this circuit until unpinned (null). */
    pinStreams: invoke(z.object({ circuitId: CircuitIdSchema.nullable() }).strict(), z.object({ circuitId: CircuitIdSchema.nullable() })),
    closeCircuit: invoke(z.object({ circuitId: CircuitIdSchema }).strict(), z.object({ closed: z.boolean() })),
    testSocks: invoke(z.object({ url: z.url({ protocol: /^https?$/ }).max(2048).optional() }).strict(), SocksTestResultSchema),
    getConfig: invoke(NoArgs, TorConfigSchema),
    setOption: invoke(z.object({ key: EditableOptionSchema, value: z.string().max(4096) }).strict(), TorConfigSchema),
    resetOption: invoke(z.object({ key: EditableOptionSchema }).strict(), TorConfigSchema),
    onStatus: event(TorStatusSchema),
    onCircuit: event(CircuitSchema),
    onStream: event(StreamSchema),
    onBandwidth: event(BandwidthSampleSchema),
  },
  i2p: {
    getStatus: invoke(NoArgs, I2pStatusSchema),
    getRouterInfo: invoke(NoArgs, RouterInfoSchema),
    /** Up to the last five minutes of one-second samples. */
    getBandwidth: invoke(NoArgs, z.array(I2pBandwidthSampleSchema)),
    setTransit: invoke(z.object({ enabled: z.boolean() }).strict(), I2pStatusSchema),
    /** RouterManager ShutdownGraceful: transit tunnels expire first (up to ten minutes), then i2pd exits and stays stopped. */
    shutdownGraceful: invoke(NoArgs, I2pStatusSchema),
    listTunnels: invoke(NoArgs, I2pTunnelsSchema),
    createServerTunnel: invoke(CreateServerTunnelArgsSchema, ServerTunnelSchema),
    startServerTunnel: invoke(TunnelRefSchema, ServerTunnelSchema),
    stopServerTunnel: invoke(TunnelRefSchema, ServerTunnelSchema),
    /** Also deletes its private key: the address is gone for good. */
    removeServerTunnel: invoke(TunnelRefSchema, z.object({ removed: z.boolean() })),
    createClientTunnel: invoke(CreateClientTunnelArgsSchema, ClientTunnelSchema),
    removeClientTunnel: invoke(TunnelRefSchema, z.object({ removed: z.boolean() })),
    onStatus: event(I2pStatusSchema),
    onBandwidth: event(I2pBandwidthSampleSchema),
    onTunnels: event(I2pTunnelsSchema),
  },
  nym: {
    getStatus: invoke(NoArgs, NymStatusSchema),
    listContacts: invoke(NoArgs, z.array(ContactSchema)),
    addContact: invoke(z.object({ name: z.string().trim().min(1).max(80), address: NymAddressSchema }).strict(), ContactSchema),
    updateContact: invoke(
      z.object({ id: ContactIdSchema, name: z.string().trim().min(1).max(80).optional(), address: NymAddressSchema.optional() }).strict(),
      ContactSchema,
    ),
    removeContact: invoke(z.object({ id: ContactIdSchema }).strict(), z.object({ removed: z.boolean() })),
    listConversations: invoke(NoArgs, z.array(ConversationSummarySchema)),
    getConversation: invoke(z.object({ id: ConversationIdSchema }).strict(), ConversationSchema),
    /** To an address: plain, or anonymous with reply SURBs. Resolves once handed to nym-client (state queued or sent). */
    send: invoke(SendArgsSchema, MessageEventSchema),
    /** Answer an anonymous sender through the reply SURBs it attached (by sender tag, no address). */
    reply: invoke(z.object({ conversationId: ConversationIdSchema, text: z.string().min(1).max(NYM_MAX_TEXT_CHARS) }).strict(), MessageEventSchema),
    /** A file (≤ 160 KiB) through the binary API; progress follows in onMessage (queueLength of totalPackets). */
    sendFile: invoke(SendFileArgsSchema, MessageEventSchema),
    markRead: invoke(z.object({ conversationId: ConversationIdSchema }).strict(), ConversationSummarySchema),
    onStatus: event(NymStatusSchema),
    /** A new message (either direction) or a state change of one (queued → sent / dropped). */
    onMessage: event(MessageEventSchema),
    onContacts: event(z.array(ContactSchema)),
  },
  drops: {
    create: invoke(DropCreateArgsSchema, DropSchema),
    list: invoke(NoArgs, z.array(DropSchema)),
    start: invoke(DropRefSchema, DropSchema),
    stop: invoke(DropRefSchema, DropSchema),
    /** Uploads stay on disk unless deleteUploads is set. */
    remove: invoke(DropRefSchema.extend({ deleteUploads: z.boolean().optional() }).strict(), z.object({ removed: z.boolean() })),
    listUploads: invoke(DropRefSchema, z.array(DropUploadSchema)),
    /** Decrypts an upload's ".age" files with the journalist's secret key (never stored). */
    decrypt: invoke(DropDecryptArgsSchema, DropDecryptResultSchema),
    /** A fresh age key pair; the secret is shown once and never kept by the app. */
    generateIdentity: invoke(NoArgs, AgeKeyPairSchema),
    /** Opens the drop's (or one upload's) folder on the desktop; headless answers opened:false. */
    openFolder: invoke(DropOpenFolderArgsSchema, DropOpenFolderResultSchema),
    onDrop: event(DropSchema),
    onRemoved: event(DropRefSchema),
    onUpload: event(DropUploadSchema),
  },
  onions: {
    /** Loopback ports as one onion service; wrong values fail with ONION_SERVICE_INVALID and field errors in details. */
    create: invoke(OnionServiceCreateArgsSchema, OnionServiceSchema),
    list: invoke(NoArgs, z.array(OnionServiceSchema)),
    /** DEL_ONION, and the key of a persistent service is deleted. */
    remove: invoke(OnionServiceRefSchema, z.object({ removed: z.boolean() })),
    onService: event(OnionServiceSchema),
    onRemoved: event(OnionServiceRefSchema),
  },
  bridges: {
    /** Tor Browser's built-in choices with explanations; `available` is false where the transport is not runnable. */
    listBuiltin: invoke(NoArgs, BuiltinListSchema),
    /** Parses pasted text (one or many lines); nothing is applied. */
    validate: invoke(z.object({ text: z.string().max(64_000) }).strict(), z.array(BridgeLineResultSchema)),
    /** SETCONF on the running tor and remembered; rejects the whole choice if any line is invalid. */
    apply: invoke(BridgeSelectionSchema, BridgeConfigSchema),
    /** RESETCONF UseBridges/Bridge/ClientTransportPlugin: back to a direct connection. */
    revert: invoke(NoArgs, BridgeConfigSchema),
    current: invoke(NoArgs, BridgeConfigSchema),
    /** A throwaway tor with only this bridge; resolves when it has directory info, fails or times out. */
    test: invoke(z.object({ line: BridgeLineTextSchema }).strict(), ReachabilityResultSchema),
    listTests: invoke(NoArgs, z.array(ReachabilityResultSchema)),
    diagnosis: invoke(NoArgs, DiagnosisSchema),
    onDiagnosis: event(DiagnosisSchema),
    onTest: event(ReachabilityResultSchema),
  },
  guidance: {
    /** Performs one action of a recommendation (start tor, turn on a bridge, create a protected drop …). */
    apply: invoke(GuidanceApplyArgsSchema, ApplyResultSchema),
    /** Measures the networks running now; never invents a number for one that is not. */
    measure: invoke(NoArgs, z.array(MeasurementSchema)),
  },
  logs: {
    recent: invoke(
      z.object({ source: z.string().max(64).optional(), limit: z.number().int().min(1).max(5000) }).strict(),
      z.array(LogLineSchema),
    ),
    onLine: event(LogLineSchema),
  },
} as const;

export type Contract = typeof contract;
export type ServiceName = keyof Contract;

type Entries<S extends ServiceName> = Contract[S];
export type InvokeName<S extends ServiceName> = {
  [K in keyof Entries<S>]: Entries<S>[K] extends InvokeDef ? K : never;
}[keyof Entries<S>] &
  string;
export type EventName<S extends ServiceName> = {
  [K in keyof Entries<S>]: Entries<S>[K] extends EventDef ? K : never;
}[keyof Entries<S>] &
  string;

export type ArgsOf<S extends ServiceName, M extends InvokeName<S>> =
  Entries<S>[M] extends InvokeDef<infer A, z.ZodType> ? z.input<A> : never;
export type ParsedArgsOf<S extends ServiceName, M extends InvokeName<S>> =
  Entries<S>[M] extends InvokeDef<infer A, z.ZodType> ? z.output<A> : never;
export type ResultOf<S extends ServiceName, M extends InvokeName<S>> =
  Entries<S>[M] extends InvokeDef<z.ZodType, infer R> ? z.output<R> : never;
export type PayloadOf<S extends ServiceName, E extends EventName<S>> =
  Entries<S>[E] extends EventDef<infer P> ? z.output<P> : never;

export const APP_PREFIX = 'underpass:';

export function channelName(service: string, name: string): string {
  return `${APP_PREFIX}${service}:${name}`;
}

export interface ChannelRef {
  service: ServiceName;
  name: string;
  channel: string;
  def: ChannelDef;
}

/** Every channel in the contract, in declaration order. */
export function listChannels(): ChannelRef[] {
  const out: ChannelRef[] = [];
  for (const service of Object.keys(contract) as ServiceName[]) {
    const entries = contract[service] as Record<string, ChannelDef>;
    for (const [name, def] of Object.entries(entries)) {
      out.push({ service, name, channel: channelName(service, name), def });
    }
  }
  return out;
}

const byChannel = new Map(listChannels().map((c) => [c.channel, c]));

export function findChannel(channel: string): ChannelRef | undefined {
  return byChannel.get(channel);
}
