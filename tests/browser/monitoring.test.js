// The coordinator's quarterly monitoring in a real browser: the demo admin
// logs in, axe checks /monitoring, the council's and a publisher's
// assessment card and /rating (with its history and trends) at desktop
// width, none scrolls sideways at 375 px, and the quarter form and the card
// links lead where they say. Needs MISTO_URL pointing at `misto demo`;
// scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = (process.env.MISTO_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const SHOTS = process.env.MISTO_SCREENSHOTS || path.resolve('test-output/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PAGES = ['/monitoring', '/monitoring/card', '/monitoring/card?organization=departament-finansiv',
  '/monitoring?lang=en', '/rating'];

let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
});

async function login(context) {
  const page = await context.newPage();
  await page.goto(`${BASE}/login?lang=uk`);
  await page.fill('#f-user', 'admin');
  await page.fill('#f-password', 'demo-admin-2026');
  await Promise.all([page.waitForURL(/\/dashboard$/), page.press('#f-password', 'Enter')]);
  return page;
}

test('monitoring pages pass axe and fit a 375 px screen', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  const report = [];
  for (const p of PAGES) {
    const resp = await page.goto(`${BASE}${p}`);
    assert.equal(resp.status(), 200, p);
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const res = await axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      });
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    for (const v of violations) report.push({ page: p, ...v });
  }
  const bad = report.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], 'serious or critical axe violations');

  await page.setViewportSize({ width: 375, height: 800 });
  for (const p of PAGES) {
    await page.goto(`${BASE}${p}`);
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${p} scrolls sideways at 375 px (${scroll} > ${width})`);
  }
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
