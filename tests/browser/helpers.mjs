// What the browser test files share: where the site and Chromium are, the
// browser launch, axe-core runs with the WCAG 2.1 A/AA rules, the check for
// sideways scrolling, and signing in through the login form.
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The site under test (`misto demo`, started by scripts/test-browser.sh). */
export const BASE = (process.env.MISTO_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
/** Where screenshots go. */
export const SHOTS = process.env.MISTO_SCREENSHOTS || path.resolve('test-output/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Debian's Chromium, headless and quiet (no calls home). */
export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** axe-core's WCAG 2.1 A/AA violations on the page as it is now. */
export async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return res.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
}

/** Runs axe on the page and adds its violations, named, to `report`. */
export async function axe(page, name, report) {
  for (const v of await axeViolations(page)) report.push({ page: name, ...v });
}

/** The serious and critical violations of a list. */
export const serious = (list) => list.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** Prints every finding and fails on a serious or critical one. */
export function assertClean(report) {
  if (report.length) console.log('axe findings:', JSON.stringify(report, null, 1));
  assert.deepEqual(serious(report), [], 'serious or critical axe violations');
}

/** How many pixels the page scrolls sideways (0 when it fits). */
export async function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Signs a demo user in (password `demo-USER-2026`) in a new page of the
 * context; the page is left on the user's dashboard. */
export async function login(context, user = 'admin') {
  const page = await context.newPage();
  await page.goto(`${BASE}/login?lang=uk`);
  await page.fill('#f-user', user);
  await page.fill('#f-password', `demo-${user}-2026`);
  await Promise.all([page.waitForURL(/\/dashboard$/), page.press('#f-password', 'Enter')]);
  return page;
}

/** Opens each of `pages` (paths) in `page`: each answers 200 and axe finds
 * nothing serious or critical at the current width; then, at 375 px, none
 * scrolls sideways. The page is left at 375 px. */
export async function assertPagesPassAxeAndFit(page, pages) {
  const report = [];
  for (const p of pages) {
    const resp = await page.goto(`${BASE}${p}`);
    assert.equal(resp.status(), 200, p);
    for (const v of await axeViolations(page)) report.push({ page: p, ...v });
  }
  assert.deepEqual(serious(report), [], 'serious or critical axe violations');
  await page.setViewportSize({ width: 375, height: 800 });
  for (const p of pages) {
    await page.goto(`${BASE}${p}`);
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${p} scrolls sideways at 375 px (${scroll} > ${width})`);
  }
}
