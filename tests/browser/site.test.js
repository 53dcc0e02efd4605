// The public site in a real browser (Debian's chromium via playwright-core):
// accessibility (axe-core), keyboard search, a resident's flow, the phone
// layout and the language switch. Needs MISTO_URL pointing at `misto demo`;
// scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axeViolations } from './helpers.mjs';


let browser;
let samples; // { dataset, resource, publisher }

async function api(action) {
  const r = await fetch(`${BASE}/api/3/action/${action}`);
  assert.equal(r.status, 200, action);
  return (await r.json()).result;
}

before(async () => {
  browser = await launch();
  const found = await api('package_search?q=res_format:CSV&rows=50');
  const d = found.results.find((x) => x.resources.some((r) => r.url_type === 'upload' && r.format.toUpperCase() === 'CSV'));
  assert.ok(d, 'the demo has a dataset with an uploaded CSV');
  const r = d.resources.find((x) => x.url_type === 'upload' && x.format.toUpperCase() === 'CSV');
  samples = { dataset: d.name, resource: r.id, publisher: d.organization.name, downloadUrl: r.url };
});

after(async () => {
  await browser?.close();
});

async function newPage(width = 1280, extra = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, ...extra });
  const page = await context.newPage();
  // Nothing may be fetched from outside the site.
  const outside = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(BASE) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.outside = outside;
  return page;
}

function pages() {
  return [
    ['home', '/'],
    ['search', '/dataset?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82%D1%83'],
    ['dataset', `/dataset/${samples.dataset}`],
    ['resource', `/dataset/${samples.dataset}/resource/${samples.resource}`],
    ['publisher', `/organization/${samples.publisher}`],
  ];
}

test('axe-core finds no serious or critical violations (uk and en)', async () => {
  const page = await newPage();
  const report = [];
  for (const lang of ['uk', 'en']) {
    for (const [name, url] of pages()) {
      const sep = url.includes('?') ? '&' : '?';
      const resp = await page.goto(`${BASE}${url}${sep}lang=${lang}`);
      assert.equal(resp.status(), 200, url);
      const violations = await axeViolations(page);
      for (const v of violations) report.push({ page: `${name} (${lang})`, ...v });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${lang}-1280.png`), fullPage: true });
    }
  }
  const bad = report.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (report.length) console.log('axe findings:', JSON.stringify(report, null, 1));
  assert.deepEqual(bad, [], 'serious or critical axe violations');
  assert.deepEqual(page.outside, [], 'requests outside the site');
  await page.context().close();
});

test('search works by keyboard: Tab to the box, type, Enter', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/?lang=uk`);
  let reached = false;
  for (let i = 0; i < 25 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.getAttribute('type') === 'search');
  }
  assert.ok(reached, 'the search box is reachable with Tab');
  // The focused element shows a visible focus indicator.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'visible focus');
  await page.keyboard.type('бюджету');
  await Promise.all([page.waitForURL(/\/dataset\?q=/), page.keyboard.press('Enter')]);
  const heading = await page.textContent('#results-title');
  const count = Number(heading.replace(/\D/g, ''));
  assert.ok(count >= 1, `results for a word form: ${heading}`);
  await page.context().close();
});

test('a resident filters by a facet, opens a dataset and downloads a file', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/dataset?lang=uk`);
  const total = Number((await page.textContent('#results-title')).replace(/\D/g, ''));
  const facet = page.locator('.facet').first().locator('a.facet-link').first();
  await Promise.all([page.waitForURL(/organization=/), facet.click()]);
  const filtered = Number((await page.textContent('#results-title')).replace(/\D/g, ''));
  assert.ok(filtered >= 1 && filtered < total, `facet narrows ${total} to ${filtered}`);
  assert.equal(await page.locator('.facet-link.selected').count(), 1);
  await Promise.all([page.waitForURL(/\/dataset\/[^?]+$/), page.locator('.card-title a').first().click()]);
  assert.ok(await page.locator('table.passport').isVisible(), 'the passport is shown');
  await page.goto(`${BASE}/dataset/${samples.dataset}`);
  const href = await page.locator('.resource a.button').first().getAttribute('href');
  const download = await page.request.get(`${BASE}${href}`);
  assert.equal(download.status(), 200);
  assert.ok((await download.body()).length > 0, 'the file has content');
  await page.goto(`${BASE}/dataset/${samples.dataset}/resource/${samples.resource}`);
  assert.ok(await page.locator('table.preview tbody tr').count() >= 1, 'CSV preview rows');
  await page.context().close();
});

test('no horizontal scroll at 375 px', async () => {
  const page = await newPage(375, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  for (const [name, url] of [...pages(), ['themes', '/group'], ['developers', '/developers']]) {
    await page.goto(`${BASE}${url}`);
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: document.documentElement.clientWidth,
    }));
    assert.ok(scroll <= width, `${name}: page is ${scroll}px wide in a ${width}px viewport`);
    await page.screenshot({ path: path.join(SHOTS, `${name}-375.png`), fullPage: true });
  }
  await page.context().close();
});

test('the language switch shows English and is remembered', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'uk');
  assert.match(await page.textContent('.site-nav'), /Набори даних/);
  await Promise.all([page.waitForURL(/lang=en/), page.click('.lang-switch')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('.site-nav'), /Datasets/);
  await page.goto(`${BASE}/dataset/${samples.dataset}`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the cookie keeps English');
  assert.match(await page.textContent('main'), /Dataset passport/);
  await Promise.all([page.waitForURL(/lang=uk/), page.click('.lang-switch')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'uk');
  assert.match(await page.textContent('main'), /Паспорт набору даних/);
  await page.context().close();
});
