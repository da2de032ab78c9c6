// Issue 13: sign-in with an identity provider, end to end — a real OpenID provider (npm
// oidc-provider, its own sign-in and consent pages) on loopback, the real server validating its
// JWTs, Chromium. Sign in through the provider's page and approve (the audit trail names the
// provider's user); a new tab joins the session and opens the same flyout; an expiring token
// is renewed silently; a session ended at the provider sends the app back to sign-in with a
// notice; Sign out ends the provider session too; pasted tokens still work.
const {
  test, expect, USERS, PROVIDER_NAME, providerButton, signInWithProvider,
} = require('./oidc-fixtures');
const { expectNoA11yViolations, TOKENS } = require('./fixtures');
const { openFlyout, flyoutTitle, rowOf } = require('./ui');

/** The claims of a JWT (the test may look; the app never shows or logs a token). */
function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** Records the bearer tokens the app sends to the API, and what the API answered. */
function recordApiCalls(page) {
  const calls = [];
  page.on('response', (response) => {
    const request = response.request();
    if (!new URL(request.url()).pathname.startsWith('/api/v1/')) return;
    const header = request.headers().authorization || '';
    calls.push({ at: Date.now(), token: header.replace(/^Bearer /, ''), status: response.status() });
  });
  return calls;
}

/** A token endpoint request of this grant type, as the app sends it to the provider. */
function isTokenRequest(provider, grant) {
  return (request) => request.url() === `${provider.issuer}/token`
    && request.method() === 'POST'
    && (request.postData() || '').includes(`grant_type=${grant}`);
}

test('sign in through the provider\'s page, approve, and find the provider\'s user in the audit trail', async ({ page, api, provider }) => {
  await page.goto('/');
  // A first visit joins no provider session (there is none): the form offers the provider.
  await expect(providerButton(page)).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Access token' })).toBeVisible();
  await expectNoA11yViolations(page);

  const tokenRequests = [];
  page.on('request', (r) => { if (isTokenRequest(provider, 'authorization_code')(r)) tokenRequests.push(r); });
  await signInWithProvider(page, USERS.dana);
  expect(tokenRequests).toHaveLength(1);
  // PKCE, no client secret; the code left the address bar at once.
  const form = new URLSearchParams(tokenRequests[0].postData());
  expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(form.has('client_secret')).toBe(false);
  expect(page.url()).not.toMatch(/[?&](code|state|iss)=/);
  // Tokens stay in memory: nothing in the tab's storage looks like one.
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

  const [action] = (await (await api()).list('view=pending')).items;
  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('approved after SSO');
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(page.getByRole('status')).toContainText('1 approved');
  const auditName = `${USERS.dana.name} (${USERS.dana.sub})`;
  await expect(dialog).toContainText(`by ${auditName}`);

  const trail = (await (await api(TOKENS.viewer)).get(`/actions/${action.id}/timeline`)).json;
  expect(trail).toEqual(expect.arrayContaining([
    expect.objectContaining({ actor: auditName, comment: 'approved after SSO' }),
  ]));
});

test('a link opened in a new tab joins the provider session and opens the same flyout', async ({ page, api, context }) => {
  await page.goto('/');
  await signInWithProvider(page, USERS.dana);
  const [, action] = (await (await api()).list('view=pending')).items;
  await openFlyout(page, action);
  const link = page.url();
  expect(link).toContain(`open=${action.id}`);

  const tab = await context.newPage();
  const providerPages = [];
  tab.on('framenavigated', (frame) => {
    if (frame === tab.mainFrame() && frame.url().includes('/interaction/')) providerPages.push(frame.url());
  });
  await tab.goto(link);
  const dialog = tab.getByRole('dialog', { name: flyoutTitle(action) });
  await expect(dialog).toBeVisible();
  // Signed in as the provider's user (the modal flyout hides the header from the a11y tree).
  await expect(tab.locator('[data-ac-mode]')).toContainText(USERS.dana.name);
  expect(providerPages, 'no sign-in or consent page on the way').toEqual([]);
  expect(tab.url()).toContain(`open=${action.id}`);
  expect(tab.url()).not.toMatch(/[?&](code|state)=/);
  await tab.close();
});

test.describe('short-lived tokens', () => {
  test.use({ accessTokenTtl: 20 });

  test('an expiring token is renewed silently and the app keeps working', async ({ page, api, provider }) => {
    test.setTimeout(90_000);
    const calls = recordApiCalls(page);
    await page.goto('/');
    await signInWithProvider(page, USERS.dana);
    const first = calls.find((c) => c.status === 200 && c.token).token;
    const firstExp = claimsOf(first).exp;
    expect(firstExp - claimsOf(first).iat).toBe(20);

    // Renewed before it expires: a refresh-token grant, rotated, no page load, no prompt.
    const refresh = await page.waitForRequest(isTokenRequest(provider, 'refresh_token'), { timeout: 25_000 });
    const answer = await (await refresh.response()).json();
    expect(answer.refresh_token).toBeTruthy();
    expect(new URLSearchParams(refresh.postData()).get('refresh_token')).not.toBe(answer.refresh_token);
    expect(claimsOf(answer.access_token).exp).toBeGreaterThan(firstExp);

    // After the first token's expiry the app works on with the new one.
    await page.waitForTimeout(Math.max(0, firstExp * 1000 - Date.now()) + 1000);
    const [action] = (await (await api()).list('view=pending')).items;
    await openFlyout(page, action);
    const later = calls.filter((c) => c.at > firstExp * 1000);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((c) => c.status === 200 && c.token !== first)).toBe(true);
    await expect(page.getByRole('textbox', { name: 'Access token' })).toHaveCount(0);
  });

  test('a session ended at the provider sends the app back to sign-in with a notice', async ({ page, context, provider, consoleGuard }) => {
    test.setTimeout(90_000);
    // The provider refuses the spent session's refresh token (HTTP 400, invalid_grant).
    consoleGuard.allow(/status of 400/);
    await page.goto('/');
    await signInWithProvider(page, USERS.dana);

    // The analyst (or an administrator) ends the session at the provider, in another tab.
    const other = await context.newPage();
    await other.goto(`${provider.issuer}/session/end`);
    await other.getByRole('button', { name: 'Yes, sign me out' }).click();
    await expect(other.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
    await other.close();

    // At its next renewal the app learns it, and says so.
    await expect(page.getByText(`Your session with ${PROVIDER_NAME} has ended. Sign in again.`))
      .toBeVisible({ timeout: 30_000 });
    await expect(providerButton(page)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
    // Signing in again goes through the provider's sign-in page (the session is gone).
    await signInWithProvider(page, USERS.dana, { consent: true });
  });
});

test('Sign out ends the provider session too', async ({ page }) => {
  await page.goto('/');
  await signInWithProvider(page, USERS.dana);
  await page.getByRole('button', { name: 'Sign out' }).click();
  // The provider's own logout page (no token in the URL: only the client and the way back).
  await expect(page).toHaveURL(/\/session\/end\?client_id=action-center-app&post_logout_redirect_uri=/);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  // Back in the app, signed out, and not signed in again silently.
  await expect(providerButton(page)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await providerButton(page).click();
  await expect(page.getByRole('textbox', { name: 'Username' })).toBeVisible();
});

test('the access token form still signs in with API and demo tokens beside the provider', async ({ page }) => {
  await page.goto('/');
  await expect(providerButton(page)).toBeVisible();
  await page.getByRole('textbox', { name: 'Access token' }).fill(TOKENS.viewer);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Victor Viewer');
});
