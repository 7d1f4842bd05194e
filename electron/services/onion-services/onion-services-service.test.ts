// OnionServicesService against a fake tor controller: field errors with nothing sent to tor,
// ADD_ONION with every port mapping and ClientAuthV3, publishing → published from HS_DESC
// UPLOADED, the same key on a new tor, persistent services back after a reload, remove = DEL_ONION.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../event-bus';
import { Logger } from '../../logging/logger';
import { FakeOnionController as FakeController } from '../onion/__fixtures__/fake-onion-controller';
import type { TorStatus } from '../../../shared/domain/tor';
import type { OnionService } from '../../../shared/domain/onion-services';
import { OnionServicesService } from './onion-services-service';

let dir: string;
let bus: EventBus;
let ctl: FakeController;
let ready: boolean;
let events: OnionService[];
const made: OnionServicesService[] = [];

function makeService(): OnionServicesService {
  const s = new OnionServicesService({
    root: join(dir, 'onion-services'),
    bus,
    logger: new Logger({ sink: () => undefined }),
    tor: {
      status: () => ({ ready }),
      requireController: () => {
        if (!ready) throw new Error('tor is not running');
        return ctl.asController();
      },
    },
  });
  made.push(s);
  return s;
}
const torStatus = (r: boolean) => bus.emit('tor', 'onStatus', { ready: r } as TorStatus);
const tick = () => new Promise((r) => setTimeout(r, 30));
const A = 'a'.repeat(56);

/** The field errors of an ONION_SERVICE_INVALID rejection. */
async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  const e = await p.then(
    () => null,
    (x: unknown) => x as { code?: string; details?: Record<string, string> },
  );
  expect(e?.code).toBe('ONION_SERVICE_INVALID');
  return e?.details ?? {};
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onion-services-'));
  bus = new EventBus();
  ctl = new FakeController();
  ready = true;
  events = [];
  bus.subscribe((ch, p) => ch === 'underpass:onions:onService' && events.push(p as OnionService));
});
afterEach(async () => {
  for (const s of made.splice(0)) await s.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('OnionServicesService', () => {
  it('rejects bad input with one field error per problem and sends nothing to tor', async () => {
    const svc = makeService();
    const h = svc.handlers();
    const bad = svc.create({
      name: ' ',
      ports: [
        { virtualPort: 0, targetPort: 70000 },
        { virtualPort: 80, targetPort: 8080, targetHost: '10.0.0.1' },
        { virtualPort: 80, targetPort: 8081, targetHost: 'localhost' },
        { virtualPort: 81.5, targetPort: 1 },
      ],
    });
    const details = await fieldErrors(bad);
    expect(Object.keys(details).sort()).toEqual(['name', 'ports.0.targetPort', 'ports.0.virtualPort', 'ports.1.targetHost', 'ports.2.targetHost', 'ports.2.virtualPort', 'ports.3.virtualPort']);
    expect(details['ports.0.virtualPort']).toMatch(/1 to 65535/);
    expect(details['ports.0.targetPort']).toMatch(/1 to 65535/);
    expect(details['ports.1.targetHost']).toMatch(/127/);
    expect(details['ports.2.virtualPort']).toMatch(/another mapping/);
    const tooMany = Array.from({ length: 17 }, (_, i) => ({ virtualPort: 1000 + i, targetPort: 2000 + i }));
    expect((await fieldErrors(svc.create({ name: 'x', ports: tooMany }))).ports).toMatch(/At most 16/);
    expect(Object.keys(await fieldErrors(svc.create({ name: 'x', ports: [] })))).toEqual(['ports']);
    expect(ctl.added).toHaveLength(0);
    expect(await h.list(undefined)).toEqual([]);
  });

  it('publishes every mapping with ClientAuthV3 and is published on HS_DESC UPLOADED', async () => {
    const svc = makeService();
    torStatus(true);
    const s = await svc.create({
      name: 'Web and SSH',
      clientAuth: true,
      ports: [
        { virtualPort: 80, targetPort: 8080 },
        { virtualPort: 22, targetPort: 2222, targetHost: '127.0.0.2' },
        { virtualPort: 443, targetPort: 8443, targetHost: '::1' },
      ],
    });
    expect(s).toMatchObject({ state: 'publishing', address: `${A}.onion`, persistent: false, clientAuth: true });
    expect(ctl.added[0]?.ports).toEqual([
      { virtualPort: 80, target: '127.0.0.1:8080' },
      { virtualPort: 22, target: '127.0.0.2:2222' },
      { virtualPort: 443, target: '[::1]:8443' },
    ]);
    expect(ctl.added[0]?.clientAuthV3?.[0]).toMatch(/^[A-Z2-7]{52}$/);
    expect(s.clientKey).toMatch(new RegExp(`^${A}:descriptor:x25519:[A-Z2-7]{52}$`));
    ctl.uploaded('b'.repeat(56));
    expect(events.at(-1)?.state).toBe('publishing');
    ctl.uploaded(A);
    expect(events.at(-1)).toMatchObject({ id: s.id, state: 'published' });
  });

  it('a refusal by tor is an ONION_SERVICE_FAILED error and leaves no service behind', async () => {
    const svc = makeService();
    const h = svc.handlers();
    torStatus(true);
    ctl.refuse = Object.assign(new Error('Unable to add onion'), { code: 'TOR_CONTROL_FAILED' });
    await expect(svc.create({ name: 'x', ports: [{ virtualPort: 80, targetPort: 8080 }], persistent: true })).rejects.toMatchObject({ code: 'ONION_SERVICE_FAILED' });
    expect(await h.list(undefined)).toEqual([]);
  });

  it('waits for tor, then publishes again with the same key when tor comes back', async () => {
    ready = false;
    const svc = makeService();
    const s = await svc.create({ name: 'x', ports: [{ virtualPort: 80, targetPort: 8080 }] });
    expect(s).toMatchObject({ state: 'starting', address: null });
    ready = true;
    torStatus(true);
    await tick();
    ctl.uploaded(A);
    expect(events.at(-1)).toMatchObject({ state: 'published', address: `${A}.onion` });
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
    expect(events.at(-1)).toMatchObject({ state: 'publishing', address: `${A}.onion` });
  });

  it('keeps persistent services (owner-only key) across a reload; temporary ones end with the app; remove deletes the onion and the key', async () => {
    const svc = makeService();
    torStatus(true);
    const kept = await svc.create({ name: 'Kept', persistent: true, ports: [{ virtualPort: 80, targetPort: 8080 }] });
    await svc.create({ name: 'Temp', ports: [{ virtualPort: 80, targetPort: 8081 }] });
    const keyFile = join(dir, 'onion-services', kept.id, 'onion.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'onion-services', 'services.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toBe('ED25519-V3:KEY1\n');
    await svc.shutdown();

    const old = ctl;
    ctl = new FakeController();
    ctl.restartFrom(old);
    const again = makeService();
    const list = await again.handlers().list(undefined);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: kept.id, name: 'Kept', state: 'publishing', address: kept.address });
    expect(ctl.added[0]?.key).toEqual({ type: 'ED25519-V3', key: 'KEY1' });

    const removed: string[] = [];
    bus.subscribe((ch, p) => ch === 'underpass:onions:onRemoved' && removed.push((p as { id: string }).id));
    expect(await again.handlers().remove({ id: kept.id })).toEqual({ removed: true });
    expect(ctl.deleted).toEqual([A]);
    expect(removed).toEqual([kept.id]);
    await expect(stat(keyFile)).rejects.toThrow();
    expect(JSON.parse(await readFile(join(dir, 'onion-services', 'services.json'), 'utf8'))).toEqual([]);
    await expect(again.handlers().remove({ id: kept.id })).rejects.toMatchObject({ code: 'ONION_SERVICE_NOT_FOUND' });
  });
});
