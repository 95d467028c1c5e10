// Second-client check of glued: the AWS SDK for JavaScript v3 (@aws-sdk/client-glue).
//
// Starts the glued binary named by $GLUED_BIN (default <repo>/build/glued) on an ephemeral port with a fresh
// data directory, drives the workflow API through GlueClient, then stops the server with SIGTERM and checks
// that it exits 0 with no sanitizer reports on stderr.
//
// Run from tests/js:  npm ci && node --test      (or: npm test)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AlreadyExistsException,
  BatchGetWorkflowsCommand,
  CreateWorkflowCommand,
  DeleteWorkflowCommand,
  EntityNotFoundException,
  GetTagsCommand,
  GetWorkflowCommand,
  GlueClient,
  GlueServiceException,
  InvalidInputException,
  ListWorkflowsCommand,
  UpdateWorkflowCommand,
  paginateListWorkflows,
} from '@aws-sdk/client-glue';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const READY_RE = /^glued listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/;
const STARTUP_TIMEOUT_MS = 15000;
const EXIT_TIMEOUT_MS = 15000;
const SANITIZER_RE = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/;

// $GLUED_BIN may be absolute, relative to the current directory, or relative to the repo root.
function gluedBin() {
  const env = process.env.GLUED_BIN;
  if (!env) return path.join(REPO, 'build', 'glued');
  if (path.isAbsolute(env)) return env;
  const fromCwd = path.resolve(process.cwd(), env);
  if (existsSync(fromCwd)) return fromCwd;
  return path.resolve(REPO, env);
}

let server; // { proc, endpoint, dataDir, stdout(), stderr(), exited: Promise<{code, signal}> }
let glue;
let startError; // why the server could not be started; every test then fails with it

// Like it(), but fails (rather than being cancelled) when the server did not start, so that node's
// `# fail N` summary line reports the problem.
function check(name, fn) {
  it(name, async (t) => {
    if (startError) throw startError;
    return fn(t);
  });
}

function startServer() {
  const bin = gluedBin();
  if (!existsSync(bin)) {
    throw new Error(`glued binary not found at ${bin} (build it with \`make build/glued\` or set GLUED_BIN)`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'glued-js-'));
  // glued run as root must be told who jobs run as (CI runs as root)
  const asRoot = process.getuid && process.getuid() === 0 ? ['--job-user', 'root'] : [];
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--data', dataDir, ...asRoot], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.setEncoding('utf8');

  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { proc.kill('SIGKILL'); } catch { /* already gone */ }
      rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`glued did not report readiness within ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS);
    proc.on('error', (e) => fail(`could not start ${bin}: ${e.message}`));
    exited.then(({ code, signal }) => fail(`glued exited before it was ready (code ${code}, signal ${signal})`));
    proc.stdout.on('data', (d) => {
      stdout += d;
      if (done) return;
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      const first = stdout.slice(0, nl);
      const m = READY_RE.exec(first);
      if (!m) return fail(`unexpected first stdout line from glued: ${JSON.stringify(first)}`);
      done = true;
      clearTimeout(timer);
      resolve({
        proc,
        endpoint: m[1],
        dataDir,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
      });
    });
  });
}

async function stopServer() {
  if (!server) return null;
  const s = server;
  server = null;
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), EXIT_TIMEOUT_MS);
  });
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
  let result = await Promise.race([s.exited, timeout]);
  clearTimeout(timer);
  if (result === null) {
    s.proc.kill('SIGKILL');
    await s.exited;
    result = { code: null, signal: 'SIGKILL', timedOut: true };
  }
  rmSync(s.dataDir, { recursive: true, force: true });
  return { ...result, stdout: s.stdout(), stderr: s.stderr() };
}

// Runs fn, which must reject with a Glue service error; returns the error.
async function expectGlueError(fn, name) {
  let err;
  try {
    const out = await fn();
    assert.fail(`expected ${name}, got success: ${JSON.stringify(out)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  assert.equal(err.name, name, `error name (message: ${err.message})`);
  assert.ok(err instanceof GlueServiceException, 'error should be a GlueServiceException');
  assert.equal(err.$fault, 'client');
  assert.equal(err.$metadata?.httpStatusCode, 400);
  assert.equal(typeof err.$metadata.requestId, 'string');
  assert.ok(err.$metadata.requestId.length > 0, 'error $metadata.requestId should be non-empty');
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, 'error message should be non-empty');
  assert.notEqual(err.message, name, 'error message should be more than the bare code');
  return err;
}

function assertOk(out) {
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.equal(typeof out.$metadata.requestId, 'string');
  assert.ok(out.$metadata.requestId.length > 0, '$metadata.requestId should be non-empty');
}

function assertNearNow(d, what) {
  assert.ok(d instanceof Date, `${what} should be a Date, got ${typeof d}: ${d}`);
  assert.ok(!Number.isNaN(d.getTime()), `${what} should be a valid Date`);
  const skew = Math.abs(Date.now() - d.getTime());
  assert.ok(skew < 120_000, `${what} ${d.toISOString()} should be within 2 minutes of now`);
}

const live = new Set(); // workflow names that should exist right now

async function create(input) {
  const out = await glue.send(new CreateWorkflowCommand(input));
  live.add(input.Name);
  return out;
}

const MAIN = 'js-sdk-main';

describe('glued via @aws-sdk/client-glue', { timeout: 120_000 }, () => {
  before(async () => {
    try {
      server = await startServer();
    } catch (e) {
      startError = e;
      return;
    }
    glue = new GlueClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDGLUEDJSTEST', secretAccessKey: 'glued-js-test-secret' },
      maxAttempts: 1,
    });
  });

  after(async () => {
    glue?.destroy();
    await stopServer(); // only does anything if the final test did not run
  });

  check('CreateWorkflow with every field returns {Name}', async () => {
    const out = await create({
      Name: MAIN,
      Description: 'made by the JS SDK test',
      DefaultRunProperties: { env: 'test', 'run.key-1': 'value with spaces', empty: '' },
      Tags: { team: 'data', owner: 'js-sdk' },
      MaxConcurrentRuns: 3,
    });
    assertOk(out);
    assert.equal(out.Name, MAIN);
  });

  let created;
  check('GetWorkflow returns the fields, Date timestamps and a numeric MaxConcurrentRuns', async () => {
    const out = await glue.send(new GetWorkflowCommand({ Name: MAIN }));
    assertOk(out);
    const wf = out.Workflow;
    assert.ok(wf, 'Workflow present');
    assert.equal(wf.Name, MAIN);
    assert.equal(wf.Description, 'made by the JS SDK test');
    assert.deepEqual(wf.DefaultRunProperties, { env: 'test', 'run.key-1': 'value with spaces', empty: '' });
    assert.equal(typeof wf.MaxConcurrentRuns, 'number');
    assert.equal(wf.MaxConcurrentRuns, 3);
    assertNearNow(wf.CreatedOn, 'CreatedOn');
    assertNearNow(wf.LastModifiedOn, 'LastModifiedOn');
    assert.ok(wf.LastModifiedOn.getTime() >= wf.CreatedOn.getTime(), 'LastModifiedOn >= CreatedOn');
    assert.equal(wf.LastRun, undefined, 'no LastRun before any run');
    assert.equal(wf.Graph, undefined, 'no Graph unless IncludeGraph');
    created = wf;
  });

  check('GetWorkflow with IncludeGraph true succeeds on a workflow with no triggers', async () => {
    const out = await glue.send(new GetWorkflowCommand({ Name: MAIN, IncludeGraph: true }));
    assertOk(out);
    assert.equal(out.Workflow.Name, MAIN);
    const g = out.Workflow.Graph;
    if (g !== undefined) {
      assert.deepEqual(g.Nodes ?? [], []);
      assert.deepEqual(g.Edges ?? [], []);
    }
  });

  check('GetTags on the workflow ARN returns the Tags given at create', async () => {
    const out = await glue.send(new GetTagsCommand({
      ResourceArn: `arn:aws:glue:us-east-1:123456789012:workflow/${MAIN}`,
    }));
    assertOk(out);
    assert.deepEqual(out.Tags, { team: 'data', owner: 'js-sdk' });
  });

  check('CreateWorkflow with a minimal request, then GetWorkflow omits absent optional fields', async () => {
    const name = 'js-sdk-minimal';
    assert.equal((await create({ Name: name })).Name, name);
    const wf = (await glue.send(new GetWorkflowCommand({ Name: name }))).Workflow;
    assert.equal(wf.Name, name);
    assert.ok(wf.MaxConcurrentRuns === undefined || typeof wf.MaxConcurrentRuns === 'number');
    assertNearNow(wf.CreatedOn, 'CreatedOn');
  });

  check('a non-ASCII name round-trips', async () => {
    const name = 'js-sdk-ünïcödé-日本語-😀';
    assert.equal((await create({ Name: name, Description: 'Ω ≈ ç √' })).Name, name);
    const wf = (await glue.send(new GetWorkflowCommand({ Name: name }))).Workflow;
    assert.equal(wf.Name, name);
    assert.equal(wf.Description, 'Ω ≈ ç √');
  });

  check('a 255-character name is accepted', async () => {
    const name = 'w'.repeat(255);
    assert.equal((await create({ Name: name })).Name, name);
    assert.equal((await glue.send(new GetWorkflowCommand({ Name: name }))).Workflow.Name, name);
  });

  check('CreateWorkflow twice gives AlreadyExistsException', async () => {
    const err = await expectGlueError(() => glue.send(new CreateWorkflowCommand({ Name: MAIN })),
      'AlreadyExistsException');
    assert.ok(err instanceof AlreadyExistsException);
    assert.ok(err.message.includes(MAIN), `message should name the workflow: ${err.message}`);
  });

  check('a 256-character name gives InvalidInputException', async () => {
    const err = await expectGlueError(
      () => glue.send(new CreateWorkflowCommand({ Name: 'x'.repeat(256) })), 'InvalidInputException');
    assert.ok(err instanceof InvalidInputException);
    assert.match(err.message, /name/i);
  });

  check('a name containing a newline gives InvalidInputException', async () => {
    await expectGlueError(() => glue.send(new CreateWorkflowCommand({ Name: 'bad\nname' })),
      'InvalidInputException');
  });

  check('GetWorkflow of an unknown name gives EntityNotFoundException', async () => {
    const err = await expectGlueError(() => glue.send(new GetWorkflowCommand({ Name: 'js-sdk-never-made' })),
      'EntityNotFoundException');
    assert.ok(err instanceof EntityNotFoundException);
    assert.ok(err.message.includes('js-sdk-never-made'), `message should name the workflow: ${err.message}`);
  });

  const PAGED = ['js-sdk-page-a', 'js-sdk-page-b', 'js-sdk-page-c', 'js-sdk-page-d', 'js-sdk-page-e'];

  check('ListWorkflows returns every workflow, sorted, with no NextToken when it all fits', async () => {
    for (const n of PAGED) await create({ Name: n });
    const out = await glue.send(new ListWorkflowsCommand({}));
    assertOk(out);
    const expected = [...live].sort();
    assert.ok(live.size <= 25, 'test assumes everything fits the default page of 25');
    assert.deepEqual([...out.Workflows].sort(), expected);
    assert.equal(out.NextToken, undefined, 'single page must not carry NextToken');
    const sorted = [...out.Workflows].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(out.Workflows, sorted, 'names come back sorted');
  });

  check('ListWorkflows MaxResults 2 pages by hand: 2 per page, last page without NextToken', async () => {
    const seen = [];
    let token;
    let pages = 0;
    const tokens = new Set();
    do {
      const out = await glue.send(new ListWorkflowsCommand({ MaxResults: 2, NextToken: token }));
      assertOk(out);
      pages += 1;
      assert.ok(pages <= 50, 'too many pages');
      token = out.NextToken;
      if (token !== undefined) {
        assert.equal(typeof token, 'string');
        assert.ok(token.length > 0, 'NextToken should not be empty when present');
        assert.ok(!tokens.has(token), 'NextToken must not repeat');
        tokens.add(token);
        assert.equal(out.Workflows.length, 2, 'a non-final page is full');
      } else {
        assert.ok(out.Workflows.length >= 1 && out.Workflows.length <= 2);
      }
      seen.push(...out.Workflows);
    } while (token !== undefined);
    assert.equal(pages, Math.ceil(live.size / 2));
    assert.deepEqual(seen, [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'sorted across pages');
    assert.deepEqual([...seen].sort(), [...live].sort());
  });

  check('ListWorkflows with MaxResults equal to the count gives one page without NextToken', async () => {
    const out = await glue.send(new ListWorkflowsCommand({ MaxResults: live.size }));
    assert.equal(out.Workflows.length, live.size);
    assert.equal(out.NextToken, undefined, 'an exactly full last page must not carry NextToken');
  });

  check('paginateListWorkflows with MaxResults 2 yields every name exactly once', async () => {
    const counts = new Map();
    let pages = 0;
    for await (const page of paginateListWorkflows({ client: glue, pageSize: 2 }, { MaxResults: 2 })) {
      pages += 1;
      assert.ok(pages <= 50, 'paginator did not stop');
      assert.ok(page.Workflows.length <= 2);
      for (const n of page.Workflows) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    for (const n of PAGED) assert.equal(counts.get(n), 1, `${n} seen exactly once`);
    for (const [n, c] of counts) assert.equal(c, 1, `${n} seen ${c} times`);
    assert.deepEqual([...counts.keys()].sort(), [...live].sort());
    assert.equal(pages, Math.ceil(live.size / 2));
  });

  check('ListWorkflows rejects MaxResults 0 and 26, and a forged NextToken, with InvalidInputException', async () => {
    await expectGlueError(() => glue.send(new ListWorkflowsCommand({ MaxResults: 0 })), 'InvalidInputException');
    await expectGlueError(() => glue.send(new ListWorkflowsCommand({ MaxResults: 26 })), 'InvalidInputException');
    await expectGlueError(() => glue.send(new ListWorkflowsCommand({ NextToken: 'not-a-real-token' })),
      'InvalidInputException');
  });

  check('BatchGetWorkflows reports a missing name in MissingWorkflows', async () => {
    const out = await glue.send(new BatchGetWorkflowsCommand({ Names: [MAIN, 'js-sdk-missing'] }));
    assertOk(out);
    assert.equal(out.Workflows.length, 1);
    const wf = out.Workflows[0];
    assert.equal(wf.Name, MAIN);
    assert.equal(wf.Description, 'made by the JS SDK test');
    assert.equal(wf.MaxConcurrentRuns, 3);
    assertNearNow(wf.CreatedOn, 'BatchGetWorkflows CreatedOn');
    assert.deepEqual(out.MissingWorkflows, ['js-sdk-missing']);
  });

  check('BatchGetWorkflows with 26 names gives InvalidInputException', async () => {
    const names = Array.from({ length: 26 }, (_, i) => `js-sdk-batch-${i}`);
    await expectGlueError(() => glue.send(new BatchGetWorkflowsCommand({ Names: names })), 'InvalidInputException');
  });

  check('UpdateWorkflow changes the supplied fields and GetWorkflow shows it', async () => {
    await new Promise((r) => setTimeout(r, 20)); // let the clock move on for LastModifiedOn
    const out = await glue.send(new UpdateWorkflowCommand({
      Name: MAIN,
      Description: 'updated by the JS SDK test',
      MaxConcurrentRuns: 7,
    }));
    assertOk(out);
    assert.equal(out.Name, MAIN);
    const wf = (await glue.send(new GetWorkflowCommand({ Name: MAIN }))).Workflow;
    assert.equal(wf.Description, 'updated by the JS SDK test');
    assert.equal(wf.MaxConcurrentRuns, 7);
    // SPEC section 10: fields left out of UpdateWorkflow keep their values.
    assert.deepEqual(wf.DefaultRunProperties, { env: 'test', 'run.key-1': 'value with spaces', empty: '' });
    assert.equal(wf.CreatedOn.getTime(), created.CreatedOn.getTime(), 'CreatedOn unchanged');
    assert.ok(wf.LastModifiedOn.getTime() >= created.LastModifiedOn.getTime(), 'LastModifiedOn did not go back');
    assertNearNow(wf.LastModifiedOn, 'LastModifiedOn after update');
  });

  check('UpdateWorkflow of an unknown name gives EntityNotFoundException', async () => {
    await expectGlueError(
      () => glue.send(new UpdateWorkflowCommand({ Name: 'js-sdk-never-made', Description: 'x' })),
      'EntityNotFoundException');
  });

  check('DeleteWorkflow then GetWorkflow gives EntityNotFoundException naming the workflow', async () => {
    const out = await glue.send(new DeleteWorkflowCommand({ Name: MAIN }));
    assertOk(out);
    assert.equal(out.Name, MAIN);
    live.delete(MAIN);

    const err = await expectGlueError(() => glue.send(new GetWorkflowCommand({ Name: MAIN })),
      'EntityNotFoundException');
    assert.ok(err instanceof EntityNotFoundException);
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.ok(err.message.includes(MAIN), `message should name the workflow: ${err.message}`);

    const list = await glue.send(new ListWorkflowsCommand({}));
    assert.ok(!list.Workflows.includes(MAIN), 'deleted workflow is not listed');
    assert.deepEqual([...list.Workflows].sort(), [...live].sort());
  });

  check('DeleteWorkflow of a missing workflow is idempotent and returns {Name}', async () => {
    const out = await glue.send(new DeleteWorkflowCommand({ Name: MAIN }));
    assertOk(out);
    assert.equal(out.Name, MAIN);
  });

  check('the name can be reused after delete', async () => {
    assert.equal((await create({ Name: MAIN, Description: 'second life' })).Name, MAIN);
    const wf = (await glue.send(new GetWorkflowCommand({ Name: MAIN }))).Workflow;
    assert.equal(wf.Description, 'second life');
    assert.equal(wf.MaxConcurrentRuns ?? null, null, 'old MaxConcurrentRuns did not survive the delete');
  });

  check('requestIds differ between requests', async () => {
    const a = await glue.send(new ListWorkflowsCommand({}));
    const b = await glue.send(new ListWorkflowsCommand({}));
    assert.notEqual(a.$metadata.requestId, b.$metadata.requestId);
  });

  check('SIGTERM stops glued with exit status 0 and no sanitizer reports', async () => {
    const res = await stopServer();
    assert.ok(res, 'server was running');
    assert.ok(!res.timedOut, `glued did not exit within ${EXIT_TIMEOUT_MS} ms of SIGTERM`);
    assert.equal(res.signal, null, `glued died of signal ${res.signal}\n${res.stderr}`);
    assert.equal(res.code, 0, `glued exit status\n--- stderr ---\n${res.stderr}`);
    assert.doesNotMatch(res.stderr, SANITIZER_RE, 'sanitizer report on stderr');
    const lines = res.stdout.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.filter((l) => READY_RE.test(l)).length, 1, 'exactly one readiness line on stdout');
  });
});
