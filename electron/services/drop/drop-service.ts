// Onion drops: each one is a DropServer on 127.0.0.1 published with ADD_ONION on the app's tor.
// Owns the drops' configs and keys (owner-only files under <data>/drops), their state
// (starting → publishing → published from HS_DESC UPLOADED), re-publishing after tor restarts,
// and the contract's `drop` handlers. Never logs keys, addresses of sources or file names.
import { ServiceError } from '../../util/service-error';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Handlers } from '../../../shared/ipc/api';
import {
  DEFAULT_DROP_LIMITS,
  DropAcceptSchema,
  DropCreateArgsSchema,
  DropLimitsSchema,
  type Drop,
  type DropState,
  type DropUpload,
} from '../../../shared/domain/drop';
import type { EventBus } from '../../ipc/router';
import type { Logger, ScopedLogger } from '../../logging/logger';
import type { TorController } from '../tor/control';
import { torErrorToIpc } from '../tor/errors';
import { generateClientAuth, torBrowserKey } from '../onion/client-auth';
import { writeAtomic } from '../onion/files';
import { OnionPublication } from '../onion/publication';
import { OnionTorWatch, type TorAccess } from '../onion/tor-watch';
import { DropServer, type UploadProgress } from './drop-server';
import { DropStorage } from './storage';

export class DropError extends ServiceError {}

export interface DropServiceOptions {
  /** <data>/drops */
  root: string;
  tor: TorAccess;
  bus: EventBus;
  logger: Logger;
  /** Keep this much disk free (default 256 MB). */
  minFreeBytes?: number;
}

const StoredDropSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  title: z.string(),
  note: z.string(),
  accept: DropAcceptSchema,
  limits: DropLimitsSchema,
  persistent: z.boolean(),
  folder: z.string(),
  createdAt: z.number(),
  /** The source's x25519 key pair (base32); the private half is shown to the journalist. */
  clientAuth: z.object({ publicKey: z.string().regex(/^[A-Z2-7]{52}$/), privateKey: z.string().regex(/^[A-Z2-7]{52}$/) }).nullable(),
  /** The journalist wants it running: started again when the app starts (persistent drops only). */
  wanted: z.boolean(),
  /** Last known address (persistent drops keep it). */
  address: z.string().nullable(),
});
type StoredDrop = z.infer<typeof StoredDropSchema>;

interface Runtime {
  cfg: StoredDrop;
  state: DropState;
  error: string | null;
  server: DropServer | null;
  storage: DropStorage;
  /** The drop's onion: its key (file for persistent drops) and where it is published. */
  onion: OnionPublication;
  receiving: Map<string, DropUpload>;
}

export class DropService {
  private readonly drops = new Map<string, Runtime>();
  private readonly log: ScopedLogger;
  private readonly watch: OnionTorWatch;
  private loaded = false;
  private readonly configFile: string;

  constructor(private readonly opts: DropServiceOptions) {
    this.log = opts.logger.scope('drop');
    this.configFile = join(opts.root, 'drops.json');
    this.watch = new OnionTorWatch(opts.tor, opts.bus, {
      down: () => this.onTorDown(),
      ready: (c, fresh) => this.onTorReady(c, fresh),
      uploaded: (sid) => {
        for (const rt of this.drops.values()) {
          if (rt.onion.serviceId === sid && rt.state === 'publishing') this.setState(rt, 'published', null);
        }
      },
    });
  }

  /** Reads saved drops; persistent drops the journalist left running start again. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    let saved: StoredDrop[] = [];
    try {
      saved = z.array(StoredDropSchema).parse(JSON.parse(await readFile(this.configFile, 'utf8')));
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ENOENT') this.log.warn(`drops.json could not be read; starting with no drops (${(e as Error).message})`);
    }
    for (const cfg of saved) {
      // A temporary drop's address died with the last run.
      if (!cfg.persistent) Object.assign(cfg, { wanted: false, address: null });
      this.drops.set(cfg.id, this.runtime(cfg));
    }
    for (const rt of this.drops.values()) if (rt.cfg.wanted) await this.startDrop(rt).catch(() => undefined);
  }

  handlers(): Handlers['drop'] {
    return {
      create: (args) => this.call(() => this.create(args)),
      list: async () => {
        await this.load();
        return [...this.drops.values()].map((rt) => this.dto(rt));
      },
      start: ({ id }) => this.call(async () => this.dto(await this.startDrop(this.get(id)))),
      stop: ({ id }) => this.call(async () => this.dto(await this.stopDrop(this.get(id), true))),
      remove: ({ id, deleteUploads }) => this.call(() => this.remove(id, deleteUploads ?? false)),
      listUploads: ({ id }) => this.call(() => this.listUploads(id)),
    };
  }

  async shutdown(): Promise<void> {
    for (const rt of this.drops.values()) await this.stopDrop(rt, false).catch(() => undefined);
  }

  // ── actions ──────────────────────────────────────────────────────────────

  async create(input: z.input<typeof DropCreateArgsSchema>): Promise<Drop> {
    await this.load();
    const args = DropCreateArgsSchema.parse(input);
    const id = randomBytes(8).toString('hex');
    const limits = { ...DEFAULT_DROP_LIMITS, ...args.limits };
    if (limits.maxFileBytes > limits.maxUploadBytes) limits.maxFileBytes = limits.maxUploadBytes;
    const cfg: StoredDrop = {
      id,
      title: args.title,
      note: args.note,
      accept: args.accept,
      limits,
      persistent: args.persistent,
      folder: args.folder ?? join(this.opts.root, id, 'uploads'),
      createdAt: Date.now(),
      clientAuth: args.clientAuth ? generateClientAuth() : null,
      wanted: true,
      address: null,
    };
    const rt = this.runtime(cfg);
    this.drops.set(id, rt);
    await this.save();
    await this.startDrop(rt);
    return this.dto(rt);
  }

  private async remove(id: string, deleteUploads: boolean): Promise<{ removed: boolean }> {
    const rt = this.get(id);
    await this.stopDrop(rt, true);
    this.drops.delete(id);
    await this.save();
    await rm(this.keyFile(id), { force: true });
    if (deleteUploads) await rm(rt.cfg.folder, { recursive: true, force: true });
    this.opts.bus.emit('drop', 'onRemoved', { id });
    this.log.info(`drop ${id} removed${deleteUploads ? ' with its uploads' : ''}`);
    return { removed: true };
  }

  private async listUploads(id: string): Promise<DropUpload[]> {
    const rt = this.get(id);
    const stored = await rt.storage.listUploads();
    const out: DropUpload[] = stored.map((u) => {
      const live = rt.receiving.get(u.id);
      if (live) return live;
      const bytes = u.files.reduce((n, f) => n + f.bytes, 0);
      return {
        dropId: id,
        id: u.id,
        receivedAt: u.receivedAt,
        state: u.complete ? 'complete' : 'incomplete',
        received: bytes,
        expected: null,
        stored: bytes,
        files: u.files,
        reason: u.complete ? null : (u.reason ?? 'This upload did not finish.'),
        path: u.path,
      };
    });
    return out;
  }

  async startDrop(rt: Runtime): Promise<Runtime> {
    if (!rt.cfg.wanted) {
      rt.cfg.wanted = true;
      await this.save();
    }
    if (!rt.server) {
      const server = new DropServer({
        info: { title: rt.cfg.title, note: rt.cfg.note, accept: rt.cfg.accept, ...rt.cfg.limits },
        storage: rt.storage,
        log: this.log,
        onUpload: (p) => this.onUpload(rt, p),
        ...(process.platform === 'win32' ? {} : { unixPath: join(this.opts.root, rt.cfg.id, 'http.sock') }),
      });
      try {
        await rt.storage.ensureRoot();
        await mkdir(join(this.opts.root, rt.cfg.id), { recursive: true, mode: 0o700 });
        await server.start();
      } catch (e) {
        this.setState(rt, 'failed', `the drop's local server could not start: ${(e as Error).message}`);
        throw new DropError('DROP_FAILED', rt.error ?? 'the drop could not start');
      }
      rt.server = server;
    }
    if (rt.state === 'publishing' || rt.state === 'published') return rt;
    this.setState(rt, 'starting', null);
    if (this.opts.tor.status().ready) await this.publish(rt);
    return rt;
  }

  async stopDrop(rt: Runtime, byUser: boolean): Promise<Runtime> {
    if (byUser && rt.cfg.wanted) {
      rt.cfg.wanted = false;
      await this.save();
    }
    await rt.onion.unpublish();
    await rt.server?.stop();
    rt.server = null;
    for (const up of rt.receiving.values()) this.emitUpload({ ...up, state: 'incomplete', reason: 'the drop was stopped during the upload' });
    rt.receiving.clear();
    rt.onion.forgetTemporaryKey();
    this.setState(rt, 'stopped', null);
    return rt;
  }

  // ── tor ──────────────────────────────────────────────────────────────────

  private onTorDown(): void {
    for (const rt of this.drops.values()) {
      if (rt.state === 'publishing' || rt.state === 'published') {
        rt.onion.lost();
        this.setState(rt, 'starting', 'waiting for tor');
      }
    }
  }

  private async onTorReady(c: TorController, fresh: boolean): Promise<void> {
    for (const rt of this.drops.values()) {
      // A drop tor refused is retried on a new tor, not on every status event of the same one.
      if (rt.cfg.wanted && rt.server && !rt.onion.isOn(c) && rt.state !== 'publishing' && (rt.state !== 'failed' || fresh)) {
        await this.publish(rt).catch(() => undefined);
      }
    }
  }

  private async publish(rt: Runtime): Promise<void> {
    const port = rt.server?.port;
    if (!port) return;
    const socketPath = rt.server?.socketPath;
    const target = socketPath ? `unix:${socketPath}` : `127.0.0.1:${port}`;
    // null: tor is not ready (published from onTorReady), or a new tor whose onTorReady just did it.
    const c = await this.watch.current();
    if (!c || rt.onion.isOn(c)) return;
    try {
      const serviceId = await rt.onion.publish(c, {
        ports: [{ virtualPort: 80, target }],
        ...(rt.cfg.clientAuth ? { clientAuthV3: [rt.cfg.clientAuth.publicKey] } : {}),
      });
      rt.server?.setOnionHost(`${serviceId}.onion`);
      if (rt.cfg.address !== `${serviceId}.onion`) {
        rt.cfg.address = `${serviceId}.onion`;
        await this.save();
      }
      // The HS_DESC UPLOADED event may already have come; otherwise it moves us to published.
      if (rt.state !== 'published') this.setState(rt, 'publishing', null);
      this.log.info(`drop ${rt.cfg.id} publishing its onion service`);
    } catch (e) {
      const err = torErrorToIpc(e);
      this.setState(rt, 'failed', `tor could not publish the drop: ${err.message}`);
      throw new DropError('DROP_FAILED', rt.error ?? err.message);
    }
  }

  // ── state and events ─────────────────────────────────────────────────────

  private runtime(cfg: StoredDrop): Runtime {
    return {
      cfg,
      state: 'stopped',
      error: null,
      server: null,
      storage: new DropStorage(cfg.folder, { ...cfg.limits, maxFiles: 1000, minFreeBytes: this.opts.minFreeBytes ?? 256 * 1024 * 1024 }),
      onion: new OnionPublication(cfg.persistent ? this.keyFile(cfg.id) : null),
      receiving: new Map(),
    };
  }

  private setState(rt: Runtime, state: DropState, error: string | null): void {
    rt.state = state;
    rt.error = error;
    this.opts.bus.emit('drop', 'onDrop', this.dto(rt));
  }

  private onUpload(rt: Runtime, p: UploadProgress): void {
    const up: DropUpload = {
      dropId: rt.cfg.id,
      id: p.id,
      receivedAt: p.receivedAt,
      state: p.state,
      received: p.received,
      expected: p.expected,
      stored: p.stored,
      files: p.files,
      reason: p.reason,
      path: join(rt.cfg.folder, p.id),
    };
    if (p.state === 'receiving') rt.receiving.set(p.id, up);
    else rt.receiving.delete(p.id);
    this.emitUpload(up);
  }

  private emitUpload(up: DropUpload): void {
    this.opts.bus.emit('drop', 'onUpload', up);
  }

  private dto(rt: Runtime): Drop {
    const address = rt.onion.serviceId ? `${rt.onion.serviceId}.onion` : rt.cfg.persistent ? rt.cfg.address : null;
    const sid = address?.replace(/\.onion$/, '') ?? null;
    return {
      id: rt.cfg.id,
      title: rt.cfg.title,
      note: rt.cfg.note,
      accept: rt.cfg.accept,
      limits: rt.cfg.limits,
      persistent: rt.cfg.persistent,
      clientAuth: rt.cfg.clientAuth !== null,
      state: rt.state,
      address,
      clientKey: rt.cfg.clientAuth && sid ? torBrowserKey(sid, rt.cfg.clientAuth.privateKey) : null,
      localPort: rt.server?.port ?? null,
      folder: rt.cfg.folder,
      createdAt: rt.cfg.createdAt,
      error: rt.error,
    };
  }

  private get(id: string): Runtime {
    const rt = this.drops.get(id);
    if (!rt) throw new DropError('DROP_NOT_FOUND', 'There is no such drop (it may have been removed).');
    return rt;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    await this.load();
    return fn();
  }

  // ── files ────────────────────────────────────────────────────────────────

  private keyFile(id: string): string {
    return join(this.opts.root, id, 'onion.key');
  }

  private async save(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    await writeAtomic(this.configFile, `${JSON.stringify([...this.drops.values()].map((rt) => rt.cfg), null, 2)}\n`);
  }
}
