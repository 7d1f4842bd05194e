// Onion drops in the UI against the app's real tor on the lab network: create a drop with the
// keyboard, see it published (HS_DESC UPLOADED), upload to it with JavaScript disabled, watch the
// upload's progress and completion, and check the client-auth key and QR codes.
//
// The uploads go to the drop's loopback port, not through a lab tor client: what this spec proves
// is the UI flow (form → drop → live progress → complete) and that the source's page works without
// JavaScript. The onion hop in between is the same bytes through tor into the same server and is
// proven by electron/services/drops/drop.integration.test.ts (50 MB through a second lab tor).
import AxeBuilder from '@axe-core/playwright';
import { connect } from 'node:net';
import { once } from 'node:events';
import { test, expect } from '../fixtures/app';

test('create a drop, upload with JavaScript off, watch progress and completion', async ({ page, openApp, browser }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await page.getByRole('link', { name: 'Onion services' }).click();
  await page.getByRole('button', { name: 'New drop' }).click();

  // Keyboard only: type into each labelled control and submit with Enter.
  await page.getByLabel('Title').fill('Newsroom tips');
  await page.getByLabel('Note for sources').fill('Send us documents. We read everything.');
  await page.getByLabel('Largest file (MB)').fill('100');
  await page.getByLabel('Title').press('Enter');

  const card = page.getByTestId('drop').filter({ hasText: 'Newsroom tips' });
  await expect(card).toBeVisible();
  await expect(card.getByTestId('drop-state')).toHaveAttribute('data-state', 'published', { timeout: 150_000 });
  await expect(card.getByTestId('drop-address')).toHaveText(/^http:\/\/[a-z2-7]{56}\.onion$/);
  await expect(card.getByTestId('drop-address-qr')).toHaveAttribute('src', /^data:image\/png;base64,/);
  const local = await card.getByTestId('drop-local').getAttribute('href');
  expect(local).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

  // The source's side, as in Tor Browser at "Safest": no JavaScript at all.
  const source = await browser.newContext({ javaScriptEnabled: false });
  const sp = await source.newPage();
  const response = await sp.goto(local!);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  await expect(sp.getByRole('heading', { name: 'Newsroom tips' })).toBeVisible();
  await expect(sp.getByText('We read everything.')).toBeVisible();
  await sp.getByLabel('Files').setInputFiles({ name: 'leak.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(256 * 1024, 7) });
  await sp.getByLabel('Message').fill('Hello from a source with JavaScript off');
  await sp.getByRole('button', { name: 'Send' }).click();
  await expect(sp.getByRole('status')).toContainText('Received: 1 file and 1 message');
  await source.close();

  const first = card.getByTestId('upload').first();
  await expect(first).toHaveAttribute('data-state', 'complete');
  await expect(first).toContainText('leak.pdf');
  await expect(first).toContainText('message.txt');

  // Live progress: a slow client sends half the body, the UI shows it receiving, then the rest.
  const port = Number(new URL(local!).port);
  const boundary = '----e2eSlowUpload';
  const file = Buffer.alloc(2 * 1024 * 1024, 1);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const sock = connect({ host: '127.0.0.1', port });
  await once(sock, 'connect');
  sock.resume(); // read (and ignore) the answer so the socket can close
  sock.write(
    `POST /upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  sock.write(body.subarray(0, body.length / 2));
  const receiving = card.locator('[data-testid="upload"][data-state="receiving"]');
  await expect(receiving).toBeVisible();
  const bar = receiving.getByRole('progressbar');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(40);
  sock.write(body.subarray(body.length / 2));
  await once(sock, 'close');
  await expect(card.locator('[data-testid="upload"][data-state="complete"]')).toHaveCount(2);
  await page.screenshot({ path: 'e2e/.artifacts/onion-drop.png', fullPage: true });
});

test('a drop with client authorization shows the private key in Tor Browser format with a QR code', async ({ page, openApp }) => {
  test.setTimeout(120_000);
  await openApp(page);
  await page.getByRole('link', { name: 'Onion services' }).click();
  await page.getByRole('button', { name: 'New drop' }).click();
  await page.getByLabel('Title').fill('Private drop');
  await page.getByLabel('Persistent: the same address after restarts').check();
  await page.getByLabel('Sources need a private key (client authorization)').check();
  await page.getByRole('button', { name: 'Create drop' }).click();
  const card = page.getByTestId('drop').filter({ hasText: 'Private drop' });
  await expect(card.getByTestId('drop-client-key')).toHaveText(/^[a-z2-7]{56}:descriptor:x25519:[A-Z2-7]{52}$/, { timeout: 60_000 });
  await expect(card.getByTestId('drop-key-qr')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await expect(card).toContainText('Persistent address');
  await card.getByRole('button', { name: /Remove drop/ }).click();
  await expect(card).toHaveCount(0);
});
