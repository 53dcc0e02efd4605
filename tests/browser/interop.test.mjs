// The pages of the interoperability and engagement leftovers in a real
// browser: the printable passport (and its print layout), the push form of a
// publisher's admin, "my subscriptions" reached from a confirmation link's
// sibling, the coordinators' subscriptions overview, the request list's
// pager and the showcase form with its picture field. axe-core checks every
// page at 1280 and 375 px (no serious or critical violations, no sideways
// scrolling on phones). Needs MISTO_URL pointing at `misto demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axe, assertClean, login } from './helpers.mjs';


let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Checks a page at desktop and phone widths. */
async function check(ctx, url, name, report) {
  const page = await ctx.newPage();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    const resp = await page.goto(url);
    assert.equal(resp.status(), 200, `${name}: ${url}`);
    await axe(page, `${name}@${width}`, report);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: sideways scroll of ${overflow}px at ${width} px`);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  return page;
}

async function publicDataset() {
  const found = await (await fetch(
    `${BASE}/api/3/action/package_search?fq=${encodeURIComponent('organization:departament-finansiv')}&rows=1`,
  )).json();
  return found.result.results[0];
}

test('the passport page reads, prints and is accessible', async () => {
  const report = [];
  const d = await publicDataset();
  const ctx = await browser.newContext();
  const dataset = await ctx.newPage();
  await dataset.goto(`${BASE}/dataset/${d.name}?lang=uk`);
  await Promise.all([dataset.waitForURL(/\/passport$/), dataset.click(`a[href="/dataset/${d.name}/passport"]`)]);
  const page = await check(ctx, `${BASE}/dataset/${d.name}/passport`, 'passport', report);
  await page.setViewportSize({ width: 1280, height: 900 });
  const rows = await page.locator('table.passport-full').first().locator('tbody tr').count();
  assert.equal(rows, 15);
  // The print button appears with script; printing hides the site's frame.
  assert.ok(await page.locator('button[data-print]').isVisible());
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-header').isVisible(), false);
  assert.equal(await page.locator('button[data-print]').isVisible(), false);
  assert.ok(await page.locator('.print-url').first().isVisible());
  await page.pdf({ path: path.join(SHOTS, 'passport.pdf') });
  await ctx.close();
  assertClean(report);
});

test('the push form, subscriptions and requests pages for people', async () => {
  const report = [];
  const ctx = await browser.newContext();
  const admin = await login(ctx, 'admin');
  await check(ctx, `${BASE}/organization/departament-finansiv/push?lang=uk`, 'push', report);
  // A bad address is explained next to its field.
  await admin.goto(`${BASE}/organization/departament-finansiv/push`);
  await admin.fill('#f-url', 'http://127.0.0.1:9/');
  await admin.fill('#f-api_key', 'secret-key');
  await admin.fill('#f-organization', 'Not valid!');
  await admin.click('form.stack-form button[type=submit]');
  assert.ok(await admin.locator('#e-organization').isVisible());
  assert.equal(await admin.locator('#f-api_key').inputValue(), '');
  await axe(admin, 'push-errors', report);
  await check(ctx, `${BASE}/dashboard/subscriptions`, 'subscriptions-overview', report);
  await check(ctx, `${BASE}/requests`, 'requests', report);
  await ctx.close();

  const visitor = await browser.newContext();
  await check(visitor, `${BASE}/showcase/new`, 'showcase-form', report);
  // A subscription from the dataset page, then "my subscriptions" (its
  // signed link comes by e-mail; here the demo's address gets none, so only
  // the wrong-key page is reachable from outside).
  const d = await publicDataset();
  const page = await visitor.newPage();
  await page.goto(`${BASE}/dataset/${d.name}?lang=uk`);
  await page.fill('#sub-email', `browser-${Date.now()}@example.org`);
  await Promise.all([page.waitForURL(/\/subscriptions$/), page.click('.subscribe-form button[type=submit]')]);
  assert.ok(await page.locator('#sub-status').isVisible());
  await axe(page, 'subscribed', report);
  const resp = await page.goto(`${BASE}/subscriptions/mine?email=x%40example.org&key=00`);
  assert.equal(resp.status(), 404);
  await visitor.close();
  assertClean(report);
});
