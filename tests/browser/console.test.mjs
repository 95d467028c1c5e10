// The web console in Debian's headless Chromium (playwright-core): starts the real glued ($GLUED_BIN, default
// build/asan/glued), makes workflows through the API, and drives the pages as a person would. Each page's
// screenshot is saved under build/test-logs/console-*.png (see README.md).
//
// Run from tests/browser:  npm ci && node --test
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOGS, glue, launchBrowser, startGlued, until } from './harness.mjs';
import { EVIL_JOB, EVIL_PROP, EVIL_WF, makeScenario } from './scenario.mjs';

let server, call, browser, page, dir, startError;
const pageErrors = [];
const dialogs = [];

function check(name, fn) {
  it(name, async () => {
    if (startError) throw startError;
    return fn();
  });
}
async function shot(name, p = page) {
  // confirmations of earlier actions would cover the page: only errors stay in the picture
  await p.evaluate(() => document.querySelectorAll('.flash:not(.error)').forEach((f) => f.remove()));
  await p.screenshot({ path: path.join(LOGS, 'console-' + name + '.png'), fullPage: true });
}
const consoleUrl = (hash = '') => server.url + '/console/' + hash;
const route = (...parts) => '#/' + parts.map(encodeURIComponent).join('/');
async function open(hash, ready) {
  const url = consoleUrl(hash);
  await page.evaluate(() => document.body && document.body.removeAttribute('data-ready')).catch(() => {});
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.waitForSelector(`body[data-ready="${ready}"]`, { timeout: 15000 });
}
async function nodeStates() {
  return page.$$eval('svg [data-node-type]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-node-name'), e.getAttribute('data-state')])));
}
async function waitState(name, state, ms = 20000) {
  await page.waitForSelector(`svg [data-node-name="${name}"][data-state="${state}"]`, { timeout: ms });
}
/* Records every data-state change of the graph's nodes in window.__seen, to prove they changed live. */
async function watchStates() {
  await page.evaluate(() => {
    window.__seen = [];
    window.__sameDocument = true;
    const svg = document.querySelector('.graphbox svg');
    new MutationObserver((list) => {
      for (const m of list) if (m.attributeName === 'data-state') window.__seen.push(m.target.getAttribute('data-node-name') + '=' + m.target.getAttribute('data-state'));
    }).observe(svg, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
}

describe('web console', () => {
  before(async () => {
    try {
      mkdirSync(LOGS, { recursive: true });
      dir = mkdtempSync(path.join(tmpdir(), 'glued-console-scripts-'));
      server = await startGlued();
      call = glue(server.url);
      await makeScenario(call, dir);
      browser = await launchBrowser();
      page = await browser.context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    } catch (e) {
      startError = e;
    }
  });
  after(async () => {
    if (browser) await browser.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (server) await server.stop(); // fails on a sanitizer report or an unclean exit
  });

  check('GET / from a browser goes to the console; AWS clients keep POST /', async () => {
    const r = await fetch(server.url + '/', { headers: { Accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/console/');
    const plain = await fetch(server.url + '/');
    assert.equal(plain.status, 200, 'a GET / without text/html is not redirected');
    const list = await call('ListWorkflows', {});
    assert.ok(list.Workflows.includes('etl'));
  });

  check('pages and assets are served with their type, a strict CSP and content-hash caching', async () => {
    const r = await fetch(consoleUrl());
    const html = await r.text();
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(r.headers.get('set-cookie'), /glued_console=.*HttpOnly.*SameSite=Strict/);
    // no inline script: the only script element without src is the page's boot data, which is not run
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1].trim());
    assert.deepEqual(inline, ['type="application/json" id="glued-boot"']);
    assert.doesNotMatch(html, /<img src=x/, 'names inside the boot data are escaped');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from another host');
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]).filter((s) => s.endsWith('.js') || s.includes('.js?'));
    assert.ok(scripts.length >= 2, 'layout.js and app.js');
    for (const src of scripts) {
      assert.match(src, /\?v=[0-9a-f]{16}$/, 'referenced by content hash');
      const a = await fetch(consoleUrl(src));
      assert.equal(a.status, 200);
      assert.match(a.headers.get('content-type'), /^text\/javascript/);
      assert.match(a.headers.get('cache-control'), /immutable/);
    }
    const css = await fetch(consoleUrl('console.css'));
    assert.match(css.headers.get('content-type'), /^text\/css/);
    assert.equal((await fetch(consoleUrl('nope.js'))).status, 404);
  });

  check('workflows: each with its last run, search by name, pages', async () => {
    for (let i = 0; i < 60; i++) await call('CreateWorkflow', { Name: 'page-' + String(i).padStart(3, '0') });
    await open('', 'workflows');
    let names = await page.$$eval('tr[data-workflow]', (rows) => rows.map((r) => r.getAttribute('data-workflow')));
    assert.equal(names.length, 50, 'a page holds 50 workflows');
    assert.ok(names.includes('etl') && names.includes(EVIL_WF));
    await shot('workflows');
    await page.click('text=Next ›');
    await until(async () => (await page.$$('tr[data-workflow]')).length === 13, 'the second page');
    names = names.concat(await page.$$eval('tr[data-workflow]', (rows) => rows.map((r) => r.getAttribute('data-workflow'))));
    assert.equal(new Set(names).size, 63, 'two pages list every workflow once');
    await page.click('text=‹ Previous');
    await until(async () => (await page.$$('tr[data-workflow]')).length === 50, 'the first page again');
    await page.fill('input[type=search]', 'PAGE-05');
    await until(async () => (await page.$$('tr[data-workflow]')).length === 10, 'the search results');
    const found = await page.$$eval('tr[data-workflow]', (rows) => rows.map((r) => r.getAttribute('data-workflow')));
    assert.deepEqual(found, Array.from({ length: 10 }, (_, i) => 'page-05' + i));
    assert.match(page.url(), /#\/workflows\?q=PAGE-05$/);
    await shot('workflows-search');
  });

  check('a workflow: its graph has the nodes and edges of the API\'s Graph', async () => {
    const wf = (await call('GetWorkflow', { Name: 'etl', IncludeGraph: true })).Workflow;
    await open(route('workflow', 'etl'), 'workflow');
    const drawn = await page.$$eval('svg [data-node-type]', (els) => els.map((e) => e.getAttribute('data-node-type') + ':' + e.getAttribute('data-node-name')).sort());
    assert.deepEqual(drawn, wf.Graph.Nodes.map((n) => n.Type + ':' + n.Name).sort());
    const edges = await page.$$eval('svg path.gedge', (els) => els.map((e) => e.getAttribute('data-from') + '>' + e.getAttribute('data-to')).sort());
    assert.deepEqual(edges, wf.Graph.Edges.map((e) => e.SourceId + '>' + e.DestinationId).sort());
    const states = await nodeStates();
    assert.equal(states.extract, 'NOT_RUN');
    assert.equal(states['after-extract'], 'ACTIVATED', 'without a run, a trigger shows its own state');
    for (const st of Object.values(states)) assert.ok(st, 'every node has a data-state');
    // the layout goes left to right: extract before transform before load
    const x = async (n) => (await page.locator(`svg [data-node-name="${n}"]`).boundingBox()).x;
    assert.ok((await x('extract')) < (await x('transform')) && (await x('transform')) < (await x('load')));
    await shot('workflow-definition');
  });

  let firstRun;
  check('start a run from the page: nodes turn RUNNING, SUCCEEDED and FAILED live', async () => {
    await open(route('workflow', 'etl'), 'workflow');
    await page.click('[data-action=start-run]');
    const dlg = page.locator('dialog[open]');
    await dlg.locator('text=+ Add').click();
    const rows = dlg.locator('.row');
    await rows.last().locator('input').first().fill('who');
    await rows.last().locator('input').nth(1).fill(EVIL_PROP);
    await dlg.locator('button.primary').click();
    await page.waitForSelector('body[data-ready=run]');
    firstRun = decodeURIComponent(page.url().split('/').pop());
    assert.match(firstRun, /^wr_/);
    await watchStates();
    await waitState('extract', 'RUNNING', 10000);
    await shot('run-live');
    await waitState('extract', 'SUCCEEDED');
    await waitState('transform', 'FAILED');
    await waitState('notify', 'SUCCEEDED');
    await until(async () => (await page.textContent('#run-status')).includes('Completed'), 'the run to complete');
    const seen = await page.evaluate(() => window.__seen);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload happened');
    assert.ok(seen.includes('extract=SUCCEEDED') && seen.includes('transform=FAILED'), 'changes seen live: ' + seen.join(' '));
    const states = await nodeStates();
    assert.equal(states.load, 'NOT_RUN');
    assert.equal(states['after-transform'], 'NOT_FIRED');
    assert.equal(states['on-transform-failure'], 'FIRED');
    // each state has a text label beside its colour
    assert.match(await page.textContent('svg [data-node-name="transform"] text.state'), /Failed/);
    const run = (await call('GetWorkflowRun', { Name: 'etl', RunId: firstRun })).Run;
    assert.equal(run.WorkflowRunProperties.who, EVIL_PROP, 'the run properties given in the dialog');
    assert.equal(run.WorkflowRunProperties.day, '2024-01-01', 'and the defaults');
    assert.equal(await page.textContent('[data-stat=FailedActions] b'), '1');
    await page.waitForTimeout(300);
    await shot('run-completed');
  });

  check('a failed job run: its error, stderr and stdout, and the download', async () => {
    await open(route('run', 'etl', firstRun), 'run');
    await page.click('svg [data-node-name="transform"]');
    await page.waitForSelector('.details >> text=logs and details');
    await shot('run-node-details');
    await page.click('.details >> text=logs and details');
    await page.waitForSelector('body[data-ready=jobrun]');
    await until(async () => (await page.textContent('pre[data-stream=stderr]')).includes('ValueError'), 'stderr');
    const stderr = await page.textContent('pre[data-stream=stderr]');
    assert.equal(stderr, 'reading input\nValueError: column <amount> is not a number\n');
    assert.equal(await page.textContent('pre[data-stream=stdout]'), 'transforming\n');
    assert.match(await page.textContent('#error-message'), /ValueError: column <amount> is not a number/);
    assert.match(await page.textContent('#jobrun-status'), /Failed/);
    // a failed run shows stderr first; an ended run's logs are not followed
    assert.deepEqual(await page.$$eval('.logs .logpanel', (els) => els.map((e) => e.getAttribute('aria-label'))), ['stderr', 'stdout']);
    assert.deepEqual(await page.$$eval('.logpanel input[type=checkbox]', (els) => els.map((e) => e.checked)), [false, false]);
    const href = await page.getAttribute('.logpanel[aria-label=stderr] a[download]', 'href');
    const got = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { text: await r.text(), disp: r.headers.get('content-disposition') };
    }, href);
    assert.equal(got.text, stderr);
    assert.match(got.disp, /^attachment; filename="jr_[0-9a-f]+\.stderr\.log"$/);
    await shot('jobrun-failed');
  });

  check('a running job\'s output is followed live, and stopping its run stops it', async () => {
    await open(route('workflow', 'slow'), 'workflow');
    await page.click('[data-action=start-run]');
    await page.click('dialog[open] button.primary');
    await page.waitForSelector('body[data-ready=run]');
    const runId = decodeURIComponent(page.url().split('/').pop());
    await waitState('sleeper', 'RUNNING');
    // its log while it runs
    const jr = (await call('GetJobRuns', { JobName: 'sleeper' })).JobRuns[0];
    await open(route('jobrun', 'sleeper', jr.Id), 'jobrun');
    await until(async () => (await page.textContent('pre[data-stream=stdout]')).includes('sleeping'), 'the running job\'s stdout');
    assert.match(await page.textContent('#jobrun-status'), /Running/);
    await shot('jobrun-running');
    // stop the run from its page
    await open(route('run', 'slow', runId), 'run');
    await watchStates();
    await page.click('[data-action=stop-run]');
    await page.click('dialog[open] button.primary');
    await waitState('sleeper', 'STOPPED', 20000);
    await until(async () => (await page.textContent('#run-status')).includes('Stopped'), 'the run to stop');
    assert.equal((await call('GetWorkflowRun', { Name: 'slow', RunId: runId })).Run.Status, 'STOPPED');
    await shot('run-stopped');
  });

  check('resume a completed run from the nodes chosen on the page', async () => {
    writeFileSync(path.join(dir, 'fixed'), '');
    await open(route('run', 'etl', firstRun), 'run');
    await page.click('[data-action=resume-run]');
    const box = page.locator('input[type=checkbox][data-node-name="transform"]');
    assert.equal(await box.isChecked(), true, 'the failed node is chosen first');
    assert.equal(await page.locator('input[type=checkbox][data-node-name="extract"]').isChecked(), false);
    await shot('run-resume');
    await page.click('[data-action=resume-selected]');
    await page.waitForURL((u) => !u.href.endsWith(encodeURIComponent(firstRun)));
    await page.waitForSelector('body[data-ready=run]');
    const resumed = decodeURIComponent(page.url().split('/').pop());
    await waitState('transform', 'SUCCEEDED');
    await waitState('load', 'SUCCEEDED');
    const run = (await call('GetWorkflowRun', { Name: 'etl', RunId: resumed })).Run;
    assert.equal(run.PreviousRunId, firstRun);
    await shot('run-resumed');
    // the workflow page now has both runs in its history and its grid
    await open(route('workflow', 'etl'), 'workflow');
    assert.equal(await page.locator('tr[data-run]').count(), 2);
    assert.equal(await page.locator('.grid .cell').count(), 8, 'four nodes by two runs');
    assert.equal(await page.locator('.grid [data-state=FAILED]').count(), 1);
    await shot('workflow-history');
  });

  check('names, log lines and run properties holding HTML or script are shown as text', async () => {
    await open('', 'workflows');
    assert.equal(await page.locator('tr[data-workflow] a', { hasText: EVIL_WF }).count(), 1, 'the name shown as text');
    await open(route('workflow', EVIL_WF), 'workflow');
    assert.equal(await page.textContent('h1'), EVIL_WF);
    await page.click('[data-action=start-run]');
    await page.click('dialog[open] button.primary');
    await page.waitForSelector('body[data-ready=run]');
    await waitState(EVIL_JOB, 'SUCCEEDED');
    const jr = (await call('GetJobRuns', { JobName: EVIL_JOB })).JobRuns[0];
    await open(route('jobrun', EVIL_JOB, jr.Id), 'jobrun');
    await until(async () => (await page.textContent('pre[data-stream=stdout]')).includes('<script>'), 'the log');
    assert.equal(await page.textContent('pre[data-stream=stdout]'), '<script>window.__pwned=4</script>\n');
    assert.equal(await page.textContent('pre[data-stream=stderr]'), '<img src=x onerror=window.__pwned=5>\n');
    await shot('jobrun-html-as-text');
    await open(route('run', 'etl', firstRun), 'run');
    assert.ok((await page.textContent('section[aria-label="Run properties"]')).includes(EVIL_PROP));
    for (const h of ['', route('workflow', EVIL_WF), route('jobrun', EVIL_JOB, jr.Id), route('run', 'etl', firstRun)]) {
      await open(h, h ? h.split('/')[1] : 'workflows');
      const injected = await page.evaluate(() => ({
        pwned: window.__pwned,
        imgs: document.querySelectorAll('img:not(.logo)').length,
        scripts: [...document.scripts].filter((s) => !s.src && s.type !== 'application/json').length,
        bold: document.querySelectorAll('main b[onmouseover]').length,
      }));
      assert.deepEqual(injected, { pwned: undefined, imgs: 0, scripts: 0, bold: 0 }, 'on ' + (h || 'the list'));
    }
    assert.deepEqual(dialogs, [], 'no alert, confirm or prompt ever opened');
  });

  check('a page of another origin cannot drive the console', async () => {
    await call('CreateWorkflow', { Name: 'csrf-target' });
    await call('CreateTrigger', { Name: 'csrf-start', WorkflowName: 'csrf-target', Type: 'ON_DEMAND', Actions: [{ JobName: 'load' }] });
    await open('', 'workflows'); // the browser now holds a console session cookie
    const target = server.url + '/console/api/StartWorkflowRun';
    const attack = `<!doctype html><body><form id=f method=POST enctype=text/plain action="${target}">
      <input name='{"Name":"csrf-target","x":"' value='"}'></form><script>
      fetch(${JSON.stringify(target)}, {method: 'POST', credentials: 'include', mode: 'no-cors',
        headers: {'Content-Type': 'text/plain'}, body: '{"Name":"csrf-target"}'}).catch(() => {});
      fetch(${JSON.stringify(target)}, {method: 'POST', credentials: 'include',
        headers: {'Content-Type': 'application/json', 'X-Glued-Token': 'guess'}, body: '{"Name":"csrf-target"}'})
        .catch(() => {}).finally(() => { document.title = 'sent'; setTimeout(() => f.submit(), 50); });
    </script></body>`;
    const evil = createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(attack); });
    await new Promise((r) => evil.listen(0, '127.0.0.1', r));
    const port = evil.address().port;
    try {
      // another origin on the same host (same site: the SameSite cookie is sent, the origin check refuses)
      // and another site altogether (localhost)
      for (const origin of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
        const p = await browser.context.newPage();
        await p.goto(origin);
        await p.waitForTimeout(1500);
        await p.close();
      }
    } finally {
      evil.close();
    }
    assert.deepEqual((await call('GetWorkflowRuns', { Name: 'csrf-target' })).Runs, [], 'no run was started');
    // the same refusals, by hand, with the cookie and the token of a real session
    const r0 = await fetch(consoleUrl());
    const cookie = r0.headers.get('set-cookie').split(';')[0];
    const token = (await (await fetch(server.url + '/console/api/session', { headers: { Cookie: cookie } })).json()).Token;
    const post = (headers) => fetch(target, { method: 'POST', headers: Object.assign({ Cookie: cookie, 'Content-Type': 'application/json' }, headers), body: '{"Name":"csrf-target"}' });
    let r = await post({ 'X-Glued-Token': token, Origin: 'http://evil.example' });
    assert.equal(r.status, 403);
    assert.equal((await r.json()).__type, 'AccessDeniedException');
    r = await post({ 'X-Glued-Token': token, 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(r.status, 403);
    r = await post({ 'X-Glued-Token': token, 'Sec-Fetch-Site': 'same-site' });
    assert.equal(r.status, 403);
    r = await post({});
    assert.equal((await r.json()).__type, 'InvalidTokenException');
    r = await post({ 'X-Glued-Token': token.slice(0, -2) + 'xx' });
    assert.equal(r.status, 403);
    r = await fetch(target + '?Name=csrf-target', { headers: { Cookie: cookie, 'X-Glued-Token': token } });
    assert.equal(r.status, 405, 'a GET never acts');
    assert.deepEqual((await call('GetWorkflowRuns', { Name: 'csrf-target' })).Runs, []);
    // and the right request does act
    r = await post({ 'X-Glued-Token': token, Origin: server.url, 'Sec-Fetch-Site': 'same-origin' });
    assert.equal(r.status, 200);
    assert.equal((await call('GetWorkflowRuns', { Name: 'csrf-target' })).Runs.length, 1);
  });

  check('actions show the API\'s errors in its own words', async () => {
    await page.goto(consoleUrl(route('workflow', 'no-such-workflow')));
    await page.waitForSelector('.flash.error');
    assert.equal(await page.textContent('.flash.error .what'), 'EntityNotFoundException');
    assert.equal(await page.textContent('.flash.error .what + div'), "Workflow 'no-such-workflow' not found");
    await page.evaluate(() => document.querySelectorAll('.flash').forEach((f) => f.remove()));
    await call('CreateWorkflow', { Name: 'one-at-a-time', MaxConcurrentRuns: 1 });
    await call('CreateTrigger', { Name: 'one-start', WorkflowName: 'one-at-a-time', Type: 'ON_DEMAND', Actions: [{ JobName: 'sleeper' }] });
    const first = (await call('StartWorkflowRun', { Name: 'one-at-a-time' })).RunId;
    const refused = await call('StartWorkflowRun', { Name: 'one-at-a-time' }).then(() => null, (e) => e);
    assert.ok(refused, 'the API refuses a second run');
    await open(route('workflow', 'one-at-a-time'), 'workflow');
    await page.click('[data-action=start-run]');
    await page.click('dialog[open] button.primary');
    await page.waitForSelector('.flash.error');
    assert.equal(await page.textContent('.flash.error .what'), refused.type);
    assert.equal(await page.textContent('.flash.error .what + div'), refused.apiMessage);
    await shot('error-shown');
    await call('StopWorkflowRun', { Name: 'one-at-a-time', RunId: first });
  });

  check('jobs, triggers and crawlers: lists with their state, and their actions', async () => {
    mkdirSync(path.join(server.dataDir, 's3', 'bucket', 'in'), { recursive: true });
    await call('CreateCrawler', { Name: 'raw-files', Role: 'r', DatabaseName: 'raw', Targets: { S3Targets: [{ Path: 's3://bucket/in' }] } });
    await open(route('jobs'), 'jobs');
    await until(async () => (await page.textContent('tr[data-job="transform"]')).includes('Failed') || (await page.textContent('tr[data-job="transform"]')).includes('Succeeded'), 'last runs');
    await shot('jobs');
    await page.click('tr[data-job="load"] button');
    await page.click('dialog[open] button.primary');
    await page.waitForSelector('body[data-ready=jobrun]');
    await until(async () => (await page.textContent('#jobrun-status')).includes('Succeeded'), 'the job run started from the page');
    await open(route('job', 'transform'), 'job');
    assert.equal(await page.locator('section[aria-label="Job runs"] tbody tr').count(), 2, 'the failed run and the resumed one');
    assert.match(await page.textContent('section[aria-label="Job runs"]'), /ValueError: column <amount> is not a number/);
    await shot('job');
    await call('CreateWorkflow', { Name: 'on-files' });
    await call('CreateTrigger', { Name: 'files-landed', WorkflowName: 'on-files', Type: 'EVENT', Actions: [{ JobName: 'load' }],
      EventBatchingCondition: { BatchSize: 10, BatchWindow: 60 } });
    await open(route('triggers'), 'triggers');
    assert.match(await page.textContent('tr[data-trigger="files-landed"]'), /events: 10 at once, or 60 s after the first/);
    await shot('triggers');
    await page.click('tr[data-trigger="after-extract"] [data-action=stop-trigger]');
    await until(async () => (await call('GetTrigger', { Name: 'after-extract' })).Trigger.State === 'DEACTIVATED', 'the trigger to stop');
    await page.waitForSelector('tr[data-trigger="after-extract"] [data-state=DEACTIVATED]');
    await page.click('tr[data-trigger="after-extract"] [data-action=start-trigger]');
    await until(async () => (await call('GetTrigger', { Name: 'after-extract' })).Trigger.State === 'ACTIVATED', 'the trigger to start');
    await open(route('crawlers'), 'crawlers');
    await page.click('tr[data-crawler="raw-files"] >> text=Start crawler');
    await until(async () => (await call('GetCrawler', { Name: 'raw-files' })).Crawler.LastCrawl, 'a crawl');
    await open(route('crawlers'), 'crawlers');
    await page.waitForSelector('tr[data-crawler="raw-files"] >> text=Succeeded');
    await shot('crawlers');
  });

  check('a 200-node workflow is drawn without overlaps, readable, and can be zoomed and panned', async () => {
    // 10 stages, each a trigger starting 19 jobs; the next stage's trigger waits on them all
    await call('CreateWorkflow', { Name: 'big' });
    let prev = null;
    for (let st = 0; st < 10; st++) {
      const jobs = Array.from({ length: 19 }, (_, k) => `big-s${st}-j${String(k).padStart(2, '0')}`);
      for (const j of jobs) await call('CreateJob', { Name: j, Role: 'r', Command: { Name: 'shell', ScriptLocation: '/bin/true' } });
      const t = { Name: `big-stage-${st}`, WorkflowName: 'big', Actions: jobs.map((JobName) => ({ JobName })) };
      if (prev) Object.assign(t, { Type: 'CONDITIONAL', StartOnCreation: true, Predicate: { Logical: 'AND',
        Conditions: prev.map((JobName) => ({ LogicalOperator: 'EQUALS', JobName, State: 'SUCCEEDED' })) } });
      else t.Type = 'ON_DEMAND';
      await call('CreateTrigger', t);
      prev = jobs;
    }
    await open(route('workflow', 'big'), 'workflow');
    const boxes = await page.$$eval('svg [data-node-type]', (els) => els.map((e) => {
      const r = e.querySelector('rect.bg').getBoundingClientRect();
      return { x: r.x, y: r.y, w: r.width, h: r.height };
    }));
    assert.equal(boxes.length, 200);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const apart = a.x + a.w <= b.x + 0.5 || b.x + b.w <= a.x + 0.5 || a.y + a.h <= b.y + 0.5 || b.y + b.h <= a.y + 0.5;
        assert.ok(apart, `nodes ${i} and ${j} overlap`);
      }
    }
    assert.ok(boxes[0].h >= 52 * 0.6, `nodes are drawn at a readable size (${boxes[0].h.toFixed(1)} px high)`);
    await shot('workflow-200-nodes');
    const transform = () => page.getAttribute('.graphbox g.viewport', 'transform');
    const before = await transform();
    await page.click('.zoom button[aria-label="Zoom out"]');
    assert.notEqual(await transform(), before, 'zoom out');
    const svgBox = await page.locator('.graphbox svg').boundingBox();
    const zoomed = await transform();
    await page.mouse.move(svgBox.x + 6, svgBox.y + 6); // the margin around the drawing: no node there
    await page.mouse.down();
    await page.mouse.move(svgBox.x + 120, svgBox.y + 80, { steps: 4 });
    await page.mouse.up();
    assert.notEqual(await transform(), zoomed, 'dragging pans');
    await page.click('.zoom >> text=Fit');
    await shot('workflow-200-nodes-fit');
  });

  check('keyboard and narrow windows', async () => {
    await open(route('workflow', 'etl'), 'workflow');
    // Tab reaches the graph's nodes, Enter opens one
    await page.focus('.graphbox svg');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement.getAttribute('data-node-name'));
    assert.ok(focused, 'a node takes the focus');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.details h2 >> text=${focused}`);
    await page.keyboard.press('ArrowRight');
    const next = await page.evaluate(() => document.activeElement.getAttribute('data-node-name'));
    assert.ok(next && next !== focused, 'arrows move between nodes');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [h, ready, name] of [['', 'workflows', 'narrow-workflows'], [route('workflow', 'etl'), 'workflow', 'narrow-workflow'], [route('run', 'etl', firstRun), 'run', 'narrow-run']]) {
      await open(h, ready);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => !e.closest('svg') &&
        e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName + '.' + e.className).slice(0, 8).join(' '));
      assert.ok(overflow <= 1, `${name}: the page fits the window (overflow ${overflow}px: ${wide})`);
      await shot(name);
    }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  check('no script error on any page', async () => {
    assert.deepEqual(pageErrors, []);
  });
});
