// The app's I2P tunnels, carried over SAM by the app itself (so they work even when i2pd lives in a
// lab namespace): server tunnels = a persistent-key STREAM session + a pending ACCEPT piped to
// 127.0.0.1:<targetPort>; client tunnels = a listener on 127.0.0.1:<localPort> + STREAM CONNECT.
// Owns tunnels.json and the 0600 key files; knows nothing about how i2pd runs.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import type { ClientTunnel, I2pTunnels, ServerTunnel } from '../../../shared/domain/i2p';
import { ClientTunnelSchema, ServerTunnelSchema } from '../../../shared/domain/i2p';
import type { ScopedLogger } from '../../logging/logger';
import { generateDestination, isValidPrivateKey, publicDestinationFromPrivateKey, SamSession, type SamConnectionOptions } from './sam';
import type { OptionValue } from './sam';
import { I2pServiceError } from './errors';

const StoreSchema = z.object({
  version: z.literal(1),
  servers: z.array(ServerTunnelSchema.pick({ id: true, name: true, targetPort: true, b32: true }).extend({ enabled: z.boolean() })),
  clients: z.array(ClientTunnelSchema.pick({ id: true, name: true, localPort: true, destination: true })),
});
type Store = z.infer<typeof StoreSchema>;

export interface TunnelManagerOptions {
  /** <data>/i2p/tunnels: tunnels.json + keys/ */
  dir: string;
  log: ScopedLogger;
  /** SESSION CREATE options for every tunnel (hop counts; 1 in the lab). */
  i2cp: () => Readonly<Record<string, OptionValue>>;
  createTimeoutMs?: number;
}

interface ServerRuntime {
  def: Store['servers'][number];
  state: ServerTunnel['state'];
  error: string | null;
  session: SamSession | null;
  connections: Set<Socket>;
  /** The router epoch a SESSION CREATE is in flight on (null: none). */
  creating: number | null;
  /** When the app last closed a session of this key (ms since epoch; 0: never). */
  closedAt: number;
}

interface ClientRuntime {
  def: Store['clients'][number];
  state: ClientTunnel['state'];
  error: string | null;
  session: SamSession | null;
  server: Server | null;
  connections: Set<Socket>;
  creating: number | null;
}

/**
 * i2pd hands a second SESSION CREATE with the same key the SAME local destination ("Clients: Local
 * destination … exists"), and closing either session deletes that destination under the other
 * (SAM.cpp ~SAMSingleSession → DeleteLocalDestination): the survivor keeps answering SAM but its
 * tunnels and LeaseSet are gone, so peers get no answer for minutes. Hence one create per key per
 * router at a time, and after closing a key's session a short pause so i2pd has processed the EOF
 * before the same key is used again.
 */
const SESSION_SETTLE_MS = 500;
const RETRY_AFTER_CLOSE_MS = 2000;

export class TunnelManager extends EventEmitter<{ changed: [I2pTunnels] }> {
  private readonly servers = new Map<string, ServerRuntime>();
  private readonly clients = new Map<string, ClientRuntime>();
  private sam: SamConnectionOptions | null = null;
  /** Bumped on every resume() and suspend(): work begun for one router run never touches the next. */
  private epoch = 0;
  private loaded = false;

  constructor(private readonly opts: TunnelManagerOptions) {
    super();
  }

  private get storeFile(): string {
    return join(this.opts.dir, 'tunnels.json');
  }
  private keyFile(id: string): string {
    return join(this.opts.dir, 'keys', `${id}.key`);
  }

  async load(): Promise<void> {
    if (this.loaded) return;
    await mkdir(join(this.opts.dir, 'keys'), { recursive: true, mode: 0o700 });
    await chmod(join(this.opts.dir, 'keys'), 0o700);
    let store: Store = { version: 1, servers: [], clients: [] };
    try {
      const parsed = StoreSchema.safeParse(JSON.parse(await readFile(this.storeFile, 'utf8')));
      if (parsed.success) store = parsed.data;
      else this.opts.log.warn(`ignoring ${this.storeFile}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.log.warn(`cannot read ${this.storeFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const def of store.servers) this.servers.set(def.id, { def, state: 'stopped', error: null, session: null, connections: new Set(), creating: null, closedAt: 0 });
    for (const def of store.clients) this.clients.set(def.id, { def, state: 'stopped', error: null, session: null, server: null, connections: new Set(), creating: null });
    this.loaded = true;
  }

  list(): I2pTunnels {
    return {
      servers: [...this.servers.values()].map((r) => ({ id: r.def.id, name: r.def.name, targetPort: r.def.targetPort, b32: r.def.b32, state: r.state, error: r.error, connections: r.connections.size })),
      clients: [...this.clients.values()].map((r) => ({
        id: r.def.id,
        name: r.def.name,
        localPort: r.def.localPort,
        destination: r.def.destination,
        state: r.state,
        error: r.error,
        connections: r.connections.size,
      })),
    };
  }

  /** The router answers SAM: (re)create every enabled tunnel's session. */
  resume(sam: SamConnectionOptions): void {
    this.epoch += 1;
    this.sam = sam;
    for (const r of this.servers.values()) if (r.def.enabled) void this.startServer(r);
    for (const r of this.clients.values()) void this.startClient(r);
  }

  /** The router is gone: sessions died with it. Client listeners stay bound (connections fail until resume). */
  suspend(): void {
    this.epoch += 1;
    this.sam = null;
    for (const r of this.servers.values()) this.dropServerSession(r, r.def.enabled ? 'starting' : 'stopped', null);
    for (const r of this.clients.values()) {
      r.session?.close();
      r.session = null;
      if (r.state !== 'failed') r.state = 'starting';
    }
    this.changed();
  }

  async createServer(name: string, targetPort: number): Promise<ServerTunnel> {
    const sam = this.requireSam();
    const id = randomBytes(8).toString('hex');
    // CRYPTO_TYPE=4: the X25519 encryption key is part of the persisted key, so the LeaseSet key
    // stays the same across restarts (with an ElGamal key i2pd makes a new X25519 key per session).
    const dest = await generateDestination({ ...sam, cryptoType: 4 });
    // Owner-only from the first byte: the key is the address.
    await writeFile(this.keyFile(id), dest.privateKey, { mode: 0o600, flag: 'wx' });
    const def = { id, name, targetPort, b32: dest.b32Address, enabled: true };
    const r: ServerRuntime = { def, state: 'starting', error: null, session: null, connections: new Set(), creating: null, closedAt: 0 };
    this.servers.set(id, r);
    await this.save();
    void this.startServer(r);
    return this.serverDto(id);
  }

  async setServerEnabled(id: string, enabled: boolean): Promise<ServerTunnel> {
    const r = this.servers.get(id);
    if (!r) throw new I2pServiceError('I2P_TUNNEL_NOT_FOUND', `no server tunnel ${id}`);
    r.def.enabled = enabled;
    await this.save();
    if (enabled) {
      if (this.sam && r.session === null) void this.startServer(r);
    } else this.dropServerSession(r, 'stopped', null);
    return this.serverDto(id);
  }

  async removeServer(id: string): Promise<boolean> {
    const r = this.servers.get(id);
    if (!r) return false;
    this.dropServerSession(r, 'stopped', null);
    this.servers.delete(id);
    await this.save();
    await rm(this.keyFile(id), { force: true });
    this.changed();
    return true;
  }

  async createClient(name: string, localPort: number, destination: string): Promise<ClientTunnel> {
    if ([...this.clients.values()].some((c) => c.def.localPort === localPort)) throw new I2pServiceError('CONFIG_INVALID', `port ${localPort} is already used by a client tunnel`);
    const id = randomBytes(8).toString('hex');
    const r: ClientRuntime = { def: { id, name, localPort, destination }, state: 'starting', error: null, session: null, server: null, connections: new Set(), creating: null };
    await this.listen(r);
    this.clients.set(id, r);
    await this.save();
    if (this.sam) void this.startClient(r);
    return this.clientDto(id);
  }

  async removeClient(id: string): Promise<boolean> {
    const r = this.clients.get(id);
    if (!r) return false;
    r.session?.close();
    r.session = null;
    for (const s of r.connections) s.destroy();
    await new Promise((resolve) => (r.server ? r.server.close(resolve) : resolve(undefined)));
    this.clients.delete(id);
    await this.save();
    this.changed();
    return true;
  }

  /** App quit: close every session and listener (keys and definitions stay). */
  async close(): Promise<void> {
    this.suspend();
    for (const r of this.servers.values()) for (const s of r.connections) s.destroy();
    for (const r of this.clients.values()) {
      for (const s of r.connections) s.destroy();
      await new Promise((resolve) => (r.server ? r.server.close(resolve) : resolve(undefined)));
      r.server = null;
    }
  }

  /** The server tunnel's public destination (base64), e.g. for tests that connect to it directly. */
  async serverDestination(id: string): Promise<string> {
    return publicDestinationFromPrivateKey(await this.readKey(id));
  }

  // ── servers ──────────────────────────────────────────────────────────────

  private async startServer(r: ServerRuntime): Promise<void> {
    const sam = this.sam;
    const epoch = this.epoch;
    if (!sam || r.session || r.creating === epoch || !this.wantsServer(r)) return;
    r.creating = epoch;
    r.state = 'starting';
    r.error = null;
    this.changed();
    try {
      const settle = r.closedAt + SESSION_SETTLE_MS - Date.now();
      if (settle > 0) await new Promise((resolve) => setTimeout(resolve, settle));
      if (this.epoch !== epoch || !this.wantsServer(r)) return;
      const key = await this.readKey(r.def.id);
      const session = await SamSession.create({
        ...sam,
        style: 'STREAM',
        id: `srv-${r.def.id}-${randomBytes(3).toString('hex')}`,
        destination: key,
        i2cp: { ...this.opts.i2cp(), 'i2cp.leaseSetEncType': '4' },
        createTimeoutMs: this.opts.createTimeoutMs ?? 120_000,
      });
      if (this.epoch !== epoch || !this.wantsServer(r) || r.session) {
        // Stopped, removed or the router went away meanwhile (nothing else can hold this key here).
        session.close();
        r.closedAt = Date.now();
        return;
      }
      r.session = session;
      r.state = 'running';
      this.opts.log.info(`server tunnel ${r.def.name} up at ${r.def.b32} → 127.0.0.1:${r.def.targetPort}`);
      this.changed();
      void session.closed.then((why) => {
        if (r.session !== session) return;
        r.session = null;
        r.closedAt = Date.now();
        // Still the same router run: it dropped this session, so make it again. A router that goes
        // away ends in suspend()/resume(), which recreate every session on the new run instead.
        r.state = this.epoch === epoch && this.sam ? 'failed' : 'starting';
        r.error = why ? why.message : null;
        this.changed();
        setTimeout(() => {
          if (this.epoch === epoch) void this.startServer(r);
        }, RETRY_AFTER_CLOSE_MS);
      });
      void this.acceptLoop(r, session);
    } catch (e) {
      if (this.epoch !== epoch || !this.wantsServer(r)) return;
      r.state = 'failed';
      r.error = e instanceof Error ? e.message : String(e);
      this.opts.log.warn(`server tunnel ${r.def.name}: ${r.error}`);
      this.changed();
    } finally {
      if (r.creating === epoch) r.creating = null;
    }
  }

  private wantsServer(r: ServerRuntime): boolean {
    return r.def.enabled && this.servers.get(r.def.id) === r;
  }

  private async acceptLoop(r: ServerRuntime, session: SamSession): Promise<void> {
    while (r.session === session && session.isOpen) {
      let incoming;
      try {
        const pending = await session.accept();
        incoming = await pending.incoming;
      } catch {
        if (r.session !== session || !session.isOpen) return;
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      this.pipeToLocal(r, incoming.socket);
    }
  }

  private pipeToLocal(r: ServerRuntime, remote: Socket): void {
    const local = connect({ host: '127.0.0.1', port: r.def.targetPort });
    r.connections.add(remote);
    this.changed();
    remote.pipe(local).pipe(remote);
    const end = () => {
      remote.destroy();
      local.destroy();
      if (r.connections.delete(remote)) this.changed();
    };
    remote.on('error', end).on('close', end);
    local.on('error', end).on('close', end);
  }

  private dropServerSession(r: ServerRuntime, state: ServerTunnel['state'], error: string | null): void {
    const s = r.session;
    r.session = null;
    if (s) {
      s.close();
      r.closedAt = Date.now();
    }
    for (const c of r.connections) c.destroy();
    r.connections.clear();
    r.state = state;
    r.error = error;
    this.changed();
  }

  // ── clients ──────────────────────────────────────────────────────────────

  private async listen(r: ClientRuntime): Promise<void> {
    const server = createServer((local) => this.onLocalConnection(r, local));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'EADDRINUSE' ? new I2pServiceError('CONFIG_INVALID', `127.0.0.1:${r.def.localPort} is already in use`) : e),
      );
      server.listen({ host: '127.0.0.1', port: r.def.localPort, exclusive: true }, () => resolve());
    });
    r.server = server;
  }

  private async startClient(r: ClientRuntime): Promise<void> {
    const sam = this.sam;
    const epoch = this.epoch;
    if (!sam || r.session || r.creating === epoch) return;
    r.creating = epoch;
    try {
      if (!r.server) await this.listen(r);
      r.state = 'starting';
      r.error = null;
      this.changed();
      const session = await SamSession.create({
        ...sam,
        style: 'STREAM',
        id: `cli-${r.def.id}-${randomBytes(3).toString('hex')}`,
        i2cp: this.opts.i2cp(),
        createTimeoutMs: this.opts.createTimeoutMs ?? 120_000,
      });
      if (this.epoch !== epoch || this.clients.get(r.def.id) !== r || r.session) {
        session.close();
        return;
      }
      r.session = session;
      r.state = 'running';
      this.changed();
      void session.closed.then(() => {
        if (r.session !== session) return;
        r.session = null;
        r.state = 'starting';
        this.changed();
        setTimeout(() => {
          if (this.epoch === epoch) void this.startClient(r);
        }, RETRY_AFTER_CLOSE_MS);
      });
    } catch (e) {
      if (this.epoch !== epoch || this.clients.get(r.def.id) !== r) return;
      r.state = 'failed';
      r.error = e instanceof Error ? e.message : String(e);
      this.opts.log.warn(`client tunnel ${r.def.name}: ${r.error}`);
      this.changed();
    } finally {
      if (r.creating === epoch) r.creating = null;
    }
  }

  private onLocalConnection(r: ClientRuntime, local: Socket): void {
    const session = r.session;
    if (!session) {
      local.destroy();
      return;
    }
    local.pause();
    r.connections.add(local);
    this.changed();
    const done = () => {
      local.destroy();
      if (r.connections.delete(local)) this.changed();
    };
    local.on('error', done).on('close', done);
    session.connect(r.def.destination, { timeoutMs: 60_000 }).then(
      (remote) => {
        if (local.destroyed) {
          remote.destroy();
          return;
        }
        remote.pipe(local).pipe(remote);
        local.resume();
        remote.on('error', done).on('close', done);
        local.on('close', () => remote.destroy());
      },
      (e: unknown) => {
        this.opts.log.info(`client tunnel ${r.def.name}: ${e instanceof Error ? e.message : String(e)}`);
        done();
      },
    );
  }

  // ── storage ──────────────────────────────────────────────────────────────

  private async readKey(id: string): Promise<string> {
    const key = (await readFile(this.keyFile(id), 'utf8')).trim();
    if (!isValidPrivateKey(key)) throw new I2pServiceError('CONFIG_INVALID', `the key file of tunnel ${id} is damaged`);
    return key;
  }

  private async save(): Promise<void> {
    const store: Store = { version: 1, servers: [...this.servers.values()].map((r) => r.def), clients: [...this.clients.values()].map((r) => r.def) };
    const tmp = `${this.storeFile}.tmp`;
    await writeFile(tmp, JSON.stringify(store, null, 2), { mode: 0o600 });
    await rename(tmp, this.storeFile);
  }

  private requireSam(): SamConnectionOptions {
    if (!this.sam) throw new I2pServiceError('I2P_NOT_RUNNING', 'i2pd is not running');
    return this.sam;
  }

  private serverDto(id: string): ServerTunnel {
    const t = this.list().servers.find((s) => s.id === id);
    if (!t) throw new I2pServiceError('I2P_TUNNEL_NOT_FOUND', `no server tunnel ${id}`);
    return t;
  }

  private clientDto(id: string): ClientTunnel {
    const t = this.list().clients.find((s) => s.id === id);
    if (!t) throw new I2pServiceError('I2P_TUNNEL_NOT_FOUND', `no client tunnel ${id}`);
    return t;
  }

  private changed(): void {
    this.emit('changed', this.list());
  }
}

