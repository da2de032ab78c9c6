// Issue 6: the analyst's workflow at scale — filters with the server's counts, search, sort,
// columns, CSV export, deep links with Back / Forward, and live updates over Server-Sent Events.
const { test, expect, signIn, expectNoA11yViolations, TOKENS } = require('./fixtures');
const {
  TYPE_LABELS, checkboxOf, rowOf, showHistory, openFlyout, flyoutTitle,
} = require('./ui');

const isList = (url) => url.pathname.endsWith('/api/v1/actions');

/** The filter menu button of a dimension ("Action type", "Status", "Source", "Category"). */
function filterButton(page, label) {
  return page.getByRole('group', { name: 'Filters' }).getByRole('button', { name: new RegExp(`^${label}`) });
}

/** Opens a filter menu and returns its panel. */
async function openFilter(page, label) {
  await filterButton(page, label).click();
  const panel = page.getByRole('group', { name: label, exact: true });
  await expect(panel).toBeVisible();
  return panel;
}

/** The checkbox of one value in an open filter menu (its name is "<label> <count>"). */
function filterOption(panel, label) {
  return panel.getByRole('checkbox', { name: new RegExp(`^${label} \\d+$`) });
}

/** The count shown next to a value in an open filter menu. */
async function shownCount(panel, label) {
  const name = await filterOption(panel, label).evaluate((el) => el.closest('label').textContent);
  return Number(name.trim().match(/(\d+)$/)[1]);
}

function pager(page) {
  return page.getByRole('navigation', { name: 'Pagination' });
}

/** The ids of the rows the table shows, top to bottom. */
async function shownIds(page) {
  return page.locator('tr[data-action-id]').evaluateAll((rows) => rows.map((r) => r.dataset.actionId));
}

/** A new pending action, as a detector submits it. */
async function submitPending(api, name) {
  const integration = await api(TOKENS.integration);
  const res = await integration.post('/actions', {
    actionType: 'stopService', category: 'device', source: 'automatedInvestigation',
    asset: { kind: 'device', id: `dev_${name}`, name },
    entity: { kind: 'service', name: 'EvilSvc', serviceName: 'EvilSvc' },
    investigationId: 'inv_live_1', requiresApproval: true,
  }, { 'Idempotency-Key': `e2e-${name}-${Date.now()}` });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

/** Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('filters narrow the table, and the counts they show agree with the server', async ({ page, api }) => {
  await signIn(page);
  const analyst = await api();
  const facets = (await analyst.get('/actions/facets?view=pending')).json;
  const [type] = Object.entries(facets.actionType).sort((a, b) => b[1] - a[1])[0];
  const label = TYPE_LABELS[type];

  const types = await openFilter(page, 'Action type');
  await expect.poll(() => shownCount(types, label)).toBe(facets.actionType[type]);
  await filterOption(types, label).check();
  await expect(page).toHaveURL(new RegExp(`actionType=${type}`));

  const narrowed = (await analyst.get(`/actions?view=pending&actionType=${type}&pageSize=50`)).json;
  await expect(pager(page)).toContainText(`of ${narrowed.total}`);
  await expect.poll(() => shownIds(page)).toEqual(narrowed.items.map((a) => a.id));
  await expect(filterButton(page, 'Action type')).toHaveAccessibleName(/Action type \(1\)/);
  await page.keyboard.press('Escape');
  await expect(types).toBeHidden();

  // Another menu counts with the type filter applied (every filter but its own).
  const withType = (await analyst.get(`/actions/facets?view=pending&actionType=${type}`)).json;
  const sources = await openFilter(page, 'Source');
  const [source, sourceCount] = Object.entries(withType.source).sort((a, b) => b[1] - a[1])[0];
  const sourceLabels = {
    automatedInvestigation: 'Automated investigation', antivirus: 'Antivirus', manual: 'Manual',
    advancedHunting: 'Advanced hunting', liveResponse: 'Live response',
  };
  await expect.poll(() => shownCount(sources, sourceLabels[source])).toBe(sourceCount);
  await filterOption(sources, sourceLabels[source]).check();
  await expect(pager(page)).toContainText(`of ${sourceCount}`);
  await page.keyboard.press('Escape');

  // The time range narrows too (a preset is relative to now; demo data spans weeks).
  await page.getByRole('combobox', { name: 'Time range' }).selectOption({ label: 'Past day' });
  await expect(page).toHaveURL(/range=1d/);
  const since = new Date(Date.now() - 24 * 3600 * 1000);
  const recent = (await analyst.list(`view=pending&actionType=${type}&source=${source}`)).items
    .filter((a) => new Date(a.createdAt) >= since);
  await expect(pager(page)).toContainText(recent.length ? `of ${recent.length}` : 'No rows');

  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await expect(pager(page)).toContainText(`of ${facets.total}`);
  await expect(page).not.toHaveURL(/actionType|source=|range=/);
});

test('an empty result says what to do, and Clear filters brings the rows back', async ({ page }) => {
  await signIn(page);
  const search = page.getByRole('textbox', { name: 'Search' });
  await search.fill('zz-no-such-asset-anywhere');
  await expect(page.getByText('No actions match these filters')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).last().click();
  await expect(search).toHaveValue('');
  await expect(page.locator('tr[data-action-id]').first()).toBeVisible();
});

test('Search waits for typing to settle and only the latest answer is shown', async ({ page, api }) => {
  await signIn(page);
  const [target] = (await (await api()).get('/actions?view=pending&pageSize=1')).json.items;
  const searches = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (isList(url) && url.searchParams.get('q')) searches.push(url.searchParams.get('q'));
  });
  // Slow down the first answers so that they arrive after later ones.
  await page.route('**/api/v1/actions?*', async (route) => {
    const q = new URL(route.request().url()).searchParams.get('q') || '';
    if (q && q.length < target.asset.name.length) await new Promise((r) => setTimeout(r, 1200));
    await route.continue();
  });
  const search = page.getByRole('textbox', { name: 'Search' });
  await search.pressSequentially(target.asset.name.slice(0, 3), { delay: 40 });
  await page.waitForTimeout(400);
  await search.pressSequentially(target.asset.name.slice(3), { delay: 40 });
  await expect(rowOf(page, target.id)).toBeVisible();
  // One request per pause, not per keystroke.
  expect(searches.length).toBeLessThanOrEqual(3);
  // The slow, stale answer for the prefix must not replace the latest one.
  await page.waitForTimeout(1500);
  const rows = await shownIds(page);
  const latest = (await (await api()).get(`/actions?view=pending&pageSize=50&q=${encodeURIComponent(target.asset.name)}`)).json;
  expect(rows).toEqual(latest.items.map((a) => a.id));
});

test('sortable headers sort on the server and the sort is in the URL', async ({ page, api }) => {
  await signIn(page);
  await page.getByRole('button', { name: 'Asset', exact: true }).click();
  await expect(page).toHaveURL(/sort=asset%3Aasc|sort=asset:asc/);
  const sorted = (await (await api()).get('/actions?view=pending&sort=asset:asc&pageSize=50')).json;
  await expect.poll(() => shownIds(page)).toEqual(sorted.items.map((a) => a.id));
  await expect(page.getByRole('columnheader', { name: /Asset/ })).toHaveAttribute('aria-sort', 'ascending');
});

test('a deep link reopens the same view and flyout in a new page', async ({ page, api, context, consoleGuard }) => {
  await signIn(page);
  await showHistory(page);
  const analyst = await api();
  const history = (await analyst.get('/actions/facets?view=history')).json;
  const [type] = Object.entries(history.actionType).sort((a, b) => b[1] - a[1])[0];
  const types = await openFilter(page, 'Action type');
  await filterOption(types, TYPE_LABELS[type]).check();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Asset', exact: true }).click();
  await page.getByRole('combobox', { name: 'Rows per page' }).selectOption('25');
  const expected = (await analyst.get(`/actions?view=history&actionType=${type}&sort=asset:asc&pageSize=25`)).json;
  await expect.poll(() => shownIds(page)).toEqual(expected.items.map((a) => a.id));
  const action = expected.items[2];
  await openFlyout(page, action);
  const link = page.url();
  expect(link).toContain('tab=history');
  expect(link).toContain(`open=${action.id}`);

  const second = await context.newPage();
  second.on('pageerror', (err) => consoleGuard.problems.push(`page error: ${err.message}`));
  second.on('console', (msg) => {
    if (msg.type() === 'error') consoleGuard.problems.push(`console.error: ${msg.text()}`);
  });
  await second.goto(link);
  // A new tab has its own session: sign in, and the link's view is still there.
  await second.getByRole('textbox', { name: 'Access token' }).fill(TOKENS.analyst);
  await second.getByRole('button', { name: 'Sign in' }).click();
  await expect(second.getByRole('dialog', { name: flyoutTitle(action) })).toBeVisible();
  await second.keyboard.press('Escape');
  await expect(second.getByRole('tab', { name: /History/ })).toHaveAttribute('aria-selected', 'true');
  await expect(filterButton(second, 'Action type')).toHaveAccessibleName(/\(1\)/);
  await expect(second.getByRole('columnheader', { name: /Asset/ })).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(() => shownIds(second)).toEqual(expected.items.map((a) => a.id));
  await second.close();
});

test('Back and Forward step through tabs, filters and the flyout', async ({ page, api }) => {
  await signIn(page);
  const [first] = (await (await api()).get('/actions?view=pending&pageSize=1')).json.items;
  await expect(checkboxOf(page, first.id)).toBeVisible();
  await page.evaluate(() => { window.__sameDocument = true; });

  await openFlyout(page, first);
  await expect(page).toHaveURL(new RegExp(`open=${first.id}`));
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await showHistory(page);
  await expect(page).toHaveURL(/tab=history/);

  await page.goBack();
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.goBack();
  await expect(page.getByRole('dialog', { name: flyoutTitle(first) })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.goForward();
  await expect(page.getByRole('dialog', { name: flyoutTitle(first) })).toBeVisible();
  await page.goForward();
  await page.goForward();
  await expect(page.getByRole('tab', { name: /History/ })).toHaveAttribute('aria-selected', 'true');
  // All of it without reloading the page.
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
});

test('a new action posted through the API appears without reload; changed rows update in place', async ({ page, api }) => {
  await signIn(page);
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  const [kept, other] = (await (await api()).get('/actions?view=pending&pageSize=2')).json.items;
  await checkboxOf(page, kept.id).check();
  await page.evaluate(() => { window.__sameDocument = true; });

  const posted = await submitPending(api, 'LIVE-HOST-01');
  await expect(checkboxOf(page, posted.id)).toBeVisible({ timeout: 2_000 });
  await expect(checkboxOf(page, kept.id)).toBeChecked();

  // Another analyst rejects a row that is open here: the row leaves, the flyout says so.
  const dialog = await openFlyout(page, other);
  const bob = await api(TOKENS.analyst2);
  const res = await bob.post('/decisions', {
    decision: 'reject', comment: 'dup', actions: [{ id: other.id }],
  }, { 'Idempotency-Key': `e2e-reject-${Date.now()}` });
  expect(res.status).toBe(200);
  await expect(dialog).toContainText('Changed while open: Pending → Rejected by bob@example.com', { timeout: 2_000 });
  await page.keyboard.press('Escape');
  await expect(checkboxOf(page, other.id)).toHaveCount(0);
  await expect(checkboxOf(page, kept.id)).toBeChecked();
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
});

test('a changed history row updates in place; the other rows are left alone', async ({ page, api }) => {
  await signIn(page);
  await showHistory(page);
  // Another analyst asks for an undo: that row changes where it is, without a reload.
  const bob = await api(TOKENS.analyst2);
  const undoable = (await bob.list('view=history&status=completed')).items
    .find((a) => a.allowedOperations.includes('undo'));
  // Mark the rows only once the search's own answer is on screen (the row may be on the first
  // page before it, and the search's rows then replace every row).
  // (The other tabs are counted with a one-row request of their own: not that one.)
  const searched = page.waitForResponse((r) => {
    const url = new URL(r.url());
    return url.pathname.endsWith('/api/v1/actions') && url.searchParams.has('q')
      && url.searchParams.get('pageSize') !== '1';
  });
  await page.getByRole('textbox', { name: 'Search' }).fill(undoable.investigationId || undoable.asset.name);
  const shown = (await (await searched).json()).items.length;
  await expect(page.locator('tr[data-action-id]')).toHaveCount(shown);
  const changed = page.locator(`tr[data-action-id="${undoable.id}"]`);
  await expect(changed).toBeVisible();
  const others = page.locator(`tr[data-action-id]:not([data-action-id="${undoable.id}"])`);
  await others.evaluateAll((rows) => rows.forEach((r) => { r.dataset.marker = 'kept'; }));
  const otherCount = await others.count();
  await page.evaluate(() => { window.__sameDocument = true; });

  const res = await bob.post('/undo', { actions: [{ id: undoable.id }] }, { 'Idempotency-Key': `e2e-undo-${Date.now()}` });
  expect(res.status).toBe(200);
  await expect(changed).toContainText(/Undoing|Undone/, { timeout: 2_000 });
  // Rows are keyed by id and version: only the changed one was rendered again.
  await expect(page.locator('tr[data-action-id][data-marker="kept"]')).toHaveCount(otherCount);
  expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
});

test('Export downloads the rows of the current filter as CSV', async ({ page, api }) => {
  await signIn(page);
  await showHistory(page);
  const analyst = await api();
  const facets = (await analyst.get('/actions/facets?view=history')).json;
  const [type] = Object.entries(facets.actionType).sort((a, b) => b[1] - a[1])[0];
  const types = await openFilter(page, 'Action type');
  await filterOption(types, TYPE_LABELS[type]).check();
  await page.keyboard.press('Escape');
  const expected = await analyst.list(`view=history&actionType=${type}`);
  await expect(pager(page)).toContainText(`of ${expected.total}`);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^actions-.*\.csv$/);
  const text = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'));
  const [header, ...rows] = parseCsv(text).filter((r) => r.length > 1);
  const idAt = header.indexOf('id');
  const typeAt = header.indexOf('actionType');
  expect(rows).toHaveLength(expected.total);
  expect(new Set(rows.map((r) => r[typeAt]))).toEqual(new Set([type]));
  expect(new Set(rows.map((r) => r[idAt]))).toEqual(new Set(expected.items.map((a) => a.id)));
});

test('columns can be hidden and reordered, and the browser remembers them', async ({ page }) => {
  await signIn(page);
  await page.getByRole('button', { name: 'Columns' }).click();
  const panel = page.getByRole('group', { name: 'Columns' });
  await panel.getByRole('checkbox', { name: 'Source' }).uncheck();
  await panel.getByRole('checkbox', { name: 'Action id' }).check();
  await panel.getByRole('button', { name: 'Move Action id up' }).click();
  await page.keyboard.press('Escape');
  const headers = () => page.getByRole('columnheader').allInnerTexts();
  await expect.poll(async () => (await headers()).map((h) => h.replace(/[▲▼]/g, '').trim()).filter(Boolean))
    .toEqual(['Action type', 'Asset', 'Entity', 'Decision', 'Created', 'Action id', 'Investigation']);
  await page.reload();
  await expect(page.getByRole('columnheader', { name: /Action id/ })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: /^Source/ })).toHaveCount(0);
  // History keeps its own columns.
  await showHistory(page);
  await expect(page.getByRole('columnheader', { name: /^Source/ })).toBeVisible();
});

test('keyboard: j and k move between rows, o opens; typing in Search is left alone', async ({ page, api }) => {
  await signIn(page);
  const items = (await (await api()).get('/actions?view=pending&pageSize=3')).json.items;
  await expect(checkboxOf(page, items[2].id)).toBeVisible();
  await page.locator('body').press('j');
  await expect(rowOf(page, items[0].id)).toBeFocused();
  await page.keyboard.press('j');
  await page.keyboard.press('ArrowDown');
  await expect(rowOf(page, items[2].id)).toBeFocused();
  await page.keyboard.press('k');
  await expect(rowOf(page, items[1].id)).toBeFocused();
  await page.keyboard.press('o');
  await expect(page.getByRole('dialog', { name: flyoutTitle(items[1]) })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(rowOf(page, items[1].id)).toBeFocused();

  await page.keyboard.press('/');
  const search = page.getByRole('textbox', { name: 'Search' });
  await expect(search).toBeFocused();
  await page.keyboard.type('jko');
  await expect(search).toHaveValue('jko');
});

test('live updates off shows a retry, and the filter controls pass axe', async ({ page, consoleGuard }) => {
  consoleGuard.allow(/events|ERR_|Failed to load resource/);
  await page.route('**/api/v1/events*', (route) => route.abort());
  await signIn(page);
  await expect(page.getByText('Live updates off')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Retry live updates' })).toBeVisible();
  await page.unroute('**/api/v1/events*');
  await page.getByRole('button', { name: 'Retry live updates' }).click();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();

  await openFilter(page, 'Action type');
  await expectNoA11yViolations(page);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Columns' }).click();
  await expectNoA11yViolations(page);
});
