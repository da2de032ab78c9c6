// Issue 4: the Pending tab and the flyout — approve and reject, one or many, against the real
// server; permissions, races, keyboard and focus, and errors that Retry recovers from.
const { test, expect, signIn, TOKENS } = require('./fixtures');
const {
  checkboxOf, rowOf, searchFor, showHistory, openFlyout, waitForServer, groupOfOneType,
} = require('./ui');

/** Matches list requests (`GET /api/v1/actions?...`), not single actions or timelines. */
const isList = (url) => url.pathname.endsWith('/api/v1/actions');

/** The first page of Pending, as the app shows it (server default order, 50 rows). */
async function firstPendingPage(api) {
  return (await (await api()).get('/actions?view=pending&pageSize=50')).json.items;
}

test('approve one: it leaves Pending, appears in History, and the server keeps decision and comment', async ({ page, api }) => {
  await signIn(page);
  const [action] = await firstPendingPage(api);
  await expect(checkboxOf(page, action.id)).toBeVisible();

  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('confirmed malicious');
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(page.getByRole('status')).toContainText('1 approved');
  await expect(dialog.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);

  const stored = (await (await api()).get(`/actions/${action.id}`)).json;
  expect(stored.decision).toMatchObject({
    state: 'approved', by: 'alice@example.com', comment: 'confirmed malicious',
  });
  expect(stored.status).not.toBe('pending');

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(checkboxOf(page, action.id)).toHaveCount(0);

  await showHistory(page);
  await searchFor(page, action.id);
  await expect(rowOf(page, action.id)).toContainText('alice@example.com');
  await expect(rowOf(page, action.id)).toContainText('confirmed malicious');
});

test('reject one', async ({ page, api }) => {
  await signIn(page);
  const action = (await firstPendingPage(api))[1];
  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Reject', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('false positive');
  await dialog.getByRole('button', { name: 'Confirm reject' }).click();
  await expect(page.getByRole('status')).toContainText('1 rejected');
  await expect(dialog).toContainText('Rejected by alice@example.com');

  const stored = (await (await api()).get(`/actions/${action.id}`)).json;
  expect(stored.status).toBe('rejected');
  expect(stored.decision).toMatchObject({ state: 'rejected', by: 'alice@example.com', comment: 'false positive' });
});

test('bulk-approve several actions of one type', async ({ page, api }) => {
  await signIn(page);
  const group = groupOfOneType(await firstPendingPage(api), 3);
  expect(group, 'the demo data has three pending actions of one type on page 1').not.toBeNull();
  for (const a of group.actions) await checkboxOf(page, a.id).check();

  const bar = page.getByRole('region', { name: 'Selected actions' });
  await expect(bar).toContainText('3 selected');
  await bar.getByRole('button', { name: 'Approve', exact: true }).click();
  await bar.getByRole('textbox', { name: 'Comment' }).fill('bulk approval');
  await bar.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(page.getByRole('status')).toContainText('3 approved');

  for (const a of group.actions) {
    const stored = (await (await api()).get(`/actions/${a.id}`)).json;
    expect(stored.decision).toMatchObject({ state: 'approved', by: 'alice@example.com', comment: 'bulk approval' });
    await expect(checkboxOf(page, a.id)).toHaveCount(0);
  }
  // The selection is pruned once the rows leave the list.
  await expect(bar).toBeHidden();
});

test('a selection that mixes action types cannot be approved, and the pane says why', async ({ page, api }) => {
  await signIn(page);
  const items = await firstPendingPage(api);
  const first = items[0];
  const other = items.find((a) => a.actionType !== first.actionType);
  await checkboxOf(page, first.id).check();
  await checkboxOf(page, other.id).check();

  const bar = page.getByRole('region', { name: 'Selected actions' });
  await expect(bar.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled();
  await expect(bar.getByRole('button', { name: 'Reject', exact: true })).toBeDisabled();
  await expect(bar).toContainText('Select actions of the same action type');

  // Dropping the odd one out enables the buttons again.
  await checkboxOf(page, other.id).uncheck();
  await expect(bar.getByRole('button', { name: 'Approve', exact: true })).toBeEnabled();
});

test('a viewer is offered no Approve or Reject', async ({ page, api }) => {
  await signIn(page, TOKENS.viewer);
  const [action] = await firstPendingPage(api);
  const dialog = await openFlyout(page, action);
  await expect(dialog.getByRole('button', { name: 'Go hunt' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Reject', exact: true })).toHaveCount(0);
  await page.keyboard.press('Escape');

  await checkboxOf(page, action.id).check();
  const bar = page.getByRole('region', { name: 'Selected actions' });
  await expect(bar).toContainText('1 selected');
  await expect(bar.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
});

test('another analyst decides first: the row updates in place and the pane says who decided what', async ({ page, api }) => {
  await signIn(page);
  const [action] = await firstPendingPage(api);
  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('my comment');

  // Bob rejects it through the API while Alice is about to confirm.
  const bob = await api(TOKENS.analyst2);
  const raced = await bob.post('/decisions', {
    decision: 'reject', comment: 'bob was first', actions: [{ id: action.id }],
  });
  expect(raced.json.results[0].outcome).toBe('applied');

  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(dialog).toContainText('Already decided: bob@example.com rejected this action');
  await expect(page.getByRole('status')).toContainText('1 already decided by bob@example.com');
  await expect(dialog).toContainText('Rejected by bob@example.com');
  await expect(dialog).toContainText('bob was first');
  await expect(dialog.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);

  const stored = (await (await api()).get(`/actions/${action.id}`)).json;
  expect(stored.decision).toMatchObject({ state: 'rejected', by: 'bob@example.com' });
});

test('the flyout is a dialog: focus moves in, stays in, and Escape returns it to the row', async ({ page, api }) => {
  await signIn(page);
  const action = (await firstPendingPage(api))[2];
  const row = rowOf(page, action.id);
  await row.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('aria-modal', 'true');

  const focusInDialog = () => page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]'));
  expect(await focusInDialog()).toBe(true);
  for (let i = 0; i < 12; i += 1) {
    await page.keyboard.press('Tab');
    expect(await focusInDialog()).toBe(true);
  }
  for (let i = 0; i < 4; i += 1) {
    await page.keyboard.press('Shift+Tab');
    expect(await focusInDialog()).toBe(true);
  }

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(row).toBeFocused();
  // A checkbox click selects and does not open the flyout.
  await checkboxOf(page, action.id).check();
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('the tabs follow the WAI-ARIA pattern: arrows, Home and End', async ({ page }) => {
  await signIn(page);
  const pending = page.getByRole('tab', { name: /Pending/ });
  const history = page.getByRole('tab', { name: /History/ });
  const contained = page.getByRole('tab', { name: /^Contained/ });
  await expect(page.getByRole('tablist')).toBeVisible();
  await expect(page.getByRole('tabpanel')).toBeVisible();
  await pending.focus();
  await page.keyboard.press('ArrowRight');
  await expect(history).toBeFocused();
  await expect(history).toHaveAttribute('aria-selected', 'true');
  await expect(pending).toHaveAttribute('tabindex', '-1');
  await page.keyboard.press('ArrowRight');
  await expect(contained).toBeFocused();
  await expect(contained).toHaveAttribute('aria-selected', 'true');
  // The last tab wraps round to the first.
  await page.keyboard.press('ArrowRight');
  await expect(pending).toBeFocused();
  await page.keyboard.press('End');
  await expect(contained).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(pending).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(contained).toHaveAttribute('aria-selected', 'true');
});

test('pending rows show local time, relative age and the time left before they expire', async ({ page, api }) => {
  await signIn(page);
  const [action] = await firstPendingPage(api);
  const row = rowOf(page, action.id);
  await expect(row).toContainText(/expires in \d+ (min|h|d)/);
  await expect(row).toContainText(/(\d+ (min|h|d) ago|just now)/);
  await expect(row).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
});

test('sortable headers and paging ask the server for the right page', async ({ page }) => {
  await signIn(page);
  const header = page.getByRole('columnheader', { name: 'Action type' });
  await expect(header).toHaveAttribute('aria-sort', 'none');
  const sorted = page.waitForRequest((r) => r.url().includes('sort=actionType%3Aasc'));
  await header.getByRole('button').click();
  await sorted;
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');

  await page.getByRole('combobox', { name: 'Rows per page' }).selectOption('25');
  await expect(page.getByText(/Page 1 of \d+/)).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(26);
  await page.getByRole('button', { name: 'Next page' }).click();
  await expect(page.getByText(/Page 2 of \d+/)).toBeVisible();
  await expect(page.getByText(/26–\d+ of \d+/)).toBeVisible();
});

test('malformed API data shows an error with Retry, and Retry recovers', async ({ page, consoleGuard }) => {
  consoleGuard.allow(/status of 500/);
  await signIn(page);
  await expect(page.getByRole('table')).toBeVisible();

  // The next list request answers 200 with JSON that is not a page of actions.
  let broken = true;
  await page.route(isList, async (route) => {
    if (broken) {
      await route.fulfill({ status: 200, contentType: 'application/json', body: '{"items": [{"id": 5}], "total": "lots"}' });
    } else {
      await route.continue();
    }
  });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('cannot read');
  // The rest of the page keeps working.
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  broken = false;
  await alert.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('table')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);

  // A 5xx with an HTML body, then recovery.
  broken = true;
  await page.unroute(isList);
  await page.route(isList, (route) => (broken
    ? route.fulfill({ status: 500, contentType: 'text/html', body: '<h1>Internal Server Error</h1>' })
    : route.continue()));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('alert')).toContainText('500');
  broken = false;
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('table')).toBeVisible();
});

test('unknown enum values from the server render as "Unknown (value)"', async ({ page, api }) => {
  const [action] = await firstPendingPage(api);
  await page.route(isList, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.items = body.items.map((a) => (a.id === action.id
      ? { ...a, actionType: 'teleportDevice', source: 'quantumSensor', category: 'orbital' }
      : a));
    await route.fulfill({ response, json: body });
  });
  await signIn(page);
  const row = rowOf(page, action.id);
  await expect(row).toContainText('Unknown (teleportDevice)');
  await expect(row).toContainText('Unknown (quantumSensor)');
  await row.getByRole('cell').nth(2).click();
  const dialog = page.getByRole('dialog', { name: `Unknown (teleportDevice) on ${action.asset.name}` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Unknown (orbital)');
});

test('the network going down shows an error in the failing view only, and Retry recovers', async ({ page, api, consoleGuard }) => {
  consoleGuard.allow(/ERR_FAILED|ERR_INTERNET_DISCONNECTED|Failed to fetch/);
  await signIn(page);
  const [action] = await firstPendingPage(api);
  await page.route('**/api/v1/actions/*/timeline', (route) => route.abort('internetdisconnected'));
  const dialog = await openFlyout(page, action);
  await expect(dialog.getByRole('alert')).toContainText('Cannot reach the server');
  // The details still show; only the timeline failed.
  await expect(dialog).toContainText(action.id);
  await page.unroute('**/api/v1/actions/*/timeline');
  await dialog.getByRole('button', { name: 'Retry' }).click();
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await expect(dialog).toContainText('Created');
});

test('a signed-out or expired session returns to the sign-in form', async ({ page, consoleGuard }) => {
  consoleGuard.allow(/status of 401/);
  await page.goto('/');
  await page.getByRole('textbox', { name: 'Access token' }).fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('not accepted');

  await signIn(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  // A token the server stops accepting: the next call answers 401.
  await signIn(page);
  await page.route(isList, (route) => route.fulfill({
    status: 401, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthorized' }),
  }));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Your session has ended')).toBeVisible();
});

test('a decision that fails keeps the comment, says why, and can be sent again', async ({ page, api, consoleGuard }) => {
  consoleGuard.allow(/status of 503/);
  await signIn(page);
  const [action] = await firstPendingPage(api);
  const dialog = await openFlyout(page, action);
  let down = true;
  await page.route('**/api/v1/decisions', (route) => (down
    ? route.fulfill({ status: 503, contentType: 'text/plain', body: 'maintenance' })
    : route.continue()));
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('keep me');
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(dialog.getByRole('alert')).toContainText('503');
  await expect(dialog.getByRole('textbox', { name: 'Comment' })).toHaveValue('keep me');

  down = false;
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(page.getByRole('status')).toContainText('1 approved');
  const stored = (await (await api()).get(`/actions/${action.id}`)).json;
  expect(stored.decision).toMatchObject({ state: 'approved', comment: 'keep me' });
});
