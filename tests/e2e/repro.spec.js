// Issue 10: the sequence that used to panic the wasm module ("Tried to access a reactive value that
// has already been disposed") about every other time, repeated 50 times in one page:
// History → open a completed Quarantine file with other instances → tick "Apply to N more
// instances of this file" → Undo, confirm → Escape while the undo is still in progress →
// Pending tab → search for an action id → open that row.
const { test, expect, signIn, TOKENS } = require('./fixtures');
const { rowOf, searchFor, showHistory, openFlyout } = require('./ui');

const ROUNDS = 50;
const DEVICES_PER_FILE = 3;

/** `ROUNDS` files, each quarantined (taken at once, no approval) on a few devices. */
async function quarantineFiles(api) {
  const integration = await api(TOKENS.integration);
  const groups = [];
  for (let round = 0; round < ROUNDS + 10; round += 1) {
    const sha256 = (`${round.toString(16)}f`.repeat(64)).slice(0, 64);
    const ids = [];
    for (let device = 0; device < DEVICES_PER_FILE; device += 1) {
      const res = await integration.post('/actions', {
        actionType: 'quarantineFile', category: 'device', source: 'antivirus',
        asset: { kind: 'device', id: `dev_r${round}_${device}`, name: `REPRO-${round}-PC-${device}` },
        entity: { kind: 'file', name: `dropper-${round}.exe`, sha256, path: `C:\\Temp\\dropper-${round}.exe` },
        requiresApproval: false,
      }, { 'Idempotency-Key': `repro-${round}-${device}` });
      expect(res.status, res.text).toBe(201);
      ids.push(res.json.id);
    }
    groups.push(ids);
  }
  return groups;
}

/** Per file: one completed quarantine and how many other completed instances it has. */
async function settledGroups(api, groups) {
  const analyst = await api();
  const all = groups.flat();
  await expect.poll(async () => {
    let settled = 0;
    for (const id of all) {
      const { status } = (await analyst.get(`/actions/${id}`)).json;
      if (status === 'completed' || status === 'failed') settled += 1;
    }
    return settled;
  }, { timeout: 60_000 }).toBe(all.length);
  const usable = [];
  for (const ids of groups) {
    const actions = [];
    for (const id of ids) actions.push((await analyst.get(`/actions/${id}`)).json);
    const completed = actions.filter((a) => a.status === 'completed');
    if (completed.length >= 2) usable.push({ action: completed[0], others: completed.length - 1 });
  }
  return usable;
}

test('the undo-then-Escape-then-search sequence, 50 times, never panics', async ({ page, api }) => {
  test.setTimeout(300_000);
  const groups = await quarantineFiles(api);
  const usable = (await settledGroups(api, groups)).slice(0, ROUNDS);
  expect(usable.length, 'files with other completed instances').toBe(ROUNDS);
  const pending = (await (await api()).get('/actions?view=pending&pageSize=200')).json.items;
  expect(pending.length).toBeGreaterThan(1);

  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Keep the undo in flight a little, so that Escape always lands while it is in progress.
  await page.route('**/api/v1/undo', async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    await route.continue();
  });

  await signIn(page);
  const fatal = page.locator('.ac-fatal');
  for (let round = 0; round < ROUNDS; round += 1) {
    const { action, others } = usable[round];
    await showHistory(page);
    await searchFor(page, action.id);
    const dialog = await openFlyout(page, action);
    const label = others === 1 ? 'Apply to 1 more instance of this file' : `Apply to ${others} more instances of this file`;
    await dialog.getByRole('checkbox', { name: label }).check();
    await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
    await dialog.getByRole('button', { name: 'Confirm undo' }).click();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();

    await page.getByRole('tab', { name: /Pending/ }).click();
    const target = pending[round % pending.length];
    await searchFor(page, target.id);
    const opened = await openFlyout(page, target);
    await expect(opened).toContainText(target.id);
    await expect(fatal, `round ${round}`).toHaveCount(0);
    expect(pageErrors, `round ${round}`).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(opened).toBeHidden();
    // The search stays in the URL between rounds; History starts each round clean.
    await page.getByRole('textbox', { name: 'Search' }).fill('');
    await page.getByRole('textbox', { name: 'Search' }).press('Enter');
  }

  // Every undo was carried out, though no flyout was watching it.
  const analyst = await api();
  for (const { action } of usable) {
    await expect.poll(async () => (await analyst.get(`/actions/${action.id}`)).json.status, { timeout: 30_000 })
      .toMatch(/undone|undoFailed/);
  }
  // And the page still answers.
  await searchFor(page, pending[0].id);
  await expect(rowOf(page, pending[0].id)).toBeVisible();
  await expect(fatal).toHaveCount(0);
});
