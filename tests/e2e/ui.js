// UI helpers shared by the Action Center specs: find rows and the flyout the way an analyst
// (or a screen reader) does — by role and accessible name.
const { expect } = require('./fixtures');

const TYPE_LABELS = {
  isolateDevice: 'Isolate device',
  restrictCodeExecution: 'Restrict code execution',
  quarantineFile: 'Quarantine file',
  removeRegistryKey: 'Remove registry key',
  stopService: 'Stop service',
  disableDriver: 'Disable driver',
  removeScheduledTask: 'Remove scheduled task',
  runAntivirusScan: 'Run antivirus scan',
  collectInvestigationPackage: 'Collect investigation package',
  killProcess: 'Kill process',
  softDeleteEmail: 'Soft delete email',
  blockUrl: 'Block URL',
  disableUser: 'Disable user',
};

const UNDOABLE = [
  'isolateDevice', 'restrictCodeExecution', 'quarantineFile', 'removeRegistryKey',
  'stopService', 'disableDriver', 'removeScheduledTask',
];

/** The flyout's accessible name, e.g. "Quarantine file on FIN-LAPTOP-07". */
function flyoutTitle(action) {
  return `${TYPE_LABELS[action.actionType]} on ${action.asset.name}`;
}

/** The row checkbox of an action. */
function checkboxOf(page, id) {
  return page.getByRole('checkbox', { name: `Select ${id}`, exact: true });
}

/** The table row of an action. */
function rowOf(page, id) {
  return page.getByRole('row').filter({ has: checkboxOf(page, id) });
}

/** Types a search and waits until the list shows the row of `id`. */
async function searchFor(page, text, id = text) {
  const box = page.getByRole('textbox', { name: 'Search' });
  await box.fill(text);
  await box.press('Enter');
  await expect(rowOf(page, id)).toBeVisible();
}

/** Opens the History tab (the tab's name may carry a count). */
async function showHistory(page) {
  await page.getByRole('tab', { name: /History/ }).click();
  await expect(page.getByRole('tab', { name: /History/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('table')).toContainText('Decided by');
}

/** Clicks the row of `action` (not its checkbox) and returns the open flyout. */
async function openFlyout(page, action) {
  await rowOf(page, action.id).getByRole('cell').nth(2).click();
  const dialog = page.getByRole('dialog', { name: flyoutTitle(action) });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** Waits until `check(action)` holds for the action as the server sees it. */
async function waitForServer(client, id, check, timeout = 15_000) {
  await expect
    .poll(async () => check((await client.get(`/actions/${id}`)).json), { timeout })
    .toBe(true);
  return (await client.get(`/actions/${id}`)).json;
}

/**
 * Of the actions in `items`, the first action type that has at least `n` actions matching
 * `filter`, and those actions.
 */
function groupOfOneType(items, n, filter = () => true) {
  const byType = new Map();
  for (const a of items.filter(filter)) {
    if (!byType.has(a.actionType)) byType.set(a.actionType, []);
    byType.get(a.actionType).push(a);
  }
  for (const [type, list] of byType) {
    if (list.length >= n) return { type, actions: list.slice(0, n) };
  }
  return null;
}

module.exports = {
  TYPE_LABELS, UNDOABLE, flyoutTitle, checkboxOf, rowOf, searchFor, showHistory, openFlyout,
  waitForServer, groupOfOneType,
};
