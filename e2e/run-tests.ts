// `npm test`: the whole suite in one command. Where root (or an unprivileged user namespace) is
// available it first moves into a fresh network namespace with only `lo`, so no lab daemon can reach
// anything but loopback. Then: typecheck, lint, build, vitest (unit + integration against the
// bundled daemons), Playwright. Ends with one line: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ART = join(ROOT, 'e2e', '.artifacts');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) process.stderr.write(`${cmd}: ${r.error.message}\n`);
  return r.status ?? 1;
}

function enterNetns(): void {
  if (process.env.UNDERPASS_NETNS === '1' || process.env.UNDERPASS_NO_NETNS === '1' || process.platform !== 'linux') return;
  const isRoot = process.getuid?.() === 0;
  // As root: a plain network namespace. Otherwise try an unprivileged user+net namespace.
  const unshareArgs = isRoot ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const probe = spawnSync('unshare', [...unshareArgs, 'true']);
  if (probe.status !== 0) {
    process.stderr.write('note: cannot create a network namespace here; lab networks run without an exit relay.\n');
    return;
  }
  process.stderr.write('Running the suite inside a new network namespace (loopback only).\n');
  const r = spawnSync(
    'unshare',
    [...unshareArgs, '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, UNDERPASS_NETNS: '1' } },
  );
  process.exit(r.status ?? 1);
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function vitestCounts(file: string): Counts | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    return { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + j.numTodoTests };
  } catch {
    return null;
  }
}

function playwrightCounts(file: string): Counts | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { stats: { expected: number; unexpected: number; skipped: number; flaky: number } };
    return { passed: j.stats.expected + j.stats.flaky, failed: j.stats.unexpected, skipped: j.stats.skipped };
  } catch {
    return null;
  }
}

function main(): void {
  enterNetns();
  rmSync(ART, { recursive: true, force: true });
  mkdirSync(ART, { recursive: true });
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const failures: string[] = [];
  const check = (name: string, status: number) => {
    if (status === 0) total.passed += 1;
    else {
      total.failed += 1;
      failures.push(name);
    }
  };

  const manifest = join(ROOT, 'resources', 'bin', `${process.platform}-${process.arch}`, 'manifest.json');
  if (process.platform === 'linux' && !existsSync(manifest)) {
    process.stderr.write(`The bundled daemons are missing (${manifest}). Run \`npm run setup\` first.\n`);
    check('bundled daemons present', 1);
  }

  check('typecheck (tsc -b)', run('npx', ['tsc', '-b']));
  check('lint (eslint)', run('npx', ['eslint', '--max-warnings', '0', '.']));
  const built = run('npm', ['run', '--silent', 'build']);
  check('build', built);
  if (built === 0) {
    // esbuild heads each bundled module with a `// path` comment: the production bundle must have
    // no module from electron/lab/ (the lab is its own bundle, loaded only in lab mode).
    const bundle = readFileSync(join(ROOT, 'out', 'electron', 'main.mjs'), 'utf8');
    const labModules = [...bundle.matchAll(/^\/\/ (electron\/lab\/\S+)$/gm)].map((m) => m[1]);
    if (labModules.length) process.stderr.write(`out/electron/main.mjs contains lab code: ${labModules.join(', ')}\n`);
    check('production bundle has no lab code', labModules.length === 0 && /^\/\/ electron\/app\/core\.ts$/m.test(bundle) ? 0 : 1);
  }

  const vitestJson = join(ART, 'vitest.json');
  const v = run('npx', ['vitest', 'run', '-c', 'e2e/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], {
    NO_COLOR: '1',
  });
  const vc = vitestCounts(vitestJson);
  if (vc) {
    total.passed += vc.passed;
    total.failed += vc.failed;
    total.skipped += vc.skipped;
    if (vc.failed > 0) failures.push(`vitest: ${vc.failed} failed`);
  }
  if (v !== 0 && (!vc || vc.failed === 0)) check('vitest run', v);

  if (built === 0) {
    const pwJson = join(ART, 'playwright.json');
    const p = run('npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts'], { UNDERPASS_PW_JSON: pwJson });
    const pc = playwrightCounts(pwJson);
    if (pc) {
      total.passed += pc.passed;
      total.failed += pc.failed;
      total.skipped += pc.skipped;
      if (pc.failed > 0) failures.push(`playwright: ${pc.failed} failed`);
    }
    if (p !== 0 && (!pc || pc.failed === 0)) check('playwright run', p);
  }

  if (failures.length) process.stdout.write(`\nFailed: ${failures.join('; ')}\n`);
  process.stdout.write(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  process.exit(total.failed > 0 ? 1 : 0);
}

main();
