// The shell through the headless host: every section reached by keyboard alone, no serious or
// critical axe violations anywhere, live supervisor state on Overview, and the token guard.
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from '../fixtures/app';

const SECTIONS = ['Overview', 'Tor', 'Onion services', 'Bridges', 'I2P', 'Messages', 'Guidance', 'Lab', 'Settings'];

test('every section is reachable with the keyboard alone and passes axe', async ({ page, openApp }) => {
  await openApp(page);
  // The token left the address bar once read.
  expect(page.url()).not.toContain('token=');
  for (const name of SECTIONS) {
    // From the top of the page, Tab until the section's link has focus, then press Enter.
    // Start from the top of the document, as after loading the page (the sequential focus starting point).
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
    });
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(
        (n) => document.activeElement?.tagName === 'A' && document.activeElement.closest('nav') !== null && document.activeElement.textContent === n,
        name,
      );
    }
    expect(found, `reach "${name}" by Tab`).toBe(true);
    await page.keyboard.press('Enter');
    const h1 = page.getByRole('heading', { level: 1 });
    await expect(h1).toHaveText(name);
    await expect(page.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    if (name !== 'Overview') await expect(h1).toBeFocused();
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), `axe on ${name}`).toEqual([]);
  }
});

test('Overview shows each network with its real availability', async ({ page, openApp }) => {
  await openApp(page);
  await page.getByRole('link', { name: 'Overview' }).click();
  for (const id of ['tor', 'i2p', 'nym']) await expect(page.getByTestId(`network-${id}`)).toBeVisible();
  await expect(page.getByText('Lab mode: every network here is a private network on this computer.')).toBeVisible();
});

test('the language setting persists and mirrors the layout for Persian', async ({ page, openApp }) => {
  await openApp(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Interface language').selectOption('fa');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  // The navigation is in Persian now.
  await page.getByRole('link', { name: 'تنظیمات' }).click();
  await page.getByLabel('Interface language').selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
});

test('a page opened without the token cannot use the app', async ({ page, app }) => {
  await page.goto(`${app.origin}/`);
  await expect(page.getByRole('alert').filter({ hasText: 'could not sign in' })).toBeVisible({ timeout: 20_000 });
});
