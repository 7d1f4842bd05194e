// Unit tests for binaries.ts: a temp resources dir with a fake manifest and shell-script "daemons"
// stands in for the real bundle, so these run anywhere without fetch-binaries.sh.
import { afterEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BinaryManifestError,
  BinaryNotFoundError,
  bundleDir,
  defaultResourcesDir,
  probeVersion,
  readBinaryManifest,
  resolveBinary,
  type ResolvedBinary,
} from './binaries';

const PLATFORM = 'linux-x64';
const SHA = 'a'.repeat(64);
const cleanups: string[] = [];
afterEach(async () => {
  while (cleanups.length) await rm(cleanups.pop() ?? '', { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'underpass-bin-'));
  cleanups.push(dir);
  return dir;
}

/** An executable shell script printing `line` (so probeVersion has something to read). */
async function fakeExe(file: string, line: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\necho '${line}'\n`);
  await chmod(file, 0o755);
  return file;
}

interface FakeEntry {
  viaLoader?: boolean;
  versionOutput?: string;
  present?: boolean;
}

/** resources/bin/linux-x64 with a manifest listing `entries`; files exist unless present: false. */
async function fakeBundle(entries: Record<string, FakeEntry>, extra: Record<string, unknown> = {}): Promise<string> {
  const resources = await tempDir();
  const dir = bundleDir(resources, PLATFORM);
  const binaries: Record<string, unknown> = {};
  for (const [name, e] of Object.entries(entries)) {
    binaries[name] = {
      path: `bin/${name}`,
      package: name,
      version: '1.0-1',
      sha256: SHA,
      viaLoader: e.viaLoader ?? false,
      versionOutput: e.versionOutput ?? `${name} version 1.0 (bundled)`,
    };
    if (e.present !== false) await fakeExe(path.join(dir, 'bin', name), `${name} bundled`);
  }
  await fakeExe(path.join(dir, 'lib', 'ld-linux-x86-64.so.2'), 'loader');
  await writeManifest(resources, {
    platform: PLATFORM,
    suite: 'testing',
    fetchedAt: '2026-11-25T00:00:00Z',
    loader: 'lib/ld-linux-x86-64.so.2',
    libraryPath: 'lib',
    binaries,
    ...extra,
  });
  return resources;
}

async function writeManifest(resources: string, manifest: unknown): Promise<void> {
  const dir = bundleDir(resources, PLATFORM);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
}

describe('readBinaryManifest', () => {
  it('returns null when there is no bundle', async () => {
    expect(await readBinaryManifest(await tempDir(), PLATFORM)).toBeNull();
  });

  it('rejects text that is not JSON, naming the file', async () => {
    const resources = await tempDir();
    await writeManifest(resources, '{ "platform": ');
    const err = await readBinaryManifest(resources, PLATFORM).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinaryManifestError);
    expect((err as Error).message).toContain(path.join(bundleDir(resources, PLATFORM), 'manifest.json'));
    expect((err as Error).message).toContain('not JSON');
  });

  it('names every bad field of a malformed manifest', async () => {
    const resources = await fakeBundle({ tor: {} });
    await writeManifest(resources, {
      platform: PLATFORM,
      suite: 'testing',
      fetchedAt: 'x',
      binaries: { tor: { path: '../../etc/passwd', package: 'tor', version: '1', sha256: 'xyz', viaLoader: true, versionOutput: '' } },
    });
    const err = await readBinaryManifest(resources, PLATFORM).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinaryManifestError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/binaries\.tor\.path: must be a relative path inside the bundle/);
    expect(msg).toMatch(/binaries\.tor\.sha256/);
    expect(msg).toMatch(/binaries\.tor\.viaLoader: needs "loader" and "libraryPath"/);
  });

  it('rejects a manifest for another platform', async () => {
    const resources = await fakeBundle({ tor: {} }, { platform: 'linux-arm64' });
    await expect(readBinaryManifest(resources, PLATFORM)).rejects.toThrow(/platform is "linux-arm64"/);
  });

  it('makes resolveBinary fail loudly rather than fall back', async () => {
    const resources = await tempDir();
    await writeManifest(resources, { platform: PLATFORM, binaries: [] });
    const configured = await fakeExe(path.join(await tempDir(), 'tor'), 'Tor version 0.0.1.');
    await expect(resolveBinary('tor', { resourcesDir: resources, platform: PLATFORM, configured })).rejects.toBeInstanceOf(
      BinaryManifestError,
    );
  });
});

describe('resolveBinary', () => {
  it('prefers the bundled binary over configured and PATH, with the version from the manifest', async () => {
    const resources = await fakeBundle({ lyrebird: { versionOutput: 'lyrebird devel' } });
    const other = await tempDir();
    const configured = await fakeExe(path.join(other, 'conf', 'lyrebird'), 'lyrebird configured');
    await fakeExe(path.join(other, 'path', 'lyrebird'), 'lyrebird on PATH');

    const bin = await resolveBinary('lyrebird', { resourcesDir: resources, platform: PLATFORM, configured, pathEnv: path.join(other, 'path') });
    const file = path.join(bundleDir(resources, PLATFORM), 'bin', 'lyrebird');
    expect(bin).toEqual({
      name: 'lyrebird',
      source: 'bundled',
      file,
      command: file,
      argsPrefix: [],
      env: {},
      version: 'lyrebird devel',
      sha256: SHA,
      package: 'lyrebird',
      packageVersion: '1.0-1',
    });
  });

  it('runs a viaLoader binary through the bundled loader with absolute paths', async () => {
    const resources = await fakeBundle({ tor: { viaLoader: true, versionOutput: 'Tor version 0.4.9.14.' } });
    const bin = await resolveBinary('tor', { resourcesDir: resources, platform: PLATFORM, pathEnv: '' });
    const dir = bundleDir(resources, PLATFORM);
    expect(bin.source).toBe('bundled');
    expect(bin.command).toBe(path.join(dir, 'lib', 'ld-linux-x86-64.so.2'));
    expect(bin.argsPrefix).toEqual(['--library-path', path.join(dir, 'lib'), path.join(dir, 'bin', 'tor')]);
    expect(bin.file).toBe(path.join(dir, 'bin', 'tor'));
    expect(bin.version).toBe('Tor version 0.4.9.14.');
    expect(bin.env).toEqual({}); // no LD_LIBRARY_PATH: it would leak into the transports tor spawns
    for (const p of [bin.command, ...bin.argsPrefix.slice(1)]) expect(path.isAbsolute(p)).toBe(true);
  });

  it('uses the configured path when the bundled file is missing, probing its version', async () => {
    const resources = await fakeBundle({ i2pd: { present: false } });
    const configured = await fakeExe(path.join(await tempDir(), 'i2pd'), 'i2pd version 2.56.0 (0.9.65)');
    const bin = await resolveBinary('i2pd', { resourcesDir: resources, platform: PLATFORM, configured, pathEnv: '' });
    expect(bin).toMatchObject({ source: 'configured', file: configured, command: configured, argsPrefix: [], version: 'i2pd version 2.56.0 (0.9.65)' });
    expect(bin.sha256).toBeUndefined();
  });

  it('uses the configured path when there is no bundle at all', async () => {
    const configured = await fakeExe(path.join(await tempDir(), 'tor'), 'Tor version 0.4.9.11.');
    const bin = await resolveBinary('tor', { resourcesDir: await tempDir(), platform: PLATFORM, configured, pathEnv: '' });
    expect(bin.source).toBe('configured');
    expect(bin.version).toBe('Tor version 0.4.9.11.');
  });

  it('falls back to PATH (first executable match, skipping empty and relative entries)', async () => {
    const resources = await fakeBundle({ tor: {} }); // lists tor only
    const root = await tempDir();
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    const c = path.join(root, 'c');
    await mkdir(a, { recursive: true });
    await writeFile(path.join(a, 'snowflake-client'), 'not executable'); // present but mode 0644
    await fakeExe(path.join(b, 'snowflake-client'), 'snowflake-client 2.5.1');
    await fakeExe(path.join(c, 'snowflake-client'), 'snowflake-client 9.9.9');
    const pathEnv = ['', 'relative/dir', a, b, c].join(path.delimiter);

    const bin = await resolveBinary('snowflake-client', { resourcesDir: resources, platform: PLATFORM, configured: null, pathEnv });
    expect(bin).toMatchObject({ source: 'path', file: path.join(b, 'snowflake-client'), version: 'snowflake-client 2.5.1' });
  });

  it('skips a configured path that is missing or a directory and goes on to PATH', async () => {
    const root = await tempDir();
    await fakeExe(path.join(root, 'bin', 'tor'), 'Tor version 0.4.8.1.');
    for (const configured of [path.join(root, 'nope', 'tor'), root]) {
      const bin = await resolveBinary('tor', { resourcesDir: root, platform: PLATFORM, configured, pathEnv: path.join(root, 'bin') });
      expect(bin.source).toBe('path');
    }
  });

  it('throws BinaryNotFoundError listing everything it searched', async () => {
    const resources = await fakeBundle({ tor: { present: false } });
    const root = await tempDir();
    const configured = path.join(root, 'missing', 'tor');
    const pathEnv = [path.join(root, 'p1'), path.join(root, 'p2')].join(path.delimiter);

    const err = await resolveBinary('tor', { resourcesDir: resources, platform: PLATFORM, configured, pathEnv }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinaryNotFoundError);
    const e = err as BinaryNotFoundError;
    expect(e.binary).toBe('tor');
    expect(e.code).toBe('BINARY_NOT_FOUND');
    expect(e.searched).toEqual([
      `bundled: ${path.join(bundleDir(resources, PLATFORM), 'bin', 'tor')} (missing)`,
      `configured: ${configured} (missing)`,
      `PATH: ${path.join(root, 'p1', 'tor')}, ${path.join(root, 'p2', 'tor')} (none executable)`,
    ]);
    expect(e.message).toContain('tor not found; searched: bundled: ');
  });

  it('says when the manifest is absent or does not list the binary', async () => {
    const empty = await tempDir();
    const e1 = (await resolveBinary('i2pd', { resourcesDir: empty, platform: PLATFORM, pathEnv: '' }).catch((e: unknown) => e)) as BinaryNotFoundError;
    expect(e1.searched[0]).toBe(`bundled: ${path.join(bundleDir(empty, PLATFORM), 'manifest.json')} (no manifest)`);
    expect(e1.searched[1]).toBe('PATH: (empty)');

    const resources = await fakeBundle({ tor: {} });
    const e2 = (await resolveBinary('i2pd', { resourcesDir: resources, platform: PLATFORM, pathEnv: '' }).catch((e: unknown) => e)) as BinaryNotFoundError;
    expect(e2.searched[0]).toMatch(/manifest\.json \(does not list i2pd\)$/);
  });

  it('skips a viaLoader binary whose loader is missing', async () => {
    const resources = await fakeBundle({ tor: { viaLoader: true } });
    await rm(path.join(bundleDir(resources, PLATFORM), 'lib', 'ld-linux-x86-64.so.2'));
    const err = (await resolveBinary('tor', { resourcesDir: resources, platform: PLATFORM, pathEnv: '' }).catch((e: unknown) => e)) as BinaryNotFoundError;
    expect(err.searched[0]).toMatch(/\(loader .*ld-linux-x86-64\.so\.2: missing\)$/);
  });

  it('checks the SHA-256 only when asked to', async () => {
    const resources = await fakeBundle({ tor: {} }); // manifest sha256 is "aaaa…", the file's is not
    const opts = { resourcesDir: resources, platform: PLATFORM, pathEnv: '' };
    expect((await resolveBinary('tor', opts)).source).toBe('bundled');
    const err = (await resolveBinary('tor', { ...opts, verifySha256: true }).catch((e: unknown) => e)) as BinaryNotFoundError;
    expect(err.searched[0]).toMatch(/does not match the manifest/);
  });
});

describe('probeVersion', () => {
  const asBin = (file: string, argsPrefix: string[] = [], command = file): ResolvedBinary => ({
    name: path.basename(file),
    source: 'configured',
    file,
    command,
    argsPrefix,
    env: {},
    version: null,
  });

  it('returns the first non-empty line, from stderr when stdout is empty, even on a non-zero exit', async () => {
    const file = path.join(await tempDir(), 'gencert');
    await writeFile(file, '#!/bin/sh\necho >&2\necho "Syntax:" >&2\necho "gencert [-h]" >&2\nexit 1\n');
    await chmod(file, 0o755);
    expect(await probeVersion(asBin(file), ['--help'])).toBe('Syntax:');
  });

  it('passes argsPrefix before the args, without a shell', async () => {
    const file = path.join(await tempDir(), 'echo-args');
    await writeFile(file, '#!/bin/sh\necho "$@"\n');
    await chmod(file, 0o755);
    // '/bin/sh file a;b $X' would run two commands through a shell; execFile passes it as one argument.
    expect(await probeVersion(asBin(file, [file, 'pre'], '/bin/sh'), ['a;b $X'])).toBe('pre a;b $X');
  });

  it('returns null for a binary that cannot run, and after the timeout', async () => {
    expect(await probeVersion(asBin(path.join(await tempDir(), 'missing')))).toBeNull();
    const slow = path.join(await tempDir(), 'slow');
    await writeFile(slow, '#!/bin/sh\nexec sleep 10\n');
    await chmod(slow, 0o755);
    const t0 = Date.now();
    expect(await probeVersion(asBin(slow), ['--version'], { timeoutMs: 200 })).toBeNull();
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('closes stdin so a program waiting on it exits', async () => {
    const file = path.join(await tempDir(), 'reads-stdin');
    await writeFile(file, '#!/bin/sh\ncat >/dev/null\necho done\n');
    await chmod(file, 0o755);
    expect(await probeVersion(asBin(file), [], { timeoutMs: 3000 })).toBe('done');
  });
});

describe('defaultResourcesDir', () => {
  it('is the repo resources/ dir unless UNDERPASS_RESOURCES_DIR overrides it', () => {
    const saved = process.env.UNDERPASS_RESOURCES_DIR;
    try {
      delete process.env.UNDERPASS_RESOURCES_DIR;
      const dir = defaultResourcesDir();
      expect(path.basename(dir)).toBe('resources');
      expect(dir).toBe(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources'));
      process.env.UNDERPASS_RESOURCES_DIR = 'some/rel';
      expect(defaultResourcesDir()).toBe(path.resolve('some/rel'));
    } finally {
      if (saved === undefined) delete process.env.UNDERPASS_RESOURCES_DIR;
      else process.env.UNDERPASS_RESOURCES_DIR = saved;
    }
  });
});
