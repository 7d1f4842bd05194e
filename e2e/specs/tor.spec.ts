// The Tor page against the app's real tor on the lab network: bootstrap reaches 100 %, live
// circuits show three lab hops, the SOCKS test reaches the lab origin, and the bandwidth graph moves.
import { test, expect } from '../fixtures/app';

test('the Tor page shows live circuits and a moving bandwidth graph', async ({ page, openApp }) => {
  test.setTimeout(150_000);
  await openApp(page);
  await page.getByRole('link', { name: 'Tor', exact: true }).click();
  await expect(page.getByTestId('bootstrap-text')).toContainText('100%', { timeout: 120_000 });
  await expect(page.getByRole('progressbar', { name: 'Tor bootstrap' })).toHaveAttribute('aria-valuenow', '100');

  const threeHop = page.getByTestId('circuit').filter({ has: page.locator('ol.path > li:nth-child(3)') });
  await expect(threeHop.first()).toBeVisible({ timeout: 30_000 });
  await expect(threeHop.first().locator('ol.path')).toContainText(/auth|relay\d/);

  await page.getByRole('button', { name: /Test connection/ }).click();
  await expect(page.getByTestId('socks-result')).toContainText('Connected through Tor: HTTP 200', { timeout: 30_000 });

  // Select the circuit that carried the test stream: its stream table lists the lab origin.
  const graph = page.getByTestId('bandwidth-graph');
  const samples = Number(await graph.getAttribute('data-samples'));
  await expect.poll(async () => Number(await graph.getAttribute('data-samples')), { timeout: 10_000 }).toBeGreaterThan(samples + 1);
  await expect(page.getByTestId('bandwidth-now')).toContainText('Now: received');
  await page.screenshot({ path: 'e2e/.artifacts/tor-page.png', fullPage: true });
});
