// The publisher workspace in a real browser: the demo editor (editor of the
// finance department) logs in, axe checks the login page and the dataset
// form, creates a dataset by keyboard (seeing a validation error next to the
// empty title first), uploads a CSV, sees it in public search, and logs out.
// Needs MISTO_URL pointing at `misto demo`; scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axe } from './helpers.mjs';


let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('an editor logs in, creates a dataset with a CSV upload, and logs out', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const report = [];
  const stamp = Date.now().toString(36);
  const title = `Тестовий набір ${stamp}`;

  await page.goto(`${BASE}/login?lang=uk`);
  await axe(page, 'login', report);
  await page.screenshot({ path: path.join(SHOTS, 'login-1280.png'), fullPage: true });
  // A wrong password first: a message, no session.
  await page.focus('#f-user');
  await page.keyboard.type('editor');
  await page.keyboard.press('Tab');
  await page.keyboard.type('wrong-password');
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.keyboard.press('Enter'),
  ]);
  assert.match(await page.textContent('.error-summary'), /Невірне/);
  await page.fill('#f-password', '');
  await page.focus('#f-password');
  await page.keyboard.type('demo-editor-2026');
  await Promise.all([page.waitForURL(/\/dashboard$/), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('.whoami'), /Ви увійшли як/);
  await axe(page, 'dashboard', report);
  await page.screenshot({ path: path.join(SHOTS, 'dashboard-1280.png'), fullPage: true });

  await page.goto(`${BASE}/dataset/new`);
  await axe(page, 'dataset form', report);
  await page.screenshot({ path: path.join(SHOTS, 'dataset-form-1280.png'), fullPage: true });
  // The finance department is the editor's only publisher: already chosen.
  assert.notEqual(await page.inputValue('#f-owner_org'), '');
  await page.focus('#f-notes');
  await page.keyboard.type('Набір, створений браузерним тестом.');
  await page.selectOption('#f-update_frequency', 'once a month');
  await page.focus('#f-tags');
  await page.keyboard.type('бюджет, тест');
  await page.focus('#f-maintainer');
  await page.keyboard.type('Оксана Коваленко');
  // Submit without a title: the error appears next to the title field.
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.keyboard.press('Enter'),
  ]);
  await page.waitForSelector('#e-title', { timeout: 10000 });
  assert.ok(await page.locator('#e-title').isVisible(), 'error next to the title');
  assert.equal(await page.getAttribute('#f-title', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#f-notes'), 'Набір, створений браузерним тестом.', 'input kept');
  await axe(page, 'dataset form with errors', report);
  await page.focus('#f-title');
  await page.keyboard.type(title);
  await page.focus('#f-name');
  await page.keyboard.type(`test-${stamp}`);
  await Promise.all([page.waitForURL(/\/resources\?saved=1$/), page.keyboard.press('Enter')]);

  // Upload a CSV (through the JavaScript progress path).
  await axe(page, 'resources', report);
  await page.fill('#f-name', 'Дані тесту');
  await page.setInputFiles('#f-file', {
    name: 'test.csv', mimeType: 'text/csv', buffer: Buffer.from('рік;сума\n2026;100\n', 'utf8'),
  });
  await Promise.all([
    page.waitForURL(/\/resources$/),
    page.click('form[data-upload] button[type=submit]'),
  ]);
  await page.waitForSelector('.resource-admin li');
  assert.match(await page.textContent('.resource-admin'), /Дані тесту/);
  assert.match(await page.textContent('.resource-admin'), /CSV/);

  // The dataset is public: anyone finds it.
  const found = await (await fetch(`${BASE}/api/3/action/package_search?q=${encodeURIComponent(stamp)}`)).json();
  assert.ok(found.result.results.some((d) => d.name === `test-${stamp}`), 'found by public search');

  // Log out.
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('.logout-form button')]);
  assert.ok(await page.locator('.login-link').isVisible(), 'logged out');
  const back = await page.goto(`${BASE}/dataset/test-${stamp}/edit`);
  assert.match(back.url(), /\/login\?next=/);

  const bad = report.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (report.length) console.log('axe findings:', JSON.stringify(report, null, 1));
  assert.deepEqual(bad, [], 'serious or critical axe violations');
  await context.close();
});

test('a member of another publisher cannot edit a finance dataset', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.fill('#f-user', 'vodokanal');
  await page.fill('#f-password', 'demo-vodokanal-2026');
  await Promise.all([page.waitForURL(/\/dashboard$/), page.press('#f-password', 'Enter')]);
  const found = await (await fetch(`${BASE}/api/3/action/package_search?fq=organization:departament-finansiv&rows=1`)).json();
  const name = found.result.results[0].name;
  const resp = await page.goto(`${BASE}/dataset/${name}/edit`);
  assert.equal(resp.status(), 403);
  await context.close();
});
