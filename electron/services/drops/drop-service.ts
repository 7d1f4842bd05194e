// Onion drops: each one is a DropServer on 127.0.0.1 published with ADD_ONION on the app's tor.
// Owns the drops' configs and keys (owner-only files under <data>/drops), their state
// (starting → publishing → published from HS_DESC UPLOADED), re-publishing after tor restarts,
// and the contract's `drop` handlers. Never logs keys, addresses of sources or file names.
import { ServiceError } from '../../util/service-error';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Handlers } from '../../../shared/ipc/api';
import {
  DEFAULT_DROP_LIMITS,
  DropAcceptSchema,
  DropCreateArgsSchema,
  DropDecryptArgsSchema,
  DropLimitsSchema,
  type Drop,
  type DropState,
  type DropRefusal,
  type DropUpload,
} from '../../../shared/domain/drop';
import type { EventBus } from '../event-bus';
import type { Logger, ScopedLogger } from '../../logging/logger';
import type { TorController } from '../tor/control';
import { torErrorToIpc } from '../tor/errors';
import { generateClientAuth, torBrowserKey } from '../onion/client-auth';
import { writeJsonFile } from '../../util/json-file';
import { OnionPublication } from '../onion/publication';
import { OnionTorWatch, type TorAccess } from '../onion/tor-watch';
import { DropServer, type UploadProgress } from './drop-server';
import { DropStorage, parseFolderName, readUpload } from './storage';
import { AgeDecryptError, AgeKeyError, decryptFile, generateAgeIdentity, validateIdentity, validateRecipient } from './age-writer';
import { DropScheduler, EMPTY_PLAN, ScheduleError, planFrom, type SchedulePlan } from './scheduler';

export class DropError extends ServiceError {}

export interface DropServiceOptions {
  /** <data>/drops */
  root: string;
  tor: TorAccess;
  bus: EventBus;
  logger: Logger;
  /** Keep this much disk free (default 256 MB). */
  minFreeBytes?: number;
  /** What the host can do on the user's desktop (Electron: Notification, shell.openPath). */
  host?: DropHost;
}

/**
 * Desktop capabilities the host may offer; the core never imports electron. A headless host
 * offers neither: the renderer shows its own announcement and a path to copy.
 */
export interface DropHost {
  notify?(title: string, body: string): void;
  /** Like Electron's shell.openPath: resolves to '' on success, else an error message. */
  openPath?(path: string): Promise<string>;
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
  /** Uploads are encrypted to this age recipient (validated when set). */
  ageRecipient: z.string().nullable().default(null),
  schedule: z
    .object({ startAt: z.number().nullable(), stopAt: z.number().nullable(), stopAfterMinutes: z.number().int().positive().nullable(), stopAfterFirstUpload: z.boolean() })
    .default({ ...EMPTY_PLAN }),
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
  lastRefusal: DropRefusal | null;
}

export class DropService {
  private readonly drops = new Map<string, Runtime>();
  private readonly log: ScopedLogger;
  private readonly watch: OnionTorWatch;
  private loaded = false;
  private readonly configFile: string;
  private readonly scheduler: DropScheduler;

  constructor(private readonly opts: DropServiceOptions) {
    this.log = opts.logger.scope('drop');
    this.scheduler = new DropScheduler({
      start: async (id) => {
        const rt = this.drops.get(id);
        if (rt) await this.startDrop(rt);
      },
      stop: async (id, reason) => {
        const rt = this.drops.get(id);
        if (!rt) return;
        this.log.info(`drop ${id} ${reason}`);
        await this.stopDrop(rt, true);
      },
      changed: (id, plan) => {
        const rt = this.drops.get(id);
        if (!rt) return;
        rt.cfg.schedule = plan;
        void this.save().catch(() => undefined);
        this.opts.bus.emit('drops', 'onDrop', this.dto(rt));
      },
    });
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
    for (const rt of this.drops.values()) {
      this.scheduler.set(rt.cfg.id, rt.cfg.schedule);
      // A drop waiting for its start time is started by the scheduler, not here.
      if (rt.cfg.wanted && rt.cfg.schedule.startAt === null) await this.startDrop(rt).catch(() => undefined);
    }
  }

  handlers(): Handlers['drops'] {
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
      decrypt: (args) => this.call(() => this.decrypt(args)),
      generateIdentity: async () => generateAgeIdentity(),
      openFolder: ({ id, uploadId }) => this.call(() => this.openFolder(id, uploadId)),
    };
  }

  async shutdown(): Promise<void> {
    this.scheduler.dispose();
    for (const rt of this.drops.values()) await this.stopDrop(rt, false).catch(() => undefined);
  }

  // ── actions ──────────────────────────────────────────────────────────────

  async create(input: z.input<typeof DropCreateArgsSchema>): Promise<Drop> {
    await this.load();
    const args = DropCreateArgsSchema.parse(input);
    let ageRecipient: string | null = null;
    if (args.ageRecipient !== undefined) {
      try {
        ageRecipient = validateRecipient(args.ageRecipient);
      } catch (e) {
        if (e instanceof AgeKeyError) throw new DropError('DROP_INVALID_KEY', e.message, { field: 'ageRecipient' });
        throw e;
      }
    }
    let schedule: SchedulePlan;
    try {
      schedule = planFrom(args.schedule, Date.now());
    } catch (e) {
      if (e instanceof ScheduleError) throw new DropError('DROP_SCHEDULE_INVALID', e.message, { field: e.field });
      throw e;
    }
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
      ageRecipient,
      schedule,
    };
    const rt = this.runtime(cfg);
    this.drops.set(id, rt);
    await this.save();
    this.scheduler.set(id, schedule);
    if (schedule.startAt === null) await this.startDrop(rt);
    else this.log.info(`drop ${id} scheduled to start in ${Math.round((schedule.startAt - Date.now()) / 60_000)} min`);
    return this.dto(rt);
  }

  private async remove(id: string, deleteUploads: boolean): Promise<{ removed: boolean }> {
    const rt = this.get(id);
    await this.stopDrop(rt, true);
    this.scheduler.forget(id);
    this.drops.delete(id);
    await this.save();
    await rm(this.keyFile(id), { force: true });
    if (deleteUploads) await rm(rt.cfg.folder, { recursive: true, force: true });
    this.opts.bus.emit('drops', 'onRemoved', { id });
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
    // Started (by hand or on time): a pending start is done and an auto-stop clock begins.
    this.scheduler.started(rt.cfg.id);
    if (!rt.server) {
      const server = new DropServer({
        info: { title: rt.cfg.title, note: rt.cfg.note, accept: rt.cfg.accept, ...rt.cfg.limits },
        storage: rt.storage,
        log: this.log,
        onUpload: (p) => this.onUpload(rt, p),
        onRefused: (kind) => {
          // Nothing about the source: only when and why.
          this.log.warn(`drop ${rt.cfg.id}: an upload was refused (${kind === 'disk_full' ? 'the disk is full' : 'over the size limit'})`);
          rt.lastRefusal = { at: Date.now(), kind };
          this.opts.bus.emit('drops', 'onDrop', this.dto(rt));
        },
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
    if (byUser) this.scheduler.stopped(rt.cfg.id);
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
      storage: new DropStorage(cfg.folder, { ...cfg.limits, maxFiles: 1000, minFreeBytes: this.opts.minFreeBytes ?? 256 * 1024 * 1024 }, { recipient: cfg.ageRecipient }),
      onion: new OnionPublication(cfg.persistent ? this.keyFile(cfg.id) : null),
      receiving: new Map(),
      lastRefusal: null,
    };
  }

  private setState(rt: Runtime, state: DropState, error: string | null): void {
    rt.state = state;
    rt.error = error;
    this.opts.bus.emit('drops', 'onDrop', this.dto(rt));
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
    if (p.state === 'complete') {
      // No file names or sizes: a desktop notification can show on a locked screen.
      this.opts.host?.notify?.('Upload received', `A new upload arrived in the drop "${rt.cfg.title}".`);
      this.scheduler.uploadCompleted(rt.cfg.id);
    }
  }

  private emitUpload(up: DropUpload): void {
    this.opts.bus.emit('drops', 'onUpload', up);
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
      ageRecipient: rt.cfg.ageRecipient,
      schedule: { ...rt.cfg.schedule },
      lastRefusal: rt.lastRefusal,
    };
  }

  // ── history: decrypt, open folder ────────────────────────────────────────

  private uploadDir(rt: Runtime, uploadId: string): string {
    // Only names the storage itself creates: never a path a caller chose.
    if (parseFolderName(uploadId) === null) throw new DropError('DROP_NOT_FOUND', 'There is no such upload.');
    return join(rt.cfg.folder, uploadId);
  }

  private async decrypt(input: z.input<typeof DropDecryptArgsSchema>): Promise<{ folder: string; files: { name: string; bytes: number }[] }> {
    const args = DropDecryptArgsSchema.parse(input);
    const rt = this.get(args.id);
    let identity: string;
    try {
      identity = (await validateIdentity(args.identity)).identity;
    } catch (e) {
      if (e instanceof AgeKeyError) throw new DropError('DROP_INVALID_KEY', e.message, { field: 'identity' });
      throw e;
    }
    const dir = this.uploadDir(rt, args.uploadId);
    const up = await readUpload(dir, args.uploadId);
    if (!up) throw new DropError('DROP_NOT_FOUND', 'There is no such upload (it may have been deleted).');
    const sealed = up.files.filter((f) => f.complete && f.encrypted);
    if (sealed.length === 0) {
      throw new DropError('DROP_DECRYPT_FAILED', up.files.some((f) => f.encrypted) ? 'This upload has no complete encrypted file to decrypt.' : 'This upload is not encrypted.');
    }
    const dest = args.destination ?? join(dir, 'decrypted');
    await mkdir(dest, { recursive: true, mode: 0o700 });
    const out: { name: string; bytes: number }[] = [];
    for (const f of sealed) {
      const name = await freeName(dest, f.name.replace(/\.age$/, ''));
      try {
        out.push({ name, bytes: await decryptFile(join(dir, f.name), join(dest, name), identity) });
      } catch (e) {
        if (e instanceof AgeDecryptError) throw new DropError('DROP_DECRYPT_FAILED', `${f.name}: ${e.message}`, { file: f.name, decrypted: out.length });
        throw new DropError('STORAGE_FAILED', `${f.name} could not be decrypted: ${(e as Error).message}`, { file: f.name, decrypted: out.length });
      }
    }
    this.log.info(`drop ${rt.cfg.id}: decrypted ${out.length} file(s) of one upload`);
    return { folder: dest, files: out };
  }

  private async openFolder(id: string, uploadId: string | undefined): Promise<{ opened: boolean; path: string; reason: string | null }> {
    const rt = this.get(id);
    const path = uploadId === undefined ? rt.cfg.folder : this.uploadDir(rt, uploadId);
    if (!(await stat(path).catch(() => null))?.isDirectory()) throw new DropError('DROP_NOT_FOUND', 'That folder does not exist (yet).');
    const host = this.opts.host;
    if (!host?.openPath) return { opened: false, path, reason: 'This app is running without a desktop window here, so it cannot open folders; copy the path instead.' };
    const err = await host.openPath(path);
    return err === '' ? { opened: true, path, reason: null } : { opened: false, path, reason: `The folder could not be opened: ${err}` };
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
    await writeJsonFile(this.configFile, [...this.drops.values()].map((rt) => rt.cfg));
  }
}

/** "a.pdf", or "a-2.pdf" … when a decrypted copy of that name is already there. */
async function freeName(dir: string, name: string): Promise<string> {
  const taken = new Set(await readdir(dir).catch(() => [] as string[]));
  const safe = basename(name);
  if (!taken.has(safe)) return safe;
  const dot = safe.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ''];
  for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}${ext}`)) return `${stem}-${n}${ext}`;
}
