// Moderation in a real browser: the demo's economic development department
// reviews its editors' changes. Its editor (`ekonomika`) edits the title of
// a published dataset and submits it; visitors still see the old title; the
// admin returns it with a comment at /dashboard/review, which the editor
// then reads; the editor redoes it, the admin approves, and visitors see
// the new title. Also the broken-links page. axe-core checks every page on
// the way (no serious or critical violations) and the review page fits a
// 375 px screen. Needs MISTO_URL pointing at `misto demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE, SHOTS, launch, axe, assertClean, login } from './helpers.mjs';

const PUBLISHER = 'departament-ekonomichnoho-rozvytku';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/// The title visitors see, through the public page.
async function publicTitle(name) {
  const html = await (await fetch(`${BASE}/dataset/${name}?lang=uk`)).text();
  const m = html.match(/<h1[^>]*>([\s\S]*?)<\/h1>/);
  return m ? m[1].replace(/<[^>]+>/g, '').trim() : '';
}

async function editTitle(page, name, title) {
  await page.goto(`${BASE}/dataset/${name}/edit?lang=uk`);
  await page.fill('#f-title', title);
  await Promise.all([
    page.waitForURL(/\/dashboard\/review/),
    page.click('form[method=post] button[type=submit]:has-text("Зберегти")'),
  ]);
}

test('an editor submits a change, the admin returns it with a comment, then approves it', async () => {
  const report = [];
  const found = await (await fetch(
    `${BASE}/api/3/action/package_search?fq=organization:${PUBLISHER}&rows=1&sort=name%20asc`,
  )).json();
  assert.ok(found.result.count > 0, 'the moderated publisher has published datasets');
  const d = found.result.results[0];
  const stamp = Date.now().toString(36);
  const first = `${d.title} — перша редакція ${stamp}`;
  const second = `${d.title} — оновлено ${stamp}`;

  const edCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const ed = await login(edCtx, 'ekonomika');
  await editTitle(ed, d.name, first);
  // Saved as the editor's pending change, not yet public.
  const mine = ed.locator(`#m-${d.id}`);
  await mine.waitFor();
  assert.match(await mine.textContent(), new RegExp(stamp));
  await axe(ed, 'review (editor, draft)', report);
  assert.equal(await publicTitle(d.name), d.title, 'visitors see the approved title');
  await Promise.all([
    ed.waitForURL(/saved=1/),
    mine.locator('button[value=submit]').click(),
  ]);
  assert.equal(await publicTitle(d.name), d.title, 'still the approved title while in review');

  // The admin returns it with a comment.
  const adCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const ad = await login(adCtx, 'admin');
  await ad.goto(`${BASE}/dashboard/review?lang=uk`);
  const item = ad.locator(`#q-${d.id}`);
  await item.waitFor();
  assert.match(await item.textContent(), new RegExp(`перша редакція ${stamp}`));
  await axe(ad, 'review queue (admin)', report);
  await ad.screenshot({ path: path.join(SHOTS, 'review-queue-1280.png'), fullPage: true });
  await item.locator('textarea').fill(`Назва задовга, скоротіть ${stamp}`);
  await Promise.all([ad.waitForURL(/saved=1/), item.locator('button[value=return]').click()]);
  assert.equal(await publicTitle(d.name), d.title, 'a returned change is not published');

  // The editor reads the comment.
  await ed.goto(`${BASE}/dashboard/review?lang=uk`);
  const returned = ed.locator(`#m-${d.id}`);
  await returned.waitFor();
  const text = await returned.textContent();
  assert.match(text, new RegExp(`Назва задовга, скоротіть ${stamp}`));
  assert.match(text, /повернуто|Повернуто/);
  await axe(ed, 'review (editor, returned)', report);

  // Redone, submitted, approved: visitors see the new title.
  await editTitle(ed, d.name, second);
  await Promise.all([
    ed.waitForURL(/saved=1/),
    ed.locator(`#m-${d.id} button[value=submit]`).click(),
  ]);
  await ad.goto(`${BASE}/dashboard/review?lang=uk`);
  await Promise.all([
    ad.waitForURL(/saved=1/),
    ad.locator(`#q-${d.id} button[value=approve]`).click(),
  ]);
  assert.equal(await publicTitle(d.name), second, 'visitors see the approved change');
  assert.equal(await ad.locator(`#q-${d.id}`).count(), 0, 'the queue is empty');

  // The review page and the broken-links page fit a phone and pass axe.
  await ad.goto(`${BASE}/dashboard/links?lang=uk`);
  await axe(ad, 'broken links', report);
  for (const p of ['/dashboard/review', '/dashboard/links']) {
    await ad.setViewportSize({ width: 375, height: 800 });
    await ad.goto(`${BASE}${p}`);
    const { scroll, width } = await ad.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${p} scrolls sideways at 375 px (${scroll} > ${width})`);
  }
  await ad.screenshot({ path: path.join(SHOTS, 'review-375.png'), fullPage: true });
  await edCtx.close();
  await adCtx.close();
  assertClean(report);
});
