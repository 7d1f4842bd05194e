// DropService against a fake tor controller: ADD_ONION arguments (unix target, ClientAuthV3),
// publishing → published from HS_DESC UPLOADED, re-publishing with the same key when tor comes
// back, owner-only key files, reload of persistent and temporary drops, stop and remove.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../ipc/router';
import { Logger } from '../../logging/logger';
import type { TorController } from '../tor/control';
import type { AddOnionRequest } from '../tor/control/commands';
import type { TorStatus } from '../../../shared/domain/tor';
import type { Drop } from '../../../shared/domain/drop';
import { DropService } from './drop-service';

type HsListener = (e: { type: 'HS_DESC'; action: string; address: string }) => void;

class FakeController {
  closed = false;
  added: AddOnionRequest[] = [];
  deleted: string[] = [];
  listeners = new Set<HsListener>();
  private readonly ids = new Map<string, string>();
  async addOnion(req: AddOnionRequest) {
    this.added.push(req);
    const key = req.key.type === 'NEW' ? `KEY${this.added.length}` : req.key.key;
    if (!this.ids.has(key)) this.ids.set(key, String.fromCharCode(97 + this.ids.size).repeat(56));
    return { serviceId: this.ids.get(key)!, clientAuthV3: [], clientAuth: [], ...(req.key.type === 'NEW' ? { privateKey: { keyType: 'ED25519-V3', key } } : {}) };
  }
  async delOnion(id: string) {
    this.deleted.push(id);
  }
  on(_type: 'HS_DESC', l: HsListener) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  uploaded(address: string) {
    for (const l of this.listeners) l({ type: 'HS_DESC', action: 'UPLOADED', address });
  }
  /** The same keys on a new tor give the same addresses. */
  restartFrom(prev: FakeController) {
    for (const [k, v] of prev.ids) this.ids.set(k, v);
  }
}

let dir: string;
let bus: EventBus;
let ctl: FakeController;
let ready: boolean;
let events: Drop[];
const services: DropService[] = [];

function makeService(): DropService {
  const s = new DropService({
    root: join(dir, 'drops'),
    bus,
    logger: new Logger({ sink: () => undefined }),
    minFreeBytes: 0,
    tor: {
      status: () => ({ ready }),
      requireController: () => {
        if (!ready) throw new Error('tor is not running');
        return ctl as unknown as TorController;
      },
    },
  });
  services.push(s);
  return s;
}
const torStatus = (r: boolean) => bus.emit('tor', 'onStatus', { ready: r } as TorStatus);
const tick = () => new Promise((r) => setTimeout(r, 30));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drop-service-'));
  bus = new EventBus();
  ctl = new FakeController();
  ready = true;
  events = [];
  bus.subscribe((ch, p) => ch === 'underpass:drop:onDrop' && events.push(p as Drop));
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('DropService', () => {
  it('publishes with ADD_ONION to its unix socket, with ClientAuthV3, and is published on HS_DESC UPLOADED', async () => {
    const svc = makeService();
    torStatus(true);
    const d = await svc.create({ title: 'T', clientAuth: true });
    expect(d.state).toBe('publishing');
    const req = ctl.added[0]!;
    expect(req.key).toEqual({ type: 'NEW', algorithm: 'ED25519-V3' });
    expect(req.ports[0]?.target).toMatch(/^unix:\/.*\/http\.sock$/);
    expect(req.clientAuthV3?.[0]).toMatch(/^[A-Z2-7]{52}$/);
    expect(d.clientKey).toMatch(new RegExp(`^${'a'.repeat(56)}:descriptor:x25519:[A-Z2-7]{52}$`));
    ctl.uploaded('b'.repeat(56)); // someone else's service: no change
    expect(events.at(-1)?.state).toBe('publishing');
    ctl.uploaded('a'.repeat(56));
    expect(events.at(-1)).toMatchObject({ id: d.id, state: 'published', address: `${'a'.repeat(56)}.onion` });
  });

  it('waits for tor, and publishes again with the same key when tor comes back', async () => {
    ready = false;
    const svc = makeService();
    const d = await svc.create({ title: 'T' });
    expect(d.state).toBe('starting');
    expect(ctl.added).toHaveLength(0);
    ready = true;
    torStatus(true);
    await tick();
    expect(ctl.added).toHaveLength(1);
    ctl.uploaded('a'.repeat(56));
    const first = events.at(-1)!;
    expect(first.state).toBe('published');

    ready = false;
    torStatus(false);
    expect(events.at(-1)?.state).toBe('starting');
    const old = ctl;
    ctl = new FakeController();
    ctl.restartFrom(old);
    ready = true;
    torStatus(true);
    await tick();
    expect(ctl.added[0]?.key).toEqual({ type: 'ED25519-V3', key: 'KEY1' });
    ctl.uploaded('a'.repeat(56));
    expect(events.at(-1)).toMatchObject({ state: 'published', address: first.address });
  });

  it('keeps a persistent key owner-only and restores persistent drops on reload; temporary ones come back stopped', async () => {
    const svc = makeService();
    torStatus(true);
    const kept = await svc.create({ title: 'Kept', persistent: true });
    const temp = await svc.create({ title: 'Temp' });
    const keyFile = join(dir, 'drops', kept.id, 'onion.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'drops', 'drops.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toBe('ED25519-V3:KEY1\n');
    await svc.shutdown();

    const old = ctl;
    ctl = new FakeController();
    ctl.restartFrom(old);
    const again = makeService();
    torStatus(true);
    const list = await again.handlers().list(undefined);
    expect(list.find((x) => x.id === kept.id)).toMatchObject({ state: 'publishing', address: kept.address });
    expect(ctl.added[0]?.key).toEqual({ type: 'ED25519-V3', key: 'KEY1' });
    expect(list.find((x) => x.id === temp.id)).toMatchObject({ state: 'stopped', address: null });
  });

  it('stop deletes the onion; remove forgets the drop and its key', async () => {
    const svc = makeService();
    torStatus(true);
    const d = await svc.create({ title: 'T', persistent: true });
    const h = svc.handlers();
    expect(await h.stop({ id: d.id })).toMatchObject({ state: 'stopped', localPort: null });
    expect(ctl.deleted).toEqual(['a'.repeat(56)]);
    const removed: string[] = [];
    bus.subscribe((ch, p) => ch === 'underpass:drop:onRemoved' && removed.push((p as { id: string }).id));
    expect(await h.remove({ id: d.id })).toEqual({ removed: true });
    expect(removed).toEqual([d.id]);
    expect(JSON.parse(await readFile(join(dir, 'drops', 'drops.json'), 'utf8'))).toEqual([]);
    await expect(stat(join(dir, 'drops', d.id, 'onion.key'))).rejects.toThrow();
    await expect(h.start({ id: d.id })).rejects.toMatchObject({ code: 'DROP_NOT_FOUND' });
  });
});
