// DropService against a fake tor controller: ADD_ONION arguments (unix target, ClientAuthV3),
// publishing → published from HS_DESC UPLOADED, re-publishing with the same key when tor comes
// back, owner-only key files, reload of persistent and temporary drops, stop and remove; an
// encrypted drop receiving over real loopback HTTP, decrypt, notify, open-folder and the schedule.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../event-bus';
import { Logger } from '../../logging/logger';
import { FakeOnionController as FakeController } from '../onion/__fixtures__/fake-onion-controller';
import type { TorStatus } from '../../../shared/domain/tor';
import type { Drop } from '../../../shared/domain/drop';
import { DropService, type DropHost } from './drop-service';

// Generous: a loaded CI machine can take seconds for what takes milliseconds here.
const WAIT = { timeout: 15_000 };

let dir: string;
let bus: EventBus;
let ctl: FakeController;
let ready: boolean;
let events: Drop[];
const services: DropService[] = [];

function makeService(host?: DropHost): DropService {
  const s = new DropService({
    ...(host ? { host } : {}),
    root: join(dir, 'drops'),
    bus,
    logger: new Logger({ sink: () => undefined }),
    minFreeBytes: 0,
    tor: {
      status: () => ({ ready }),
      requireController: () => {
        if (!ready) throw new Error('tor is not running');
        return ctl.asController();
      },
    },
  });
  services.push(s);
  return s;
}
const torStatus = (r: boolean) => bus.emit('tor', 'onStatus', { ready: r } as TorStatus);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drop-service-'));
  bus = new EventBus();
  ctl = new FakeController();
  ready = true;
  events = [];
  bus.subscribe((ch, p) => ch === 'underpass:drops:onDrop' && events.push(p as Drop));
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
    await vi.waitFor(() => expect(ctl.added).toHaveLength(1), WAIT);
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
    await vi.waitFor(() => expect(ctl.added[0]?.key).toEqual({ type: 'ED25519-V3', key: 'KEY1' }), WAIT);
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
    bus.subscribe((ch, p) => ch === 'underpass:drops:onRemoved' && removed.push((p as { id: string }).id));
    expect(await h.remove({ id: d.id })).toEqual({ removed: true });
    expect(removed).toEqual([d.id]);
    expect(JSON.parse(await readFile(join(dir, 'drops', 'drops.json'), 'utf8'))).toEqual([]);
    await expect(stat(join(dir, 'drops', d.id, 'onion.key'))).rejects.toThrow();
    await expect(h.start({ id: d.id })).rejects.toMatchObject({ code: 'DROP_NOT_FOUND' });
  });
});

describe('DropService: encryption at rest, history and schedule', () => {
  async function upload(d: Drop, fields: Record<string, string | Blob>, name = 'doc.txt'): Promise<number> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === 'string') form.append(k, v);
      else form.append(k, v, name);
    }
    const r = await fetch(`http://127.0.0.1:${d.localPort}/upload`, { method: 'POST', body: form });
    await r.text();
    return r.status;
  }

  it('stores an upload encrypted, notifies, stops after the first upload, decrypts with the identity and opens the folder', async () => {
    const notes: string[] = [];
    const opened: string[] = [];
    const svc = makeService({ notify: (t, b) => notes.push(`${t}: ${b}`), openPath: (p) => (opened.push(p), Promise.resolve('')) });
    torStatus(true);
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const d = await svc.create({ title: 'Sealed', ageRecipient: ` ${recipient} `, schedule: { stopAfterFirstUpload: true } });
    expect(d).toMatchObject({ ageRecipient: recipient, schedule: { stopAfterFirstUpload: true, startAt: null } });
    const secret = 'SECRET-PLAINTEXT-MARKER '.repeat(10_000);
    expect(await upload(d, { file: new Blob([secret]), message: 'meet at nine' })).toBe(200);
    // The notice and the stop follow the upload's completion asynchronously: wait for them.
    await vi.waitFor(() => expect(notes).toEqual(['Upload received: A new upload arrived in the drop "Sealed".']), WAIT);
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ id: d.id, state: 'stopped', schedule: { stopAfterFirstUpload: false } }), WAIT);
    const h = svc.handlers();
    const [up] = await h.listUploads({ id: d.id });
    expect(up?.files.map((f) => [f.name, f.encrypted])).toEqual([
      ['doc.txt.age', true],
      ['message.txt.age', true],
    ]);
    for (const f of await readdir(up!.path)) expect((await readFile(join(up!.path, f))).includes('SECRET-PLAINTEXT')).toBe(false);

    const wrong = await generateX25519Identity();
    await expect(h.decrypt({ id: d.id, uploadId: up!.id, identity: wrong })).rejects.toMatchObject({ code: 'DROP_DECRYPT_FAILED' });
    await expect(h.decrypt({ id: d.id, uploadId: up!.id, identity: 'AGE-SECRET-KEY-1' + 'Q'.repeat(58) })).rejects.toMatchObject({ code: 'DROP_INVALID_KEY', details: { field: 'identity' } });
    const res = await h.decrypt({ id: d.id, uploadId: up!.id, identity });
    expect(res).toEqual({ folder: join(up!.path, 'decrypted'), files: [{ name: 'doc.txt', bytes: secret.length }, { name: 'message.txt', bytes: 12 }] });
    expect(await readFile(join(res.folder, 'doc.txt'), 'utf8')).toBe(secret);
    expect(await readFile(join(res.folder, 'message.txt'), 'utf8')).toBe('meet at nine');
    // Again: copies are never overwritten; the listing is unchanged by the "decrypted" folder.
    expect((await h.decrypt({ id: d.id, uploadId: up!.id, identity })).files[0]?.name).toBe('doc-2.txt');
    expect((await h.listUploads({ id: d.id }))[0]?.files).toHaveLength(2);

    expect(await h.openFolder({ id: d.id, uploadId: up!.id })).toEqual({ opened: true, path: up!.path, reason: null });
    expect(opened).toEqual([up!.path]);
    await expect(h.openFolder({ id: d.id, uploadId: '../../etc' })).rejects.toMatchObject({ code: 'DROP_NOT_FOUND' });
  });

  it('headless: no folder opening, a path to copy instead; bad keys and schedules are refused with the field', async () => {
    const svc = makeService();
    torStatus(true);
    const h = svc.handlers();
    await expect(svc.create({ title: 'x', ageRecipient: 'age1' + 'q'.repeat(58) })).rejects.toMatchObject({ code: 'DROP_INVALID_KEY', details: { field: 'ageRecipient' } });
    await expect(svc.create({ title: 'x', schedule: { startAt: Date.now() - 60_000 } })).rejects.toMatchObject({ code: 'DROP_SCHEDULE_INVALID', details: { field: 'schedule.startAt' } });
    const d = await svc.create({ title: 'Plain' });
    const r = await h.openFolder({ id: d.id });
    expect(r).toMatchObject({ opened: false, path: d.folder });
    expect(r.reason).toMatch(/copy the path/);
    await expect(h.decrypt({ id: d.id, uploadId: '2026-01-01_00-00-00', identity: await generateX25519Identity() })).rejects.toMatchObject({ code: 'DROP_NOT_FOUND' });
  });

  it('a drop scheduled to start later waits, also across an app restart', async () => {
    const svc = makeService();
    torStatus(true);
    const d = await svc.create({ title: 'Later', persistent: true, schedule: { startInMinutes: 30, stopAfterMinutes: 10 } });
    expect(d.state).toBe('stopped');
    expect(d.localPort).toBeNull();
    expect(d.schedule.startAt).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(ctl.added).toHaveLength(0);
    await svc.shutdown();
    const again = makeService();
    const [listed] = await again.handlers().list(undefined);
    expect(listed).toMatchObject({ state: 'stopped', schedule: { startAt: d.schedule.startAt, stopAfterMinutes: 10 } });
    // Started by hand before its time: the start is done and the 10-minute stop clock runs.
    const started = await again.handlers().start({ id: d.id });
    expect(started.schedule.startAt).toBeNull();
    expect(started.schedule.stopAt).toBeGreaterThan(Date.now() + 9 * 60_000);
  });
});
