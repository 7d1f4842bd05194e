// Finds the executable for a daemon (tor, tor-gencert, pluggable transports, i2pd) and how to spawn it:
// bundled (resources/bin/<platform>/manifest.json, written by resources/fetch-binaries.sh), then the
// user-configured path, then PATH. Plain Node on purpose (no 'electron'): the CLI and tests use it too.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export type BinarySource = 'bundled' | 'configured' | 'path';

export interface ResolvedBinary {
  name: string;
  source: BinarySource;
  /** Absolute path of the binary itself. */
  file: string;
  /** spawn(command, [...argsPrefix, ...args]): the loader for bundled binaries that need it. */
  command: string;
  argsPrefix: string[];
  /** Extra environment for the child (merged over process.env by the caller). */
  env: Record<string, string>;
  /** First line of its version output (from the manifest when bundled), null when it printed none. */
  version: string | null;
  /** Bundled only: SHA-256 and Debian package provenance recorded by fetch-binaries.sh. */
  sha256?: string;
  package?: string;
  packageVersion?: string;
}

export interface ResolveOptions {
  /** The directory holding bin/<platform>/ (see defaultResourcesDir()). */
  resourcesDir: string;
  /** Default `${process.platform}-${process.arch}`, e.g. linux-x64. */
  platform?: string;
  /** User setting: a path to the binary; `~/` is expanded, relative paths resolve against the cwd. */
  configured?: string | null;
  /** Default process.env.PATH. */
  pathEnv?: string;
  /** Hash the bundled binary and compare with the manifest (reads the whole file; off by default). */
  verifySha256?: boolean;
}

export class BinaryNotFoundError extends Error {
  /** Matches the IPC error vocabulary in shared/errors.ts. */
  readonly code = 'BINARY_NOT_FOUND';
  constructor(
    readonly binary: string,
    /** Every place looked at, with why it was not used, e.g. "PATH: /usr/bin/tor (missing)". */
    readonly searched: string[],
  ) {
    super(`${binary} not found; searched: ${searched.join('; ') || 'nothing'}`);
    this.name = 'BinaryNotFoundError';
  }
}

export class BinaryManifestError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`invalid binaries manifest ${file}: ${detail} (re-run: npm run fetch-binaries -- --force)`);
    this.name = 'BinaryManifestError';
  }
}

// A path inside the bundle: relative and never climbing out of it.
const bundlePath = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be a relative path inside the bundle');

const manifestBinarySchema = z.object({
  path: bundlePath,
  package: z.string().min(1),
  version: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  viaLoader: z.boolean(),
  versionOutput: z.string(),
});

export const binaryManifestSchema = z
  .object({
    platform: z.string().min(1),
    suite: z.string().min(1),
    fetchedAt: z.string().min(1),
    // Optional so a platform without a private loader (macOS, Windows) can use the same format.
    loader: bundlePath.optional(),
    libraryPath: bundlePath.optional(),
    binaries: z.record(z.string().min(1), manifestBinarySchema),
  })
  .superRefine((m, ctx) => {
    for (const [name, b] of Object.entries(m.binaries)) {
      if (b.viaLoader && (m.loader === undefined || m.libraryPath === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['binaries', name, 'viaLoader'], message: 'needs "loader" and "libraryPath"' });
      }
    }
  });

export type BinaryManifest = z.infer<typeof binaryManifestSchema>;

/** The repo's resources/ (or $UNDERPASS_RESOURCES_DIR, e.g. the packaged app's resourcesPath). */
export function defaultResourcesDir(): string {
  const fromEnv = process.env.UNDERPASS_RESOURCES_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return fileURLToPath(new URL('../../resources', import.meta.url));
}

export function defaultPlatform(): string {
  return `${process.platform}-${process.arch}`;
}

/** resources/bin/<platform>: where the bundle (binaries, lib/, share/, manifest.json) lives. */
export function bundleDir(resourcesDir: string, platform: string = defaultPlatform()): string {
  return path.join(resourcesDir, 'bin', platform);
}

/** The parsed manifest, or null when there is none; throws BinaryManifestError when it is malformed. */
export async function readBinaryManifest(resourcesDir: string, platform: string = defaultPlatform()): Promise<BinaryManifest | null> {
  const file = path.join(bundleDir(resourcesDir, platform), 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw new BinaryManifestError(file, `cannot read it (${errorText(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BinaryManifestError(file, `not JSON (${errorText(err)})`);
  }
  const parsed = binaryManifestSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BinaryManifestError(file, detail);
  }
  if (parsed.data.platform !== platform) {
    throw new BinaryManifestError(file, `platform is "${parsed.data.platform}", expected "${platform}"`);
  }
  return parsed.data;
}

export async function resolveBinary(name: string, opts: ResolveOptions): Promise<ResolvedBinary> {
  const platform = opts.platform ?? defaultPlatform();
  const searched: string[] = [];

  const bundled = await resolveBundled(name, opts, platform, searched);
  if (bundled) return bundled;

  if (opts.configured) {
    const file = path.resolve(expandHome(opts.configured));
    const problem = await notExecutable(file);
    if (problem === null) return await probed({ name, source: 'configured', file });
    searched.push(`configured: ${file} (${problem})`);
  }

  const candidates = pathCandidates(name, opts.pathEnv ?? process.env.PATH ?? '', platform);
  for (const file of candidates) {
    if ((await notExecutable(file)) === null) return await probed({ name, source: 'path', file });
  }
  searched.push(candidates.length ? `PATH: ${candidates.join(', ')} (none executable)` : 'PATH: (empty)');

  throw new BinaryNotFoundError(name, searched);
}

async function resolveBundled(name: string, opts: ResolveOptions, platform: string, searched: string[]): Promise<ResolvedBinary | null> {
  const dir = bundleDir(opts.resourcesDir, platform);
  const manifest = await readBinaryManifest(opts.resourcesDir, platform);
  if (!manifest) {
    searched.push(`bundled: ${path.join(dir, 'manifest.json')} (no manifest)`);
    return null;
  }
  const entry = manifest.binaries[name];
  if (!entry) {
    searched.push(`bundled: ${path.join(dir, 'manifest.json')} (does not list ${name})`);
    return null;
  }
  const file = path.join(dir, entry.path);
  const problem = await notExecutable(file);
  if (problem !== null) {
    searched.push(`bundled: ${file} (${problem})`);
    return null;
  }
  if (opts.verifySha256) {
    const actual = await sha256File(file);
    if (actual !== entry.sha256) {
      searched.push(`bundled: ${file} (SHA-256 ${actual} does not match the manifest)`);
      return null;
    }
  }
  const common = {
    name,
    source: 'bundled' as const,
    file,
    env: {},
    version: entry.versionOutput || null,
    sha256: entry.sha256,
    package: entry.package,
    packageVersion: entry.version,
  };
  if (!entry.viaLoader) return { ...common, command: file, argsPrefix: [] };

  // The schema guarantees both are present when viaLoader is set.
  const loader = path.join(dir, manifest.loader ?? '');
  const libDir = path.join(dir, manifest.libraryPath ?? '');
  const loaderProblem = await notExecutable(loader);
  if (loaderProblem !== null) {
    searched.push(`bundled: ${file} (loader ${loader}: ${loaderProblem})`);
    return null;
  }
  // --library-path rather than LD_LIBRARY_PATH: it applies to this process only, so the transports
  // tor spawns run on the host's libc, and the loader execs in place, so the PID is the daemon's.
  return { ...common, command: loader, argsPrefix: ['--library-path', libDir, file] };
}

async function probed(b: Omit<ResolvedBinary, 'command' | 'argsPrefix' | 'env' | 'version'>): Promise<ResolvedBinary> {
  const resolved: ResolvedBinary = { ...b, command: b.file, argsPrefix: [], env: {}, version: null };
  resolved.version = await probeVersion(resolved);
  return resolved;
}

export interface ProbeOptions {
  /** Default 5000 ms; the child is killed after it. */
  timeoutMs?: number;
  /** Extra environment (merged over process.env and bin.env). */
  env?: Record<string, string>;
}

/**
 * Runs the binary with `args` (default --version) and returns the first non-empty line it printed
 * (stdout first, then stderr), or null when it could not run or printed nothing in time.
 */
export function probeVersion(bin: ResolvedBinary, args: string[] = ['--version'], opts: ProbeOptions = {}): Promise<string | null> {
  return new Promise((resolve) => {
    const child = execFile(
      bin.command,
      [...bin.argsPrefix, ...args],
      {
        timeout: opts.timeoutMs ?? 5000,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        windowsHide: true,
        env: { ...process.env, ...bin.env, ...opts.env },
      },
      (err, stdout, stderr) => {
        // A non-zero exit still counts when it printed something (tor-gencert --help exits 1).
        if (err && typeof err.code === 'string') return resolve(null); // ENOENT, EACCES: never ran
        resolve(firstLine(stdout) ?? firstLine(stderr));
      },
    );
    // Closed stdin: a daemon that waits on it (pluggable transports) exits instead of hanging.
    child.stdin?.end();
  });
}

function firstLine(text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t) return t;
  }
  return null;
}

/** null when `file` is a regular executable file, else why not. */
async function notExecutable(file: string): Promise<string | null> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return 'not a file';
    await access(file, constants.X_OK);
    return null;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return 'missing';
    if (isErrno(err, 'EACCES')) return 'not executable';
    return errorText(err);
  }
}

function pathCandidates(name: string, pathEnv: string, platform: string): string[] {
  const windows = platform.startsWith('win32');
  const names = windows && !/\.exe$/i.test(name) ? [`${name}.exe`, name] : [name];
  const out: string[] = [];
  // Empty entries mean "current directory" to a shell; skipping them keeps the cwd out of the search.
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const n of names) out.push(path.join(dir, n));
  }
  return [...new Set(out)];
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
