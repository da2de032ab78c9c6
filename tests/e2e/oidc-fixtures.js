// Fixtures for sign-in with an identity provider: a real OpenID provider (npm `oidc-provider`,
// scripts/oidc-provider.mjs, with its own sign-in and consent pages) on a loopback port, and the
// real server trusting it (`--oidc-*`). Both ports are chosen first, because each must know the
// other: the provider registers the app's address as its redirect URI, the server the
// provider's as its issuer.
// - `accessTokenTtl` (option, seconds): how long the provider's access tokens live.
// - `provider`: `{ issuer, output() }`.
// - `signInWithProvider(page, user)`: through the provider's own pages, from the app's button.
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { test: base, expect, startServer } = require('./fixtures');

const ROOT = path.resolve(__dirname, '..', '..');
const PROVIDER_NAME = 'Demo identity provider';
const USERS = {
  dana: { login: 'dana', password: 'demo-password', name: 'Dana Demo', sub: 'a1f0c7e2-dana' },
  vic: { login: 'vic', password: 'demo-password', name: 'Vic Viewer', sub: 'b7d94e01-vic' },
};

/** A loopback port that is free now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the provider; resolves once it prints `oidc provider listening on http://…`. */
async function startProvider({ port, appUrl, accessTokenTtl }) {
  const args = [
    path.join(ROOT, 'scripts', 'oidc-provider.mjs'), '--port', String(port), '--app', appUrl,
    '--access-token-ttl', String(accessTokenTtl),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const issuer = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`provider did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/oidc provider listening on (http:\/\/[\d.]+:\d+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`provider exited (${code}):\n${output}`)); });
  });
  child.removeAllListeners('exit');
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  };
  return { issuer, stop, output: () => output };
}

const test = base.extend({
  accessTokenTtl: [300, { option: true }],

  // The provider and the server that trusts it, on ports chosen up front.
  oidcStack: async ({ accessTokenTtl }, use) => {
    const [appPort, idpPort] = [await freePort(), await freePort()];
    const appUrl = `http://127.0.0.1:${appPort}`;
    const provider = await startProvider({ port: idpPort, appUrl, accessTokenTtl });
    let server;
    try {
      server = await startServer({
        extraArgs: [
          '--listen', `127.0.0.1:${appPort}`,
          '--oidc-issuer', provider.issuer,
          '--oidc-audience', 'api://action-center',
          '--oidc-client-id', 'action-center-app',
          '--oidc-scopes', 'openid profile email action-center',
          '--oidc-provider-name', PROVIDER_NAME,
        ],
      });
    } catch (err) {
      await provider.stop();
      throw err;
    }
    await use({ provider, server });
    await server.stop();
    await provider.stop();
  },

  server: async ({ oidcStack }, use) => { await use(oidcStack.server); },
  provider: async ({ oidcStack }, use) => { await use(oidcStack.provider); },
});

/** The app's "Sign in with …" button. */
function providerButton(page) {
  return page.getByRole('button', { name: `Sign in with ${PROVIDER_NAME}` });
}

/**
 * From the app's sign-in form, through the provider's own sign-in (and, the first time,
 * consent) pages, back to the app signed in.
 */
async function signInWithProvider(page, user = USERS.dana, { consent = true } = {}) {
  await providerButton(page).click();
  await expect(page.getByRole('heading', { name: 'Demo identity provider' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Username' }).fill(user.login);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (consent) {
    await expect(page.getByRole('heading', { name: 'Allow Action Center?' })).toBeVisible();
    await page.getByRole('button', { name: 'Allow' }).click();
  }
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(user.name);
}

module.exports = { test, expect, USERS, PROVIDER_NAME, providerButton, signInWithProvider };
