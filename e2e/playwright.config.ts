// Playwright drives the renderer through the headless host with Debian's chromium (Playwright's
// own browser only where no system chromium exists). Each worker starts its own app instance.
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig({
  testDir: './specs',
  // Separate output dirs let several runs share a checkout (parallel developers, a bench beside tests).
  outputDir: process.env.UNDERPASS_PW_OUTPUT ?? './.artifacts/test-results',
  // Generous: axe and a lab bootstrap on a loaded 2-core CI machine take far longer than here.
  timeout: 150_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.UNDERPASS_PW_JSON
    ? [['list'], ['json', { outputFile: process.env.UNDERPASS_PW_JSON }]]
    : [['list']],
  use: {
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(systemChromium ? { executablePath: systemChromium } : {}),
      // This machine has no network: stop chromium from trying to phone home at start.
      args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    },
  },
  projects: [
    { name: 'headless-host', testIgnore: /electron\.spec\.ts/ },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
