// Guidance through the UI: every need × adversary shows the recommendation the content file names,
// an apply button acts through the contract, the live comparison shows measured Tor and I2P round
// trips, and the page (comparison table included) is complete and mirrored in Persian.
import AxeBuilder from '@axe-core/playwright';
import raw from '../../shared/guidance/guidance.json' with { type: 'json' };
import { ADVERSARIES, GuidanceContentSchema, NEEDS } from '../../shared/domain/guidance';
import en from '../../renderer/i18n/locales/en.json' with { type: 'json' };
import fa from '../../renderer/i18n/locales/fa.json' with { type: 'json' };
import { test, expect } from '../fixtures/app';

const content = GuidanceContentSchema.parse(raw);

test('each answer pair shows the recommendation from the content file', async ({ page, openApp }) => {
  await openApp(page);
  await page.getByRole('link', { name: 'Guidance' }).click();
  for (const need of NEEDS) {
    await page.getByRole('radio', { name: en.guidance.need[need] }).check();
    for (const adversary of ADVERSARIES) {
      await page.getByRole('radio', { name: en.guidance.adversary[adversary] }).check();
      const rec = content.matrix[need]?.[adversary];
      await expect(page.getByTestId('recommendation')).toHaveAttribute('data-recommendation', rec);
      await expect(page.getByTestId('recommendation')).toContainText(content.recommendations[rec]!.title.en);
    }
  }
  const bad = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => v.id)).toEqual([]);
});

test('applying "Start Tor" acts, and the comparison shows a measured Tor round trip', async ({ page, openApp }) => {
  test.setTimeout(150_000);
  await openApp(page);
  await page.getByRole('link', { name: 'Guidance' }).click();
  await page.getByRole('radio', { name: en.guidance.need.browse }).check();
  await page.getByRole('radio', { name: en.guidance.adversary.local }).check();
  await page.getByRole('button', { name: en.guidance.action['tor.start'] }).click();
  // The action navigates to the Tor page, where tor reaches 100 % on the lab network.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tor');
  await expect(page.getByTestId('bootstrap-text')).toContainText('100%', { timeout: 120_000 });
  await page.getByRole('link', { name: 'Guidance' }).click();
  await page.getByRole('button', { name: en.guidance.measure }).click();
  const torRow = page.getByTestId('comparison').locator('tr[data-network="tor"]');
  await expect(torRow).toContainText(/\d+ ms|\d+\.\d s/, { timeout: 60_000 });
  await expect(torRow).toContainText('MB/s');
});

test('the comparison shows I2P measured through SAM on the lab network, with the time of measurement', async ({ page, openApp }) => {
  test.setTimeout(240_000);
  await openApp(page);
  await page.getByRole('link', { name: 'Guidance' }).click();
  // Before I2P runs the row says so in words, with no number.
  await page.getByRole('button', { name: en.guidance.measure }).click();
  const i2pRow = page.getByTestId('comparison').locator('tr[data-network="i2p"]');
  await expect(i2pRow.locator('[data-failure="notRunning"]')).toContainText(en.guidance.measureFailure.notRunning, { timeout: 60_000 });
  await page.getByRole('link', { name: 'I2P', exact: true }).click();
  const start = page.getByTestId('i2p-start');
  if (await start.isVisible()) await start.click();
  await expect(page.getByTestId('i2p-state')).toHaveText('Ready', { timeout: 120_000 });
  await page.getByRole('link', { name: 'Guidance' }).click();
  const before = Date.now();
  await page.getByRole('button', { name: en.guidance.measure }).click();
  const rtt = i2pRow.locator('td').nth(0);
  await expect(rtt).toContainText(/\d+ ms|\d+\.\d s/, { timeout: 120_000 });
  await expect(i2pRow.locator('td').nth(1)).toContainText(/[\d.]+ MB\/s/);
  // The time of measurement is shown beside the number, and it is now (same clock, same minute).
  const shown = (await rtt.textContent()) ?? '';
  const time = /\(([^)]+)\)/.exec(shown)?.[1] ?? '';
  const nowTexts = [before, Date.now()].map((t) => new Date(t).toLocaleTimeString('en'));
  expect(nowTexts.some((n) => n.slice(0, -6) === time.slice(0, -6)), `${time} vs ${nowTexts.join(', ')}`).toBe(true);
});

test('the guidance page is complete in Persian and mirrored', async ({ page, openApp }) => {
  await openApp(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Interface language').selectOption('fa');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.getByRole('link', { name: 'راهنما' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('راهنما');
  await page.getByRole('radio', { name: 'پیام دادن به کسی' }).check();
  await page.getByRole('radio', { name: 'خود وب‌سایت یا سرویس' }).check();
  await expect(page.getByTestId('recommendation')).toContainText(content.recommendations['nym-anonymous']!.title.fa);
  // The sidebar sits on the right in RTL.
  const nav = await page.getByRole('navigation').boundingBox();
  const main = await page.getByRole('main').boundingBox();
  expect(nav!.x).toBeGreaterThan(main!.x);
  // The comparison table mirrors too: its first column (the network) is the rightmost one.
  const headers = page.getByTestId('comparison').locator('thead th');
  const first = await headers.first().boundingBox();
  const last = await headers.last().boundingBox();
  expect(first!.x).toBeGreaterThan(last!.x);
  const torCells = page.getByTestId('comparison').locator('tr[data-network="tor"] > *');
  expect((await torCells.first().boundingBox())!.x).toBeGreaterThan((await torCells.nth(1).boundingBox())!.x);
  await expect(torCells.first()).toHaveText('تور');
  // Units and digits in Persian too: Tor's typical round trip is "۱۰۰ میلی‌ثانیه–۵۰۰ میلی‌ثانیه", no "ms".
  await expect(torCells.nth(3)).toContainText('۱۰۰ میلی‌ثانیه');
  await expect(torCells.nth(3)).not.toContainText('ms');
  // The drop recommendation says, in Persian, that encryption at rest needs the journalist's own key.
  await page.getByRole('radio', { name: fa.guidance.need.host }).check();
  await page.getByRole('radio', { name: fa.guidance.adversary.device }).check();
  await expect(page.getByTestId('recommendation')).toHaveAttribute('data-recommendation', 'drop-protected');
  await expect(page.getByTestId('drop-encryption-note')).toHaveText(fa.guidance.dropEncryptionNote);
  await page.getByLabel(fa.guidance.ageRecipientLabel).fill('age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p');
  await expect(page.getByTestId('drop-encryption-note')).toHaveText(fa.guidance.dropEncryptionOn);
  await page.getByLabel(fa.guidance.ageRecipientLabel).fill('');
  const bad = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => v.id)).toEqual([]);
  await page.getByRole('link', { name: 'تنظیمات' }).click();
  await page.getByLabel('Interface language').selectOption('en');
});
