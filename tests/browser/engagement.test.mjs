// Engagement in a real browser: a visitor leaves feedback on a dataset and
// the publisher's editor answers it; a visitor asks for a dataset, the
// coordinator approves the request and visitors vote (once per browser);
// the coordinator publishes a news post with a picture that the home page
// then shows. axe-core checks every page on the way (no serious or critical
// violations). Needs MISTO_URL pointing at `misto demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axe, assertClean, login } from './helpers.mjs';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('a visitor leaves feedback and the editor answers it', async () => {
  const report = [];
  const stamp = Date.now().toString(36);
  const found = await (await fetch(
    `${BASE}/api/3/action/package_search?fq=${encodeURIComponent('organization:departament-finansiv')}&rows=1`,
  )).json();
  const name = found.result.results[0].name;
  const message = `У рядку 7 неправильна сума (${stamp})`;

  const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await visitor.newPage();
  await page.goto(`${BASE}/dataset/${name}?lang=uk`);
  await page.click('.feedback-form-box summary');
  await axe(page, 'dataset page with the feedback form', report);
  await page.selectOption('#fb-kind', 'data_error');
  await page.fill('#fb-message', message);
  await page.fill('#fb-name', 'Тарас');
  await page.fill('#fb-email', `taras-${stamp}@example.org`);
  await Promise.all([page.waitForURL(/\/feedback\/.+key=/), page.click('.feedback-form button[type=submit]')]);
  const statusUrl = page.url();
  assert.match(await page.textContent('main'), /Дякуємо/);
  await axe(page, 'feedback status', report);

  const editorCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const editor = await login(editorCtx, 'editor');
  await editor.goto(`${BASE}/dashboard/feedback`);
  await axe(editor, 'feedback inbox', report);
  const item = editor.locator('.inbox-item', { hasText: message });
  await item.locator('textarea[name=answer]').fill('Дякуємо, суму виправлено.');
  await item.locator('select[name=status]').selectOption('fixed');
  await Promise.all([editor.waitForURL(/saved=1/), item.locator('button[type=submit]:not([name])').click()]);
  await editor.screenshot({ path: path.join(SHOTS, 'feedback-inbox-1280.png'), fullPage: true });

  // The author sees the answer; so does everyone on the dataset page.
  await page.goto(statusUrl);
  assert.match(await page.textContent('#feedback-answer'), /суму виправлено/);
  assert.match(await page.textContent('#feedback-status'), /Виправлено/);
  await page.goto(`${BASE}/dataset/${name}`);
  const pub = page.locator('.feedback-item', { hasText: message });
  assert.match(await pub.textContent(), /суму виправлено/);
  await page.screenshot({ path: path.join(SHOTS, 'dataset-feedback-1280.png'), fullPage: true });
  assertClean(report);
  await visitor.close();
  await editorCtx.close();
});

test('a request is approved and voted for once per browser', async () => {
  const report = [];
  const stamp = Date.now().toString(36);
  const title = `Графік прибирання снігу ${stamp}`;
  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await visitor.newPage();
  await page.goto(`${BASE}/requests/new?lang=uk`);
  await axe(page, 'request form', report);
  await page.fill('#rq-title', title);
  await page.fill('#rq-description', 'По районах і днях');
  await page.fill('#rq-name', 'Марія');
  await page.fill('#rq-email', `maria-${stamp}@example.org`);
  await Promise.all([page.waitForURL(/\/requests\?sent=1/), page.click('main form button[type=submit]')]);

  const adminCtx = await browser.newContext();
  const admin = await login(adminCtx, 'admin');
  await admin.goto(`${BASE}/dashboard/moderation`);
  await axe(admin, 'moderation queue', report);
  const waiting = admin.locator('#mod-requests ~ ol li', { hasText: title });
  await Promise.all([admin.waitForURL(/moderation\?saved=1/), waiting.locator('button[value=approved]').click()]);

  await page.goto(`${BASE}/requests`);
  await axe(page, 'requests list', report);
  const row = page.locator('.request-item', { hasText: title });
  assert.equal((await row.locator('.vote-count').textContent()).trim(), '0');
  await Promise.all([page.waitForURL(/voted=1/), row.locator('button').click()]);
  assert.equal((await page.locator('.request-item', { hasText: title }).locator('.vote-count').textContent()).trim(), '1');
  await Promise.all([
    page.waitForURL(/voted=0/),
    page.locator('.request-item', { hasText: title }).locator('button').click(),
  ]);
  assert.match(await page.textContent('#vote-status'), /вже голосували/);
  assert.equal((await page.locator('.request-item', { hasText: title }).locator('.vote-count').textContent()).trim(), '1');
  await page.screenshot({ path: path.join(SHOTS, 'requests-390.png'), fullPage: true });
  // Another browser counts once more.
  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(`${BASE}/requests`);
  await Promise.all([p2.waitForURL(/voted=1/), p2.locator('.request-item', { hasText: title }).locator('button').click()]);
  assert.equal((await p2.locator('.request-item', { hasText: title }).locator('.vote-count').textContent()).trim(), '2');
  assertClean(report);
  await visitor.close();
  await adminCtx.close();
  await other.close();
});

test('the coordinator publishes news that the home page shows', async () => {
  const report = [];
  const stamp = Date.now().toString(36);
  const title = `Нові дані про бюджет ${stamp}`;
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const admin = await login(adminCtx, 'admin');
  await admin.goto(`${BASE}/news/new`);
  await axe(admin, 'news form', report);
  await admin.fill('#n-title', title);
  await admin.fill('#n-name', `budget-${stamp}`);
  await admin.fill('#n-body', 'Опублікували **звіт** про виконання бюджету.');
  await admin.setInputFiles('#n-image', { name: 'chart.png', mimeType: 'image/png', buffer: PNG });
  await admin.check('#n-published');
  await Promise.all([admin.waitForURL(new RegExp(`/news/budget-${stamp}$`)), admin.click('main form button[type=submit]')]);
  assert.match(await admin.textContent('.news-post .prose'), /звіт/);
  assert.equal(await admin.locator('.news-post .prose strong').count(), 1);

  const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await visitor.newPage();
  await page.goto(`${BASE}/?lang=uk`);
  const link = page.locator('.news-latest a', { hasText: title });
  assert.equal(await link.count(), 1, 'the home page shows the latest news');
  await axe(page, 'home with news', report);
  await Promise.all([page.waitForURL(new RegExp(`/news/budget-${stamp}$`)), link.click()]);
  const size = await page.locator('.news-image').evaluate((img) => img.naturalWidth);
  assert.equal(size, 1, 'the picture loads');
  await axe(page, 'news post', report);
  await page.screenshot({ path: path.join(SHOTS, 'news-post-1280.png'), fullPage: true });
  const feed = await (await fetch(`${BASE}/feeds/news.atom`)).text();
  assert.ok(feed.includes(title), 'the Atom feed carries the post');
  assertClean(report);
  await adminCtx.close();
  await visitor.close();
});

test('a visitor answers a survey and sees the result chart', async () => {
  const report = [];
  const stamp = Date.now().toString(36);
  const adminCtx = await browser.newContext();
  const admin = await login(adminCtx, 'admin');
  await admin.goto(`${BASE}/surveys/new`);
  await axe(admin, 'survey builder', report);
  await admin.fill('#sv-title', `Пріоритетні дані ${stamp}`);
  await admin.fill('#sv-name', `priority-${stamp}`);
  await admin.fill('#sv-questions',
    'single* | Які дані потрібні найбільше? | бюджет; транспорт; освіта\nscale | Оцініть портал\ntext | Побажання');
  await admin.check('#sv-public_results');
  await Promise.all([admin.waitForURL(new RegExp(`/surveys/priority-${stamp}$`)), admin.click('main form button[type=submit]')]);

  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await visitor.newPage();
  await page.goto(`${BASE}/surveys/priority-${stamp}?lang=uk`);
  await axe(page, 'survey', report);
  await page.check('label:has-text("транспорт")');
  await page.check('#sq-q2-5');
  await page.fill('#sq-q3', 'Більше даних про транспорт');
  await Promise.all([page.waitForURL(/answered=1/), page.click('.survey-form button[type=submit]')]);
  assert.match(await page.textContent('#survey-status'), /Дякуємо/);
  // A second answer from the same browser is not counted.
  await page.check('label:has-text("освіта")');
  await Promise.all([page.waitForURL(/answered=0/), page.click('.survey-form button[type=submit]')]);
  await page.click('a[href$="/results"]');
  await page.waitForSelector('svg.bar-chart');
  assert.equal((await page.textContent('#survey-responses')).trim(), '1');
  const bars = await page.locator('svg.bar-chart').first().locator('rect').evaluateAll(
    (rects) => rects.map((r) => Number(r.getAttribute('width'))),
  );
  assert.deepEqual(bars, [0, 400, 0], 'one bar for the one answer');
  await axe(page, 'survey results', report);
  await page.screenshot({ path: path.join(SHOTS, 'survey-results-390.png'), fullPage: true });
  assertClean(report);
  await adminCtx.close();
  await visitor.close();
});

test('kiosk mode renders full screen and moves on by itself', async () => {
  const report = [];
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/kiosk?slide=0&lang=uk`);
  assert.equal(await page.locator('.site-header').count(), 0);
  assert.ok(Number((await page.textContent('#fig-datasets')).replace(/\s/g, '')) > 0);
  await axe(page, 'kiosk', report);
  await page.screenshot({ path: path.join(SHOTS, 'kiosk-1920.png') });
  // The requests slide moves on by itself after its 20 seconds (to the
  // public dashboards, or back to the first slide without any).
  await page.goto(`${BASE}/kiosk?slide=3&lang=uk`);
  await page.waitForURL(/slide=(0|4)/, { timeout: 30000 });
  await axe(page, 'kiosk after rotation', report);
  assertClean(report);
  await context.close();
});

test('usage is counted and the coordinator reads the analytics page', async () => {
  const report = [];
  const stamp = Date.now().toString(36);
  const found = await (await fetch(`${BASE}/api/3/action/package_search?rows=1&sort=name%20asc`)).json();
  const { name, title } = found.result.results[0];
  // A person's browser (headless Chromium names itself a bot otherwise).
  const visitor = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  });
  const page = await visitor.newPage();
  await page.goto(`${BASE}/dataset/${name}?lang=uk`);
  await page.goto(`${BASE}/dataset/${name}?lang=uk`);
  assert.match(await page.textContent('#dataset-usage'), /Переглядів/);
  // Subscribe to the dataset from its page.
  await page.fill('#sub-email', `reader-${stamp}@example.org`);
  await Promise.all([page.waitForURL(/\/subscriptions$/), page.click('#subscribe button[type=submit]')]);
  assert.match(await page.textContent('#sub-status'), /підтвердження/);
  await axe(page, 'subscription sent', report);
  // A search that finds nothing.
  const term = `зебри${stamp}`;
  await page.goto(`${BASE}/dataset?q=${encodeURIComponent(term)}&lang=uk`);

  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const admin = await login(adminCtx, 'admin');
  await admin.goto(`${BASE}/dashboard/analytics?days=7&lang=uk`);
  assert.ok(await admin.locator('svg.bar-chart').count() >= 1, 'bar charts');
  assert.equal(await admin.locator('svg.column-chart').count(), 1, 'the daily chart');
  const viewed = await admin.textContent('section[aria-labelledby=most-viewed]');
  assert.ok(viewed.includes(title.slice(0, 20)), 'the viewed dataset is ranked');
  assert.match(await admin.textContent('#usage-zero-list'), new RegExp(term));
  await axe(admin, 'analytics', report);
  await admin.screenshot({ path: path.join(SHOTS, 'analytics-1280.png'), fullPage: true });
  const csv = await admin.evaluate(async () => (await fetch('/dashboard/analytics.csv?days=7')).text());
  assert.ok(csv.includes(`search_zero,${term},`), 'the CSV has the search');
  assertClean(report);
  await visitor.close();
  await adminCtx.close();
});
