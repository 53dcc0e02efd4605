// The register and compliance pages in a real browser: axe-core finds no
// serious or critical problem on the council's and a publisher's register,
// the entry form (also with its errors shown) and the compliance page, none
// scrolls sideways at 375 px, and the demo admin adds a planned entry
// through the form (refused without a date, then saved) and deletes it.
// Needs MISTO_URL pointing at `misto demo`; scripts/test-browser.sh starts one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axeViolations, serious, login, assertPagesPassAxeAndFit } from './helpers.mjs';

const PAGES = ['/register', '/register?status=planned', '/organization/departament-finansiv/register',
  '/register/new', '/compliance', '/compliance?status=missing&lang=en',
  '/organization/departament-finansiv/compliance'];

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('register and compliance pages pass axe and fit a 375 px screen', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  await assertPagesPassAxeAndFit(page, PAGES);
  await page.goto(`${BASE}/register`);
  await page.screenshot({ path: path.join(SHOTS, 'register-375.png'), fullPage: false });
  await page.goto(`${BASE}/compliance`);
  await page.screenshot({ path: path.join(SHOTS, 'compliance-375.png'), fullPage: false });
  await context.close();
});

test('an audit entry is added through the form and deleted', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await login(context);
  await page.goto(`${BASE}/register/new?publisher=departament-finansiv`);
  const title = `Запис для перевірки ${Date.now()}`;
  await page.fill('#f-title', title);
  await page.fill('#f-location', 'ІС «Облік майна»');
  await page.selectOption('#f-status', 'planned');
  await page.click('form.stack-form button[type=submit]');
  // Refused: a planned entry needs a date; the message is next to the field.
  await page.waitForSelector('#e-target_date');
  assert.match(await page.textContent('#e-target_date'), /дату/);
  assert.equal(await page.getAttribute('#f-target_date', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#f-title'), title, 'what was typed is kept');
  assert.deepEqual(serious(await axeViolations(page)), [], 'the form with errors passes axe');
  await page.fill('#f-target_date', '2027-12-31');
  await Promise.all([page.waitForURL(/register\?saved=1/), page.click('form.stack-form button[type=submit]')]);
  assert.match(await page.textContent('[role=status]'), /Реєстр оновлено/);
  const row = page.locator('tr', { hasText: title });
  assert.match(await row.textContent(), /до 2027-12-31/);
  await row.getByRole('link', { name: /Редагувати/ }).click();
  await Promise.all([page.waitForURL(/register\?saved=1/),
    page.click('form[action$="/delete"] button')]);
  assert.equal(await page.locator('tr', { hasText: title }).count(), 0);
  await context.close();
});
