// The dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core. run.sh starts `atlas node --sim` and calls
//
//   node dashboard.mjs LOGIN_URL OUTPUT_DIR
//
// Passes when, through the login URL the node printed, the page shows log
// lines arriving live (their count grows), draws its sparklines, throws no
// script error, and when the same page without JavaScript still shows the
// apps table. Screenshots: OUTPUT_DIR/dashboard.png and dashboard-nojs.png.
// Every wait has a deadline; none is a fixed sleep.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const [loginUrl, outDir] = process.argv.slice(2);
if (!loginUrl || !outDir) {
  console.error('usage: node dashboard.mjs LOGIN_URL OUTPUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const DEADLINE = Number(process.env.ATLAS_BROWSER_DEADLINE_MS || 45000);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const base = new URL(loginUrl).origin;

function step(text) { console.log(`browser: ${text}`); }

const lines = "#log-view div.line:not(.marker)";
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // Chromium's sandbox needs user namespaces a root process in a container lacks.
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
let failed = false;
let page = null;
try {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  // Chromium logs every non-2xx fetch as an error; a 404/501 of /v1/compute
  // (orchestrator disabled) is an answer the page expects, not a fault.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (404|501)/.test(m.text()))
      errors.push(`console: ${m.text()}`);
  });

  step(`opening the login URL on ${base}`);
  const res = await page.goto(loginUrl, { waitUntil: 'domcontentloaded', timeout: DEADLINE });
  if (!res || !res.ok()) throw new Error(`the login URL answered ${res ? res.status() : 'nothing'}`);
  if (new URL(page.url()).pathname !== '/') throw new Error(`login did not land on /: ${page.url()}`);

  step('waiting for the first live log lines');
  await page.waitForSelector(lines, { timeout: DEADLINE });
  const first = await page.locator(lines).count();
  step(`${first} line(s); waiting for more to arrive`);
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [lines, first],
    { timeout: DEADLINE });
  const second = await page.locator(lines).count();
  step(`${second} line(s): the view is live`);

  // Sparklines need two scrapes of /metrics; the tree and apps tables come from the API.
  await page.waitForFunction(() => document.querySelectorAll('#sparklines .spark polyline[points*=","]').length >= 3,
    null, { timeout: DEADLINE });
  await page.waitForSelector('#tree-table tbody tr td.depth-1', { timeout: DEADLINE });
  const apps = await page.locator('#apps-table tbody tr[data-app]').count();
  if (apps < 1) throw new Error('the apps table is empty');
  // Issue #12's table: this node has no orchestrator routes, and says so.
  await page.waitForFunction(() => /orchestrator disabled|nothing tracked/.test(document.getElementById('compute-status').textContent)
    || !document.getElementById('compute-table').hidden, null, { timeout: DEADLINE });
  const conn = await page.locator('#conn').textContent();
  if (conn !== 'live') throw new Error(`the connection badge says '${conn}'`);

  // Filter and pause work on what arrived.
  const text = await page.locator(`${lines} .msg`).first().textContent();
  await page.fill('#log-filter', '\u0000no line holds this\u0000');
  const visible = await page.locator(`${lines}:not(.hidden)`).count();
  if (visible !== 0) throw new Error(`a filter matching nothing left ${visible} line(s) shown`);
  await page.fill('#log-filter', '');
  await page.click('#log-pause');
  if ((await page.locator('#log-pause').textContent()) !== 'Resume') throw new Error('pause did not pause');
  await page.click('#log-pause');
  step(`filter and pause work (first line: ${JSON.stringify(text)})`);

  await page.screenshot({ path: path.join(outDir, 'dashboard.png'), fullPage: true });
  step(`screenshot: ${path.join(outDir, 'dashboard.png')}`);
  if (errors.length) throw new Error(`the page reported errors:\n  ${errors.join('\n  ')}`);

  // The same page without JavaScript: the server-rendered tables.
  const bare = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1400, height: 1000 } });
  await bare.addCookies(await ctx.cookies());
  const p2 = await bare.newPage();
  const r2 = await p2.goto(`${base}/`, { waitUntil: 'load', timeout: DEADLINE });
  if (!r2 || !r2.ok()) throw new Error(`GET / without JavaScript answered ${r2 ? r2.status() : 'nothing'}`);
  const bareApps = await p2.locator('#apps-table tbody tr[data-app]').count();
  if (bareApps < 1) throw new Error('without JavaScript the apps table has no rows');
  const note = await p2.locator('noscript').count();
  if (note < 1) throw new Error('without JavaScript there is no <noscript> note');
  const treeRows = await p2.locator('#tree-table tbody tr').count();
  await p2.screenshot({ path: path.join(outDir, 'dashboard-nojs.png'), fullPage: true });
  step(`without JavaScript: ${bareApps} app row(s), ${treeRows} tree row(s); screenshot dashboard-nojs.png`);
  await bare.close();
  await ctx.close();
} catch (e) {
  failed = true;
  console.error(`browser: FAILED: ${e.message}`);
  if (page) {
    // What the page looked like when it failed, for the CI log's reader.
    await page.screenshot({ path: path.join(outDir, 'dashboard-failed.png'), fullPage: true }).catch(() => {});
    console.error(`browser: the page then: ${path.join(outDir, 'dashboard-failed.png')}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
