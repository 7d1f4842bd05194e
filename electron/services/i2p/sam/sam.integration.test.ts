// Real-i2pd checks of the SAM client: one bundled router (resources/bin/<platform>/manifest.json),
// 0-hop sessions, no peers. Skips with a message when the bundle has no i2pd. Multi-router
// streaming belongs to the lab suite, not here.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SamConnection, SamResultError, SamSession, generateDestination, isValidDestination, lookupName, type SamConnectionOptions } from './index';

const platform = `${process.platform}-${process.arch}`;
const bundle = fileURLToPath(new URL(`../../../../resources/bin/${platform}/`, import.meta.url));

interface Bundled {
  readonly command: string;
  readonly argsPrefix: string[];
  readonly version: string;
}

/** The bundled i2pd from the manifest, or the reason there is none. */
function bundledI2pd(): Bundled | string {
  const file = path.join(bundle, 'manifest.json');
  if (!existsSync(file)) return `no ${file}: run \`npm run fetch-binaries\``;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    loader?: string;
    libraryPath?: string;
    binaries?: Record<string, { path: string; viaLoader?: boolean; versionOutput?: string }>;
  };
  const entry = manifest.binaries?.i2pd;
  if (!entry) return `${file} lists no i2pd`;
  const binary = path.join(bundle, entry.path);
  const version = entry.versionOutput ?? '';
  if (entry.viaLoader && manifest.loader && manifest.libraryPath) {
    return { command: path.join(bundle, manifest.loader), argsPrefix: ['--library-path', path.join(bundle, manifest.libraryPath), binary], version };
  }
  return { command: binary, argsPrefix: [], version };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const found = bundledI2pd();
const ZERO_HOPS = { 'inbound.length': 0, 'outbound.length': 0, 'inbound.quantity': 1, 'outbound.quantity': 1 };

describe.skipIf(typeof found === 'string')(`SAM against the bundled i2pd (${typeof found === 'string' ? found : found.version})`, () => {
  let child: ChildProcess | undefined;
  let dir = '';
  let sam: SamConnectionOptions = {};
  const log: string[] = [];

  beforeAll(async () => {
    if (typeof found === 'string') return;
    dir = await mkdtemp(path.join(os.tmpdir(), 'underpass-sam-'));
    const port = await freePort();
    const udp = await freePort();
    sam = { host: '127.0.0.1', port, connectTimeoutMs: 5000 };
    // Loopback only, nothing published, no reseed/NTP/UPnP/subscriptions (the private-net recipe used by electron/lab).
    const conf = [
      'log = stdout',
      'loglevel = warn',
      'ipv4 = true',
      'ipv6 = false',
      'host = 127.0.0.1',
      'address4 = 127.0.0.1',
      'nat = false',
      'netid = 77',
      '[ntcp2]',
      'enabled = true',
      'published = false',
      `port = ${await freePort()}`,
      '[ssu2]',
      'enabled = false',
      '[http]',
      'enabled = false',
      '[httpproxy]',
      'enabled = false',
      '[socksproxy]',
      'enabled = false',
      '[sam]',
      'enabled = true',
      'address = 127.0.0.1',
      `port = ${port}`,
      `portudp = ${udp}`,
      '[bob]',
      'enabled = false',
      '[i2cp]',
      'enabled = false',
      '[i2pcontrol]',
      'enabled = false',
      '[upnp]',
      'enabled = false',
      '[reseed]',
      'verify = false',
      'urls =',
      'yggurls =',
      'threshold = 0',
      '[addressbook]',
      'enabled = true',
      'defaulturl =',
      'subscriptions =',
      '[nettime]',
      'enabled = false',
      '',
    ].join('\n');
    await writeFile(path.join(dir, 'i2pd.conf'), conf);
    await writeFile(path.join(dir, 'tunnels.conf'), '');
    await writeFile(path.join(dir, 'hosts.txt'), '');
    await mkdir(path.join(dir, 'tunnels.d'));
    await mkdir(path.join(dir, 'certificates'));
    child = spawn(
      found.command,
      [
        ...found.argsPrefix,
        `--datadir=${dir}`,
        `--conf=${path.join(dir, 'i2pd.conf')}`,
        `--tunconf=${path.join(dir, 'tunnels.conf')}`,
        `--tunnelsdir=${path.join(dir, 'tunnels.d')}`,
        `--certsdir=${path.join(dir, 'certificates')}`,
        `--pidfile=${path.join(dir, 'i2pd.pid')}`,
      ],
      { shell: false, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    // Ready = the bridge answers HELLO (style rule 8), not a log line.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        (await SamConnection.open(sam)).close();
        break;
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`i2pd did not answer HELLO\n${log.join('')}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('negotiates SAM 3.3 with MIN=3.1 MAX=3.3', async () => {
    const connection = await SamConnection.open(sam);
    expect(connection.version).toBe('3.3');
    connection.close();
  });

  it('DEST GENERATE: Ed25519 sizes, and CRYPTO_TYPE=4', async () => {
    const ed = await generateDestination(sam);
    expect(ed.publicDestination).toHaveLength(524);
    expect(ed.privateKey).toHaveLength(908);
    const x = await generateDestination({ ...sam, cryptoType: 4 });
    expect(x.privateKey).toHaveLength(608);
  });

  it('NAMING LOOKUP NAME=ME on a bare socket gives the shared destination; unknown names are INVALID_KEY', async () => {
    expect(isValidDestination(await lookupName('ME', sam))).toBe(true);
    const error = await lookupName('nope.i2p', sam).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SamResultError);
    expect(error).toMatchObject({ code: 'INVALID_KEY' });
  });

  it('creates a 0-hop session, resolves ME to it, and reports the error RESULTs', { timeout: 60_000 }, async () => {
    const session = await SamSession.create({ ...sam, style: 'STREAM', id: 'IT-A', i2cp: ZERO_HOPS, createTimeoutMs: 45_000 });
    try {
      await expect(session.lookup('ME')).resolves.toBe(session.publicDestination);
      await expect(SamSession.create({ ...sam, style: 'STREAM', id: 'IT-A', i2cp: ZERO_HOPS })).rejects.toMatchObject({ code: 'DUPLICATED_ID' });
      await expect(SamSession.create({ ...sam, style: 'STREAM', id: 'IT-X', destination: 'notbase64' })).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(session.connect('AAAA')).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(session.connect(session.publicDestination)).rejects.toMatchObject({ code: 'CANT_REACH_PEER' });
      const stranger = await generateDestination(sam);
      await expect(session.connect(stranger.publicDestination, { timeoutMs: 30_000 })).rejects.toMatchObject({ code: 'CANT_REACH_PEER' });
      expect(session.isOpen).toBe(true);
    } finally {
      session.close();
    }
  });

  it('answers PING with PONG and then closes the socket (why keepalive is off by default)', async () => {
    const connection = await SamConnection.open(sam);
    const closed = new Promise((resolve) => connection.once('close', resolve));
    await connection.ping('probe1');
    // SAM.cpp ProcessPing → SendReplyWithMessage(close=true). If this starts failing, i2pd fixed
    // it and keepaliveMs can be offered for that version.
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('open'), 1000))]);
    expect(outcome).toBe('closed');
    connection.close();
  });
});

if (typeof found === 'string') {
  describe('SAM against the bundled i2pd', () => {
    it.skip(`skipped: ${found}`, () => undefined);
  });
}
