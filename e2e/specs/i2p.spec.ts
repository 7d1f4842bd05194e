// The I2P page against the app's real i2pd on the lab I2P network: Start from the UI, router status
// goes live (ready, peers, uptime moving, bandwidth samples), and a server tunnel created in the UI
// gets a stable .b32 address and runs.
import { createServer } from 'node:net';
import { test, expect } from '../fixtures/app';

test('the I2P page shows live router status and creates a running server tunnel', async ({ page, openApp }) => {
  test.setTimeout(240_000);
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const port = (echo.address() as { port: number }).port;
  try {
    await openApp(page);
    await page.getByRole('link', { name: 'I2P', exact: true }).click();
    const start = page.getByTestId('i2p-start');
    if (await start.isVisible()) await start.click();
    await expect(page.getByTestId('i2p-state')).toHaveText('Ready', { timeout: 120_000 });
    await expect(page.getByTestId('i2p-peers')).toContainText(/[1-9]\d* active/, { timeout: 60_000 });
    const uptime = await page.getByTestId('i2p-uptime').textContent();
    await expect.poll(async () => page.getByTestId('i2p-uptime').textContent(), { timeout: 10_000 }).not.toBe(uptime);
    const graph = page.getByTestId('bandwidth-graph');
    const samples = Number(await graph.getAttribute('data-samples'));
    await expect.poll(async () => Number(await graph.getAttribute('data-samples')), { timeout: 10_000 }).toBeGreaterThan(samples + 1);

    await page.getByTestId('i2p-server-name').fill('echo');
    await page.getByTestId('i2p-server-port').fill(String(port));
    await page.getByRole('button', { name: 'Create server tunnel' }).click();
    const row = page.getByTestId('i2p-server-tunnel').filter({ hasText: 'echo' });
    await expect(row.getByTestId('i2p-b32')).toHaveText(/^[a-z2-7]{52}\.b32\.i2p$/);
    await expect(row).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
    await row.getByRole('button', { name: 'Show the QR code of echo' }).click();
    await expect(row.getByTestId('bridge-qr')).toBeVisible();
    await page.screenshot({ path: 'e2e/.artifacts/i2p-page.png', fullPage: true });
  } finally {
    echo.close();
  }
});
