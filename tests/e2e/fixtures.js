// Shared end-to-end fixtures.
// - `server`: a fresh reference server per test (temporary SQLite file, demo data, fast simulated
//   executor) on a random port; `baseURL` points at it.
// - `api(token)`: direct API calls as a given user (to check results or race the UI).
// - Console errors and page errors fail the test, unless the test allows a pattern with
//   `consoleGuard.allow(/regex/)` (e.g. a deliberately failing request).
// - `signIn(page, token)` and `expectNoA11yViolations(page)` helpers.
const { test: base, expect, request: playwrightRequest } = require('@playwright/test');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER_BIN = process.env.AC_SERVER_BIN || path.join(ROOT, 'target', 'debug', 'action-center-server');
const STATIC_DIR = process.env.AC_STATIC_DIR || path.join(ROOT, 'dist');

const TOKENS = {
  analyst: 'demo-analyst',
  analyst2: 'demo-analyst2',
  viewer: 'demo-viewer',
  integration: 'demo-integration',
};

/** Starts the real server; resolves with its base URL once it prints `listening on http://…`. */
async function startServer({ extraArgs = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ac-e2e-'));
  const args = [
    '--demo', '--listen', '127.0.0.1:0', '--database', path.join(dir, 'e2e.db'),
    '--static-dir', STATIC_DIR, '--executor-delay-ms', '200', ...extraArgs,
  ];
  const child = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${output}`)); });
  });
  child.removeAllListeners('exit');
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop, output: () => output };
}

const test = base.extend({
  server: async ({}, use) => {
    const server = await startServer();
    await use(server);
    await server.stop();
  },

  baseURL: async ({ server }, use) => {
    await use(server.url);
  },

  api: async ({ server }, use) => {
    const contexts = [];
    const forToken = async (token = TOKENS.analyst) => {
      const ctx = await playwrightRequest.newContext({
        baseURL: server.url,
        extraHTTPHeaders: { Authorization: `Bearer ${token}` },
      });
      contexts.push(ctx);
      const call = async (method, urlPath, body, headers = {}) => {
        const res = await ctx.fetch(`/api/v1${urlPath}`, {
          method, data: body, headers: body ? { 'Content-Type': 'application/json', ...headers } : headers,
        });
        const text = await res.text();
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: keep text */ }
        return { status: res.status(), headers: res.headers(), json, text };
      };
      return {
        get: (p, headers) => call('GET', p, undefined, headers),
        post: (p, body = {}, headers) => call('POST', p, body, headers),
        /** All actions matching a query string, e.g. `view=pending&actionType=quarantineFile`. */
        list: async (query = '') => (await call('GET', `/actions?pageSize=200&${query}`)).json,
      };
    };
    await use(forToken);
    await Promise.all(contexts.map((c) => c.dispose()));
  },

  // Collects problems; `page` (below) feeds it. It does not depend on `page` itself, or the
  // two fixtures would form a cycle. Its check runs after the page is closed.
  consoleGuard: async ({}, use) => {
    const problems = [];
    const allowed = [];
    await use({ allow: (pattern) => allowed.push(pattern), problems });
    const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
    expect(unexpected, 'no console errors or page errors (panics) during the test').toEqual([]);
  },

  // Every test that uses `page` is guarded against console errors and panics.
  page: async ({ page, consoleGuard }, use) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleGuard.problems.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => consoleGuard.problems.push(`page error: ${err.message}`));
    await use(page);
  },
});

/** Opens the app and signs in with a token through the standalone sign-in form. */
async function signIn(page, token = TOKENS.analyst) {
  await page.goto('/');
  await page.getByRole('textbox', { name: 'Access token' }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.2 A and AA rules, target size included) on the page and fails with a
 * readable list. */
async function expectNoA11yViolations(page, { include } = {}) {
  // evaluate() runs through the DevTools protocol, so the page's CSP does not block axe.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (selector) => {
    const context = selector ? { include: [selector] } : document;
    const result = await window.axe.run(context, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary),
    }));
  }, include || null);
  expect(violations, 'axe-core WCAG 2.2 AA violations').toEqual([]);
}

module.exports = { test, expect, signIn, expectNoA11yViolations, startServer, TOKENS };
