// Dashboards in a real browser: the demo coordinator composes a dashboard
// with JavaScript switched off (details, a chart picked from a file's
// table and its columns, a key figure, a move), a visitor reads it (SVG
// chart with its numbers table) at desktop width and at 375 px, and the
// kiosk shows it on its own and rotates to the demo's dashboard by itself.
// axe-core checks every page (no serious or critical violation). Needs
// MISTO_URL pointing at `misto demo`; scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axe, assertClean, sideways } from './helpers.mjs';


let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

const stamp = Date.now().toString(36);
const NAME = `test-${stamp}`;
const TITLE = `Звернення мешканців ${stamp}`;

test('a coordinator composes a dashboard without JavaScript', async () => {
  const report = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${BASE}/login?lang=uk`);
  await page.fill('#f-user', 'admin');
  await page.fill('#f-password', 'demo-admin-2026');
  await Promise.all([page.waitForURL(/\/dashboard$/), page.press('#f-password', 'Enter')]);

  // The admin overview links the dashboards.
  await page.goto(`${BASE}/admin`);
  await Promise.all([page.waitForURL(/\/dashboards\/new$/), page.click('a[href="/dashboards/new"]')]);
  await page.fill('#db-title', TITLE);
  await page.fill('#db-title_en', `Residents' calls ${stamp}`);
  await page.fill('#db-name', NAME);
  await page.fill('#db-description', 'Звернення до **контакт-центру** за категоріями.');
  await page.check('#db-public');
  await Promise.all([page.waitForURL(new RegExp(`/dashboards/${NAME}/edit$`)), page.click('main form button[type="submit"]')]);

  // Step 1: the file; step 2: its columns.
  const option = await page.$eval('#db-resource', (sel) => {
    const o = [...sel.options].find((x) => x.textContent.includes('Звернення'));
    return o ? o.value : null;
  });
  assert.ok(option, 'the calls file is offered');
  await page.selectOption('#db-resource', option);
  await Promise.all([page.waitForURL(/resource=/), page.click('form[method="get"] button[type="submit"]')]);
  await page.selectOption('#db-chart', 'bar');
  await page.selectOption('#db-x', 'category');
  await page.selectOption('#db-agg', 'count');
  await page.fill('#db-tile_title', 'За категоріями');
  await Promise.all([page.waitForURL(/saved=1/), page.click('.dash-chart-form button[type="submit"]')]);
  await page.selectOption('#db-figure', 'datasets');
  await Promise.all([page.waitForURL(/saved=1/), page.click('#add-figure + form button[type="submit"]')]);
  assert.equal(await page.locator('.dash-edit-tile').count(), 2);
  // The figure first.
  await Promise.all([page.waitForNavigation(), page.click('.dash-edit-tile:nth-child(2) button[value="up"]')]);
  const first = await page.textContent('.dash-edit-tile:nth-child(1)');
  assert.ok(first.includes('Наборів даних'), first);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-editor.png'), fullPage: true });
  await context.close();

  // axe needs script: the same pages in a browser with JavaScript on.
  const withJs = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const js = await withJs.newPage();
  await js.goto(`${BASE}/login?lang=uk`);
  await js.fill('#f-user', 'admin');
  await js.fill('#f-password', 'demo-admin-2026');
  await Promise.all([js.waitForURL(/\/dashboard$/), js.press('#f-password', 'Enter')]);
  for (const [p, name] of [['/dashboards/new', 'new dashboard'],
    [`/dashboards/${NAME}/edit?resource=${option}`, 'editor with columns']]) {
    await js.goto(`${BASE}${p}`);
    await axe(js, name, report);
  }
  await js.setViewportSize({ width: 375, height: 800 });
  await js.goto(`${BASE}/dashboards/${NAME}/edit?resource=${option}`);
  assert.ok((await sideways(js)) <= 0, 'the editor fits 375 px');
  await js.screenshot({ path: path.join(SHOTS, 'dashboard-editor-375.png'), fullPage: true });
  assertClean(report);
  await withJs.close();
});

test('a visitor reads the dashboard, on a phone too', async () => {
  const report = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/dashboards?lang=uk`);
  await Promise.all([page.waitForURL(new RegExp(`/dashboard/${NAME}$`)), page.click(`a[href="/dashboard/${NAME}"]`)]);
  assert.equal(await page.textContent('h1'), TITLE);
  assert.equal(await page.locator('svg[role="img"]').count(), 1);
  assert.ok(Number((await page.textContent('.dash-figure-value')).replace(/\s/g, '')) > 0);
  await page.click('.ds-numbers summary');
  const rows = await page.locator('.ds-numbers tbody tr').count();
  assert.ok(rows > 1, `${rows} categories in the numbers table`);
  await axe(page, 'dashboard', report);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${BASE}/dashboard/${NAME}?lang=en`);
  assert.ok((await sideways(page)) <= 0, 'no sideways scroll at 375 px');
  await axe(page, 'dashboard 375 en', report);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-375.png'), fullPage: true });
  await page.goto(`${BASE}/dashboards`);
  assert.ok((await sideways(page)) <= 0, 'the list fits 375 px');
  assertClean(report);
  await context.close();
});

test('the kiosk shows one dashboard and rotates to the public ones by itself', async () => {
  const report = [];
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/kiosk?dashboard=${NAME}&lang=uk`);
  assert.equal(await page.locator('.site-header').count(), 0, 'full screen: no site header');
  assert.equal(await page.textContent('h1'), TITLE);
  assert.equal(await page.locator('svg[role="img"]').count(), 1);
  assert.equal(await page.isVisible('[data-kiosk-full]'), true, 'the full-screen button is offered');
  await axe(page, 'kiosk dashboard', report);
  await page.screenshot({ path: path.join(SHOTS, 'kiosk-dashboard-1920.png') });

  // The requests slide moves on to the first dashboard, swapped in place.
  const demo = (await (await fetch(`${BASE}/api/3/action/dashboard_list`)).json()).result;
  assert.ok(demo.includes('misto-v-tsyfrakh'), JSON.stringify(demo));
  await page.goto(`${BASE}/kiosk?slide=3&lang=uk`);
  await page.evaluate(() => { window.notReloaded = true; });
  await page.waitForURL(/slide=4/, { timeout: 40000 });
  const h1 = await page.textContent('h1');
  assert.ok(h1 === 'Місто в цифрах' || h1 === TITLE, h1);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the slide was swapped without a reload');
  assert.ok(await page.locator('svg[role="img"]').count() >= 1);
  await axe(page, 'kiosk rotation', report);
  await page.screenshot({ path: path.join(SHOTS, 'kiosk-rotation-1920.png') });
  assertClean(report);
  await context.close();
});
