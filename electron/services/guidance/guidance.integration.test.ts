// Every guidance action, applied through the contract on a lab-mode core, does what it says:
// tor starts, the lab bridge is applied, a drop with client authorization exists, and the two
// actions that need the user's input open the right section.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import { GUIDANCE_ACTIONS, type ApplyResult, type Measurement } from '../../../shared/domain/guidance';
import type { Drop } from '../../../shared/domain/drop';
import { unwrap } from '../../../shared/ipc/result';
import { sleep } from '../../util/process';

let core: Core;
let dir: string;

async function call<T>(channel: string, args?: unknown): Promise<T> {
  const result = await core.router.dispatch(channel, args);
  return unwrap(result) as T;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-guidance-'));
  core = await createCore({ dataDir: dir, mode: 'lab', host: 'headless', autostart: false, logger: new Logger({ sink: () => undefined }), lab: createLabProvider({ bridge: true }) });
}, 60_000);

afterAll(async () => {
  await core?.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('guidance actions through the contract', () => {
  it('has a handler for every action in the content vocabulary', async () => {
    for (const action of GUIDANCE_ACTIONS) {
      const r = await core.router.dispatch('underpass:guidance:apply', { action });
      expect(r.ok, `${action}: ${r.ok ? '' : r.error.message}`).toBe(true);
    }
  }, 120_000);

  it('tor.start starts tor on the lab network', async () => {
    const r = await call<ApplyResult>('underpass:guidance:apply', { action: 'tor.start' });
    expect(r).toMatchObject({ done: true, navigate: 'tor' });
    const end = Date.now() + 90_000;
    while (!core.tor.status().ready && Date.now() < end) await sleep(200);
    expect(core.tor.status().ready).toBe(true);
  }, 120_000);

  it('bridges.useRecommended applies the lab bridge', async () => {
    const r = await call<ApplyResult>('underpass:guidance:apply', { action: 'bridges.useRecommended' });
    expect(r.done).toBe(true);
    const current = await call<{ selection: { kind: string } | null; bridges: { transport: string }[] }>('underpass:bridges:current');
    expect(current.selection).toEqual({ kind: 'lab' });
    expect(current.bridges[0]?.transport).toBe('obfs4');
    await call('underpass:bridges:revert');
  }, 60_000);

  it('drop.createProtected creates a drop that needs a client key, unencrypted at rest without an age key', async () => {
    const r = await call<ApplyResult>('underpass:guidance:apply', { action: 'drop.createProtected' });
    expect(r.message).toContain('stored unencrypted');
    const drops = await call<Drop[]>('underpass:drops:list');
    expect(drops.some((d) => d.clientAuth && d.persistent && d.ageRecipient === null)).toBe(true);
  }, 60_000);

  it('drop.createProtected with the journalist\'s age key encrypts the drop at rest to it', async () => {
    // The journalist's key pair; in real use its secret half is made and kept elsewhere.
    const { recipient } = await call<{ recipient: string }>('underpass:drops:generateIdentity');
    const before = new Set((await call<Drop[]>('underpass:drops:list')).map((d) => d.id));
    const r = await call<ApplyResult>('underpass:guidance:apply', { action: 'drop.createProtected', ageRecipient: recipient });
    expect(r).toMatchObject({ done: true, navigate: 'onion' });
    const created = (await call<Drop[]>('underpass:drops:list')).filter((d) => !before.has(d.id));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ clientAuth: true, persistent: true, ageRecipient: recipient });
    // A key with a broken checksum is refused by the drop, not silently dropped.
    const bad = `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`;
    const refused = await core.router.dispatch('underpass:guidance:apply', { action: 'drop.createProtected', ageRecipient: bad });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('DROP_INVALID_KEY');
    // An age key on an action that is not a drop is refused by the contract.
    const wrong = await core.router.dispatch('underpass:guidance:apply', { action: 'tor.start', ageRecipient: recipient });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.code).toBe('IPC_INVALID_ARGS');
  }, 60_000);

  it('nym.composeAnonymous and i2p.openClientTunnel open their sections', async () => {
    expect(await call<ApplyResult>('underpass:guidance:apply', { action: 'nym.composeAnonymous' })).toMatchObject({ navigate: 'messages' });
    expect(await call<ApplyResult>('underpass:guidance:apply', { action: 'i2p.openClientTunnel' })).toMatchObject({ navigate: 'i2p' });
  });

  it('measures Tor for real and never invents numbers for the others', async () => {
    const m = await call<Measurement[]>('underpass:guidance:measure');
    const tor = m.find((x) => x.network === 'tor');
    expect(tor?.ok).toBe(true);
    if (tor?.ok) {
      expect(tor.rttMs).toBeGreaterThan(0);
      expect(tor.throughputBps).toBeGreaterThan(0);
    }
    for (const other of m.filter((x) => x.network !== 'tor')) if (!other.ok) expect(other.reason.length).toBeGreaterThan(0);
  }, 90_000);
});
