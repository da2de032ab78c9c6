// Issue 10: fault injection. For every kind of call the app makes, the answer is replaced (in the
// browser, by page.route) with each fault below. Each time: a clear message in the failing view
// only, Retry works, what the analyst typed or picked is kept, the rest of the page keeps working,
// and nothing panics.
const { test, expect, signIn, TOKENS } = require('./fixtures');
const {
  UNDOABLE, checkboxOf, rowOf, searchFor, showHistory, openFlyout, flyoutTitle,
} = require('./ui');

const problem = (status, code, detail) => ({
  status,
  contentType: 'application/problem+json',
  body: JSON.stringify({ type: 'about:blank', title: `Injected ${status}`, status, code, detail }),
});

/** The faults, each with what the failing view must say. */
const FAULTS = [
  { name: '500 problem+json', says: /Injected server failure/, reply: problem(500, 'internal', 'Injected server failure') },
  { name: '502 HTML page', says: /502/, reply: { status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>' } },
  { name: '403', says: /Injected: not allowed/, reply: problem(403, 'forbidden', 'Injected: not allowed') },
  { name: '409', says: /Injected conflict/, reply: problem(409, 'invalidState', 'Injected conflict') },
  { name: '412', says: /Injected version mismatch/, reply: problem(412, 'versionMismatch', 'Injected version mismatch') },
  {
    name: '429 with Retry-After', says: /Injected rate limit/, busy: true,
    reply: { ...problem(429, 'rateLimited', 'Injected rate limit'), headers: { 'Retry-After': '1' } },
  },
  { name: 'network abort', says: /Cannot reach the server/, abort: true },
  { name: 'truncated JSON', says: /cannot read/, ok: true, reply: { status: 200, contentType: 'application/json', body: '{"items": [{"id": "act_01", "actionTy' } },
  {
    name: 'wrong types', says: /cannot read/, ok: true,
    reply: { status: 200, contentType: 'application/json', body: '{"items": "many", "total": "lots", "id": 7, "results": {}, "items2": [], "count": "x", "displayName": [], "roles": 3, "sha256": false}' },
  },
  {
    name: '20 MB body', says: /too large/, ok: true,
    reply: { status: 200, contentType: 'application/json', body: `{"pad":"${'x'.repeat(20 * 1024 * 1024)}"}` },
  },
];

/** Replaces answers to `matches(url, request)` with `state.fault` while one is set. */
async function injectFaults(page, matches) {
  const state = { fault: null, hits: 0, delayMs: 0, rewrite: null };
  await page.route(() => true, async (route) => {
    const request = route.request();
    if (!matches(new URL(request.url()), request)) return route.fallback();
    if (state.delayMs) {
      state.hits += 1;
      await new Promise((r) => setTimeout(r, state.delayMs));
      return route.fallback();
    }
    // Read once: the test may clear `rewrite` while this request is in flight.
    const rewrite = state.rewrite;
    if (rewrite) {
      state.hits += 1;
      const response = await route.fetch();
      const json = rewrite(await response.json());
      return route.fulfill({ response, body: JSON.stringify(json) });
    }
    if (!state.fault) return route.fallback();
    state.hits += 1;
    if (state.fault.abort) return route.abort('failed');
    return route.fulfill(state.fault.reply);
  });
  return state;
}

/** Unknown enum values and fields a newer server might send, everywhere in a document. */
function fromTheFuture(value) {
  if (Array.isArray(value)) return value.map(fromTheFuture);
  if (value && typeof value === 'object') {
    const out = { futureField: { nested: [1, 'two'] } };
    for (const [k, v] of Object.entries(value)) {
      if (k === 'source' && typeof v === 'string') out[k] = 'quantumSensor';
      else if (k === 'category' && typeof v === 'string') out[k] = 'satellite';
      else if (k === 'kind' && typeof v === 'string' && v !== 'device' && v !== 'file') out[k] = 'hologram';
      else out[k] = fromTheFuture(v);
    }
    return out;
  }
  return value;
}

/**
 * Runs every fault against one kind of call. `kind.trigger(page)` makes the call happen;
 * `kind.failing(page)` is the failing view's alert; `kind.retry(page)` makes the call again the
 * way the analyst would; `kind.works(page)` checks the view shows real data; `kind.kept(page)`
 * (optional) checks the analyst's input survived; `kind.elsewhere(page)` (optional) uses another
 * part of the page while this one has failed.
 */
async function everyFault(page, state, kind, faults = FAULTS) {
  const tried = [];
  for (const fault of faults) {
    await test.step(fault.name, async () => {
      if (kind.before) await kind.before(page);
      state.fault = fault;
      state.hits = 0;
      await kind.trigger(page);
      if (fault.busy) {
        await expect(page.locator('.ac-busy[aria-live=polite]')).toContainText('The server is busy. Trying again in 1 s');
      }
      const alert = kind.failing(page);
      await expect(alert).toBeVisible({ timeout: 15_000 });
      await expect(alert).toContainText(fault.says);
      if (fault.busy) expect(state.hits, 'the call was tried again after waiting').toBeGreaterThan(1);
      if (kind.kept) await kind.kept(page);
      if (kind.elsewhere) await kind.elsewhere(page);
      state.fault = null;
      await kind.retry(page);
      await expect(alert).toBeHidden();
      await kind.works(page);
      await expect(page.locator('.ac-fatal')).toHaveCount(0);
      tried.push(fault.name);
    });
  }
  await test.step('a 10 s delay', async () => {
    if (kind.before) await kind.before(page);
    state.delayMs = 10_000;
    state.hits = 0;
    await kind.trigger(page);
    await expect.poll(() => state.hits).toBeGreaterThan(0);
    if (kind.elsewhere) await kind.elsewhere(page);
    await kind.works(page, { timeout: 20_000 });
    state.delayMs = 0;
    tried.push('10 s delay');
  });
  if (kind.future !== false) {
    await test.step('unknown enum values and extra fields', async () => {
      if (kind.before) await kind.before(page);
      state.rewrite = kind.future || fromTheFuture;
      await kind.trigger(page);
      await kind.works(page);
      await expect(kind.failing(page)).toBeHidden();
      state.rewrite = null;
      tried.push('unknown enums and extra fields');
    });
  }
  console.log(`${kind.name}: ${tried.length} faults tried (${tried.join(', ')})`);
  await expect(page.locator('.ac-fatal')).toHaveCount(0);
}

const apiPath = (url) => url.pathname.replace(/^\/api\/v1/, '');
const table = (page) => page.getByRole('table');
const mainAlert = (page, title) => page.getByRole('alert').filter({ hasText: title });

test.beforeEach(({ consoleGuard }) => {
  // Chromium logs every failed request it made ("Failed to load resource: … status of 500"):
  // here they are the point. Panics are not allowed (they say "panicked").
  consoleGuard.allow(/Failed to load resource|net::ERR_FAILED/);
});

test.describe.configure({ timeout: 240_000 });

test('me: "Could not sign in" with Retry', async ({ page }) => {
  await signIn(page);
  const state = await injectFaults(page, (url) => apiPath(url) === '/me');
  await everyFault(page, state, {
    name: 'me',
    trigger: (p) => p.reload(),
    failing: (p) => mainAlert(p, 'Could not sign in'),
    retry: (p) => mainAlert(p, 'Could not sign in').getByRole('button', { name: 'Retry' }).click(),
    works: (p, o) => expect(p.getByRole('tab', { name: /Pending/ })).toBeVisible(o),
  });
});

test('list: the table says what failed, the filters and tabs keep working', async ({ page }) => {
  await signIn(page);
  await expect(table(page)).toBeVisible();
  const state = await injectFaults(page, (url) => apiPath(url) === '/actions');
  const search = page.getByRole('textbox', { name: 'Search' });
  const ids = await page.locator('tr[data-action-id]').evaluateAll((rows) => rows.map((r) => r.dataset.actionId));
  let n = 0;
  let current = null;
  await everyFault(page, state, {
    name: 'list',
    // A search the analyst typed (and ran) before the failure: it must survive it.
    before: async (p) => {
      state.fault = null;
      current = ids[n % ids.length];
      n += 1;
      await searchFor(p, current);
    },
    trigger: (p) => p.getByRole('button', { name: 'Refresh' }).click(),
    failing: (p) => mainAlert(p, 'Could not load the actions'),
    kept: () => expect(search).toHaveValue(current),
    elsewhere: async (p) => {
      // The filter menus (their own call) still open.
      await p.getByRole('group', { name: 'Filters' }).getByRole('button', { name: /^Source/ }).click();
      await expect(p.getByRole('group', { name: 'Source', exact: true })).toBeVisible();
      await p.keyboard.press('Escape');
    },
    retry: (p) => mainAlert(p, 'Could not load the actions').getByRole('button', { name: 'Retry' }).click(),
    works: (p, o) => expect(rowOf(p, current)).toBeVisible(o),
  });
});

test('facets: the filter counts say what failed, the table keeps working', async ({ page }) => {
  await signIn(page);
  await expect(table(page)).toBeVisible();
  const state = await injectFaults(page, (url) => apiPath(url) === '/actions/facets');
  const counted = (p) => p.getByRole('group', { name: 'Source', exact: true })
    .getByRole('checkbox', { name: /\d+$/ }).first();
  await everyFault(page, state, {
    name: 'facets',
    trigger: (p) => p.getByRole('button', { name: 'Refresh' }).click(),
    failing: (p) => mainAlert(p, 'Could not load the filter counts'),
    elsewhere: (p) => expect(p.locator('tr[data-action-id]').first()).toBeVisible(),
    retry: (p) => mainAlert(p, 'Could not load the filter counts').getByRole('button', { name: 'Retry' }).click(),
    works: async (p, o) => {
      await p.getByRole('group', { name: 'Filters' }).getByRole('button', { name: /^Source/ }).click();
      await expect(counted(p)).toBeVisible(o);
      await p.keyboard.press('Escape');
    },
    // Counts are maps of value → number: a newer server adds values and top-level fields.
    future: (facets) => {
      for (const counts of Object.values(facets)) {
        if (counts && typeof counts === 'object') counts.quantumSensor = 3;
      }
      return { ...facets, futureFacet: { a: 1 } };
    },
  });
});

test('one action, its timeline and its other instances: the flyout says what failed', async ({ page, api }) => {
  const analyst = await api();
  const quarantines = (await analyst.get('/actions?view=history&actionType=quarantineFile&status=completed&pageSize=50')).json.items;
  let action = null;
  for (const q of quarantines) {
    if ((await analyst.get(`/actions/${q.id}/related-instances`)).json.count >= 1) { action = q; break; }
  }
  expect(action, 'a completed quarantine with other instances').not.toBeNull();
  await signIn(page);
  await showHistory(page);
  await searchFor(page, action.id);
  const dialog = () => page.getByRole('dialog', { name: flyoutTitle(action) });
  const open = async (p) => {
    if (await dialog().isVisible()) {
      await p.keyboard.press('Escape');
      await expect(dialog()).toBeHidden();
    }
    await rowOf(p, action.id).getByRole('cell').nth(2).click();
  };

  for (const [name, path, title, works] of [
    ['timeline', `/actions/${action.id}/timeline`, 'Could not load the timeline',
      (p, o) => expect(dialog().getByText('created', { exact: false }).first()).toBeVisible(o)],
    ['related instances', `/actions/${action.id}/related-instances`, 'Could not load other instances of this file',
      (p, o) => expect(dialog().getByRole('checkbox', { name: /^Apply to \d+ more instances? of this file$/ })).toBeVisible(o)],
  ]) {
    const state = await injectFaults(page, (url) => apiPath(url) === path);
    await everyFault(page, state, {
      name,
      trigger: open,
      failing: () => dialog().getByRole('alert').filter({ hasText: title }),
      // The rest of the flyout is there: its title and Undo.
      elsewhere: () => expect(dialog().getByRole('button', { name: 'Undo', exact: true })).toBeVisible(),
      retry: () => dialog().getByRole('alert').filter({ hasText: title }).getByRole('button', { name: 'Retry' }).click(),
      works,
    });
    await page.unrouteAll({ behavior: 'wait' });
  }

  // One action alone: a deep link to an action that is not on the page has nothing else to show.
  await page.keyboard.press('Escape');
  const state = await injectFaults(page, (url) => apiPath(url) === `/actions/${action.id}`);
  const failing = () => page.getByRole('dialog').getByRole('alert').filter({ hasText: 'Could not load this action' });
  await everyFault(page, state, {
    name: 'one action',
    trigger: async (p) => {
      await p.goto(`/?open=${action.id}&view=pending`);
    },
    failing,
    retry: () => failing().getByRole('button', { name: 'Retry' }).click(),
    works: (p, o) => expect(dialog()).toBeVisible(o),
  });
});

test('decisions: the comment is kept and Confirm tries again', async ({ page, api }) => {
  const pending = (await (await api()).get('/actions?view=pending&pageSize=50')).json.items;
  await signIn(page);
  const state = await injectFaults(page, (url, r) => apiPath(url) === '/decisions' && r.method() === 'POST');
  let current = null;
  let n = 0;
  const dialog = () => page.getByRole('dialog', { name: flyoutTitle(current) });
  await everyFault(page, state, {
    name: 'decisions',
    before: async (p) => {
      current = pending[n];
      n += 1;
      await searchFor(p, current.id);
      await openFlyout(p, current);
      await dialog().getByRole('button', { name: 'Approve', exact: true }).click();
      await dialog().getByRole('textbox', { name: 'Comment' }).fill(`checked ${current.id}`);
    },
    trigger: () => dialog().getByRole('button', { name: 'Confirm approve' }).click(),
    failing: () => dialog().locator('.ac-alert[role=alert]:not([hidden])'),
    kept: () => expect(dialog().getByRole('textbox', { name: 'Comment' })).toHaveValue(`checked ${current.id}`),
    // The rest of the flyout stays: the action's details and its close button.
    elsewhere: async () => {
      await expect(dialog()).toContainText(current.id);
      await expect(dialog().getByRole('button', { name: /Close/ })).toBeEnabled();
    },
    retry: () => dialog().getByRole('button', { name: 'Confirm approve' }).click(),
    works: async (p, o) => {
      await expect(dialog().getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0, o);
      await p.keyboard.press('Escape');
    },
    future: false,
  });
});

test('undo: the comment and "Apply to" are kept and Confirm tries again', async ({ page, api }) => {
  const analyst = await api();
  const history = (await analyst.get('/actions?view=history&status=completed&pageSize=200')).json.items
    .filter((a) => UNDOABLE.includes(a.actionType) && !a.asset.name.includes('OFFLINE'));
  expect(history.length).toBeGreaterThan(12);
  await signIn(page);
  await showHistory(page);
  const state = await injectFaults(page, (url, r) => apiPath(url) === '/undo' && r.method() === 'POST');
  let current = null;
  let n = 0;
  const dialog = () => page.getByRole('dialog', { name: flyoutTitle(current) });
  await everyFault(page, state, {
    name: 'undo',
    before: async (p) => {
      current = history[n];
      n += 1;
      await searchFor(p, current.id);
      await openFlyout(p, current);
      await dialog().getByRole('button', { name: 'Undo', exact: true }).click();
      await dialog().getByRole('textbox', { name: 'Comment' }).fill(`reverting ${current.id}`);
    },
    trigger: () => dialog().getByRole('button', { name: 'Confirm undo' }).click(),
    failing: () => dialog().locator('.ac-alert[role=alert]:not([hidden])'),
    kept: () => expect(dialog().getByRole('textbox', { name: 'Comment' })).toHaveValue(`reverting ${current.id}`),
    retry: () => dialog().getByRole('button', { name: 'Confirm undo' }).click(),
    works: async (p, o) => {
      await expect(dialog().getByRole('button', { name: 'Confirm undo' })).toHaveCount(0, o);
      await p.keyboard.press('Escape');
    },
    future: false,
  });
});

test('export: the message is next to Export, the selection and filters are kept', async ({ page }) => {
  await signIn(page);
  const first = page.locator('tr[data-action-id]').first();
  await expect(first).toBeVisible();
  const id = await first.getAttribute('data-action-id');
  await checkboxOf(page, id).check();
  const state = await injectFaults(page, (url) => apiPath(url) === '/actions/export.csv');
  const exportButton = page.getByRole('button', { name: /^Export/ });
  // A CSV file is saved as it comes: a body that is not JSON is not a fault for it.
  const httpFaults = FAULTS.filter((f) => !f.ok);
  await everyFault(page, state, {
    name: 'export',
    trigger: () => exportButton.click(),
    failing: (p) => p.locator('.ac-export__error'),
    kept: () => expect(checkboxOf(page, id)).toBeChecked(),
    elsewhere: (p) => expect(p.locator('tr[data-action-id]').first()).toBeVisible(),
    retry: async (p) => {
      const download = p.waitForEvent('download');
      await exportButton.click();
      await download;
    },
    works: (p, o) => expect(exportButton).toBeEnabled(o),
    future: false,
  }, httpFaults);
});

test('live updates: the indicator goes off, Retry reconnects, the table keeps working', async ({ page }) => {
  await signIn(page);
  const live = page.locator('.ac-feed__text');
  await expect(live).toHaveText('Live');
  const state = await injectFaults(page, (url) => apiPath(url) === '/events');
  const retry = page.getByRole('button', { name: 'Retry live updates' });
  await everyFault(page, state, {
    name: 'live updates',
    // A new page load opens a new stream (the old one is not replaced mid-flight).
    trigger: (p) => p.reload(),
    failing: () => retry,
    elsewhere: (p) => expect(p.locator('tr[data-action-id]').first()).toBeVisible(),
    // Between its own attempts the feed shows "Connecting…" (and no Retry) for a moment.
    retry: () => retry.click({ timeout: 5_000 }).catch(() => {}),
    works: (p, o) => expect(live).toHaveText('Live', o),
    future: false,
  }, FAULTS.map((f) => ({ ...f, says: /Retry/, busy: false })));
});

test('401 standalone: back to sign-in with a notice', async ({ page }) => {
  await signIn(page);
  await expect(table(page)).toBeVisible();
  const state = await injectFaults(page, (url) => apiPath(url) === '/actions');
  state.fault = { reply: problem(401, 'unauthorized', 'The access token is not valid') };
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByText('Your session has ended. Sign in again.')).toBeVisible();
  await expect(page.getByRole('textbox', { name: /token/i })).toBeVisible();
  await expect(page.locator('.ac-fatal')).toHaveCount(0);
});

test('401 embedded: getToken is asked once more, then the host hears actioncenter:fatal', async ({ page }) => {
  await page.goto('/embed-example.html');
  const slot = page.locator('#portal-slot');
  await expect(slot.locator('tr[data-action-id]').first()).toBeVisible();
  const state = await injectFaults(page, (url) => apiPath(url) === '/actions');
  state.fault = { reply: problem(401, 'unauthorized', 'The access token is not valid') };
  await slot.getByRole('button', { name: 'Refresh' }).click();
  await expect(slot.getByRole('alert').filter({ hasText: 'Your session has ended' }).first()).toBeVisible();
  await expect.poll(async () => (await page.evaluate(() => window.hostEvents))
    .filter((e) => e.type === 'actioncenter:fatal').length).toBe(1);
  const fatal = (await page.evaluate(() => window.hostEvents)).find((e) => e.type === 'actioncenter:fatal');
  expect(fatal.detail.message).toContain('401');
  expect(fatal.detail.message).not.toContain(TOKENS.analyst);
  // The list asked once, got 401, asked the host for a token and tried once more.
  await page.waitForTimeout(500);
  expect(state.hits, 'one request, one more after getToken, then no more').toBe(2);
});
