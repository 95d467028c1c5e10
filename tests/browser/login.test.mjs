// The console when glued requires credentials (--credentials FILE): it is closed until someone signs in with an
// access key id and its secret, which it exchanges for a session cookie (HttpOnly, SameSite=Strict); signing
// out, or the key leaving the file (SIGHUP), closes it again. Screenshots: build/test-logs/console-login*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOGS, glue, launchBrowser, startGlued } from './harness.mjs';

const KEY = 'AKIACONSOLETEST00001', SECRET = 'console-test-secret/with+chars=1';
let server, call, browser, page, dir, creds, startError;

function check(name, fn) {
  it(name, async () => {
    if (startError) throw startError;
    return fn();
  });
}
const shot = (name) => page.screenshot({ path: path.join(LOGS, 'console-' + name + '.png'), fullPage: true });
const writeCreds = (key, secret) => writeFileSync(creds, `[default]\naws_access_key_id = ${key}\naws_secret_access_key = ${secret}\n`);

describe('web console with credentials', () => {
  before(async () => {
    try {
      mkdirSync(LOGS, { recursive: true });
      dir = mkdtempSync(path.join(tmpdir(), 'glued-console-creds-'));
      creds = path.join(dir, 'credentials');
      writeCreds(KEY, SECRET);
      const args = ['--credentials', creds];
      if (process.getuid && process.getuid() === 0) args.push('--job-user', 'root');
      server = await startGlued(args);
      call = glue(server.url, { akid: KEY, secret: SECRET });
      await call('CreateWorkflow', { Name: 'behind-the-door' });
      browser = await launchBrowser();
      page = await browser.context.newPage();
    } catch (e) {
      startError = e;
    }
  });
  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  check('closed until someone signs in: no data in the page, every call refused', async () => {
    const r = await fetch(server.url + '/console/');
    const html = await r.text();
    const cookie = r.headers.get('set-cookie').split(';')[0];
    const boot = JSON.parse(/id="glued-boot">(.*?)<\/script>/s.exec(html)[1]);
    assert.equal(boot.AuthRequired, true);
    assert.equal(boot.SignedIn, false);
    assert.equal(boot.Workflows, undefined, 'no workflow in the page');
    assert.doesNotMatch(html, /behind-the-door/);
    const post = (op, body) => fetch(server.url + '/console/api/' + op, { method: 'POST',
      headers: { Cookie: cookie, 'X-Glued-Token': boot.Token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    for (const op of ['ListWorkflows', 'ListWorkflowSummaries', 'StartWorkflowRun']) {
      const a = await post(op, { Name: 'behind-the-door' });
      assert.equal(a.status, 401, op);
      assert.equal((await a.json()).__type, 'NotSignedInException');
    }
    const log = await fetch(server.url + '/console/api/log?job=j&run=jr_1&stream=stdout', { headers: { Cookie: cookie } });
    assert.equal(log.status, 401);
    const wrong = await post('login', { AccessKeyId: KEY, SecretAccessKey: SECRET + 'x' });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).__type, 'UnrecognizedClientException');
    assert.deepEqual((await call('GetWorkflowRuns', { Name: 'behind-the-door' })).Runs, []);
  });

  check('signing in opens the console; the cookie is HttpOnly; signing out closes it for good', async () => {
    await page.goto(server.url + '/console/');
    await page.waitForSelector('body[data-ready=login]');
    await shot('login');
    await page.fill('#akid', KEY);
    await page.fill('#secret', 'not the secret');
    await page.click('button[type=submit]');
    await page.waitForSelector('.login .errbox');
    assert.match(await page.textContent('.login .errbox'), /^UnrecognizedClientException: /);
    await page.fill('#secret', SECRET);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-ready=workflows]');
    assert.ok(await page.locator('tr[data-workflow="behind-the-door"]').count());
    assert.match(await page.textContent('#who'), new RegExp('Signed in as ' + KEY));
    assert.equal(await page.evaluate(() => document.cookie.includes('glued_console')), false, 'HttpOnly');
    const [c] = (await browser.context.cookies()).filter((k) => k.name === 'glued_console');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    await shot('login-signed-in');
    // the page's own calls work, e.g. a run started from it
    await page.goto(server.url + '/console/#/workflow/behind-the-door');
    await page.waitForSelector('body[data-ready=workflow]');
    const token = await page.evaluate(() => JSON.parse(document.getElementById('glued-boot').textContent).Token);
    await page.click('text=Sign out');
    await page.waitForSelector('body[data-ready=login]');
    // the signed-in cookie, replayed, opens nothing any more
    const r = await fetch(server.url + '/console/api/ListWorkflows', { method: 'POST',
      headers: { Cookie: 'glued_console=' + c.value, 'X-Glued-Token': token, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 403);
  });

  check('a key taken out of the credentials file (SIGHUP) closes its sessions', async () => {
    await page.fill('#akid', KEY);
    await page.fill('#secret', SECRET);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-ready=workflow]'); // back on the page that was shown
    writeCreds('AKIAOTHERKEY00000002', 'another-secret-0000000000');
    server.signal('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    await page.goto(server.url + '/console/#/jobs');
    await page.waitForSelector('body[data-ready=login]');
    await shot('login-closed');
  });
});
