// Encryption at rest in the UI, against the app's real tor on the lab network: a bad age key gets a
// field error; "Generate a key pair" fills the public key and shows the secret once; the drop
// stores the upload as ".age" files; the upload's completion is announced (aria-live); the upload
// decrypts with the secret; the headless host says it cannot open folders and offers the path.
// As in drops.spec.ts the source uploads to the drop's loopback port with JavaScript off; the
// onion hop is proven by electron/services/drops/drop.integration.test.ts.
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from '../fixtures/app';

test('an encrypted drop: key validation, generated key pair, upload announced, decrypt, copy path', async ({ page, openApp, browser }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await page.getByRole('link', { name: 'Onion services' }).click();
  await page.getByRole('button', { name: 'New drop' }).click();
  await page.getByLabel('Title').fill('Sealed tips');

  const keyField = page.getByLabel(/Your age public key/);
  await keyField.fill('age1notakey');
  await page.getByRole('button', { name: 'Create drop' }).click();
  await expect(keyField).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert').filter({ hasText: 'followed by 58 lower-case letters' })).toBeVisible();

  // Schedule fields refuse nonsense before anything is sent.
  await page.getByLabel(/Stop automatically after/).fill('0');
  await page.getByRole('button', { name: 'Generate a key pair' }).click();
  const secretBox = page.getByTestId('age-secret');
  await expect(secretBox).toContainText('shown only once');
  const secret = (await secretBox.locator('.code').textContent())!.trim();
  expect(secret).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  const recipient = await keyField.inputValue();
  expect(recipient).toMatch(/^age1[0-9a-z]{58}$/);
  await page.getByRole('button', { name: 'Create drop' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'at least 1' })).toBeVisible();
  await page.getByLabel(/Stop automatically after/).fill('');
  await page.getByLabel('Stop after the first complete upload').check();
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await expect(secretBox).toHaveCount(0);

  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

  await page.getByRole('button', { name: 'Create drop' }).click();
  const card = page.getByTestId('drop').filter({ hasText: 'Sealed tips' });
  await expect(card).toBeVisible();
  await expect(card.getByTestId('drop-encrypted')).toContainText(recipient);
  await expect(card.getByTestId('drop-schedule')).toContainText('Stops after the first complete upload');
  const local = await card.getByTestId('drop-local').getAttribute('href', { timeout: 60_000 });

  const source = await browser.newContext({ javaScriptEnabled: false });
  const sp = await source.newPage();
  await sp.goto(local!);
  await sp.getByLabel('Files').setInputFiles({ name: 'ledger.csv', mimeType: 'text/csv', buffer: Buffer.from('date,amount\n2026-11-01,1000000\n') });
  await sp.getByLabel('Message').fill('The ledger is real.');
  await sp.getByRole('button', { name: 'Send' }).click();
  await expect(sp.getByRole('status')).toContainText('Received: 1 file and 1 message');
  await source.close();

  // The in-app announcement (the Electron shell also shows a desktop notification).
  const live = page.getByTestId('drop-announcements');
  await expect(live).toHaveAttribute('aria-live', 'polite');
  await expect(live.getByTestId('drop-announcement')).toContainText('Upload complete in the drop "Sealed tips"');
  // Stopped by itself after that first upload.
  await expect(card.getByTestId('drop-state')).toHaveAttribute('data-state', 'stopped');

  const up = card.getByTestId('upload').first();
  await expect(up).toHaveAttribute('data-state', 'complete');
  await expect(up).toContainText('ledger.csv.age');
  await expect(up).toContainText('message.txt.age');

  await up.getByRole('button', { name: 'Open folder' }).click();
  await expect(up.getByRole('status').filter({ hasText: 'copy the path' })).toBeVisible();
  await expect(up.getByRole('button', { name: 'Copy path' })).toBeVisible();

  await up.getByRole('button', { name: 'Decrypt…' }).click();
  await up.getByLabel(/Your age secret key/).fill(secret);
  await up.getByRole('button', { name: 'Decrypt', exact: true }).click();
  await expect(up.getByTestId('decrypted')).toContainText('Decrypted 2 file(s)');
  await expect(up.getByLabel(/Your age secret key/)).toHaveValue('');

  await live.getByRole('button', { name: 'Dismiss' }).first().click();
  await expect(live.getByTestId('drop-announcement')).toHaveCount(0);
  await page.screenshot({ path: 'e2e/.artifacts/onion-encrypted-drop.png', fullPage: true });
});
