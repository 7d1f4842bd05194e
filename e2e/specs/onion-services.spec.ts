// Onion services manager in the UI against the app's real tor on the lab network: a wrong port is
// refused beside its field, then a service for a local HTTP server is created, published (HS_DESC
// UPLOADED), shows its address and QR, passes axe, and is removed.
// Reaching it through a second tor is proven in electron/services/onion-services/onion-services.integration.test.ts.
import AxeBuilder from '@axe-core/playwright';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test, expect } from '../fixtures/app';

test('create an onion service for a local port, see it published with address and QR, remove it', async ({ page, openApp }) => {
  test.setTimeout(180_000);
  const server = createServer((_req, res) => res.end('local app'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    await openApp(page);
    await page.getByRole('link', { name: 'Onion services' }).click();
    await page.getByRole('button', { name: 'New onion service' }).click();

    const form = page.locator('form.onion-service-form');
    await form.getByLabel('Name', { exact: true }).fill('Local web app');
    await form.getByLabel('Local port (mapping 1)').fill('70000');
    await form.getByRole('button', { name: 'Create onion service' }).click();
    // Refused before anything reaches tor, with the reason beside the field.
    await expect(form.getByLabel('Local port (mapping 1)')).toHaveAttribute('aria-invalid', 'true');
    await expect(form.getByTestId('field-error')).toHaveText('A port is a whole number from 1 to 65535.');

    await form.getByLabel('Local port (mapping 1)').fill(String(port));
    await form.getByLabel('Local port (mapping 1)').press('Enter');

    const card = page.getByTestId('onion-service').filter({ hasText: 'Local web app' });
    await expect(card).toBeVisible();
    await expect(card).toContainText(`80 → 127.0.0.1:${port}`);
    await expect(card.getByTestId('onion-service-state')).toHaveAttribute('data-state', 'published', { timeout: 150_000 });
    await expect(card.getByTestId('onion-service-address')).toHaveText(/^[a-z2-7]{56}\.onion$/);
    await expect(card.getByTestId('onion-service-qr')).toHaveAttribute('src', /^data:image\/png;base64,/);

    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await page.screenshot({ path: 'e2e/.artifacts/onion-services.png', fullPage: true });

    await card.getByRole('button', { name: 'Remove Local web app' }).click();
    await expect(card).toHaveCount(0);
    await expect(page.getByText('No onion services yet.')).toBeVisible();
  } finally {
    server.close();
  }
});
