// Shared pieces of the console's browser tests and benchmark: start the real glued, call its API (AWS JSON 1.1,
// signed with SigV4 when given credentials), write job scripts, and launch Debian's Chromium through
// playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const LOGS = path.join(REPO, 'build', 'test-logs');
const READY_RE = /^glued listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/m;
const SANITIZER_RE = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/;
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export function gluedBin() {
  const env = process.env.GLUED_BIN;
  if (!env) return path.join(REPO, 'build', 'asan', 'glued');
  return path.isAbsolute(env) ? env : path.resolve(REPO, env);
}

/* Starts glued on 127.0.0.1:0 with a fresh data directory; resolves {url, dataDir, stop, stderr}. */
export function startGlued(extraArgs = [], opts = {}) {
  const bin = opts.bin || gluedBin();
  if (!existsSync(bin)) throw new Error(`glued binary not found at ${bin} (make build/asan/glued, or set GLUED_BIN)`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'glued-console-'));
  // glued run as root must be told who jobs run as (CI runs as root)
  const asRoot = process.getuid && process.getuid() === 0 && !extraArgs.includes('--job-user') ? ['--job-user', 'root'] : [];
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--data', dataDir, '--log-level', 'warn', ...asRoot, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('glued did not start within 15 s:\n' + stderr)), 15000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = READY_RE.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        dataDir,
        stderr: () => stderr,
        signal: (sig) => proc.kill(sig),
        async stop() {
          proc.kill('SIGTERM');
          const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
          const r = await exited;
          clearTimeout(t);
          rmSync(dataDir, { recursive: true, force: true });
          if (SANITIZER_RE.test(stderr)) throw new Error('sanitizer report in glued stderr:\n' + stderr.slice(-4000));
          if (r.code !== 0) throw new Error(`glued exited with ${r.code ?? r.signal}:\n` + stderr.slice(-2000));
        },
      });
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`glued exited early (${code}):\n` + stderr)); });
  });
}

function sigv4(method, url, headers, body, creds, region) {
  const u = new URL(url);
  const now = new Date();
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const h = Object.assign({}, headers, { host: u.host, 'x-amz-date': amzDate });
  const names = Object.keys(h).map((k) => k.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const canonical = [method, u.pathname || '/', '', names.map((n) => n + ':' + lower[n] + '\n').join(''), names.join(';'),
    createHash('sha256').update(body).digest('hex')].join('\n');
  const scope = `${day}/${region}/glue/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key = 'AWS4' + creds.secret;
  for (const part of [day, region, 'glue', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  h.authorization = `AWS4-HMAC-SHA256 Credential=${creds.akid}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return h;
}

/* A minimal Glue client: call(op, body) resolves the answer or rejects with {type, message, status}. */
export function glue(url, creds = { akid: 'glued-test', secret: 'glued-test' }, region = 'us-east-1') {
  return async function call(op, body = {}) {
    const text = JSON.stringify(body);
    const headers = sigv4('POST', url + '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSGlue.' + op },
      text, creds, region);
    const r = await fetch(url + '/', { method: 'POST', headers, body: text });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(`${op}: ${data.__type}: ${data.Message}`);
      e.type = data.__type;
      e.apiMessage = data.Message;
      e.status = r.status;
      throw e;
    }
    return data;
  };
}

export function script(dir, name, text) {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, 0o755);
  return p;
}

/* Waits until fn() is truthy (polling every 100 ms) and returns it. */
export async function until(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/* Debian's Chromium with a fresh profile; resolves {context, close}. */
export async function launchBrowser(viewport = { width: 1400, height: 900 }) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/deps.sh --test)`);
  const profile = mkdtempSync(path.join(tmpdir(), 'glued-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS, viewport, deviceScaleFactor: 1,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function readText(p) {
  return readFileSync(p, 'utf8');
}
