// The typed Tor control API the app and plain Node scripts use: one method per command.
// It composes encoders (commands.ts), the connection, and parsers (replies/*, events.ts);
// it never slices reply strings itself and never touches a socket directly.
import { authenticate, type AuthOptions, type AuthResult } from './auth';
import {
  encodeAddOnion,
  encodeAttachStream,
  encodeCloseCircuit,
  encodeDelOnion,
  encodeDropOwnership,
  encodeExtendCircuit,
  encodeGetConf,
  encodeGetInfo,
  encodeOnionClientAuthAdd,
  encodeOnionClientAuthRemove,
  encodeOnionClientAuthView,
  encodeProtocolInfo,
  encodeQuit,
  encodeResetConf,
  encodeSetConf,
  encodeSetEvents,
  encodeSignal,
  encodeTakeOwnership,
  type AddOnionRequest,
  type CircuitPurposeRequest,
  type ConfValue,
  type OnionClientAuthAddOptions,
  type TorSignal,
} from './commands';
import { TorConnection, type ConnectionOptions, type ControlTarget } from './connection';
import { TorSocketClosed } from './errors';
import { parseEvent, unknownEvent, type TorEvent, type TorEventOf, type TorEventType } from './events';
import { replyMessage, type Reply } from './framing';
import { parseAddOnion, type AddOnionResult } from './replies/add-onion';
import { parseBootstrapPhase, type BootstrapPhase } from './replies/bootstrap-phase';
import { parseCircuitStatus, type CircuitInfo } from './replies/circuit-status';
import { expectSuccess } from './replies/common';
import { parseRouterStatusEntries, type Relay } from './replies/consensus';
import { parseEntryGuards, type EntryGuard } from './replies/entry-guards';
import { parseExtendCircuit } from './replies/extendcircuit';
import { parseGetConf } from './replies/getconf';
import { parseGetInfo } from './replies/getinfo';
import { parseOnionClientAuthView, type OnionClientAuthView } from './replies/onion-client-auth-view';
import { parseOrConnStatus, type OrConnInfo } from './replies/orconn-status';
import { parseProtocolInfo, type ProtocolInfo } from './replies/protocolinfo';
import { parseStreamStatus, type StreamInfo } from './replies/stream-status';

export interface ControllerOptions extends Omit<ConnectionOptions, 'commandTimeoutMs'>, Omit<AuthOptions, 'password'> {
  password?: string;
  // Per-command reply timeout (default 30 s).
  timeoutMs?: number;
  // Called when a 650 reply cannot be parsed; the event is still delivered as UNKNOWN.
  onEventParseError?: (error: unknown, reply: Reply) => void;
}

export interface OnionClientAuthAddResult {
  // 250 added, 251 replaced existing credentials, 252 added and a cached descriptor decrypted (§3.30).
  status: number;
  message: string;
}

type AnyListener = (event: TorEvent) => void;

// Signals after which tor may drop the connection without a reply (control-spec §3.7).
const EXITING_SIGNALS: ReadonlySet<string> = new Set(['SHUTDOWN', 'HALT', 'INT', 'TERM']);

export class TorController {
  readonly connection: TorConnection;
  private readonly options: ControllerOptions;
  private readonly listeners = new Map<string, Set<AnyListener>>();
  private readonly anyListeners = new Set<AnyListener>();

  static async connect(target: ControlTarget, options: ControllerOptions = {}): Promise<TorController> {
    const connection = await TorConnection.connect(target, { ...options, commandTimeoutMs: options.timeoutMs });
    return new TorController(connection, options);
  }

  constructor(connection: TorConnection, options: ControllerOptions = {}) {
    this.connection = connection;
    this.options = options;
    connection.onEvent((reply) => this.dispatch(reply));
  }

  get closed(): boolean {
    return this.connection.closed;
  }

  // PROTOCOLINFO may be sent once before AUTHENTICATE (§3.21); authenticate() sends it itself.
  async protocolInfo(): Promise<ProtocolInfo> {
    return parseProtocolInfo(await this.connection.send(encodeProtocolInfo()));
  }

  authenticate(known?: ProtocolInfo): Promise<AuthResult> {
    const { password, cookieFile, readFile, randomBytes } = this.options;
    return authenticate(this.connection, { password, cookieFile, readFile, randomBytes }, known);
  }

  async getInfo<K extends string>(keys: readonly K[]): Promise<Record<K, string>> {
    const reply = await this.connection.send(encodeGetInfo(keys));
    return parseGetInfo(reply, keys);
  }

  async getInfoValue(key: string): Promise<string> {
    const values = await this.getInfo([key]);
    return values[key] as string;
  }

  getVersion(): Promise<string> {
    return this.getInfoValue('version');
  }

  async getConf(keys: readonly string[]): Promise<Record<string, string[]>> {
    return parseGetConf(await this.connection.send(encodeGetConf(keys)));
  }

  setConf(settings: Readonly<Record<string, ConfValue>>): Promise<void> {
    return this.expectOk(encodeSetConf(settings), 'SETCONF');
  }

  resetConf(keys: readonly string[] | Readonly<Record<string, ConfValue>>): Promise<void> {
    return this.expectOk(encodeResetConf(keys), 'RESETCONF');
  }

  async signal(name: TorSignal): Promise<void> {
    try {
      await this.expectOk(encodeSignal(name), 'SIGNAL');
    } catch (err) {
      if (err instanceof TorSocketClosed && EXITING_SIGNALS.has(name.toUpperCase())) return;
      throw err;
    }
  }

  // Replaces the whole subscription (control-spec §3.4): events not listed are turned off.
  setEvents(types: readonly string[]): Promise<void> {
    return this.expectOk(encodeSetEvents(types), 'SETEVENTS');
  }

  on<T extends TorEventType>(type: T, listener: (event: TorEventOf<T>) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const l = listener as AnyListener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  onAny(listener: (event: TorEvent) => void): () => void {
    this.anyListeners.add(listener);
    return () => {
      this.anyListeners.delete(listener);
    };
  }

  onClose(listener: (error: Error) => void): () => void {
    return this.connection.onClose(listener);
  }

  async addOnion(request: AddOnionRequest): Promise<AddOnionResult> {
    return parseAddOnion(await this.connection.send(encodeAddOnion(request)));
  }

  delOnion(serviceId: string): Promise<void> {
    return this.expectOk(encodeDelOnion(serviceId), 'DEL_ONION');
  }

  async onionClientAuthAdd(
    serviceId: string,
    privateKeyBase64: string,
    options: OnionClientAuthAddOptions = {},
  ): Promise<OnionClientAuthAddResult> {
    const reply = await this.connection.send(encodeOnionClientAuthAdd(serviceId, privateKeyBase64, options));
    expectSuccess(reply, 'ONION_CLIENT_AUTH_ADD');
    return { status: reply.status, message: replyMessage(reply) };
  }

  // §3.31: 251 means there was nothing to remove.
  async onionClientAuthRemove(serviceId: string): Promise<{ removed: boolean }> {
    const reply = await this.connection.send(encodeOnionClientAuthRemove(serviceId));
    expectSuccess(reply, 'ONION_CLIENT_AUTH_REMOVE');
    return { removed: reply.status === 250 };
  }

  async onionClientAuthView(serviceId?: string): Promise<OnionClientAuthView> {
    return parseOnionClientAuthView(await this.connection.send(encodeOnionClientAuthView(serviceId)));
  }

  // Circuit 0 builds a new circuit (tor picks the path if `path` is empty). Resolves to its id.
  async extendCircuit(id: string | 0, path: readonly string[] = [], purpose?: CircuitPurposeRequest): Promise<string> {
    return parseExtendCircuit(await this.connection.send(encodeExtendCircuit(id, path, purpose)));
  }

  attachStream(streamId: string, circuitId: string | 0, hop?: number): Promise<void> {
    return this.expectOk(encodeAttachStream(streamId, circuitId, hop), 'ATTACHSTREAM');
  }

  closeCircuit(id: string, options: { ifUnused?: boolean } = {}): Promise<void> {
    return this.expectOk(encodeCloseCircuit(id, options), 'CLOSECIRCUIT');
  }

  // Tor exits when this connection closes (§3.23); pair with __OwningControllerProcess.
  takeOwnership(): Promise<void> {
    return this.expectOk(encodeTakeOwnership(), 'TAKEOWNERSHIP');
  }

  dropOwnership(): Promise<void> {
    return this.expectOk(encodeDropOwnership(), 'DROPOWNERSHIP');
  }

  async getCircuits(): Promise<CircuitInfo[]> {
    return parseCircuitStatus(await this.getInfoValue('circuit-status'));
  }

  async getStreams(): Promise<StreamInfo[]> {
    return parseStreamStatus(await this.getInfoValue('stream-status'));
  }

  async getOrConnections(): Promise<OrConnInfo[]> {
    return parseOrConnStatus(await this.getInfoValue('orconn-status'));
  }

  async getEntryGuards(): Promise<EntryGuard[]> {
    return parseEntryGuards(await this.getInfoValue('entry-guards'));
  }

  async getBootstrapPhase(): Promise<BootstrapPhase> {
    return parseBootstrapPhase(await this.getInfoValue('status/bootstrap-phase'));
  }

  // The relays of tor's current consensus (router status entries, dir-spec §3.4.1).
  async getRelays(): Promise<Relay[]> {
    return parseRouterStatusEntries(await this.getInfoValue('ns/all'));
  }

  // QUIT (§3.18) so tor logs a clean close, then drop the socket whatever tor answered.
  async close(): Promise<void> {
    if (!this.connection.closed) {
      try {
        await this.connection.send(encodeQuit(), { timeoutMs: 2_000 });
      } catch {
        // Already closing or tor is gone: either way there is nothing left to say.
      }
    }
    await this.connection.close();
  }

  private async expectOk(command: string, verb: string): Promise<void> {
    expectSuccess(await this.connection.send(command), verb);
  }

  private dispatch(reply: Reply): void {
    const typed = this.listeners.size > 0;
    if (!typed && this.anyListeners.size === 0) return;
    let event: TorEvent;
    try {
      event = parseEvent(reply);
    } catch (err) {
      this.options.onEventParseError?.(err, reply);
      event = unknownEvent(reply);
    }
    // Every listener runs even if one throws; the first error goes back to the connection, which
    // reports it through onListenerError.
    let failure: { error: unknown } | undefined;
    const call = (listener: AnyListener): void => {
      try {
        listener(event);
      } catch (error) {
        failure ??= { error };
      }
    };
    const set = typed ? this.listeners.get(event.type) : undefined;
    if (set) for (const listener of set) call(listener);
    for (const listener of this.anyListeners) call(listener);
    if (failure) throw failure.error;
  }
}
