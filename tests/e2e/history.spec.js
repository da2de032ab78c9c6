// Issue 5: the History tab and undo — one, several of one action type, "Apply to N more
// instances of this file", a failed undo retried, and what a viewer is (not) offered.
const { test, expect, signIn, TOKENS } = require('./fixtures');
const {
  UNDOABLE, checkboxOf, rowOf, searchFor, showHistory, openFlyout, waitForServer, groupOfOneType,
} = require('./ui');

const OFFLINE = /OFFLINE/;

/** Completed, undoable, on a device whose undo succeeds, not a quarantine (no related files). */
const plainUndoable = (a) => a.status === 'completed'
  && UNDOABLE.includes(a.actionType)
  && a.actionType !== 'quarantineFile'
  && !OFFLINE.test(a.asset.name);

async function historyItems(api, query = '') {
  return (await (await api()).get(`/actions?view=history&pageSize=200&${query}`)).json.items;
}

/** Shows 200 rows per page so that the whole demo history is on one page. */
async function showAllHistory(page) {
  await showHistory(page);
  await page.getByRole('combobox', { name: 'Rows per page' }).selectOption('200');
  await expect(page.getByText(/Page 1 of 2|Page 1 of 1/)).toBeVisible();
}

test('the History tab lists every status but pending, with who decided and failure reasons', async ({ page, api }) => {
  await signIn(page);
  await showAllHistory(page);
  const items = await historyItems(api);
  expect(items.some((a) => a.status === 'pending')).toBe(false);
  const table = page.getByRole('table');
  for (const status of ['Completed', 'Failed', 'Rejected', 'Expired', 'Cancelled', 'Undone', 'Undo failed']) {
    await expect(table.getByText(status, { exact: true }).first()).toBeVisible();
  }
  const failed = items.find((a) => a.status === 'failed' && a.error);
  await expect(rowOf(page, failed.id)).toContainText(failed.error);
  const decided = items.find((a) => a.decision && a.decision.by);
  await expect(rowOf(page, decided.id)).toContainText(decided.decision.by);
});

test('undo one completed action', async ({ page, api }) => {
  await signIn(page);
  const action = (await historyItems(api, 'status=completed')).find(plainUndoable);
  await showHistory(page);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('restored after review');
  await dialog.getByRole('button', { name: 'Confirm undo' }).click();
  await expect(page.getByRole('status')).toContainText(/1 (undo requested|undone)/);
  await expect(page.getByRole('status')).toContainText('1 undone');

  const stored = await waitForServer(await api(), action.id, (a) => a.status === 'undone');
  expect(stored.undo).toMatchObject({ state: 'succeeded', by: 'alice@example.com', comment: 'restored after review' });
  // The pane and the row update as the executor finishes; Undo is no longer offered.
  await expect(dialog.getByRole('region', { name: 'Details' }).getByText('Undone', { exact: true })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Undo', exact: true })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(rowOf(page, action.id)).toContainText('Undone');
});

test('undo several actions of one type together', async ({ page, api }) => {
  await signIn(page);
  await showAllHistory(page);
  const group = groupOfOneType(await historyItems(api), 3, plainUndoable);
  expect(group, 'three completed actions of one undoable type').not.toBeNull();
  for (const a of group.actions) await checkboxOf(page, a.id).check();

  const bar = page.getByRole('region', { name: 'Selected actions' });
  await expect(bar).toContainText('3 selected');
  await bar.getByRole('button', { name: 'Undo', exact: true }).click();
  await bar.getByRole('button', { name: 'Confirm undo' }).click();
  await expect(page.getByRole('status')).toContainText('3 undone', { timeout: 20_000 });
  for (const a of group.actions) {
    await waitForServer(await api(), a.id, (x) => x.status === 'undone');
    await expect(rowOf(page, a.id)).toContainText('Undone');
  }
});

test('undo is blocked, with the rule shown, for mixed types, unfinished and non-undoable actions', async ({ page, api }) => {
  await signIn(page);
  await showAllHistory(page);
  const items = await historyItems(api);
  const first = items.find(plainUndoable);
  const otherType = items.find((a) => plainUndoable(a) && a.actionType !== first.actionType);
  const bar = page.getByRole('region', { name: 'Selected actions' });
  const undo = bar.getByRole('button', { name: 'Undo', exact: true });

  await checkboxOf(page, first.id).check();
  await checkboxOf(page, otherType.id).check();
  await expect(undo).toBeDisabled();
  await expect(bar).toContainText('Select actions of the same action type');
  await page.getByRole('button', { name: 'Clear selection' }).click();

  const notCompleted = items.find((a) => a.actionType === first.actionType
    && ['failed', 'rejected', 'expired', 'cancelled'].includes(a.status))
    || items.find((a) => a.actionType === first.actionType && a.status === 'undone');
  await checkboxOf(page, first.id).check();
  await checkboxOf(page, notCompleted.id).check();
  await expect(undo).toBeDisabled();
  await expect(bar).toContainText(notCompleted.id);
  await page.getByRole('button', { name: 'Clear selection' }).click();

  const scan = items.find((a) => a.actionType === 'runAntivirusScan' && a.status === 'completed');
  await checkboxOf(page, scan.id).check();
  await expect(undo).toBeDisabled();
  await expect(bar).toContainText('Run antivirus scan actions cannot be undone');
});

test('a quarantined file with other instances: Undo releases it on all N + 1 devices', async ({ page, api }) => {
  await signIn(page);
  const quarantines = await historyItems(api, 'actionType=quarantineFile&status=completed');
  let action = null;
  let related = null;
  for (const q of quarantines) {
    const r = (await (await api()).get(`/actions/${q.id}/related-instances`)).json;
    if (r.count >= 2) { action = q; related = r; break; }
  }
  expect(action, 'a completed quarantine with other instances').not.toBeNull();

  await showHistory(page);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  const apply = dialog.getByRole('checkbox', { name: `Apply to ${related.count} more instances of this file` });
  await expect(apply).toBeVisible();
  for (const other of related.items) await expect(dialog).toContainText(other.asset.name);
  await apply.check();
  await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
  await expect(dialog).toContainText(`on ${related.count + 1} devices`);
  await dialog.getByRole('button', { name: 'Confirm undo' }).click();
  await expect(page.getByRole('status')).toContainText(`${related.count + 1} undone`, { timeout: 20_000 });

  for (const id of [action.id, ...related.items.map((a) => a.id)]) {
    await waitForServer(await api(), id, (a) => a.status === 'undone');
  }
});

test('an undo that failed can be retried', async ({ page, api }) => {
  await signIn(page);
  const action = (await historyItems(api, 'status=completed'))
    .find((a) => OFFLINE.test(a.asset.name) && UNDOABLE.includes(a.actionType) && a.actionType !== 'quarantineFile');
  expect(action, 'a completed action on the offline device').toBeTruthy();
  await showHistory(page);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm undo' }).click();

  // The device is offline: the first attempt fails, in plain words.
  await expect(page.getByRole('status')).toContainText(/1 failed: .*offline/i, { timeout: 20_000 });
  await expect(dialog.getByRole('region', { name: 'Details' }).getByText('Undo failed', { exact: true })).toBeVisible();
  await expect(dialog).toContainText('The last undo failed');

  // Offered both ways: Undo again, or Retry (ui.md) — here Retry.
  await expect(dialog.getByRole('button', { name: 'Undo', exact: true })).toBeVisible();
  await dialog.getByRole('button', { name: 'Retry', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm retry' }).click();
  await expect(page.getByRole('status')).toContainText('1 undo retried', { timeout: 20_000 });
  await waitForServer(await api(), action.id, (a) => a.status === 'undone');
  await page.keyboard.press('Escape');
  await expect(rowOf(page, action.id)).toContainText('Undone');
});

test('a viewer is offered no Undo', async ({ page, api }) => {
  await signIn(page, TOKENS.viewer);
  const action = (await historyItems(api, 'status=completed')).find(plainUndoable);
  await showHistory(page);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  await expect(dialog.getByRole('button', { name: 'Go hunt' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Undo', exact: true })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await checkboxOf(page, action.id).check();
  const bar = page.getByRole('region', { name: 'Selected actions' });
  await expect(bar).toContainText('1 selected');
  await expect(bar.getByRole('button', { name: 'Undo', exact: true })).toHaveCount(0);
});
