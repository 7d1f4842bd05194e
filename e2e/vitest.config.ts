// One vitest run for shared/, electron/ and e2e/ node-side tests. Integration tests
// (*.integration.test.ts) need the bundled daemons and run inside the lab's network namespace.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const unitOnly = process.env.UNDERPASS_UNIT_ONLY === '1';

export default defineConfig({
  root,
  test: {
    include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts', 'e2e/**/*.test.ts'],
    exclude: ['node_modules/**', ...(unitOnly ? ['**/*.integration.test.ts'] : [])],
    environment: 'node',
    testTimeout: 20_000,
    // expect.poll's 1 s default is too short on a loaded CI machine; waiting longer costs nothing
    // when the state arrives early.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 120_000,
    // Integration tests start real daemons; two cores cannot run many labs at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
