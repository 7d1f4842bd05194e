// Integration test of the private Tor lab against the bundled tor/lyrebird: full consensus, a client
// to 100% and through an exit to the lab origin, a bridge-only client, teardown by pid. Every tor
// here runs from a lab torrc (TestingTorNetwork + the lab DirAuthority only); nothing dials out.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../logging/logger';
import { ProcessRegistry } from '../../supervisor/registry';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { missingFromConsensus, parseMicrodescConsensus } from './consensus';
import { originBody } from './http-origin';
import { inLoopbackOnlyNamespace } from './isolation';
import { socksConnect, startLabClient, type LabClient, type SocksTarget } from './lab-client';
import { describeTorLab, startTorLab, type TorLab } from './tor-lab';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));
const isRoot = process.getuid?.() === 0;
const alreadyIsolated = await inLoopbackOnlyNamespace();

interface Env {
  logger: Logger;
  registry: ProcessRegistry;
  runDir: string;
}

async function makeEnv(): Promise<Env> {
  const runDir = await mkdtemp(join(tmpdir(), 'utorlab-run-'));
  const logger = new Logger({
    minLevel: 'info',
    // Lab progress and anything that went wrong; tor's notice chatter stays in each node's notice.log.
    sink: (formatted, line) => {
      if (line.level === 'warn' || line.level === 'error' || line.source === 'lab:tor' || line.source === 'lab:isolation') {
        process.stderr.write(`${formatted}\n`);
      }
    },
  });
  return { logger, registry: new ProcessRegistry(runDir, logger), runDir };
}

async function disposeEnv(env: Env | undefined): Promise<void> {
  if (!env) return;
  await env.registry.stopAll();
  await rm(env.runDir, { recursive: true, force: true });
}

type SocksEndpoint = SocksTarget;

/** A client tor joined to the lab through lab.wrapSpawn; ready at "Bootstrapped 100%" on its stdout. */
function startClient(lab: TorLab, env: Env, name: string, labLines: string[]): Promise<LabClient> {
  return startLabClient(lab, env.registry, resourcesDir, { name, labLines, extraLines: ['SafeLogging 0'], label: `Lab test ${name}` });
}

/** HTTP/1.0 GET through the client's SOCKS5 (a unix socket via the `socks` package's existing_socket). */
async function socksGet(socks: SocksEndpoint, host: string, port: number, path: string): Promise<Buffer> {
  const socket = await socksConnect(socks, host, port);
  socket.write(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'end');
  socket.destroy();
  const response = Buffer.concat(chunks);
  const split = response.indexOf('\r\n\r\n');
  const head = response.subarray(0, Math.max(0, split)).toString('latin1');
  if (!head.startsWith('HTTP/1.1 200') || split < 0) throw new Error(`unexpected response: ${response.subarray(0, 200).toString('latin1')}`);
  return response.subarray(split + 4);
}

async function fetchWithRetry(socks: SocksEndpoint, lab: TorLab, path: string, ms = 30_000): Promise<{ body: Buffer; elapsedMs: number }> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    try {
      return { body: await socksGet(socks, lab.origin.host, lab.origin.port, path), elapsedMs: Date.now() - t0 };
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`no answer from the origin through tor: ${last instanceof Error ? last.message : String(last)}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function expectFullConsensus(lab: TorLab): Promise<void> {
  const auth = lab.relays[0]!;
  const relays = parseMicrodescConsensus(await readFile(join(auth.dataDir, 'cached-microdesc-consensus'), 'utf8'));
  expect(lab.relays).toHaveLength(4);
  expect(missingFromConsensus(relays, lab.relays)).toEqual([]);
  for (const r of relays) expect(r.address).toBe('127.0.0.1');
}

function report(text: string): void {
  process.stdout.write(`[tor-lab timing] ${text}\n`);
}

describe.skipIf(!haveBundle)('Tor lab (auto isolation) with an obfs4 bridge', () => {
  let env: Env | undefined;
  let lab: TorLab | undefined;
  const t0 = Date.now();

  beforeAll(async () => {
    env = await makeEnv();
    lab = await startTorLab({ registry: env.registry, logger: env.logger, bridge: true, timeoutMs: 80_000 });
    report(`auto (${lab.isolation}) lab with bridge ready after ${lab.readyAfterMs} ms`);
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
    await disposeEnv(env);
  }, 30_000);

  it('picks the expected isolation and describes itself as JSON', () => {
    const l = lab!;
    if (alreadyIsolated) expect(l.isolation).toBe('inherited');
    else if (isRoot) expect(l.isolation).toBe('holder');
    expect(l.exitAvailable).toBe(l.isolation !== 'none');
    expect(l.needsUnixSockets).toBe(l.isolation === 'holder');
    const summary = JSON.parse(JSON.stringify(describeTorLab(l))) as Record<string, unknown>;
    expect(summary).toMatchObject({ isolation: l.isolation, dirAuthority: l.dirAuthority });
    expect(l.bridge?.line).toMatch(/^obfs4 127\.0\.0\.1:\d+ [0-9A-F]{40} cert=\S+ iat-mode=0$/);
  });

  it('has a consensus listing all 4 relays Running and Valid', async () => {
    await expectFullConsensus(lab!);
  });

  it('bootstraps a client to 100% and reaches the origin through an exit', async (ctx) => {
    const l = lab!;
    const client = await startClient(l, env!, 'client', l.clientTorrcLines);
    report(`client 100% ${client.bootstrapMs} ms after start (${Date.now() - t0} ms after lab start)`);
    if (!l.exitAvailable) ctx.skip();
    const { body, elapsedMs } = await fetchWithRetry(client.socks, l, '/');
    expect(body.toString('utf8')).toBe(originBody(l.origin.nonce));
    report(`first origin fetch through the exit after ${elapsedMs} ms`);
    const bytes = await fetchWithRetry(client.socks, l, '/bytes/1000000');
    expect(bytes.body.length).toBe(1_000_000);
  }, 90_000);

  it('bootstraps a client that only knows the bridge', async () => {
    const l = lab!;
    expect(l.bridgeClientTorrcLines).not.toBeNull();
    const client = await startClient(l, env!, 'bridgeclient', l.bridgeClientTorrcLines!);
    report(`bridge client 100% ${client.bootstrapMs} ms after start (${Date.now() - t0} ms after lab start)`);
    if (l.exitAvailable) {
      const { body } = await fetchWithRetry(client.socks, l, '/');
      expect(body.toString('utf8')).toContain(l.origin.nonce);
    }
  }, 90_000);

  it('stops every lab process by pid', async () => {
    const l = lab!;
    const pids = l.pids();
    expect(pids.length).toBeGreaterThanOrEqual(l.isolation === 'holder' ? 8 : 7);
    await env!.registry.remove('lab:test:client');
    await env!.registry.remove('lab:test:bridgeclient');
    const t = Date.now();
    await l.stop();
    report(`teardown ${Date.now() - t} ms`);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(l.dir)).toBe(false);
  }, 30_000);
});

// When the suite already runs inside a loopback-only netns (npm test), the auto lab above is
// "inherited"; this covers the holder path (nsenter + unix sockets) explicitly. Outside a netns
// as root the auto lab above already was a holder.
describe.skipIf(!haveBundle || !isRoot || !alreadyIsolated)('Tor lab in a holder namespace', () => {
  let env: Env | undefined;
  let lab: TorLab | undefined;

  beforeAll(async () => {
    env = await makeEnv();
    lab = await startTorLab({ registry: env.registry, logger: env.logger, isolation: 'holder', timeoutMs: 80_000 });
    report(`holder lab ready after ${lab.readyAfterMs} ms`);
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
    await disposeEnv(env);
  }, 30_000);

  it('reaches the origin through a client in the holder netns over unix sockets', async () => {
    const l = lab!;
    expect(l.isolation).toBe('holder');
    expect(l.needsUnixSockets).toBe(true);
    await expectFullConsensus(l);
    const client = await startClient(l, env!, 'client', l.clientTorrcLines);
    report(`holder client 100% ${client.bootstrapMs} ms after start`);
    const { body } = await fetchWithRetry(client.socks, l, '/');
    expect(body.toString('utf8')).toBe(originBody(l.origin.nonce));
    const pids = l.pids();
    await env!.registry.remove('lab:test:client');
    await l.stop();
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!haveBundle)('Tor lab without a namespace (no exit)', () => {
  let env: Env | undefined;
  let lab: TorLab | undefined;

  beforeAll(async () => {
    env = await makeEnv();
    lab = await startTorLab({ registry: env.registry, logger: env.logger, isolation: 'none', timeoutMs: 80_000 });
    report(`exit-less lab ready after ${lab.readyAfterMs} ms`);
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
    await disposeEnv(env);
  }, 30_000);

  it('runs every relay with ExitPolicy reject *:* and still bootstraps a client', async () => {
    const l = lab!;
    expect(l.isolation).toBe('none');
    expect(l.exitAvailable).toBe(false);
    for (const r of l.relays) {
      const torrc = await readFile(join(r.dataDir, 'torrc'), 'utf8');
      expect(torrc).toContain('ExitPolicy reject *:*');
      expect(torrc).not.toContain('accept *:*');
    }
    await expectFullConsensus(l);
    const client = await startClient(l, env!, 'client', l.clientTorrcLines);
    report(`exit-less client 100% ${client.bootstrapMs} ms after start`);
    const pids = l.pids();
    await env!.registry.remove('lab:test:client');
    await l.stop();
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});
