// The chaos walk: a seeded random walk of analyst steps through the Action Center page, and a
// "second client" that keeps posting new actions and deciding some while the walk runs.
//
// Every step is short and takes the page as it finds it: when the element it randomly wanted is
// not there now (no rows, a disabled button, the flyout just closed) it skips. Only what the app
// must do fails a step (`must`): a flyout that does not close on Escape, a page that stops
// answering, a panic, a console error. Many steps do not wait for the network on purpose —
// clicking on while a list request, a decision or an undo is still in flight is the point.
const { expect, errors } = require('@playwright/test');
const { TYPE_LABELS, UNDOABLE } = require('./ui');

/**
 * A small seeded PRNG (mulberry32). The same seed makes the same random choices; the page's
 * state under them also depends on timing (the second client, the executor, the network), so a
 * repeated walk starts the same and may part from the first run later.
 */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over a PRNG. */
function dice(rng) {
  return {
    rng,
    chance: (p) => rng() < p,
    int: (lo, hi) => lo + Math.floor(rng() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(rng() * list.length)],
    sample: (list, n) => {
      const copy = [...list];
      const out = [];
      while (copy.length && out.length < n) out.push(copy.splice(Math.floor(rng() * copy.length), 1)[0]);
      return out;
    },
  };
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** How long an optional element may take to be there (then the step skips). */
const T = 700;
/** How long the app has for what it must do (close a flyout, open one, answer at all). */
const MUST = 8_000;
/** How long a read of something just seen may take (it may have gone since). */
const QUICK = 200;
/** A step that takes longer than this has hung: the page is frozen (or the walk is wrong). */
const STEP_LIMIT = 45_000;

/** "What I randomly wanted is not there now": the step skips. */
class Skip extends Error {}

/** A broken promise of the app: never skipped. */
class AppFailure extends Error {}

/** Runs a Playwright action on an optional element; false when it was not there in time. */
async function may(fn) {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof errors.TimeoutError) return false;
    throw e;
  }
}

/** Like `may`, but skips the step when the element was not there. */
async function want(what, fn) {
  if (!(await may(fn))) throw new Skip(what);
}

/** Something the app must do; its failure fails the walk. */
async function must(what, fn) {
  try {
    await fn();
  } catch (e) {
    throw new AppFailure(`${what}: ${e.message.split('\n').slice(0, 6).join('\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the page (no waiting)

const dialogOf = (page) => page.getByRole('dialog');
const bulkBar = (page) => page.getByRole('region', { name: 'Selected actions' });

async function isFlyoutOpen(page) {
  return (await dialogOf(page).count()) > 0;
}

/** The rows shown, top to bottom: id, action type and status as the cells show them. */
async function shownRows(page) {
  return page.locator('tr[data-action-id]').evaluateAll((rows) => rows
    .filter((r) => r.offsetParent !== null)
    .map((r) => ({
      id: r.dataset.actionId,
      type: r.querySelector('.ac-cell--strong')?.textContent?.trim() || null,
      status: r.querySelector('.ac-badge')?.textContent?.trim() || null,
      text: r.innerText,
    })));
}

function rowLocator(page, id) {
  return page.locator(`tr[data-action-id="${id}"]`);
}

async function visibleEnabled(locator) {
  return (await locator.count()) === 1 && (await locator.isVisible())
    && locator.isEnabled({ timeout: QUICK }).catch(() => false);
}

// ---------------------------------------------------------------------------------------------
// Operations: Approve / Reject / Undo in a panel (the flyout's or the bulk bar's)

const COMMENTS = [
  'confirmed malicious', 'false positive', 'chaos', 'per runbook §4', 'ok — “quoted” <b>not html</b>',
  'ünïcödé ✓', '   ', 'a'.repeat(300), 'line one\nline two',
];

/**
 * In `scope` (a dialog or the bulk bar): click `verb`, maybe write a comment, then confirm (or
 * go Back); then wait for the answer, do not wait, or (flyout) press Escape at once.
 */
async function operate(page, ctx, d, scope, verb, { inFlyout }) {
  const button = scope.getByRole('button', { name: verb, exact: true });
  if (!(await visibleEnabled(button))) {
    throw new Skip(`${verb} not offered`);
  }
  await want(`${verb} button`, () => button.click({ timeout: T }));
  let detail = verb;
  if (verb === 'Undo' && d.chance(0.6)) {
    const related = scope.getByRole('checkbox', { name: /^Apply to \d+ more instances? of this file$/ });
    if (await visibleEnabled(related)) {
      if (await may(() => related.click({ timeout: T }))) detail += ' +related';
    }
  }
  const comment = scope.getByRole('textbox', { name: 'Comment' });
  if (d.chance(0.5)) {
    const text = d.pick(COMMENTS);
    if (await may(() => comment.fill(text, { timeout: T }))) detail += ' +comment';
  }
  if (d.chance(0.12)) {
    await may(() => scope.getByRole('button', { name: 'Back', exact: true }).click({ timeout: T }));
    return `${detail} → Back`;
  }
  const confirm = scope.getByRole('button', { name: `Confirm ${verb.toLowerCase()}` });
  await want(`Confirm ${verb}`, () => confirm.click({ timeout: T }));
  ctx.operations += 1;
  const mode = ctx.rush ? 'nowait' : d.pick(inFlyout ? ['wait', 'nowait', 'escape'] : ['wait', 'nowait']);
  if (mode === 'escape') {
    // Escape while the request is still in flight.
    await page.keyboard.press('Escape');
    return `${detail} → confirm, Escape at once`;
  }
  if (mode === 'wait') {
    // The panel leaves the confirm step once the answer came, or shows why it failed.
    const sending = scope.getByText('Sending…');
    await must(`${verb} answers`, () => expect
      .poll(async () => {
        if ((await scope.count()) === 0) return 'gone';
        if (await scope.getByRole('alert').filter({ hasText: /\S/ }).isVisible().catch(() => false)) return 'alert';
        if (!(await confirm.isVisible().catch(() => false))) return 'done';
        if (await sending.isVisible().catch(() => false)) return 'sending';
        return 'done';
      }, { timeout: 15_000, intervals: [100, 200, 400] })
      .not.toBe('sending'));
    const alert = scope.getByRole('alert').filter({ hasText: /\S/ });
    if ((await scope.count()) > 0 && (await alert.isVisible().catch(() => false))) {
      const text = (await alert.first().innerText({ timeout: QUICK }).catch(() => '')).trim();
      ctx.alerts.push(`step ${ctx.step}: ${verb}: ${text}`);
      return `${detail} → confirm, answered with alert: ${text.slice(0, 80)}`;
    }
    // The outcome is announced in the live region.
    await must(`the outcome of ${verb} is announced`, () => expect(page.locator('.ac-live[role="status"]')).not.toBeEmpty({ timeout: MUST }));
    return `${detail} → confirm, answered`;
  }
  return `${detail} → confirm, no wait`;
}

// ---------------------------------------------------------------------------------------------
// The steps. Each is `(page, ctx, d) => detail string`; `throw new Skip(why)` to skip.

const STEPS = {
  // --- with the flyout closed ---------------------------------------------------------------
  async openRow(page, ctx, d) {
    const rows = await shownRows(page);
    if (!rows.length) throw new Skip('no rows');
    const row = d.pick(rows);
    const how = d.pick(['click', 'click', 'enter', 'o']);
    const tr = rowLocator(page, row.id);
    // The row element aimed at: a search or filter typed a moment ago may settle and replace
    // the rows between the aim and the click (or key press), which then lands on nothing.
    const aimed = await tr.elementHandle({ timeout: QUICK }).catch(() => null);
    if (!aimed) throw new Skip('row gone');
    if (how === 'click') {
      await want('row', () => tr.locator('td').nth(d.int(1, 3)).click({ timeout: T }));
    } else {
      await want('row', () => tr.focus({ timeout: T }));
      await page.keyboard.press(how === 'enter' ? 'Enter' : 'o');
    }
    if (!ctx.rush && d.chance(0.6)) {
      const opened = await may(() => dialogOf(page).waitFor({ state: 'visible', timeout: MUST }));
      if (!opened) {
        const replaced = !(await aimed.evaluate((el) => el.isConnected).catch(() => false));
        if (replaced) throw new Skip('the rows were replaced under the click');
        throw new AppFailure(`the flyout did not open for ${row.id} (the row is still shown)`);
      }
    }
    await aimed.dispose().catch(() => {});
    return `${how} ${row.id}`;
  },

  async tab(page, ctx, d) {
    const tabs = page.getByRole('tab');
    const n = await tabs.count();
    if (!n) throw new Skip('no tabs');
    if (d.chance(0.7)) {
      const i = d.int(0, n - 1);
      const name = (await tabs.nth(i).innerText({ timeout: QUICK }).catch(() => '?')).trim();
      await want('tab', () => tabs.nth(i).click({ timeout: T }));
      if (!ctx.rush && d.chance(0.5)) {
        await must(`tab ${name} is selected`, () => expect(tabs.nth(i)).toHaveAttribute('aria-selected', 'true', { timeout: MUST }));
      }
      return `click ${name}`;
    }
    const selected = page.getByRole('tab', { selected: true });
    await want('selected tab', () => selected.focus({ timeout: T }));
    const key = d.pick(['ArrowRight', 'ArrowLeft', 'Home', 'End']);
    await page.keyboard.press(key);
    return `key ${key}`;
  },

  async filter(page, ctx, d) {
    const group = page.getByRole('group', { name: 'Filters' });
    const menus = group.locator('button[aria-controls]');
    const n = await menus.count();
    if (!n) throw new Skip('no filter menus');
    const button = menus.nth(d.int(0, n - 1));
    const panelId = await button.getAttribute('aria-controls', { timeout: T }).catch(() => null);
    if (!panelId) throw new Skip('menu gone');
    const panel = page.locator(`[id="${panelId}"]`);
    if (!(await panel.isVisible())) await want('filter menu', () => button.click({ timeout: T }));
    const label = await panel.getAttribute('aria-label', { timeout: QUICK }).catch(() => '?');
    const options = panel.getByRole('checkbox');
    const count = await options.count();
    let detail = `${label}`;
    if (d.chance(0.12)) {
      const clear = panel.getByRole('button', { name: /^Clear / });
      if (await may(() => clear.click({ timeout: T }))) detail += ' cleared';
    } else if (count) {
      const i = d.int(0, count - 1);
      const name = await options.nth(i).evaluate((el) => el.closest('label')?.textContent?.trim(), null, { timeout: QUICK }).catch(() => '?');
      await want('filter option', () => options.nth(i).click({ timeout: T }));
      detail += ` toggle "${name}"`;
    }
    if (d.chance(0.6)) {
      // The menu handles Escape while focus is inside it. Known app bug (reported): "Clear …"
      // disables itself, focus drops to <body>, and Escape then leaves the menu open; so the
      // walk only holds the menu to Escape when focus is still in it.
      const focusInside = await panel.evaluate((el) => el.parentElement.contains(document.activeElement), null, { timeout: QUICK })
        .catch(() => false);
      await page.keyboard.press('Escape');
      if (!ctx.rush && focusInside && d.chance(0.5)) {
        await must(`${label} menu closes on Escape`, () => expect(panel).toBeHidden({ timeout: MUST }));
      }
      detail += focusInside ? ', Escape' : ', Escape (focus was not in the menu)';
    }
    return detail;
  },

  async timeRange(page, ctx, d) {
    const select = page.getByRole('combobox', { name: 'Time range' });
    if (!(await visibleEnabled(select))) throw new Skip('no time range');
    const values = await select.evaluate((el) => [...el.options].map((o) => o.value), null, { timeout: QUICK })
      .catch(() => { throw new Skip('time range gone'); });
    // "Any time" most often: a narrow range soon leaves nothing to click.
    const value = d.chance(0.5) ? '' : d.pick(values);
    await want('time range', () => select.selectOption(value, { timeout: T }));
    return value || 'any time';
  },

  async clearFilters(page, ctx, d) {
    // The filter bar's button, or the empty state's.
    const buttons = page.getByRole('button', { name: 'Clear filters' });
    const n = await buttons.count();
    for (let i = 0; i < n; i += 1) {
      const b = buttons.nth(i);
      if (await b.isVisible() && await b.isEnabled({ timeout: QUICK }).catch(() => false)) {
        await want('Clear filters', () => b.click({ timeout: T }));
        return `button ${i + 1} of ${n}`;
      }
    }
    throw new Skip('no filters to clear');
  },

  async search(page, ctx, d) {
    const box = page.getByRole('textbox', { name: 'Search' });
    if (!(await visibleEnabled(box))) throw new Skip('no search box');
    const rows = await shownRows(page);
    // Without rows, mostly clear the search: the walk needs rows to act on.
    const mode = !rows.length && d.chance(0.7) ? 'clear' : d.pick(['id', 'word', 'prefix', 'junk', 'clear']);
    let text = '';
    if (mode === 'id' && rows.length) text = d.pick(rows).id;
    else if ((mode === 'word' || mode === 'prefix') && rows.length) {
      const words = d.pick(rows).text.split(/\s+/).filter((w) => w.length >= 3 && !/^\d/.test(w));
      text = words.length ? d.pick(words) : '';
      if (mode === 'prefix') text = text.slice(0, d.int(1, Math.max(1, text.length)));
    } else if (mode === 'junk') text = d.pick(['zz-nothing', 'a', '%', '"\'<>&', 'ä', 'act_', 'SRV', '   ']);
    if (mode === 'clear' || !text) {
      await want('search box', () => box.fill('', { timeout: T }));
    } else {
      await want('search box', () => box.fill('', { timeout: T }));
      await want('search box', () => box.pressSequentially(text, { delay: ctx.rush ? 0 : d.int(0, 60), timeout: MUST }));
    }
    if (d.chance(0.4)) await may(() => box.press('Enter', { timeout: T }));
    return `${mode} "${text}"`;
  },

  async sort(page, ctx, d) {
    const headers = page.getByRole('columnheader').getByRole('button');
    const n = await headers.count();
    if (!n) throw new Skip('no sortable headers');
    const i = d.int(0, n - 1);
    const name = (await headers.nth(i).innerText({ timeout: QUICK }).catch(() => '?')).trim();
    await want('sort header', () => headers.nth(i).click({ timeout: T }));
    return name;
  },

  async pageSize(page, ctx, d) {
    const select = page.getByRole('combobox', { name: 'Rows per page' });
    if (!(await visibleEnabled(select))) throw new Skip('no pager');
    const size = d.pick(['25', '25', '50', '50', '100', '200']);
    await want('page size', () => select.selectOption(size, { timeout: T }));
    return size;
  },

  async paging(page, ctx, d) {
    const name = d.pick(['Next page', 'Next page', 'Previous page']);
    const button = page.getByRole('button', { name });
    if (!(await visibleEnabled(button))) throw new Skip(`${name} disabled`);
    await want(name, () => button.click({ timeout: T }));
    return name;
  },

  async select(page, ctx, d) {
    const rows = await shownRows(page);
    if (!rows.length) throw new Skip('no rows');
    const picked = d.sample(rows, d.int(1, 3));
    for (const row of picked) {
      await may(() => page.getByRole('checkbox', { name: `Select ${row.id}`, exact: true }).click({ timeout: T }));
    }
    return picked.map((r) => r.id).join(' ');
  },

  /** Checks several rows of one action type (completed ones on History), so that "many" works. */
  async selectOneType(page, ctx, d) {
    const rows = (await shownRows(page)).filter((r) => r.type);
    const history = rows.some((r) => r.status && r.status !== 'Pending');
    const usable = history ? rows.filter((r) => r.status === 'Completed') : rows;
    const byType = new Map();
    for (const r of usable) byType.set(r.type, [...(byType.get(r.type) || []), r]);
    const groups = [...byType.values()].filter((g) => g.length >= 2);
    if (!groups.length) throw new Skip('no two rows of one type');
    const clear = page.getByRole('button', { name: 'Clear selection' });
    if (await visibleEnabled(clear)) await may(() => clear.click({ timeout: T }));
    const picked = d.sample(d.pick(groups), d.int(2, 5));
    for (const row of picked) {
      await may(() => page.getByRole('checkbox', { name: `Select ${row.id}`, exact: true }).check({ timeout: T }).catch((e) => {
        // The row left (or re-rendered) between reading and clicking: not the app's fault.
        if (/did not change its state|not attached/.test(e.message)) return;
        throw e;
      }));
    }
    return `${picked.length} × ${picked[0].type}`;
  },

  async selectAll(page, ctx, d) {
    const all = page.getByRole('checkbox', { name: 'Select all' });
    if (!(await visibleEnabled(all))) throw new Skip('no Select all');
    await want('Select all', () => all.click({ timeout: T }));
    return 'toggled';
  },

  async clearSelection(page) {
    const clear = page.getByRole('button', { name: 'Clear selection' });
    if (!(await visibleEnabled(clear))) throw new Skip('nothing selected');
    await want('Clear selection', () => clear.click({ timeout: T }));
    return 'cleared';
  },

  async bulk(page, ctx, d) {
    const bar = bulkBar(page);
    if (!(await bar.isVisible())) throw new Skip('nothing selected');
    const summary = (await bar.locator('strong').first().innerText({ timeout: QUICK }).catch(() => '')).trim();
    const verbs = [];
    for (const verb of ['Approve', 'Reject', 'Undo']) {
      if (await visibleEnabled(bar.getByRole('button', { name: verb, exact: true }))) verbs.push(verb);
    }
    if (!verbs.length) {
      // The rules block this selection (mixed types, not undoable): the bar says why. Start over.
      const why = (await bar.locator('.ac-blocker:not([hidden])').first().innerText({ timeout: QUICK }).catch(() => '')).trim();
      const clear = bar.getByRole('button', { name: 'Clear selection' });
      await want('Clear selection', () => clear.click({ timeout: T }));
      return `${summary}: blocked (${why.slice(0, 60)}) → Clear selection`;
    }
    return `${summary}: ${await operate(page, ctx, d, bar, d.pick(verbs), { inFlyout: false })}`;
  },

  async columns(page, ctx, d) {
    const button = page.getByRole('button', { name: 'Columns' });
    const panel = page.getByRole('group', { name: 'Columns' });
    if (!(await panel.isVisible())) await want('Columns', () => button.click({ timeout: T }));
    let detail;
    const r = d.rng();
    if (r < 0.12) {
      await want('Reset columns', () => panel.getByRole('button', { name: 'Reset columns' }).click({ timeout: T }));
      detail = 'reset';
    } else if (r < 0.6) {
      const boxes = panel.getByRole('checkbox');
      const n = await boxes.count();
      if (!n) throw new Skip('no columns');
      const i = d.int(0, n - 1);
      if (!(await boxes.nth(i).isEnabled({ timeout: QUICK }).catch(() => false))) throw new Skip('last shown column');
      const name = (await boxes.nth(i).evaluate((el) => el.closest('label')?.textContent?.trim(), null, { timeout: QUICK }).catch(() => '?'));
      await want('column checkbox', () => boxes.nth(i).click({ timeout: T }));
      detail = `toggle ${name}`;
    } else {
      const moves = panel.getByRole('button', { name: /^Move .* (up|down)$/ });
      const n = await moves.count();
      if (!n) throw new Skip('no moves');
      const i = d.int(0, n - 1);
      const name = await moves.nth(i).getAttribute('aria-label', { timeout: QUICK }).catch(() => '?');
      if (!(await moves.nth(i).isEnabled({ timeout: QUICK }).catch(() => false))) throw new Skip(`${name} disabled`);
      await want('move', () => moves.nth(i).click({ timeout: T }));
      detail = name;
    }
    if (d.chance(0.6)) {
      await page.keyboard.press('Escape');
      detail += ', Escape';
    }
    return detail;
  },

  async exportCsv(page, ctx, d) {
    const button = page.getByRole('button', { name: 'Export' });
    if (!(await visibleEnabled(button))) throw new Skip('Export not offered');
    if (ctx.rush || d.chance(0.6)) {
      await want('Export', () => button.click({ timeout: T }));
      return 'no wait';
    }
    const download = page.waitForEvent('download', { timeout: 15_000 });
    await want('Export', () => button.click({ timeout: T }));
    const file = await download.catch((e) => { throw new AppFailure(`Export downloads a file: ${e.message}`); });
    const text = await file.createReadStream().then((s) => s.toArray()).then((c) => Buffer.concat(c).toString('utf8'));
    const header = text.split(/\r?\n/)[0];
    if (!/(^|,)id(,|$)/.test(header)) throw new AppFailure(`the CSV has a header with "id": ${header.slice(0, 120)}`);
    return `${file.suggestedFilename()} (${text.length} bytes)`;
  },

  async keys(page, ctx, d) {
    const keys = d.sample(['j', 'j', 'k', 'ArrowDown', 'ArrowUp', 'o', 'Enter', '/', 'Tab', 'Escape'], d.int(1, 4));
    for (const key of keys) await page.keyboard.press(key);
    return keys.join(' ');
  },

  async refresh(page) {
    await want('Refresh', () => page.getByRole('button', { name: 'Refresh' }).click({ timeout: T }));
    return 'clicked';
  },

  /** An error view's Retry, or "Retry live updates": only when one is shown. */
  async retry(page) {
    const buttons = page.getByRole('button', { name: /^Retry( live updates)?$/ });
    const n = await buttons.count();
    for (let i = 0; i < n; i += 1) {
      if (await buttons.nth(i).isVisible()) {
        const name = await buttons.nth(i).innerText({ timeout: QUICK }).catch(() => 'Retry');
        await want('Retry', () => buttons.nth(i).click({ timeout: T }));
        return name;
      }
    }
    throw new Skip('nothing to retry');
  },

  // --- with the flyout open -----------------------------------------------------------------
  async closeFlyout(page, ctx, d) {
    const dialog = dialogOf(page);
    const how = d.pick(['Escape', 'Escape', '✕', 'backdrop']);
    if (how === 'Escape') {
      await page.keyboard.press('Escape');
    } else if (how === '✕') {
      await want('✕', () => dialog.getByRole('button', { name: 'Close' }).click({ timeout: T }));
    } else {
      await want('backdrop', () => page.locator('.ac-flyout-backdrop').click({ position: { x: 8, y: 8 }, timeout: T }));
    }
    if (!ctx.rush && d.chance(0.7)) {
      await must(`the flyout closes on ${how}`, () => expect(dialogOf(page)).toHaveCount(0, { timeout: MUST }));
      // Focus returns to the row it came from (or, when that row has left, to the tab panel).
      const where = () => page.evaluate(() => {
        const a = document.activeElement;
        if (!a || a === document.body) return 'body';
        if (a.matches('tr[data-action-id]')) return 'row';
        return a.closest('[role="tabpanel"]') ? 'tabpanel' : `${a.tagName} ${a.className}`;
      });
      const focus = await expect.poll(where, { timeout: 2000 }).toMatch(/^(row|tabpanel)$/).then(() => null, async () => where());
      if (focus) ctx.alerts.push(`step ${ctx.step}: focus after closing the flyout (${how}) is on ${focus}`);
    }
    return how;
  },

  /** Approve, Reject or Undo — whichever the flyout offers for its action. */
  async flyoutOperate(page, ctx, d) {
    const dialog = dialogOf(page);
    // Unless in a hurry, give the pane a moment to load the action.
    if (!ctx.rush) await may(() => dialog.getByRole('region', { name: 'Details' }).waitFor({ timeout: 1500 }));
    const offered = [];
    for (const verb of ['Approve', 'Approve', 'Reject', 'Undo']) {
      if (await visibleEnabled(dialog.getByRole('button', { name: verb, exact: true }))) offered.push(verb);
    }
    if (!offered.length) {
      // Decided, undone, or not undoable: nothing to do here, so do something else.
      return `nothing offered → ${await STEPS.closeFlyout(page, ctx, d)}`;
    }
    return operate(page, ctx, d, dialog, d.pick(offered), { inFlyout: true });
  },

  async flyoutTab(page, ctx, d) {
    const n = d.int(1, 6);
    const shift = d.chance(0.3);
    for (let i = 0; i < n; i += 1) await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    return `${shift ? 'Shift+' : ''}Tab × ${n}`;
  },

  // --- anywhere -----------------------------------------------------------------------------
  async history(page, ctx, d) {
    const back = d.chance(0.6);
    // Only within the app's own entries: never back out to the blank page before it.
    const can = await page.evaluate((wantBack) => {
      const nav = window.navigation;
      if (!nav || !nav.currentEntry) return false;
      const entries = nav.entries();
      const i = nav.currentEntry.index + (wantBack ? -1 : 1);
      return i >= 0 && i < entries.length && entries[i].url.startsWith(location.origin);
    }, back);
    if (!can) throw new Skip(`cannot go ${back ? 'back' : 'forward'}`);
    if (ctx.rush || d.chance(0.5)) {
      await page.evaluate((b) => (b ? history.back() : history.forward()), back);
    } else if (back) {
      await page.goBack({ timeout: MUST });
    } else {
      await page.goForward({ timeout: MUST });
    }
    return back ? 'Back' : 'Forward';
  },

  async pause(page, ctx, d) {
    const ms = d.int(50, 500);
    await page.waitForTimeout(ms);
    return `${ms} ms`;
  },
};

/** What the page looks like now, read in one go (it changes under the walk anyway). */
async function snapshot(page) {
  return page.evaluate(() => {
    const shown = (el) => !!el && el.offsetParent !== null;
    const bar = document.querySelector('section[aria-label="Selected actions"]');
    return {
      flyout: !!document.querySelector('[role="dialog"]'),
      rows: [...document.querySelectorAll('tr[data-action-id]')].filter(shown).length,
      selected: !!bar && !bar.hidden,
    };
  });
}

/**
 * Which steps, and how often, for the page as it is: with the flyout open, the flyout's steps;
 * without rows, mostly steps that bring rows back; with a selection, its operations more often.
 */
function weights(s) {
  if (s.flyout) {
    return { closeFlyout: 5, flyoutOperate: 12, flyoutTab: 2, history: 2, pause: 1 };
  }
  const rows = s.rows > 0;
  return {
    openRow: rows ? 12 : 0.5,
    tab: rows ? 5 : 6,
    filter: 5,
    timeRange: 1.5,
    clearFilters: rows ? 2 : 8,
    search: rows ? 6 : 4,
    sort: 3,
    pageSize: 2,
    paging: 1.5,
    select: rows ? 3 : 0.3,
    selectOneType: rows ? 7 : 0.3,
    selectAll: rows ? 2 : 0.3,
    clearSelection: s.selected ? 2 : 0.2,
    bulk: s.selected ? 14 : 0.3,
    columns: 1.5,
    exportCsv: 2,
    keys: 2,
    refresh: 1.5,
    retry: 1,
    burst: 3,
    history: 2,
    pause: 1,
  };
}

/** Every step kind the walk knows (for the tally). */
const KINDS = [...new Set([...Object.keys(weights({ flyout: true })), ...Object.keys(weights({ rows: 1 }))])];

function pickKind(d, state) {
  const usable = Object.entries(weights(state));
  const total = usable.reduce((sum, [, w]) => sum + w, 0);
  let r = d.rng() * total;
  for (const [kind, w] of usable) {
    r -= w;
    if (r < 0) return kind;
  }
  return usable[usable.length - 1][0];
}

// ---------------------------------------------------------------------------------------------
// The walk

/**
 * Walks `steps` random steps on `page`. `problems` is the console guard's list (console errors
 * and page errors); `allowed` the patterns the spec allows. Fails at the first new problem,
 * broken app promise or unexpected error, with the seed and the last steps in the message.
 */
async function walk(page, {
  seed, steps, problems, allowed, log = console.log, verbose = false,
}) {
  const d = dice(mulberry32(seed));
  const ctx = {
    step: 0, rush: false, operations: 0, alerts: [], counts: {}, skips: {}, steps: [],
  };
  const seen = { problems: 0 };
  const started = Date.now();
  const fatal = page.locator('.ac-fatal');
  // No call without its own timeout may wait longer than this (then it fails, it does not hang).
  page.setDefaultTimeout(MUST);

  const checkProblems = () => {
    const fresh = problems.slice(seen.problems);
    seen.problems = problems.length;
    const bad = fresh.filter((p) => !allowed.some((re) => re.test(p)));
    if (bad.length) {
      const shown = bad.map((p) => (p.length > 800 ? `${p.slice(0, 800)}…` : p));
      throw new AppFailure(`console error or page error:\n  ${shown.join('\n  ')}`);
    }
  };
  const checkAlive = async () => {
    if (await fatal.count()) {
      const text = await fatal.first().innerText({ timeout: QUICK }).catch(() => '');
      throw new AppFailure(`the app stopped (fatal notice): ${text}`);
    }
    // The page answers at all (not frozen in a loop).
    const answered = await Promise.race([
      page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(true)))),
      sleep(MUST).then(() => false),
    ]);
    if (!answered) throw new AppFailure(`the page did not render a frame in ${MUST} ms (frozen?)`);
  };

  const runOne = async (kind) => {
    ctx.counts[kind] = (ctx.counts[kind] || 0) + 1;
    const t0 = Date.now();
    let detail;
    let timer;
    const hung = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new AppFailure(`${kind} did not finish in ${STEP_LIMIT} ms: the page stopped answering`)), STEP_LIMIT);
    });
    try {
      detail = await Promise.race([STEPS[kind](page, ctx, d), hung]);
    } catch (e) {
      if (!(e instanceof Skip)) throw e;
      ctx.skips[kind] = (ctx.skips[kind] || 0) + 1;
      detail = `skip: ${e.message}`;
    } finally {
      clearTimeout(timer);
    }
    return `${detail} (${Date.now() - t0} ms)`;
  };

  try {
    for (ctx.step = 1; ctx.step <= steps; ctx.step += 1) {
      const kind = pickKind(d, await snapshot(page));
      const entry = { n: ctx.step, kind, detail: '…' };
      ctx.steps.push(entry);
      if (kind === 'burst') {
        // Several quick steps without waiting for anything in between.
        ctx.rush = true;
        const parts = [];
        try {
          for (let i = d.int(3, 6); i > 0; i -= 1) {
            const k = pickKind(d, await snapshot(page));
            if (k === 'burst' || k === 'pause') continue;
            entry.detail = `${parts.join('; ')}; ${k} …`;
            parts.push(`${k}: ${await runOne(k)}`);
          }
        } finally {
          ctx.rush = false;
        }
        entry.detail = parts.join('; ');
      } else {
        entry.detail = await runOne(kind);
      }
      if (verbose) log(`  #${entry.n} ${entry.kind}: ${entry.detail}`);
      checkProblems();
      if (ctx.step % 10 === 0) await checkAlive();
      if (ctx.step % 100 === 0) log(`chaos: step ${ctx.step}/${steps}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    ctx.step = steps;
    checkProblems();
    await checkAlive();
  } catch (e) {
    const last = ctx.steps.slice(-30).map((s) => `  #${s.n} ${s.kind}: ${s.detail}`).join('\n');
    const message = `chaos walk failed at step ${ctx.step} (seed ${seed}): ${e.message}\nlast steps:\n${last}`;
    log(`chaos walk failed at step ${ctx.step}; repeat with CHAOS_SEED=${seed}`);
    const err = new Error(message);
    err.stack = `${message}\n${e.stack || ''}`;
    throw err;
  }
  ctx.seconds = (Date.now() - started) / 1000;
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// The second client: another analyst and a detector, working beside the walk

const FILES = [
  ['dropper.exe', 'C:\\Users\\Public\\dropper.exe'], ['invoice.pdf.exe', 'C:\\Users\\x\\Downloads\\invoice.pdf.exe'],
  ['update.js', 'C:\\ProgramData\\update.js'],
];

/** 64 hex digits derived from `text` (a plausible, stable SHA-256). */
function hex64(text) {
  let out = '';
  for (let i = 0; out.length < 64; i += 1) {
    const r = mulberry32([...`${text}#${i}`].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261));
    out += Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

/** A detector's new action of a random type, with a matching entity. */
function newAction(d, n, tag) {
  const types = Object.keys(TYPE_LABELS);
  const actionType = d.pick(types);
  const device = `CHAOS-${d.pick(['FIN', 'HR', 'ENG', 'OPS'])}-${String(d.int(1, 30)).padStart(2, '0')}${d.chance(0.1) ? '-OFFLINE' : ''}`;
  const person = `${d.pick(['ann', 'bo', 'cy', 'di'])}.${d.pick(['lee', 'ng', 'ortiz'])}${n}@contoso.com`;
  let category = 'device';
  let asset = { kind: 'device', id: `dev_chaos_${device}`, name: device };
  let entity;
  switch (actionType) {
    case 'quarantineFile': {
      const [name, path] = d.pick(FILES);
      entity = { kind: 'file', name, path, sha256: hex64(`${tag}${name}`) };
      break;
    }
    case 'killProcess': entity = { kind: 'process', name: 'evil.exe', path: 'C:\\Temp\\evil.exe', processId: d.int(100, 9000) }; break;
    case 'removeRegistryKey': entity = { kind: 'registryKey', name: 'Updater', key: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', valueName: 'Updater' }; break;
    case 'stopService': entity = { kind: 'service', name: 'Evil Service', serviceName: 'EvilSvc' }; break;
    case 'disableDriver': entity = { kind: 'driver', name: 'evil.sys', path: 'C:\\Windows\\System32\\drivers\\evil.sys' }; break;
    case 'removeScheduledTask': entity = { kind: 'scheduledTask', name: '\\Evil\\Task', path: 'C:\\Windows\\System32\\Tasks\\Evil\\Task' }; break;
    case 'softDeleteEmail':
      category = 'email';
      asset = { kind: 'mailbox', id: `mbx_chaos_${n}`, name: person };
      entity = { kind: 'email', name: 'Invoice overdue', subject: 'Invoice overdue', sender: 'billing@evil.example' };
      break;
    case 'blockUrl':
      category = 'email';
      asset = { kind: 'mailbox', id: `mbx_chaos_${n}`, name: person };
      entity = { kind: 'url', name: 'evil.example', url: 'https://evil.example/login' };
      break;
    case 'disableUser':
      category = 'identity';
      asset = { kind: 'user', id: `usr_chaos_${n}`, name: person };
      entity = { kind: 'user', name: 'Compromised User', upn: person };
      break;
    default: entity = { kind: 'device', name: device };
  }
  return {
    actionType, category, source: d.pick(['automatedInvestigation', 'antivirus', 'manual', 'advancedHunting', 'liveResponse']),
    asset, entity, investigationId: `inv_chaos_${d.int(1, 9)}`, requiresApproval: d.chance(0.7),
  };
}

/**
 * Starts the second client: every 300–700 ms it posts new actions as the detector (now and
 * then one file quarantined at once on several devices, for "Apply to N more instances"), or
 * approves / rejects a few pending ones of one type as bob, or (rarely) undoes a completed one.
 * `stop()` ends it and resolves with its tally once its last request is done; any answer it did
 * not expect (5xx, 4xx other than the races it causes) is listed in `unexpected`.
 */
function startSecondClient({ integration, bob, seed }) {
  const d = dice(mulberry32((seed ^ 0x9e3779b9) >>> 0));
  const tally = { posted: 0, decided: 0, undone: 0, unexpected: [] };
  let stopped = false;
  let n = 0;
  const expectStatus = (what, res, ok) => {
    if (!ok.includes(res.status)) tally.unexpected.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
  };
  const post = async (body) => {
    n += 1;
    const res = await integration.post('/actions', body, { 'Idempotency-Key': `chaos-${seed}-${n}` });
    expectStatus('POST /actions', res, [201]);
    if (res.status === 201) tally.posted += 1;
  };
  const once = async () => {
    const r = d.rng();
    if (r < 0.6) {
      await post(newAction(d, n, `${seed}${n}`));
    } else if (r < 0.72) {
      // One file on 2–3 devices, taken at once: completed quarantines with related instances.
      const base = newAction(d, n, '');
      const [name, path] = d.pick(FILES);
      const sha256 = hex64(`${seed}/${n}/${name}`);
      for (let i = d.int(2, 3); i > 0; i -= 1) {
        const device = `CHAOS-Q${n}-PC-${i}`;
        await post({
          ...base, actionType: 'quarantineFile', category: 'device', requiresApproval: false,
          asset: { kind: 'device', id: `dev_chaos_q${n}_${i}`, name: device },
          entity: { kind: 'file', name, path, sha256 },
        });
      }
    } else if (r < 0.95) {
      const list = await bob.get('/actions?view=pending&pageSize=50');
      expectStatus('GET /actions', list, [200]);
      const items = list.json?.items || [];
      if (!items.length) return;
      const first = d.pick(items);
      const group = d.sample(items.filter((a) => a.actionType === first.actionType), d.int(1, 2));
      const res = await bob.post('/decisions', {
        decision: d.chance(0.6) ? 'approve' : 'reject', comment: 'bob in the chaos test',
        actions: group.map((a) => ({ id: a.id })),
      }, { 'Idempotency-Key': `chaos-bob-${seed}-${n += 1}` });
      expectStatus('POST /decisions', res, [200]);
      if (res.status === 200) tally.decided += group.length;
    } else {
      const list = await bob.get('/actions?view=history&status=completed&pageSize=50');
      const item = (list.json?.items || []).find((a) => UNDOABLE.includes(a.actionType) && a.allowedOperations?.includes('undo'));
      if (!item) return;
      const res = await bob.post('/undo', { comment: 'bob undoes', actions: [{ id: item.id }] },
        { 'Idempotency-Key': `chaos-bob-undo-${seed}-${n += 1}` });
      // Alice undoing it first is an `alreadyUndone` outcome in a 200 answer, not a 409.
      expectStatus('POST /undo', res, [200]);
      if (res.status === 200) tally.undone += 1;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sleep(d.int(300, 700));
      if (stopped) break;
      try {
        await once();
      } catch (e) {
        tally.unexpected.push(`second client: ${e.message.split('\n')[0]}`);
      }
    }
  })();
  return {
    tally,
    stop: async () => {
      stopped = true;
      await loop;
      return tally;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The end check: the table answers and agrees with the API

const STATUS_LABELS = {
  pending: 'Pending', queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed',
  rejected: 'Rejected', expired: 'Expired', cancelled: 'Cancelled', undoing: 'Undoing', undone: 'Undone',
  undoFailed: 'Undo failed',
};

/** Records the page's list requests (not the one-row count requests for the other tab). */
function recordListRequests(page) {
  const seen = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.endsWith('/api/v1/actions') && req.method() === 'GET' && url.searchParams.get('pageSize') !== '1') {
      seen.push(url.search.replace(/^\?/, ''));
    }
  });
  return seen;
}


/** The query string of the page's latest list request, once one after `since` has been made. */
async function nextListQuery(requests, since, what) {
  await must(`${what}: the page asks for a list`, () => expect
    .poll(() => requests.length, { timeout: MUST }).toBeGreaterThan(since));
  return requests[requests.length - 1];
}

/** What the table shows: ids in order, their status badges, the pager's range text. */
async function tableNow(page) {
  const rows = await shownRows(page);
  const range = (await page.getByRole('navigation', { name: 'Pagination' }).locator('.ac-pager__range')
    .innerText({ timeout: QUICK }).catch(() => '')).trim();
  const empty = await page.locator('td.ac-empty').isVisible().catch(() => false);
  const tabCount = (await page.locator('[role="tab"][aria-selected="true"] .ac-tab__count')
    .innerText({ timeout: QUICK }).catch(() => '')).trim();
  return {
    ids: rows.map((r) => r.id), statuses: rows.map((r) => r.status), range, empty, tabCount,
  };
}

function pagerText(page, pageSize, total) {
  if (!total) return 'No rows';
  const first = (page - 1) * pageSize + 1;
  return `${first}–${Math.min(first + pageSize - 1, total)} of ${total}`;
}

/**
 * Refreshes, then waits (a few seconds at most) until the table shows exactly what the API
 * answers for the query the page asked: the same ids in the same order, with the same
 * statuses, the pager's range and, when nothing matches, the empty state.
 */
async function tableAgreesWithApi(page, analyst, requests, what) {
  const since = requests.length;
  await must(`${what}: Refresh`, () => page.getByRole('button', { name: 'Refresh' }).click({ timeout: MUST }));
  const query = await nextListQuery(requests, since, what);
  const params = new URLSearchParams(query);
  const deadline = Date.now() + 10_000;
  let last = null;
  for (;;) {
    const res = await analyst.get(`/actions?${query}`);
    if (res.status !== 200) throw new AppFailure(`${what}: the API answers ${res.status} for ?${query}: ${res.text}`);
    const want = {
      ids: res.json.items.map((a) => a.id),
      statuses: res.json.items.map((a) => STATUS_LABELS[a.status] || a.status),
      range: pagerText(Number(params.get('page') || 1), Number(params.get('pageSize') || 50), res.json.total),
      empty: res.json.items.length === 0,
      tabCount: String(res.json.total),
    };
    const shown = await tableNow(page);
    // A status column the walk hid cannot be compared; ids, order and range still are.
    if (shown.statuses.every((s) => s === null)) want.statuses = shown.statuses;
    if (JSON.stringify(shown) === JSON.stringify(want)) return { query, total: res.json.total, rows: want.ids.length };
    last = { shown, want };
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const diff = (a, b) => a.filter((x) => !b.includes(x));
  throw new AppFailure(`${what}: the table does not agree with the API for ?${query}\n`
    + `  shown: ${last.shown.ids.length} rows, range "${last.shown.range}", empty state ${last.shown.empty}\n`
    + `  API:   ${last.want.ids.length} rows, range "${last.want.range}", tab count ${last.want.tabCount} (shown ${last.shown.tabCount})\n`
    + `  only shown: ${diff(last.shown.ids, last.want.ids).join(' ') || '-'}\n`
    + `  only in API: ${diff(last.want.ids, last.shown.ids).join(' ') || '-'}\n`
    + `  shown ids: ${last.shown.ids.join(' ')}\n  API ids:   ${last.want.ids.join(' ')}\n`
    + `  shown statuses: ${last.shown.statuses.join(',')}\n  API statuses:   ${last.want.statuses.join(',')}`);
}

/** The address bar and the request agree: tab, filters, search, page and page size. */
function urlAgreesWithRequest(pageUrl, query, what) {
  const url = new URL(pageUrl).searchParams;
  const req = new URLSearchParams(query);
  const problems = [];
  const same = (name, a, b) => { if (a !== b) problems.push(`${name}: address bar ${a}, request ${b}`); };
  const tab = url.get('tab') || 'pending';
  same('view', tab, req.get('view') || 'pending');
  for (const key of ['actionType', 'status', 'source', 'category', 'entityKind']) {
    same(key, url.getAll(key).sort().join(','), req.getAll(key).sort().join(','));
  }
  same('q', (url.get('q') || '').trim(), (req.get('q') || '').trim());
  same('page', url.get('page') || '1', req.get('page') || '1');
  same('pageSize', url.get('pageSize') || '50', req.get('pageSize') || '50');
  if (url.get('sort')) same('sort', url.get('sort'), req.get('sort'));
  if (!url.get('range') && !url.get('from')) same('from', null, req.get('from'));
  if (problems.length) throw new AppFailure(`${what}: the address bar and the shown query differ (${pageUrl} vs ?${query}):\n  ${problems.join('\n  ')}`);
}

/**
 * After the walk: close the flyout, wait until the executor has nothing left in flight, then
 * the table must answer and agree with the API — for the view the walk left, and again for
 * the default Pending view with no filters.
 */
async function endCheck(page, analyst, requests) {
  if (await isFlyoutOpen(page)) {
    await page.keyboard.press('Escape');
    await must('the flyout closes at the end', () => expect(dialogOf(page)).toHaveCount(0, { timeout: MUST }));
  }
  await must('the executor settles', () => expect.poll(async () => (await analyst.get(
    '/actions?view=history&status=queued&status=running&status=undoing&pageSize=1',
  )).json.total, { timeout: 60_000, intervals: [250, 500, 1000] }).toBe(0));
  // Live updates still stream (or came back after a drop).
  await must('live updates are on at the end', () => expect(page.getByText('Live', { exact: true })).toBeVisible({ timeout: MUST }));
  // Live updates of the last changes arrive; then the status column is shown again.
  await sleep(1000);
  const columns = page.getByRole('group', { name: 'Columns' });
  if (!(await columns.isVisible())) await page.getByRole('button', { name: 'Columns' }).click();
  await columns.getByRole('button', { name: 'Reset columns' }).click();
  await page.keyboard.press('Escape');

  const left = await tableAgreesWithApi(page, analyst, requests, 'the view the walk left');
  urlAgreesWithRequest(page.url(), left.query, 'the view the walk left');

  // Back to the default view: Pending, no filters, no search.
  const clear = page.getByRole('group', { name: 'Filters' }).getByRole('button', { name: 'Clear filters' });
  if (await clear.isEnabled()) await clear.click();
  const search = page.getByRole('textbox', { name: 'Search' });
  await search.fill('');
  await search.press('Enter');
  await page.getByRole('tab', { name: /^Pending/ }).click();
  await must('Pending is selected', () => expect(page.getByRole('tab', { name: /^Pending/ })).toHaveAttribute('aria-selected', 'true'));
  const pending = await tableAgreesWithApi(page, analyst, requests, 'the default Pending view');
  urlAgreesWithRequest(page.url(), pending.query, 'the default Pending view');
  const req = new URLSearchParams(pending.query);
  for (const key of ['actionType', 'status', 'source', 'category', 'entityKind', 'q', 'from', 'to']) {
    if (req.has(key)) throw new AppFailure(`the default Pending view still asks for ${key}: ?${pending.query}`);
  }
  return { left, pending };
}

module.exports = {
  endCheck, tableAgreesWithApi,
  mulberry32, dice, walk, startSecondClient, recordListRequests, STATUS_LABELS, KINDS, shownRows,
  AppFailure, Skip,
};
