// The Bridges feature against the app's real tor on the lab: the app starts with its tor stalled
// on purpose (UNDERPASS_LAB_TOR_STALL=1: the lab DirAuthority line points at a closed loopback
// port, like a censored network), the Tor page shows the diagnosis, and one click on "Use the lab
// bridge" reaches 100%. Then the Bridges page: per-field errors for a pasted line, and a QR round
// trip (the applied bridge's QR image, uploaded back, gives the identical line). Lab bridges only.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, launchApp, stopApp, type AppInstance } from '../fixtures/app';

let app: AppInstance;

test.beforeAll(async () => {
  app = await launchApp([], { UNDERPASS_LAB_TOR_STALL: '1' });
});

test.afterAll(async () => {
  if (app) await stopApp(app);
});

test('a stalled bootstrap is diagnosed and one click on the lab bridge reaches 100%', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(app.url);
  await page.getByRole('link', { name: 'Tor', exact: true }).click();
  const banner = page.getByTestId('diagnosis');
  await expect(banner).toHaveAttribute('data-cause', 'directory-blocked', { timeout: 120_000 });
  await expect(banner).toContainText('Directory connections are blocked');
  await expect(banner).toContainText('try snowflake');
  expect(Number(await page.getByRole('progressbar', { name: 'Tor bootstrap' }).getAttribute('aria-valuenow'))).toBeLessThan(25);
  await page.screenshot({ path: 'e2e/.artifacts/bridges-diagnosis.png', fullPage: true });

  await banner.getByRole('button', { name: 'Use the lab bridge' }).click();
  await expect(page.getByTestId('bootstrap-text')).toContainText('100%', { timeout: 60_000 });
  await expect(page.getByTestId('diagnosis')).toHaveCount(0, { timeout: 10_000 });
});

test('the Bridges page: field errors, QR round trip, accessible', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(app.url);
  await page.getByRole('link', { name: 'Bridges', exact: true }).click();
  await expect(page.getByTestId('bridges-current')).toContainText('Using 1 bridge (obfs4)');
  const line = (await page.getByTestId('bridge-line').first().textContent())?.trim() ?? '';
  expect(line).toMatch(/^obfs4 127\.0\.0\.1:\d+ [0-9A-F]{40} cert=\S+ iat-mode=0$/);

  // Built-in (public) bridges are listed with their explanation but cannot be used in lab mode.
  await expect(page.getByRole('button', { name: 'Use obfs4' })).toBeDisabled();
  await expect(page.getByText('Makes your traffic look like random bytes')).toBeVisible();

  const box = page.getByLabel(/Bridge lines/);
  await box.fill(`Bridge ${line.replace(/ cert=\S+/, '')}`);
  await expect(page.getByTestId('line-error')).toContainText('obfs4 needs cert=');
  await expect(page.getByRole('button', { name: 'Use these bridges' })).toBeDisabled();
  await box.fill('');

  // QR export → image → import gives the identical line.
  await page.getByRole('button', { name: 'Show QR code' }).first().click();
  const qr = page.getByTestId('bridge-qr').first();
  await expect(qr).toBeVisible();
  const png = await qr.evaluate((c) => (c as HTMLCanvasElement).toDataURL('image/png'));
  const buffer = Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64');
  await page.getByLabel('Import a bridge from a QR code image').setInputFiles({ name: 'bridge.png', mimeType: 'image/png', buffer });
  await expect(page.getByText('Bridge line read from the QR code')).toBeVisible();
  expect(await box.inputValue()).toBe(line);
  await expect(page.getByTestId('line-ok')).toHaveCount(1);

  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await page.screenshot({ path: 'e2e/.artifacts/bridges-page.png', fullPage: true });
});
