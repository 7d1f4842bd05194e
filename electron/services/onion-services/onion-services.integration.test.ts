// Onion services manager on the app's real tor in the private lab: local HTTP servers exposed as an
// onion service are fetched through a second lab tor's SOCKS port (two mappings, bodies match);
// client authorization blocks the fetch until ONION_CLIENT_AUTH_ADD; a persistent service keeps its
// .onion across tor being killed and still serves; removing it unpublishes (DEL_ONION); bad input is
// refused with field errors and nothing reaches tor; a persistent service comes back with the next run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import type { TorLab } from '../../lab/tor/tor-lab';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { socksConnect, startSourceTor, type SocksTarget, type SourceTor } from '../drops/__fixtures__/lab-source';
import { privateKeyBase64 } from '../onion/client-auth';
import type { IpcErrorData } from '../../../shared/errors';
import { unwrap } from '../../../shared/ipc/result';
import type { OnionService } from '../../../shared/domain/onion-services';
import { OnionServicesService } from './onion-services-service';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));

let core: Core;
let dir: string;
let lab: TorLab;
let source: SourceTor;
const servers: Server[] = [];
const seen: OnionService[] = [];

async function call<T>(channel: string, args?: unknown): Promise<T> {
  return unwrap(await core.router.dispatch(channel, args)) as T;
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A loopback HTTP server answering every request with `body`. */
async function httpServer(body: string): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** GET / on host:port through the source tor's SOCKS port; resolves to the body, rejects on any failure. */
async function fetchVia(s: SocksTarget, host: string, port: number, timeout = 30_000): Promise<string> {
  const socket = await socksConnect(s, host, port, timeout);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  await once(socket, 'end');
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/^HTTP\/1\.1 200/.test(text)) throw new Error(`unexpected answer: ${text.slice(0, 80)}`);
  return text.slice(text.indexOf('\r\n\r\n') + 4);
}

async function fetchWithRetry(host: string, port: number, ms = 60_000): Promise<string> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    try {
      return await fetchVia(source.socks, host, port);
    } catch (e) {
      last = e; // host unreachable while the descriptor publishes
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${host}:${port} did not answer through tor: ${last instanceof Error ? last.message : String(last)}`);
}

/** True if no fetch succeeds for `ms`. */
async function staysUnreachable(host: string, port: number, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    try {
      await fetchVia(source.socks, host, port, Math.max(1000, ms - (Date.now() - t0)));
      return false;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return true;
}

const published = (id: string, after = 0) => seen.slice(after).find((s) => s.id === id && s.state === 'published');

async function onionsOnTor(): Promise<string[]> {
  const v = await core.tor.requireController().getInfoValue('onions/current');
  return v.split(/\s+/).filter(Boolean);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-onions-'));
  core = await createCore({
    dataDir: dir,
    mode: 'lab',
    host: 'headless',
    autostart: false,
    logger: new Logger({ sink: () => undefined }),
    lab: createLabProvider({ bridge: false, torTimeoutMs: 80_000, onTorLab: (l) => (lab = l) }),
  });
  core.bus.subscribe((channel, payload) => {
    if (channel === 'underpass:onions:onService') seen.push(payload as OnionService);
  });
  await call('underpass:supervisor:start', { id: 'tor' });
  await waitFor('tor ready', () => core.tor.status().ready, 100_000);
  source = await startSourceTor(lab, core.registry, resourcesDir, 'onions-source');
}, 180_000);

afterAll(async () => {
  await source?.controller.close().catch(() => undefined);
  await core?.shutdown();
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!haveBundle)('onion services on the lab network', () => {
  it('exposes two local ports as one onion service; both answer through a second tor with their own body', async () => {
    const web = await httpServer('hello from the web port');
    const api = await httpServer('hello from the api port');
    const svc = await call<OnionService>('underpass:onions:create', {
      name: 'Two ports',
      ports: [
        { virtualPort: 80, targetPort: web },
        { virtualPort: 8080, targetPort: api, targetHost: '127.0.0.1' },
      ],
    });
    expect(svc.address).toMatch(/^[a-z2-7]{56}\.onion$/);
    expect(svc.ports).toEqual([
      { virtualPort: 80, targetHost: '127.0.0.1', targetPort: web },
      { virtualPort: 8080, targetHost: '127.0.0.1', targetPort: api },
    ]);
    await waitFor('HS_DESC UPLOADED → published', () => published(svc.id), 60_000);
    expect(await fetchWithRetry(svc.address!, 80)).toBe('hello from the web port');
    expect(await fetchWithRetry(svc.address!, 8080)).toBe('hello from the api port');
    expect((await call<OnionService[]>('underpass:onions:list')).map((s) => s.id)).toContain(svc.id);
    await call('underpass:onions:remove', { id: svc.id });
  }, 180_000);

  it('with client authorization the fetch fails without the key and works after ONION_CLIENT_AUTH_ADD', async () => {
    const port = await httpServer('private body');
    const svc = await call<OnionService>('underpass:onions:create', { name: 'Private', clientAuth: true, ports: [{ virtualPort: 80, targetPort: port }] });
    const sid = svc.address!.replace('.onion', '');
    expect(svc.clientKey).toMatch(new RegExp(`^${sid}:descriptor:x25519:[A-Z2-7]{52}$`));
    await waitFor('published', () => published(svc.id), 60_000);
    // tor cannot decrypt the descriptor without the key: every attempt fails.
    expect(await staysUnreachable(svc.address!, 80, 8000)).toBe(true);
    const added = await source.controller.onionClientAuthAdd(sid, privateKeyBase64(svc.clientKey!.split(':')[3]!));
    expect([250, 251, 252]).toContain(added.status);
    expect(await fetchWithRetry(svc.address!, 80, 30_000)).toBe('private body');
    await call('underpass:onions:remove', { id: svc.id });
  }, 120_000);

  it('a persistent service keeps its .onion across tor kill -9 + restart and still serves; removing it unpublishes', async () => {
    const port = await httpServer('kept body');
    const svc = await call<OnionService>('underpass:onions:create', { name: 'Kept', persistent: true, ports: [{ virtualPort: 80, targetPort: port }] });
    await waitFor('published', () => published(svc.id), 60_000);
    expect((await stat(join(dir, 'onion-services', svc.id, 'onion.key'))).mode & 0o777).toBe(0o600);
    expect(await fetchWithRetry(svc.address!, 80)).toBe('kept body');

    const pid = core.tor.proc.pid!;
    const before = seen.length;
    process.kill(pid, 'SIGKILL');
    await waitFor('tor restarted and ready', () => core.tor.proc.pid !== pid && core.tor.status().ready, 90_000);
    const again = await waitFor('re-published on the new tor', () => published(svc.id, before), 60_000);
    expect(again.address).toBe(svc.address);
    expect(await onionsOnTor()).toContain(svc.address!.replace('.onion', ''));
    expect(await fetchWithRetry(svc.address!, 80, 60_000)).toBe('kept body');

    expect(await call('underpass:onions:remove', { id: svc.id })).toEqual({ removed: true });
    expect(await onionsOnTor()).not.toContain(svc.address!.replace('.onion', ''));
    expect(existsSync(join(dir, 'onion-services', svc.id))).toBe(false);
    expect((await call<OnionService[]>('underpass:onions:list')).map((s) => s.id)).not.toContain(svc.id);
    // The service's circuits closed with DEL_ONION, so a new connection cannot reach it.
    expect(await staysUnreachable(svc.address!, 80, 15_000)).toBe(true);
  }, 300_000);

  it('refuses a non-loopback target, port 0/70000, too many ports and duplicates with field errors, and publishes nothing', async () => {
    const onTor = await onionsOnTor();
    const listed = (await call<OnionService[]>('underpass:onions:list')).length;
    const cases: [unknown, string[]][] = [
      [{ name: 'x', ports: [{ virtualPort: 80, targetPort: 8080, targetHost: '192.0.2.1' }] }, ['ports.0.targetHost']],
      [{ name: 'x', ports: [{ virtualPort: 0, targetPort: 70000 }] }, ['ports.0.targetPort', 'ports.0.virtualPort']],
      [{ name: 'x', ports: Array.from({ length: 17 }, (_, i) => ({ virtualPort: 100 + i, targetPort: 200 + i })) }, ['ports']],
      [{ name: 'x', ports: [{ virtualPort: 80, targetPort: 1 }, { virtualPort: 80, targetPort: 2 }] }, ['ports.1.virtualPort']],
      [{ name: 'x', ports: [{ virtualPort: 80, targetPort: 1, targetHost: 'localhost' }] }, ['ports.0.targetHost']],
    ];
    for (const [args, fields] of cases) {
      const r = (await core.router.dispatch('underpass:onions:create', args));
      expect(r.ok).toBe(false);
      const e = (r as { error: IpcErrorData }).error;
      expect(e.code).toBe('ONION_SERVICE_INVALID');
      expect(Object.keys(e.details ?? {}).sort()).toEqual(fields);
    }
    expect(await onionsOnTor()).toEqual(onTor);
    expect(await call<OnionService[]>('underpass:onions:list')).toHaveLength(listed);
  }, 60_000);

  // Last: it shuts the core's manager down, as quitting the app does.
  it('a persistent service comes back when the app starts again: same .onion, published again, still serves', async () => {
    const port = await httpServer('back again');
    const svc = await call<OnionService>('underpass:onions:create', { name: 'Back', persistent: true, ports: [{ virtualPort: 80, targetPort: port }] });
    const sid = svc.address!.replace('.onion', '');
    await waitFor('published', () => published(svc.id), 60_000);
    // The app quits: its services are taken off tor…
    await core.onionServices.shutdown();
    expect(await onionsOnTor()).not.toContain(sid);
    // …and the next run reads them from its data dir and publishes them with the same key.
    const before = seen.length;
    const next = new OnionServicesService({ root: join(dir, 'onion-services'), tor: core.tor, bus: core.bus, logger: new Logger({ sink: () => undefined }) });
    try {
      const list = await next.handlers().list(undefined);
      expect(list).toEqual([expect.objectContaining({ id: svc.id, name: 'Back', persistent: true, address: svc.address })]);
      await waitFor('published by the next run', () => published(svc.id, before), 60_000);
      expect(await onionsOnTor()).toContain(sid);
      expect(await fetchWithRetry(svc.address!, 80, 60_000)).toBe('back again');
    } finally {
      await next.shutdown();
    }
  }, 180_000);
});
