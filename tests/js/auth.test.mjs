// glued with --credentials, checked with the AWS SDK for JavaScript v3, which signs more headers than botocore
// (amz-sdk-invocation-id, amz-sdk-request, x-amz-user-agent, x-amz-content-sha256 ...): the right key works, a
// wrong secret, an unknown key and a clock 10 minutes off are refused with AWS's exceptions.
//
// Run from tests/js:  npm ci && node --test

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateWorkflowCommand, GetWorkflowCommand, GlueClient, ListWorkflowsCommand } from '@aws-sdk/client-glue';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const READY_RE = /^glued listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/m;
const SANITIZER_RE = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/;
const KEY = 'AKIAGLUEDJSAUTH01';
const SECRET = 'js/auth+secret=01';

function gluedBin() {
  const env = process.env.GLUED_BIN;
  if (!env) return path.join(REPO, 'build', 'glued');
  if (path.isAbsolute(env)) return env;
  const fromCwd = path.resolve(process.cwd(), env);
  return existsSync(fromCwd) ? fromCwd : path.resolve(REPO, env);
}

let server;
let startError;

function start() {
  const dir = mkdtempSync(path.join(tmpdir(), 'glued-js-auth-'));
  const creds = path.join(dir, 'credentials');
  writeFileSync(creds, `[default]\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n`, { mode: 0o600 });
  const asRoot = process.getuid && process.getuid() === 0 ? ['--job-user', 'root'] : [];
  const proc = spawn(gluedBin(), ['--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--credentials', creds,
    ...asRoot],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`glued not ready in time:\n${stderr}`)), 15000);
    exited.then(({ code }) => reject(new Error(`glued exited early (${code}):\n${stderr}`)));
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = READY_RE.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, dir, endpoint: m[1], exited, stderr: () => stderr });
      }
    });
  });
}

function client(accessKeyId, secretAccessKey, extra = {}) {
  return new GlueClient({
    endpoint: server.endpoint, region: 'eu-west-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
    ...extra,
  });
}

async function refused(c, name, status, says) {
  let err;
  try {
    await c.send(new ListWorkflowsCommand({}));
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}`);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  assert.ok(err.message.includes(says), `message ${JSON.stringify(err.message)} should say ${JSON.stringify(says)}`);
  c.destroy();
}

function check(name, fn) {
  it(name, async () => {
    if (startError) throw startError;
    return fn();
  });
}

describe('glued --credentials via @aws-sdk/client-glue', { timeout: 60_000 }, () => {
  before(async () => {
    try {
      server = await start();
    } catch (e) {
      startError = e;
    }
  });

  after(async () => {
    if (!server) return;
    server.proc.kill('SIGTERM');
    const { code } = await server.exited;
    rmSync(server.dir, { recursive: true, force: true });
    assert.equal(code, 0, `glued exited with ${code}:\n${server.stderr()}`);
    assert.doesNotMatch(server.stderr(), SANITIZER_RE);
  });

  check('the right key works, whatever headers the SDK signs', async () => {
    const c = client(KEY, SECRET);
    const signedHeaders = [];
    c.middlewareStack.addRelativeTo((next) => async (args) => {
      const auth = args.request.headers.authorization || args.request.headers.Authorization;
      signedHeaders.push(/SignedHeaders=([^,]+)/.exec(auth)[1]);
      return next(args);
    }, { relation: 'after', toMiddleware: 'awsAuthMiddleware', name: 'captureSignedHeaders' });
    await c.send(new CreateWorkflowCommand({ Name: 'js-signed' }));
    const out = await c.send(new GetWorkflowCommand({ Name: 'js-signed' }));
    assert.equal(out.Workflow.Name, 'js-signed');
    assert.ok(signedHeaders.length >= 2);
    assert.ok(signedHeaders[0].includes('amz-sdk-invocation-id'), `signed: ${signedHeaders[0]}`);
    assert.ok(signedHeaders[0].includes('x-amz-target'), `signed: ${signedHeaders[0]}`);
    c.destroy();
  });

  check('a wrong secret is InvalidSignatureException', () =>
    refused(client(KEY, 'not-the-secret'), 'InvalidSignatureException', 400, 'does not match the signature'));

  check('an unknown key is UnrecognizedClientException', () =>
    refused(client('AKIAUNKNOWNJS', SECRET), 'UnrecognizedClientException', 400,
      'The security token included in the request is invalid.'));

  check('a clock 10 minutes behind is refused as expired', () =>
    refused(client(KEY, SECRET, { systemClockOffset: -600_000 }), 'InvalidSignatureException', 400,
      'Signature expired: '));

  check('a clock 10 minutes ahead is refused as not yet current', () =>
    refused(client(KEY, SECRET, { systemClockOffset: 600_000 }), 'InvalidSignatureException', 400,
      'Signature not yet current: '));
});
