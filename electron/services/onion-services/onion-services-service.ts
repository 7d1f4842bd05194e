// The onion services manager (issue 5 §6): local loopback ports published as onion services on the
// app's tor, temporary or persistent (config and key owner-only under <data>/onion-services), with
// optional client authorization; publishing → published from HS_DESC UPLOADED; published again
// after tor restarts. Never logs keys.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Handlers } from '../../../shared/ipc/api';
import {
  OnionPortMapSchema,
  OnionServiceCreateArgsSchema,
  onionServiceFieldErrors,
  onionTarget,
  type OnionService,
  type OnionServiceCreateArgs,
  type OnionServiceState,
} from '../../../shared/domain/onion-services';
import type { EventBus } from '../event-bus';
import type { Logger, ScopedLogger } from '../../logging/logger';
import { ServiceError } from '../../util/service-error';
import type { TorController } from '../tor/control';
import { torErrorToIpc } from '../tor/errors';
import { generateClientAuth, torBrowserKey } from '../onion/client-auth';
import { writeJsonFile } from '../../util/json-file';
import { OnionPublication } from '../onion/publication';
import { OnionTorWatch, type TorAccess } from '../onion/tor-watch';

export class OnionServiceError extends ServiceError {}

export interface OnionServicesOptions {
  /** <data>/onion-services */
  root: string;
  tor: TorAccess;
  bus: EventBus;
  logger: Logger;
}

const StoredServiceSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: z.string(),
  ports: z.array(OnionPortMapSchema).min(1),
  createdAt: z.number(),
  /** The client's x25519 pair (base32); the private half is shown to the user to hand out. */
  clientAuth: z.object({ publicKey: z.string().regex(/^[A-Z2-7]{52}$/), privateKey: z.string().regex(/^[A-Z2-7]{52}$/) }).nullable(),
  /** Last known address (kept across restarts). */
  address: z.string().nullable(),
});
type StoredService = z.infer<typeof StoredServiceSchema>;

interface Runtime {
  cfg: StoredService;
  persistent: boolean;
  state: OnionServiceState;
  error: string | null;
  onion: OnionPublication;
}

export class OnionServicesService {
  private readonly services = new Map<string, Runtime>();
  private readonly log: ScopedLogger;
  private readonly watch: OnionTorWatch;
  private readonly configFile: string;
  private loading: Promise<void> | null = null;

  constructor(private readonly opts: OnionServicesOptions) {
    this.log = opts.logger.scope('onion-services');
    this.configFile = join(opts.root, 'services.json');
    this.watch = new OnionTorWatch(opts.tor, opts.bus, {
      down: () => {
        for (const rt of this.services.values()) {
          if (rt.state === 'publishing' || rt.state === 'published') {
            rt.onion.lost();
            this.setState(rt, 'starting', null);
          }
        }
      },
      ready: async (c, fresh) => {
        for (const rt of this.services.values()) {
          // One tor's refusal is retried on the next tor, not on every status event of the same one.
          if (!rt.onion.isOn(c) && rt.state !== 'publishing' && (rt.state !== 'failed' || fresh)) await this.publish(rt, c).catch(() => undefined);
        }
      },
      uploaded: (sid) => {
        for (const rt of this.services.values()) if (rt.onion.serviceId === sid && rt.state === 'publishing') this.setState(rt, 'published', null);
      },
    });
  }

  /** Reads the persistent services and publishes them (once tor is ready). */
  load(): Promise<void> {
    this.loading ??= this.readConfig();
    return this.loading;
  }

  handlers(): Handlers['onions'] {
    return {
      create: async (args) => {
        await this.load();
        return this.create(args);
      },
      list: async () => {
        await this.load();
        return [...this.services.values()].map((rt) => this.dto(rt));
      },
      remove: async ({ id }) => {
        await this.load();
        return this.remove(id);
      },
    };
  }

  async shutdown(): Promise<void> {
    this.watch.dispose();
    for (const rt of this.services.values()) await rt.onion.unpublish();
  }

  async create(input: OnionServiceCreateArgs): Promise<OnionService> {
    const args = OnionServiceCreateArgsSchema.parse(input);
    const fieldErrors = onionServiceFieldErrors(args);
    if (Object.keys(fieldErrors).length > 0) {
      throw new OnionServiceError('ONION_SERVICE_INVALID', Object.entries(fieldErrors).map(([k, v]) => `${k}: ${v}`).join('\n'), fieldErrors);
    }
    const id = randomBytes(8).toString('hex');
    const cfg: StoredService = {
      id,
      name: args.name.trim(),
      ports: args.ports.map((p) => ({ virtualPort: p.virtualPort, targetHost: (p.targetHost ?? '127.0.0.1').trim(), targetPort: p.targetPort })),
      createdAt: Date.now(),
      clientAuth: args.clientAuth ? generateClientAuth() : null,
      address: null,
    };
    const rt = this.runtime(cfg, args.persistent);
    this.services.set(id, rt);
    // null: tor is not ready (published when it is), or a tor seen for the first time, whose ready
    // hook has just published every service, this one included.
    const c = this.watch.ready ? await this.watch.current() : null;
    if (c) await this.publish(rt, c).catch(() => undefined);
    if (rt.state === 'failed') {
      // tor refused it: nothing is published and the service is not kept.
      this.services.delete(id);
      await rm(join(this.opts.root, id), { recursive: true, force: true });
      throw new OnionServiceError('ONION_SERVICE_FAILED', rt.error ?? 'tor could not publish the service');
    }
    if (rt.persistent) await this.save();
    this.log.info(`onion service ${id} created (${cfg.ports.length} port${cfg.ports.length === 1 ? '' : 's'}, ${rt.persistent ? 'persistent' : 'temporary'}${cfg.clientAuth ? ', client auth' : ''})`);
    return this.dto(rt);
  }

  private async remove(id: string): Promise<{ removed: boolean }> {
    const rt = this.services.get(id);
    if (!rt) throw new OnionServiceError('ONION_SERVICE_NOT_FOUND', 'There is no such onion service (it may have been removed).');
    this.services.delete(id);
    await rt.onion.unpublish();
    if (rt.persistent) await this.save();
    await rm(join(this.opts.root, id), { recursive: true, force: true });
    this.opts.bus.emit('onions', 'onRemoved', { id });
    this.log.info(`onion service ${id} removed`);
    return { removed: true };
  }

  private async publish(rt: Runtime, c: TorController): Promise<void> {
    if (rt.onion.isOn(c)) return;
    try {
      const sid = await rt.onion.publish(c, {
        ports: rt.cfg.ports.map((p) => ({ virtualPort: p.virtualPort, target: onionTarget(p) })),
        ...(rt.cfg.clientAuth ? { clientAuthV3: [rt.cfg.clientAuth.publicKey] } : {}),
      });
      // Removed while ADD_ONION was in flight: take it down again.
      if (!this.services.has(rt.cfg.id)) {
        await rt.onion.unpublish();
        return;
      }
      if (rt.cfg.address !== `${sid}.onion`) {
        rt.cfg.address = `${sid}.onion`;
        if (rt.persistent) await this.save();
      }
      // HS_DESC UPLOADED may already have moved it to published.
      if (rt.state !== 'published') this.setState(rt, 'publishing', null);
    } catch (e) {
      const err = torErrorToIpc(e);
      this.setState(rt, 'failed', `tor could not publish the service: ${err.message}`);
      throw new OnionServiceError('ONION_SERVICE_FAILED', rt.error ?? err.message, err.details);
    }
  }

  private runtime(cfg: StoredService, persistent: boolean): Runtime {
    return {
      cfg,
      persistent,
      state: 'starting',
      error: null,
      onion: new OnionPublication(persistent ? join(this.opts.root, cfg.id, 'onion.key') : null),
    };
  }

  private setState(rt: Runtime, state: OnionServiceState, error: string | null): void {
    rt.state = state;
    rt.error = error;
    if (this.services.has(rt.cfg.id)) this.opts.bus.emit('onions', 'onService', this.dto(rt));
  }

  private dto(rt: Runtime): OnionService {
    const address = rt.onion.serviceId ? `${rt.onion.serviceId}.onion` : rt.persistent ? rt.cfg.address : null;
    const sid = address?.replace(/\.onion$/, '') ?? null;
    return {
      id: rt.cfg.id,
      name: rt.cfg.name,
      ports: rt.cfg.ports,
      persistent: rt.persistent,
      clientAuth: rt.cfg.clientAuth !== null,
      state: rt.state,
      address,
      clientKey: rt.cfg.clientAuth && sid ? torBrowserKey(sid, rt.cfg.clientAuth.privateKey) : null,
      createdAt: rt.cfg.createdAt,
      error: rt.error,
    };
  }

  private async readConfig(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    let saved: StoredService[] = [];
    try {
      saved = z.array(StoredServiceSchema).parse(JSON.parse(await readFile(this.configFile, 'utf8')));
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ENOENT') this.log.warn(`services.json could not be read; starting with no onion services (${(e as Error).message})`);
    }
    for (const cfg of saved) if (!this.services.has(cfg.id)) this.services.set(cfg.id, this.runtime(cfg, true));
    if (this.watch.ready) await this.watch.update(true);
  }

  /** Only persistent services are written: a temporary one ends with the app. */
  private async save(): Promise<void> {
    await mkdir(this.opts.root, { recursive: true, mode: 0o700 });
    const persistent = [...this.services.values()].filter((rt) => rt.persistent).map((rt) => rt.cfg);
    await writeJsonFile(this.configFile, persistent);
  }
}
