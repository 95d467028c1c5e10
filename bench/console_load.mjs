// Times the console's first page in Debian's headless Chromium: from navigation start to the workflow list
// drawn (the page marks 'glued:workflows' when its rows are in the document). Cold: a fresh browser profile
// each time (nothing cached); warm: a reload in the same profile (assets revalidated or cached by hash).
//     node bench/console_load.mjs URL ROUNDS      -> one JSON line: {"cold": [ms...], "warm": [ms...], "rows": n}
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

const out = { cold: [], warm: [], rows: 0 };
for (let i = 0; i < rounds; i++) {
  const profile = mkdtempSync(path.join(tmpdir(), 'glued-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args, viewport: { width: 1400, height: 900 },
  });
  const page = await ctx.newPage();
  await page.goto(url + '/console/');
  out.cold.push(await rendered(page));
  out.rows = await page.locator('tr[data-workflow]').count();
  await page.reload();
  out.warm.push(await rendered(page));
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
