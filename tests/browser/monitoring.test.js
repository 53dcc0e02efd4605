// The coordinator's quarterly monitoring in a real browser: the demo admin
// logs in, axe checks /monitoring, the council's and a publisher's
// assessment card and /rating (with its history and trends) at desktop
// width, none scrolls sideways at 375 px, and the quarter form and the card
// links lead where they say. Needs MISTO_URL pointing at `misto demo`;
// scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, login, assertPagesPassAxeAndFit } from './helpers.mjs';

const PAGES = ['/monitoring', '/monitoring/card', '/monitoring/card?organization=departament-finansiv',
  '/monitoring?lang=en', '/rating'];

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('monitoring pages pass axe and fit a 375 px screen', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  await assertPagesPassAxeAndFit(page, PAGES);
  await page.goto(`${BASE}/monitoring/card`);
  await page.screenshot({ path: path.join(SHOTS, 'assessment-card-375.png'), fullPage: true });
  await context.close();
});

test('the quarter form, the card links and the exports work', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  await page.goto(`${BASE}/monitoring`);
  const quarter = await page.$eval('#mon-quarter', (s) => s.value);
  await Promise.all([page.waitForURL(new RegExp(`quarter=${quarter}`)), page.click('.quarter-form button')]);
  assert.match(await page.textContent('h1'), /Щоквартальний моніторинг/);
  const rows = await page.$$eval('#mon-table tbody tr', (trs) => trs.length);
  assert.ok(rows > 2, `the council and the demo's publishers (${rows} rows)`);
  await page.click('#mon-table tbody tr:nth-child(2) a[href*="/monitoring/card"]');
  await page.waitForURL(/\/monitoring\/card\?.*organization=/);
  const subject = await page.textContent('#card-subject');
  assert.notEqual(subject.trim(), 'Уся рада');
  const indicators = await page.$$eval('#card-table tbody tr', (trs) => trs.map((t) => t.dataset.status));
  assert.equal(indicators.length, 9);
  for (const s of indicators) assert.ok(['met', 'not_met', 'na', 'info'].includes(s), s);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#card-xlsx-one')]);
  assert.match(download.suggestedFilename(), /^assessment-card-\d{4}-Q\d-.+\.xlsx$/);
  await page.screenshot({ path: path.join(SHOTS, 'assessment-card.png'), fullPage: true });
  await context.close();
});
