// Builds the Electron main process (ESM, dependencies external) and the sandboxed preload (one
// CommonJS file that requires nothing but `electron`, as sandboxed preloads must).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };

await build({
  ...common,
  entryPoints: ['electron/main.ts'],
  outfile: 'out/electron/main.mjs',
  format: 'esm',
  packages: 'external',
  external: ['electron'],
  // ESM output still needs require() for the few CommonJS-only paths in dependencies.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

// The lab (private networks for `npm run lab` and tests) is its own bundle, imported by main.ts
// only in lab mode, so out/electron/main.mjs holds no lab code and the package leaves it out.
await build({
  ...common,
  entryPoints: ['electron/lab/lab-provider.ts'],
  outfile: 'out/electron/lab.mjs',
  format: 'esm',
  packages: 'external',
  external: ['electron'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

await build({
  ...common,
  entryPoints: ['electron/preload.ts'],
  outfile: 'out/electron/preload.cjs',
  format: 'cjs',
  minify: true,
  external: ['electron'],
});
