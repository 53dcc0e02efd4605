// The datastore on the resource page in a real browser (Debian's chromium
// via playwright-core): filter the table, sort it by clicking and by
// keyboard, page through it, build a chart and open its embeddable page,
// see the map (markers without tiles, and with tiles that cannot load),
// axe-core without serious or critical findings, and no sideways scroll
// at 375 px. Needs MISTO_URL pointing at `misto demo`;
// scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axeViolations, serious } from './helpers.mjs';


let browser;
// { dataset, resource, text, number, rows, url }
let sample;

async function api(action, body) {
  const r = await fetch(`${BASE}/api/3/action/${action}`, body
    ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
    : undefined);
  const j = await r.json();
  return { status: r.status, result: j.result };
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/// A public demo resource loaded into the datastore with coordinates, a
/// text column of few values and a number column; the demo loads its files
/// in the background, so this waits for the ingest.
async function findSample() {
  const found = (await api('package_search?q=res_format:CSV&rows=1000')).result.results;
  for (let attempt = 0; attempt < 90; attempt++) {
    for (const d of found) {
      for (const r of d.resources) {
        if (r.url_type !== 'upload') continue;
        const info = await api('datastore_info', { id: r.id });
        if (info.status !== 200 || !info.result.meta.datastore_active) continue;
        const fields = info.result.fields.filter((f) => f.id !== '_id');
        const names = fields.map((f) => f.id);
        if (!names.includes('latitude') || !names.includes('longitude')) continue;
        if (info.result.meta.count <= 40) continue;
        const number = fields.find((f) => (f.type === 'int' || f.type === 'numeric') && !['latitude', 'longitude'].includes(f.id));
        // A text column whose values repeat (a category), for the filter and the chart.
        let text;
        for (const f of fields.filter((x) => x.type === 'text')) {
          const distinct = await api('datastore_search', { resource_id: r.id, fields: [f.id], distinct: true, limit: 1000 });
          const n = distinct.result.records.length;
          if (n >= 2 && n <= 40) { text = f.id; break; }
        }
        if (!number || !text) continue;
        return { dataset: d.name, resource: r.id, text, number: number.id, rows: info.result.meta.count, url: `/dataset/${d.name}/resource/${r.id}` };
      }
    }
    await sleep(1000);
  }
  return null;
}

before(async () => {
  browser = await launch();
  sample = await findSample();
  assert.ok(sample, 'the demo has a datastore table with coordinates, a category and a number');
});

after(async () => {
  await browser?.close();
});

async function newPage(width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  // The tests are offline: anything outside the site is refused (and noted).
  const outside = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(BASE) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.outside = outside;
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  page.scriptErrors = errors;
  return page;
}

/// The texts of one column of the table's body.
async function column(page, name) {
  return page.evaluate((col) => {
    const heads = [...document.querySelectorAll('.ds-table thead th[data-col]')].map((th) => th.dataset.col);
    const i = heads.indexOf(col);
    return [...document.querySelectorAll('.ds-table tbody tr')].map((tr) => tr.children[i].textContent);
  }, name);
}

test('the table filters, sorts and pages through datastore_search, by mouse and keyboard', async () => {
  const page = await newPage();
  await page.goto(`${BASE}${sample.url}?lang=uk`);
  assert.equal(await page.locator('.ds-table tbody tr').count(), 20);
  const firstShown = await page.textContent('#ds-shown');

  // Filter: type a category value into its column's filter.
  const values = await column(page, sample.text);
  const value = values.find((v) => v !== '');
  const searches = [];
  page.on('request', (r) => { if (r.url().includes('/api/3/action/datastore_search')) searches.push(r.postData()); });
  await page.getByLabel(`Фільтр: ${sample.text}`, { exact: true }).fill(value);
  await page.waitForFunction(
    ([col, v]) => {
      const heads = [...document.querySelectorAll('.ds-table thead th[data-col]')].map((th) => th.dataset.col);
      const i = heads.indexOf(col);
      const rows = [...document.querySelectorAll('.ds-table tbody tr')];
      return rows.length > 0 && rows.every((tr) => tr.children[i].textContent === v) && new URL(location.href).searchParams.get(`f.${col}`) === v;
    },
    [sample.text, value],
  );
  assert.ok(searches.length > 0, 'the table asked datastore_search');
  assert.notEqual(await page.textContent('#ds-shown'), firstShown, 'the count follows the filter');
  assert.equal(page.url().includes('#ds'), true);

  // Sort by the number column: click once (ascending), then by keyboard (descending).
  await page.fill(`input.ds-filter[data-col="${sample.text}"]`, '');
  await page.locator('#ds-form button[type=submit]').click();
  await page.waitForFunction(() => !new URL(location.href).search.includes('f.'));
  const sortLink = page.locator(`th[data-col="${sample.number}"] a.ds-sort`);
  await sortLink.click();
  await page.waitForSelector(`th[data-col="${sample.number}"][aria-sort="ascending"]`);
  const numbers = (s) => s.filter((x) => x !== '').map(Number);
  const asc = numbers(await column(page, sample.number));
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b), 'ascending');
  await sortLink.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector(`th[data-col="${sample.number}"][aria-sort="descending"]`);
  const desc = numbers(await column(page, sample.number));
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a), 'descending');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('ds-sort')), true, 'focus stays on the header');
  assert.match(decodeURIComponent(page.url()), new RegExp(`sort=${sample.number}\\+desc|sort=${sample.number} desc`));

  // Next page.
  const before = await column(page, sample.number);
  await page.locator('.ds-next').click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('page') === '2');
  await page.waitForFunction((b) => {
    const cells = [...document.querySelectorAll('.ds-table tbody tr td:first-child')].map((td) => td.textContent);
    return cells.length > 0 && cells.join('|') !== b;
  }, before.join('|'));
  assert.equal(await page.locator('.ds-prev').isVisible(), true);
  // The URL the script kept renders the same view without script.
  const linked = await newPage();
  await linked.goto(page.url());
  assert.deepEqual(await column(linked, sample.number), await column(page, sample.number));
  await linked.context().close();

  await page.screenshot({ path: path.join(SHOTS, 'datastore-table-1280.png'), fullPage: true });
  assert.deepEqual(page.scriptErrors, []);
  assert.deepEqual(page.outside, []);
  await page.context().close();
});

test('a chart is built, linked and embedded; the map shows its points', async () => {
  const page = await newPage();
  await page.goto(`${BASE}${sample.url}?lang=uk`);
  await page.selectOption('#ds-chart-kind', 'bar');
  await page.selectOption('#ds-chart-x', sample.text);
  await page.selectOption('#ds-chart-agg', 'sum');
  await page.selectOption('#ds-chart-y', sample.number);
  await Promise.all([page.waitForURL(/chart=bar/), page.getByRole('button', { name: 'Побудувати діаграму' }).click()]);
  const bars = await page.locator('#ds-chart svg rect').count();
  assert.ok(bars >= 2, `bars: ${bars}`);
  assert.match(await page.textContent('#ds-chart figcaption'), /Сума/);
  // The numbers behind it, in a table.
  assert.equal(await page.locator('#ds-chart .ds-numbers tbody tr').count(), bars);
  const violations = await axeViolations(page);
  if (violations.length) console.log('axe findings (chart):', JSON.stringify(violations, null, 1));
  assert.deepEqual(serious(violations), []);
  await page.screenshot({ path: path.join(SHOTS, 'datastore-chart-1280.png'), fullPage: true });

  // Pie, from the same form.
  await page.selectOption('#ds-chart-kind', 'pie');
  await Promise.all([page.waitForURL(/chart=pie/), page.getByRole('button', { name: 'Побудувати діаграму' }).click()]);
  assert.ok(await page.locator('#ds-chart svg path').count() >= 2);

  // The embeddable page.
  const embedUrl = await page.getAttribute('#ds-chart a[href*="/chart?"]', 'href');
  const embed = await newPage(720);
  const resp = await embed.goto(`${BASE}${embedUrl}`);
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-security-policy'], /frame-ancestors \*/);
  assert.equal(resp.headers()['x-frame-options'], undefined);
  assert.ok(await embed.locator('svg path').count() >= 2);
  assert.deepEqual(serious(await axeViolations(embed)), []);
  await embed.context().close();

  // The map: one marker per point, drawn without any tile.
  const markers = await page.locator('#ds-map svg circle').count();
  assert.ok(markers > 0, 'markers');
  assert.equal(await page.locator('#ds-map svg image').count(), 0);
  assert.deepEqual(page.outside, []);
  // With the base map asked for, tiles are requested (and fail offline);
  // the markers are there all the same.
  await Promise.all([page.waitForURL(/tiles=1/), page.locator('#ds-map a[href*="tiles=1"]').click()]);
  assert.ok(await page.locator('#ds-map svg image').count() > 0);
  assert.equal(await page.locator('#ds-map svg circle').count(), markers);
  const box = await page.locator('#ds-map svg circle').first().boundingBox();
  assert.ok(box && box.width > 0, 'a marker is drawn');
  assert.deepEqual(page.scriptErrors, []);
  await page.context().close();
});

test('axe-core finds nothing serious (uk, en) and 375 px needs no sideways scroll', async () => {
  const chart = `chart=bar&x=${encodeURIComponent(sample.text)}&agg=count`;
  for (const lang of ['uk', 'en']) {
    const page = await newPage();
    await page.goto(`${BASE}${sample.url}?lang=${lang}&${chart}`);
    const violations = await axeViolations(page);
    if (violations.length) console.log(`axe findings (${lang}):`, JSON.stringify(violations, null, 1));
    assert.deepEqual(serious(violations), [], lang);
    await page.context().close();
  }
  const phone = await newPage(375);
  await phone.goto(`${BASE}${sample.url}?lang=uk&${chart}`);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await phone.screenshot({ path: path.join(SHOTS, 'datastore-375.png'), fullPage: true });
  assert.ok(overflow <= 0, `sideways scroll of ${overflow}px at 375 px`);
  // The table itself scrolls inside its region, reachable by keyboard.
  assert.equal(await phone.getAttribute('.ds .table-scroll', 'tabindex'), '0');
  await phone.context().close();
});
