// Lint rules that enforce the runtime layers (renderer never imports electron/, node:* or
// electron; shared/ imports neither side) and the code rules (no any, no floating promises).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'net', 'http', 'https', 'child_process', 'crypto', 'stream', 'url', 'util', 'events', 'dgram', 'tls'];

export default tseslint.config(
  { ignores: ['out/**', 'release/**', 'node_modules/**', 'resources/**', 'test-results/**', 'playwright-report/**', 'e2e/.artifacts/**', '**/__fixtures__/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'electron/build.mjs', 'electron/lab/*/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
      // Handlers are async by contract even when they have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // We do not run the React Compiler, so its memoization limits do not apply.
      'react-hooks/incompatible-library': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((n) => !n.includes('*')).map((name) => ({ name, message: 'The renderer has no Node: ask main through the contract.' })),
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node: ask main through the contract.' },
            { group: ['electron', 'electron/*'], message: 'The renderer never imports electron; use window.api via renderer/ipc.' },
            { group: ['**/electron/**', '../electron', '../../electron'], message: 'The renderer never imports main-process code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((n) => !n.includes('*')).map((name) => ({ name, message: 'shared/ is pure: no Node APIs.' })),
          patterns: [
            { group: ['node:*'], message: 'shared/ is pure: no Node APIs.' },
            { group: ['electron', 'electron/*'], message: 'shared/ never imports electron.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports neither side.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts', 'electron/window.ts', 'electron/host/electron-ipc.ts'],
    rules: {
      // Only the thin shell may load electron (type-only imports are fine: they vanish at run time).
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main.ts, preload.ts and window.ts load electron.', allowTypeImports: true }] }],
      'no-restricted-properties': ['error', { object: 'child_process', property: 'exec', message: 'Spawn by argv, never through a shell.' }],
    },
  },
  {
    files: ['electron/preload.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', './*', '!../shared/**'], message: 'The sandboxed preload imports only electron and shared/.' }] }],
    },
  },
  {
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
