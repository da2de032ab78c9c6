// Issue 11: what the app asks the server, and when. The flyout opens from the row it already
// has (no second fetch of the action, no "Loading the action…"), asks for the timeline and the
// related instances once each, in parallel, and builds only the controls the action allows; a
// sort, a page size or a tab switch asks for one list (the other tab's count only when it can
// have changed).
const { test, expect, signIn } = require('./fixtures');
const { checkboxOf, rowOf, searchFor, showHistory, openFlyout } = require('./ui');

/** Records the API requests the page sends, by path (and query). */
function recordRequests(page) {
  const seen = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/v1/') && url.pathname !== '/api/v1/events') {
      seen.push({ path: url.pathname, query: url.searchParams, at: Date.now() });
    }
  });
  return {
    all: () => seen.slice(),
    clear: () => seen.splice(0, seen.length),
    lists: () => seen.filter((r) => r.path === '/api/v1/actions'),
    counts: () => seen.filter((r) => r.path === '/api/v1/actions' && r.query.get('pageSize') === '1'),
    pages: () => seen.filter((r) => r.path === '/api/v1/actions' && r.query.get('pageSize') !== '1'),
  };
}

/** Gives the page time to send whatever a step makes it send (the live stream never ends, so
 * "network idle" is no signal here). */
async function settle(page) {
  await page.waitForTimeout(700);
}

test('the flyout opens from the row at once and loads timeline and related instances once each', async ({ page, api }) => {
  await signIn(page);
  const quarantines = (await (await api()).get('/actions?view=history&actionType=quarantineFile&status=completed&pageSize=50')).json.items;
  let action = null;
  for (const q of quarantines) {
    const r = (await (await api()).get(`/actions/${q.id}/related-instances`)).json;
    if (r.count >= 1) { action = q; break; }
  }
  expect(action, 'a completed quarantine with another instance').not.toBeNull();
  await showHistory(page);
  await searchFor(page, action.id);
  await settle(page);

  const requests = recordRequests(page);
  const loading = [];
  await page.exposeFunction('__sawLoading', (text) => loading.push(text));
  await page.evaluate(() => {
    new MutationObserver(() => {
      const dialog = document.querySelector('[role="dialog"]');
      if (dialog && dialog.textContent.includes('Loading the action')) window.__sawLoading('loading');
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const dialog = await openFlyout(page, action);
  await expect(dialog.getByRole('button', { name: 'Undo', exact: true })).toBeVisible();
  await expect(dialog.getByRole('checkbox', { name: /Apply to \d+ more instances? of this file/ })).toBeVisible();
  await expect(dialog.locator('.ac-timeline__item').first()).not.toContainText('Loading');
  await settle(page);

  const paths = requests.all().map((r) => r.path);
  const base = `/api/v1/actions/${action.id}`;
  expect(paths.filter((p) => p === base), 'the action is not fetched again').toHaveLength(0);
  expect(paths.filter((p) => p === `${base}/timeline`)).toHaveLength(1);
  expect(paths.filter((p) => p === `${base}/related-instances`)).toHaveLength(1);
  // In parallel: the second starts before the first could have come back and been read.
  const [t, r] = [`${base}/timeline`, `${base}/related-instances`].map((p) => requests.all().find((x) => x.path === p).at);
  expect(Math.abs(t - r)).toBeLessThan(50);
  expect(loading).toHaveLength(0);

  // Only the controls the action allows: Undo, no Approve or Reject, and no hidden decide panel.
  await expect(dialog.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
  expect(await dialog.locator('.ac-panel').count()).toBe(1);
  // No empty band above the buttons: the first section starts right under the header.
  const gap = await dialog.evaluate((d) => {
    const body = d.querySelector('.ac-flyout__body').getBoundingClientRect();
    const first = d.querySelector('section[aria-label="Actions"]').getBoundingClientRect();
    const padding = parseFloat(getComputedStyle(d.querySelector('.ac-flyout__body')).paddingTop);
    return first.top - body.top - padding;
  });
  expect(gap).toBeLessThan(2);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(rowOf(page, action.id)).toBeFocused();
});

test('a link to an action that is not on the page fetches it', async ({ page, api }) => {
  const [action] = (await (await api()).get('/actions?view=history&pageSize=1&sort=createdAt:asc')).json.items;
  await signIn(page);
  const requests = recordRequests(page);
  await page.goto(`/?open=${encodeURIComponent(action.id)}`);
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(action.id);
  expect(requests.all().filter((r) => r.path === `/api/v1/actions/${action.id}`).length).toBeGreaterThanOrEqual(1);
});

test('sort, page size and tab switches ask for one list each; the other tab is counted only when it can have changed', async ({ page }) => {
  await signIn(page);
  await expect(page.getByRole('tab', { name: /History \d/ })).toBeVisible();
  await settle(page);
  const requests = recordRequests(page);

  await page.getByRole('button', { name: /^Asset/ }).click();
  await expect(page.getByRole('columnheader', { name: /Asset/ })).toHaveAttribute('aria-sort', 'ascending');
  await settle(page);
  expect(requests.pages(), 'a sort asks for one page').toHaveLength(1);
  expect(requests.counts(), 'a sort does not count the other tab again').toHaveLength(0);

  requests.clear();
  await page.getByRole('combobox', { name: /Rows per page/ }).selectOption('200');
  await settle(page);
  expect(requests.pages()).toHaveLength(1);
  expect(requests.pages()[0].query.get('pageSize')).toBe('200');
  expect(requests.counts()).toHaveLength(0);

  requests.clear();
  await showHistory(page);
  await settle(page);
  expect(requests.pages(), 'a tab switch asks for one page').toHaveLength(1);
  expect(requests.counts(), "Pending's count is the total the app just had").toHaveLength(0);
  await expect(page.getByRole('tab', { name: /Pending \d/ })).toBeVisible();

  requests.clear();
  const box = page.getByRole('textbox', { name: 'Search' });
  await box.fill('LAPTOP');
  await expect(page).toHaveURL(/q=LAPTOP/);
  await settle(page);
  expect(requests.pages(), 'a search asks for one page').toHaveLength(1);
  expect(requests.counts(), 'and, since the search narrows every tab, one count for each other tab').toHaveLength(2);
});

test('select all and clear wake only the rows that change', async ({ page }) => {
  await signIn(page);
  const first = page.getByRole('row').nth(1);
  await expect(first).toBeVisible();
  await page.getByRole('checkbox', { name: 'Select all' }).check();
  const boxes = page.locator('tbody input[type="checkbox"]');
  const n = await boxes.count();
  expect(n).toBeGreaterThan(10);
  await expect(page.locator('tbody input[type="checkbox"]:checked')).toHaveCount(n);
  await expect(page.locator('tr.ac-row--selected')).toHaveCount(n);
  const id = await first.getAttribute('data-action-id');
  await checkboxOf(page, id).uncheck();
  await expect(page.locator('tr.ac-row--selected')).toHaveCount(n - 1);
  await expect(page.getByRole('checkbox', { name: 'Select all' })).toHaveJSProperty('indeterminate', true);
  await page.getByRole('button', { name: 'Clear selection' }).click();
  await expect(page.locator('tr.ac-row--selected')).toHaveCount(0);
});
