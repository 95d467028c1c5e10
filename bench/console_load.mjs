// Times the console's first page in Debian's headless Chromium: from navigation start to the workflow list
// drawn (the page marks 'glued:workflows' when its rows are in the document). Each round launches Chromium
// with a fresh profile whose tab already shows a page of glued's origin (/healthz), so that the time of
// starting a renderer process, which is the browser's and on this VM about 100 ms, is not counted; then:
//  - floor: a navigation to /healthz again (a few bytes of text) until its load event: what the browser and
//    the machine cost for any page from glued at that moment;
//  - cold: the console, with nothing of it cached;
//  - warm: a reload (assets cached by content hash).
//     node bench/console_load.mjs URL ROUNDS  -> one JSON line: {"floor": [ms...], "cold": [...], "warm": [...], "rows": n}
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '..', 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');
const [url, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 10);
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function rendered(page) {
  await page.waitForSelector('body[data-ready="workflows"]', { timeout: 30000 });
  return page.evaluate(() => performance.getEntriesByName('glued:workflows')[0].startTime);
}

const out = { floor: [], cold: [], warm: [], rows: 0 };
for (let i = 0; i < rounds; i++) {
  const profile = mkdtempSync(path.join(tmpdir(), 'glued-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args, viewport: { width: 1400, height: 900 },
  });
  const page = await ctx.newPage();
  await page.goto(url + '/healthz?first');
  await page.goto(url + '/healthz');
  out.floor.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd));
  await page.goto(url + '/console/');
  out.cold.push(await rendered(page));
  out.rows = await page.locator('tr[data-workflow]').count();
  await page.reload();
  out.warm.push(await rendered(page));
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
