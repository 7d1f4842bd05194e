// Checks the real bundle from resources/fetch-binaries.sh: every binary resolves as bundled, matches
// its SHA-256 and starts when spawned through command + argsPrefix. Skipped when nothing was fetched.
// Nothing here dials out: version flags, PT handshakes on 127.0.0.1, and one tor with DisableNetwork.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleDir, defaultResourcesDir, probeVersion, readBinaryManifest, resolveBinary, type ResolvedBinary } from './binaries';

const PLATFORM = 'linux-x64';
const resourcesDir = defaultResourcesDir();
const dir = bundleDir(resourcesDir, PLATFORM);
const haveBundle = `${process.platform}-${process.arch}` === PLATFORM && existsSync(path.join(dir, 'manifest.json'));

const EXPECTED = ['tor', 'tor-gencert', 'i2pd', 'lyrebird', 'snowflake-client', 'webtunnel-client', 'webtunnel-server'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'underpass-binit-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

const resolve = (name: string) => resolveBinary(name, { resourcesDir, platform: PLATFORM, pathEnv: '' });

interface Run {
  output: string;
  code: number | null;
  pid: number | undefined;
}

/**
 * spawn(command, [...argsPrefix, ...args]) exactly as the supervisor will; resolves once the process
 * exits, or once `until` matches the output (then closes stdin, which PTs take as "exit now").
 */
function run(bin: ResolvedBinary, args: string[], opts: { env?: Record<string, string>; until?: RegExp; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin.command, [...bin.argsPrefix, ...args], {
      env: { ...process.env, ...bin.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin.name} ${args.join(' ')}: no exit/match in 10 s; output:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (opts.until?.test(output)) child.stdin.end();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ output, code, pid: child.pid });
    });
    if (!opts.until) child.stdin.end();
  });
}

describe.skipIf(!haveBundle)(`bundled binaries (${dir})`, () => {
  it('has a valid manifest listing every expected binary, each matching its SHA-256', async () => {
    const manifest = await readBinaryManifest(resourcesDir, PLATFORM);
    expect(manifest?.suite).toBe('testing');
    expect(Object.keys(manifest?.binaries ?? {}).sort()).toEqual([...EXPECTED].sort());
    for (const name of EXPECTED) {
      const bin = await resolveBinary(name, { resourcesDir, platform: PLATFORM, pathEnv: '', verifySha256: true });
      expect(bin.source, name).toBe('bundled');
      expect(bin.version, name).toBeTruthy();
    }
  });

  it('tor and i2pd run through the bundled loader; the Go transports run directly', async () => {
    for (const name of ['tor', 'tor-gencert', 'i2pd']) {
      const bin = await resolve(name);
      expect(bin.command, name).toBe(path.join(dir, 'lib', 'ld-linux-x86-64.so.2'));
      expect(bin.argsPrefix, name).toEqual(['--library-path', path.join(dir, 'lib'), path.join(dir, 'bin', name)]);
    }
    for (const name of ['lyrebird', 'snowflake-client', 'webtunnel-client', 'webtunnel-server']) {
      const bin = await resolve(name);
      expect([bin.command, bin.argsPrefix], name).toEqual([path.join(dir, 'bin', name), []]);
    }
  });

  it('tor --version', async () => {
    const bin = await resolve('tor');
    const line = await probeVersion(bin, ['--version']);
    expect(line).toMatch(/^Tor version \d+\.\d+\.\d+/);
    expect(bin.version).toBe(line);
    // The libraries in the line are testing's, not the host's (bookworm has glibc 2.36).
    const { output } = await run(bin, ['--version']);
    expect(output).toMatch(/Glibc 2\.(3[7-9]|[4-9]\d)/);
  });

  it('i2pd --version', async () => {
    const bin = await resolve('i2pd');
    const line = await probeVersion(bin, ['--version']);
    expect(line).toMatch(/^i2pd version \d+\.\d+\.\d+/);
    expect(bin.version).toBe(line);
  });

  it('tor-gencert --help (it has no --version)', async () => {
    const { output } = await run(await resolve('tor-gencert'), ['--help'], { cwd: await tempDir() });
    expect(output).toContain('tor-gencert [-h|--help]');
    expect(output).not.toMatch(/error while loading shared libraries|GLIBC_/);
  });

  it('lyrebird -version and snowflake-client -version', async () => {
    expect(await probeVersion(await resolve('lyrebird'), ['-version'])).toMatch(/^lyrebird/);
    expect(await probeVersion(await resolve('snowflake-client'), ['-version'])).toMatch(/^snowflake-client \d+\.\d+/);
  });

  it('webtunnel-client and webtunnel-server answer the managed PT handshake', async () => {
    const state = await tempDir();
    const client = await run(await resolve('webtunnel-client'), [], {
      until: /CMETHODS DONE/,
      env: {
        TOR_PT_MANAGED_TRANSPORT_VER: '1',
        TOR_PT_CLIENT_TRANSPORTS: 'webtunnel',
        TOR_PT_STATE_LOCATION: state,
        TOR_PT_EXIT_ON_STDIN_CLOSE: '1',
      },
    });
    expect(client.output).toMatch(/STATUS TYPE=version IMPLEMENTATION="webtunnel" VERSION="[\d.]+"/);
    expect(client.output).toMatch(/CMETHOD webtunnel socks5 127\.0\.0\.1:\d+/);

    // Without a url option the server reports its version and declines to listen: enough to prove it runs.
    const server = await run(await resolve('webtunnel-server'), [], {
      until: /SMETHODS DONE|SMETHOD-ERROR/,
      env: {
        TOR_PT_MANAGED_TRANSPORT_VER: '1',
        TOR_PT_SERVER_TRANSPORTS: 'webtunnel',
        TOR_PT_SERVER_BINDADDR: 'webtunnel-127.0.0.1:0',
        TOR_PT_ORPORT: '127.0.0.1:9',
        TOR_PT_STATE_LOCATION: state,
        TOR_PT_EXIT_ON_STDIN_CLOSE: '1',
      },
    });
    expect(server.output).toMatch(/STATUS TYPE=version IMPLEMENTATION="webtunnel"/);
  });

  it('a spawned tor is the PID the supervisor holds: it maps bin/tor, loads the geoip files and exits on SIGTERM', async () => {
    const bin = await resolve('tor');
    const data = await tempDir();
    const torrc = path.join(data, 'torrc');
    await writeFile(torrc, '');
    // DisableNetwork 1: tor makes no connections at all; SocksPort 0: it listens on nothing.
    const child = spawn(
      bin.command,
      [
        ...bin.argsPrefix,
        ...['-f', torrc, '--defaults-torrc', torrc, '--DataDirectory', path.join(data, 'tor'), '--DisableNetwork', '1'],
        ...['--SocksPort', '0', '--RunAsDaemon', '0', '--Log', 'notice stdout'],
        ...['--GeoIPFile', path.join(dir, 'share/tor/geoip'), '--GeoIPv6File', path.join(dir, 'share/tor/geoip6')],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...bin.env } },
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    let output = '';
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`tor did not start in 15 s:\n${output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/Bootstrapped 0%/.test(output)) {
          clearTimeout(timer);
          res();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', () => rej(new Error(`tor exited early:\n${output}`)));
    });

    const pid = child.pid ?? -1;
    const maps = await readFile(`/proc/${pid}/maps`, 'utf8');
    expect(maps).toContain(path.join(dir, 'bin', 'tor'));
    expect(maps).toContain(path.join(dir, 'lib', 'libc.so.6'));
    expect(output).toContain(`Parsing GEOIP IPv4 file ${path.join(dir, 'share/tor/geoip')}`);
    expect(output).toContain(`Parsing GEOIP IPv6 file ${path.join(dir, 'share/tor/geoip6')}`);
    // Worth knowing for process lists: the kernel names it after the loader, not "tor".
    expect((await readFile(`/proc/${pid}/comm`, 'utf8')).trim()).toBe('ld-linux-x86-64');

    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
  });
});
