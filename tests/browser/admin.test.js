// The sysadmin's pages in a real browser: the demo admin logs in, axe checks
// /admin, the settings, users and publishers pages at desktop width and
// none scrolls sideways at 375 px; then the admin changes the main colour
// and the home page's links take it. Needs MISTO_URL pointing at
// `misto demo`; scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, login, assertPagesPassAxeAndFit } from './helpers.mjs';

const PAGES = ['/admin', '/admin/settings', '/admin/users', '/admin/publishers',
  '/admin/publishers/new', '/organization/departament-finansiv/edit'];

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('admin pages pass axe and fit a 375 px screen', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  await assertPagesPassAxeAndFit(page, PAGES);
  await page.screenshot({ path: path.join(SHOTS, 'admin-settings-375.png'), fullPage: true });
  await context.close();
});

test('a new main colour reaches every page', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  await page.goto(`${BASE}/admin/settings`);
  const before = await page.inputValue('#f-primary_color');
  await page.fill('#f-primary_color', '#7a1f5c');
  await Promise.all([page.waitForURL(/saved=1/), page.click('form[action="/admin/settings"] button[type=submit]')]);
  assert.match(await page.textContent('[role=status]'), /збережено/);
  const anon = await browser.newContext();
  const home = await anon.newPage();
  await home.goto(`${BASE}/`);
  const color = await home.evaluate(() => getComputedStyle(document.querySelector('main a')).color);
  assert.equal(color, 'rgb(122, 31, 92)');
  await anon.close();
  // Put the demo back as it was for the other tests.
  await page.goto(`${BASE}/admin/settings`);
  await page.fill('#f-primary_color', before);
  await Promise.all([page.waitForURL(/saved=1/), page.click('form[action="/admin/settings"] button[type=submit]')]);
  await context.close();
});
