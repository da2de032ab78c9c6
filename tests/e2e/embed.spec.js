// Issue 7: embedding in a host portal. The example portal (/embed-example.html, served by the
// reference server with --demo) mounts the app through its stable entry
// /action-center-embed.js and records every event it receives on window.hostEvents.
const { test, expect, signIn, TOKENS } = require('./fixtures');
const {
  checkboxOf, flyoutTitle, showHistory, openFlyout: openStandaloneFlyout, UNDOABLE,
} = require('./ui');

const HOTPINK = 'rgb(255, 105, 180)';
const LIME = 'rgb(0, 255, 0)';

/** The policy the app and the portal page must be served with. */
function expectStrictCsp(response) {
  const csp = response.headers()['content-security-policy'] || '';
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(csp).toContain("style-src 'self';");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).toContain('frame-ancestors ');
}

/** Opens the example portal and waits until the app in `#portal-slot` shows its rows. */
async function openPortal(page, query = '') {
  const response = await page.goto(`/embed-example.html${query}`);
  await expect(page.locator('#portal-slot').getByRole('tab', { name: /Pending/ }))
    .toHaveAttribute('aria-selected', 'true');
  return response;
}

const hostEvents = (page) => page.evaluate(() => window.hostEvents);

// ui.js's helpers, scoped to one instance (`slot`, a locator). A `has` filter is resolved
// inside the row, so the checkbox locator must not carry the slot again.
const rowOf = (slot, id) => slot.getByRole('row')
  .filter({ has: slot.page().getByRole('checkbox', { name: `Select ${id}`, exact: true }) });

async function openFlyout(slot, action) {
  await rowOf(slot, action.id).getByRole('cell').nth(2).click();
  const dialog = slot.getByRole('dialog', { name: flyoutTitle(action) });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function searchFor(slot, id) {
  const box = slot.getByRole('textbox', { name: 'Search' });
  await box.fill(id);
  await box.press('Enter');
  await expect(rowOf(slot, id)).toBeVisible();
}

async function pendingItems(api) {
  return (await (await api()).get('/actions?view=pending&pageSize=50')).json.items;
}

/** Records CSP violations, intervals and event streams the page opens (before any script runs). */
async function instrument(page) {
  await page.addInitScript(() => {
    const seen = { violations: [], intervals: new Set(), streams: [] };
    window.__seen = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
    const { setInterval: set, clearInterval: clear, fetch: realFetch } = window;
    window.setInterval = function (...args) {
      const id = set.apply(this, args);
      seen.intervals.add(id);
      return id;
    };
    window.clearInterval = function (id) {
      seen.intervals.delete(id);
      return clear.call(this, id);
    };
    // Live updates are read with fetch (never EventSource: it cannot send the token in a
    // header): each request to /events is recorded with its abort signal.
    window.fetch = function (input, init) {
      const url = typeof input === 'string' ? input : input.url;
      if (/\/api\/v1\/events(\?|$)/.test(url)) {
        seen.streams.push({ url, signal: (init && init.signal) || input.signal });
      }
      return realFetch.apply(this, arguments);
    };
  });
}

/** Listeners on window and document, as DevTools counts them. */
async function globalListeners(page) {
  const cdp = await page.context().newCDPSession(page);
  const count = async (expression) => {
    const { result } = await cdp.send('Runtime.evaluate', { expression, objectGroup: 'ac' });
    const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
    return listeners.map((l) => l.type).sort().join(',');
  };
  const counts = { window: await count('window'), document: await count('document') };
  await cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'ac' });
  await cdp.detach();
  return counts;
}

test('the example portal mounts the app inside #portal-slot; neither side\'s CSS reaches the other', async ({ page, api }) => {
  expectStrictCsp(await openPortal(page));
  const slot = page.locator('#portal-slot');
  const [first] = await pendingItems(api);
  await expect(checkboxOf(slot, first.id)).toBeVisible();

  const layout = await page.evaluate(() => {
    const slot = document.getElementById('portal-slot');
    const host = slot.firstElementChild;
    return {
      children: slot.childNodes.length,
      shadow: Boolean(host && host.shadowRoot && host.shadowRoot.querySelector('.ac-app')),
      leaked: document.querySelectorAll('.ac-app').length,
    };
  });
  expect(layout).toEqual({ children: 1, shadow: true, leaked: 0 });

  // The portal's hostile global rules (serif 18px everywhere, red table borders, hot-pink
  // upper-case buttons, rules on the app's own class names) do not reach into the app.
  const inside = await page.evaluate(() => {
    const root = document.querySelector('#portal-slot [data-action-center]').shadowRoot;
    const style = (selector) => getComputedStyle(root.querySelector(selector));
    const app = style('.ac-app');
    const button = style('button.ac-button');
    const cell = style('td');
    return {
      font: app.fontFamily,
      fontSize: app.fontSize,
      color: app.color,
      letterSpacing: app.letterSpacing,
      buttonTransform: button.textTransform,
      buttonBackground: button.backgroundColor,
      cellBorder: cell.borderTopWidth,
      boxSizing: cell.boxSizing,
      tablist: style('[role="tablist"]').display,
      theme: root.querySelector('.ac-app').getAttribute('data-ac-theme'),
      accent: app.getPropertyValue('--ac-accent').trim(),
    };
  });
  expect(inside.font).not.toBe('serif');
  expect(inside.fontSize).toBe('14px');
  expect(inside.color).not.toBe(LIME);
  expect(inside.letterSpacing).toBe('normal');
  expect(inside.buttonTransform).toBe('none');
  expect(inside.buttonBackground).not.toBe(HOTPINK);
  expect(inside.cellBorder).not.toBe('3px');
  expect(inside.boxSizing).toBe('border-box');
  expect(inside.tablist).not.toBe('none');
  // The theme and the --ac-* overrides come from the host's config.
  expect(inside.theme).toBe('light');
  expect(inside.accent).toBe('#5b2a86');

  // Every rule of the app's CSS is scoped: to ac-* classes, the shadow host, or the standalone
  // page's marked <body>, so it could not style a host page even without the shadow root.
  const unscoped = await page.evaluate(() => {
    const root = document.querySelector('#portal-slot [data-action-center]').shadowRoot;
    const selectors = [];
    const walk = (rules) => {
      for (const rule of rules) {
        if (rule.selectorText) selectors.push(...rule.selectorText.split(','));
        else if (rule.cssRules) walk(rule.cssRules);
      }
    };
    for (const sheet of root.styleSheets) walk(sheet.cssRules);
    return { count: selectors.length, bad: selectors.map((x) => x.trim())
      .filter((x) => !/^(\.ac-|:host\b|body\[data-action-center-standalone\])/.test(x)) };
  });
  expect(unscoped.count).toBeGreaterThan(50);
  expect(unscoped.bad).toEqual([]);

  // And the app's CSS does not reach the portal, even elements that carry the app's class names.
  const outside = await page.evaluate(() => {
    const probe = getComputedStyle(document.getElementById('portal-probe'));
    const table = getComputedStyle(document.getElementById('portal-table'));
    return {
      probeBackground: probe.backgroundColor,
      probeTransform: probe.textTransform,
      tableCollapse: table.borderCollapse,
      bodyMargin: getComputedStyle(document.body).margin,
    };
  });
  expect(outside).toEqual({
    probeBackground: 'rgb(0, 0, 0)', probeTransform: 'uppercase', tableCollapse: 'separate', bodyMargin: '0px',
  });

  // Locale and time zone from the config: the flyout shows times as en-GB in UTC.
  const dialog = await openFlyout(slot, first);
  const expected = await page.evaluate((at) => new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC',
  }).format(new Date(at)), first.createdAt);
  await expect(dialog.getByRole('region', { name: 'Details' })).toContainText(expected);
});

test('"Go hunt", "Open investigation page" and a decision reach the host as events', async ({ page, api }) => {
  await openPortal(page);
  const slot = page.locator('#portal-slot');
  const action = (await pendingItems(api)).find((a) => a.investigationId);
  const dialog = await openFlyout(slot, action);

  // Go hunt: the portal calls preventDefault() and navigates itself, so no tab opens.
  const opened = [];
  page.context().on('page', (p) => opened.push(p));
  await dialog.getByRole('button', { name: 'Go hunt' }).click();
  await expect(page.locator('#portal-notice')).toContainText('Go hunt');
  const hunt = (await hostEvents(page)).find((e) => e.type === 'actioncenter:go-hunt');
  expect(hunt).toMatchObject({
    slot: 'portal-slot', bubbles: true, composed: true, cancelable: true,
    detail: {
      actionId: action.id,
      investigationId: action.investigationId,
      incidentId: action.incidentId ?? null,
      entity: action.entity,
      url: `/embed-example.html?page=hunting&entity=${encodeURIComponent(action.entity.sha256 || action.entity.name)}`,
    },
  });
  await page.waitForTimeout(300);
  expect(opened).toHaveLength(0);

  // Open investigation page: not prevented, so the app opens the host's template in a new tab.
  const popup = page.context().waitForEvent('page');
  await dialog.getByRole('button', { name: 'Open investigation page' }).click();
  const tab = await popup;
  await expect.poll(() => tab.url()).toContain(`/embed-example.html?investigation=${action.investigationId}`);
  await tab.close();
  const investigation = (await hostEvents(page)).find((e) => e.type === 'actioncenter:open-investigation');
  expect(investigation.detail).toMatchObject({
    actionId: action.id,
    investigationId: action.investigationId,
    url: `/embed-example.html?investigation=${action.investigationId}`,
  });

  // A decision: the host hears what was decided and the per-item outcome.
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(slot.getByRole('status')).toContainText('1 approved');
  await expect.poll(async () => (await hostEvents(page)).filter((e) => e.type === 'actioncenter:decided').length).toBe(1);
  const decided = (await hostEvents(page)).find((e) => e.type === 'actioncenter:decided');
  expect(decided).toMatchObject({ slot: 'portal-slot', bubbles: true, composed: true });
  expect(decided.detail.decision).toBe('approve');
  expect(decided.detail.results).toHaveLength(1);
  expect(decided.detail.results[0]).toMatchObject({ id: action.id, outcome: 'applied' });
  expect(decided.detail.results[0].action.decision.state).toBe('approved');
  expect((await hostEvents(page)).filter((e) => e.type === 'actioncenter:fatal')).toEqual([]);
});

test('an undo reaches the host as an event', async ({ page, api }) => {
  await openPortal(page);
  const slot = page.locator('#portal-slot');
  const history = (await (await api()).get('/actions?view=history&status=completed&pageSize=200')).json.items;
  const action = history.find((a) => UNDOABLE.includes(a.actionType) && a.actionType !== 'quarantineFile'
    && !/OFFLINE/.test(a.asset.name));
  await showHistory(slot);
  await searchFor(slot, action.id);
  const dialog = await openFlyout(slot, action);
  await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm undo' }).click();
  await expect.poll(async () => (await hostEvents(page)).filter((e) => e.type === 'actioncenter:undone').length).toBe(1);
  const undone = (await hostEvents(page)).find((e) => e.type === 'actioncenter:undone');
  expect(undone.slot).toBe('portal-slot');
  expect(undone.detail.results[0]).toMatchObject({ id: action.id, outcome: 'applied' });
});

test('unmount removes every node, listener, interval and event stream the app added', async ({ page }) => {
  await instrument(page);
  await page.goto('/embed-example.html?mount=manual');
  const before = await globalListeners(page);
  const intervalsBefore = await page.evaluate(() => window.__seen.intervals.size);

  for (let round = 0; round < 2; round++) {
    await page.evaluate(() => window.portal.mountAll());
    const slot = page.locator('#portal-slot');
    await expect(slot.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
    // An open flyout registers a window listener (Escape, focus trap): unmount must remove it too.
    await slot.getByRole('row').nth(1).getByRole('cell').nth(2).click();
    await expect(slot.getByRole('dialog')).toBeVisible();
    expect(await globalListeners(page)).not.toEqual(before);

    await page.evaluate(() => window.portal.unmountAll());
    // The open flyout is in the address bar (`open=…`: a link reopens it, see workflow.spec.js);
    // the next round starts from the plain page again.
    await page.evaluate(() => history.replaceState(null, '', `${location.pathname}?mount=manual`));
    expect(await page.evaluate(() => document.getElementById('portal-slot').childNodes.length)).toBe(0);
    expect(await page.evaluate(() => document.querySelectorAll('[data-action-center]').length)).toBe(0);
    expect(await globalListeners(page)).toEqual(before);
    const left = await page.evaluate(() => ({
      intervals: window.__seen.intervals.size,
      streams: window.__seen.streams.length,
      openStreams: window.__seen.streams.filter((s) => !s.signal || !s.signal.aborted).length,
      tokenInUrl: window.__seen.streams.filter((s) => /token/i.test(s.url)).length,
    }));
    expect(left.streams).toBeGreaterThan(0);
    expect({ ...left, streams: 0 }).toEqual({ intervals: intervalsBefore, streams: 0, openStreams: 0, tokenInUrl: 0 });
  }

  // Nothing keeps working in the background: no API request once unmounted.
  const requests = [];
  page.on('request', (r) => { if (r.url().includes('/api/')) requests.push(r.url()); });
  await page.waitForTimeout(2500);
  expect(requests).toEqual([]);
});

test('two instances on one page do not interfere', async ({ page, api }) => {
  await openPortal(page, '?instances=2');
  const one = page.locator('#portal-slot');
  const two = page.locator('#portal-slot-2');
  await expect(two.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  const [action] = await pendingItems(api);

  // Each has its own account (the second is a viewer), theme and tabs.
  await expect(one.getByRole('button', { name: /Sign out/ })).toHaveCount(0);
  const themes = await page.evaluate(() => ['portal-slot', 'portal-slot-2'].map((id) => document
    .querySelector(`#${id} [data-action-center]`).shadowRoot.querySelector('.ac-app').getAttribute('data-ac-theme')));
  expect(themes).toEqual(['light', 'dark']);
  // The theme switches every token (light-dark()), whatever the system prefers.
  const colors = await page.evaluate(() => ['portal-slot', 'portal-slot-2'].map((id) => {
    const app = document.querySelector(`#${id} [data-action-center]`).shadowRoot.querySelector('.ac-app');
    return [getComputedStyle(app).backgroundColor, getComputedStyle(app).color];
  }));
  expect(colors).toEqual([['rgb(245, 245, 245)', 'rgb(36, 36, 36)'], ['rgb(27, 27, 27)', 'rgb(240, 240, 240)']]);
  const url = page.url();
  await two.getByRole('tab', { name: /History/ }).click();
  await expect(two.getByRole('tab', { name: /History/ })).toHaveAttribute('aria-selected', 'true');
  await expect(one.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  // The second instance has no basePath: it keeps its view in memory, not in the address bar.
  expect(page.url()).toBe(url);
  await two.getByRole('tab', { name: /Pending/ }).click();

  const viewerDialog = await openFlyout(two, action);
  await expect(viewerDialog.getByRole('button', { name: 'Go hunt' })).toBeVisible();
  await expect(viewerDialog.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
  await expect(one.getByRole('dialog')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(viewerDialog).toBeHidden();

  const dialog = await openFlyout(one, action);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  await expect(one.getByRole('status')).toContainText('1 approved');
  await expect.poll(async () => (await hostEvents(page)).filter((e) => e.type === 'actioncenter:decided').length).toBe(1);
  expect((await hostEvents(page)).map((e) => e.slot)).not.toContain('portal-slot-2');
  await page.keyboard.press('Escape');

  // Unmounting one leaves the other working.
  await page.evaluate(() => window.portal.handles[0].unmount());
  await expect(one.locator('[data-action-center]')).toHaveCount(0);
  await two.getByRole('tab', { name: /History/ }).click();
  await expect(two.getByRole('tab', { name: /History/ })).toHaveAttribute('aria-selected', 'true');
  await expect(two.getByRole('table')).toBeVisible();
});

test('a bad config shows a readable error and tells the host, without a panic', async ({ page }) => {
  await page.goto('/embed-example.html?mount=manual');
  await page.evaluate(async () => {
    window.badHandle = await window.portal.mount(document.getElementById('portal-slot'), {
      apiBaseUrl: 42, getToken: 'not a function', theme: 'purple',
    });
  });
  const slot = page.locator('#portal-slot');
  await expect(slot.getByRole('alert')).toContainText('apiBaseUrl');
  const fatal = (await hostEvents(page)).filter((e) => e.type === 'actioncenter:fatal');
  expect(fatal).toHaveLength(1);
  expect(fatal[0].detail.message).toContain('apiBaseUrl');
  expect(fatal[0].detail.message).toContain('getToken');
  expect(fatal[0].detail.message).toContain('theme');
  await page.evaluate(() => window.badHandle.unmount());
  expect(await page.evaluate(() => document.getElementById('portal-slot').childNodes.length)).toBe(0);
});

test('a token the host cannot supply is fatal, not a crash', async ({ page }) => {
  await page.goto('/embed-example.html?mount=manual');
  await page.evaluate(() => window.portal.mount(document.getElementById('portal-slot'), {
    getToken: async () => { throw new Error('the portal session ended'); },
  }));
  await expect(page.locator('#portal-slot').getByRole('alert')).toContainText('the portal session ended');
  const fatal = (await hostEvents(page)).filter((e) => e.type === 'actioncenter:fatal');
  expect(fatal[0].detail.message).toContain('the portal session ended');
});

test('no CSP violation on the standalone page or the example portal', async ({ page, api }) => {
  await instrument(page);
  const [action] = await pendingItems(api);

  const standalone = await page.goto('/');
  expectStrictCsp(standalone);
  expect(await standalone.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  await signIn(page, TOKENS.analyst);
  await openStandaloneFlyout(page, action);
  expect(await page.evaluate(() => window.__seen.violations)).toEqual([]);

  expectStrictCsp(await openPortal(page, '?instances=2'));
  await openFlyout(page.locator('#portal-slot'), action);
  await expect(rowOf(page.locator('#portal-slot-2'), action.id)).toBeVisible();
  expect(await page.evaluate(() => window.__seen.violations)).toEqual([]);
  // The console guard (fixtures) also fails the test on any "Refused to …" console error.
});
