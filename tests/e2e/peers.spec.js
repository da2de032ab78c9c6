// Issue 14: separation of duties (four eyes, no self-approval), the active-containment view and
// retry of failures — through the real app, real server, real Chromium; two analysts in two
// browsers where the flow needs them.
const { test, expect, signIn, expectNoA11yViolations, TOKENS } = require('./fixtures');
const { rowOf, searchFor, showHistory, openFlyout, waitForServer, flyoutTitle } = require('./ui');

/** A pending isolation of a device with `tags`, submitted by the integration account. */
async function submitIsolation(api, key, { tags = [], requester } = {}) {
  const integration = await api(TOKENS.integration);
  const body = {
    actionType: 'isolateDevice', category: 'device', source: 'manual',
    asset: { kind: 'device', id: `dev_${key}`, name: `SRV-${key.toUpperCase()}-01`, tags },
    entity: { kind: 'device', name: `SRV-${key.toUpperCase()}-01` },
    requiresApproval: true,
  };
  if (requester) Object.assign(body, { requestedBy: requester, requestedById: requester });
  const res = await integration.post('/actions', body, { 'Idempotency-Key': `peers-${key}` });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

/** Approve → Confirm approve inside the flyout. */
async function approveIn(dialog) {
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
}

test('four eyes: the first approval is recorded, the second analyst in another browser approves it', async ({ page, browser, api, baseURL, consoleGuard }) => {
  const action = await submitIsolation(api, 'dcfour', { tags: ['domain-controller'] });
  expect(action.requiredApprovals).toBe(2);

  await signIn(page, TOKENS.analyst);
  await searchFor(page, action.id);
  await expect(rowOf(page, action.id)).toContainText('0 of 2 approvals');
  const alice = await openFlyout(page, action);
  await expect(alice).toContainText('0 of 2 approvals');
  await approveIn(alice);
  await expect(alice).toContainText('1 of 2 approvals');
  await expect(alice).toContainText('Approved by Alice Analyst');
  await expect(alice).toContainText("You have approved it already; it needs another responder's approval.");
  await expect(alice.getByRole('button', { name: 'Approve', exact: true })).toBeHidden();
  await expect(alice.getByRole('button', { name: 'Reject', exact: true })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(rowOf(page, action.id)).toContainText('1 of 2 approvals');

  // Bob, in a browser of his own.
  const context = await browser.newContext({ baseURL });
  const second = await context.newPage();
  second.on('pageerror', (err) => consoleGuard.problems.push(`second page error: ${err.message}`));
  second.on('console', (msg) => {
    if (msg.type() === 'error') consoleGuard.problems.push(`second console.error: ${msg.text()}`);
  });
  await signIn(second, TOKENS.analyst2);
  await searchFor(second, action.id);
  const bob = await openFlyout(second, action);
  await expect(bob).toContainText('1 of 2 approvals');
  await approveIn(bob);
  const decided = await waitForServer(await api(), action.id, (a) => a.status !== 'pending');
  expect(decided.decision.by).toBe('bob@example.com');
  expect(decided.approvals.map((a) => a.byId)).toEqual(['alice@example.com', 'bob@example.com']);
  await expect(bob).toContainText(/Status(Queued|Running|Completed)/);
  const timeline = (await (await api()).get(`/actions/${action.id}/timeline`)).json;
  expect(timeline.slice(1, 3).map((e) => [e.event, e.actor])).toEqual([
    ['approvalRecorded', 'alice@example.com'],
    ['approved', 'bob@example.com'],
  ]);
  // Alice's open page hears of it live: the row leaves Pending.
  await expect(rowOf(page, action.id)).toHaveCount(0, { timeout: 15_000 });
  await context.close();
});

test('self-approval is refused: the requester sees why Approve is missing, and the server says no', async ({ page, api }) => {
  const action = await submitIsolation(api, 'own', { requester: 'alice@example.com' });
  await signIn(page, TOKENS.analyst);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  await expect(dialog).toContainText('You requested this action, so another responder must approve it.');
  await expect(dialog.getByRole('button', { name: 'Approve', exact: true })).toBeHidden();
  await expect(dialog.getByRole('button', { name: 'Reject', exact: true })).toBeVisible();
  await expectNoA11yViolations(page);
  const refused = await (await api(TOKENS.analyst)).post('/decisions', {
    decision: 'approve', actions: [{ id: action.id }],
  });
  expect(refused.json.results[0].outcome).toBe('selfApprovalRefused');
  expect(refused.json.results[0].action.status).toBe('pending');
});

test('active containment: what is in force, grouped by asset in the flyout, and an undo from there takes it out', async ({ page, api }) => {
  const viewer = await api(TOKENS.viewer);
  // The first page as the tab shows it (asset order), and an asset held by two or more actions.
  const contained = (await viewer.list('view=contained&sort=asset:asc&pageSize=50'));
  expect(contained.items.length).toBeGreaterThan(0);
  const byAsset = new Map();
  for (const a of contained.items) byAsset.set(a.asset.id, [...(byAsset.get(a.asset.id) || []), a]);
  const group = [...byAsset.values()].find((g) => g.length >= 2 && g.some((a) => a.entity.name !== g[0].entity.name));
  expect(group, 'an asset with two actions in force').toBeTruthy();
  const first = group[0];
  const second = group.find((a) => a.entity.name !== first.entity.name);

  await signIn(page, TOKENS.analyst);
  const tab = page.getByRole('tab', { name: /^Contained/ });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  // Counted like the other tabs.
  await expect(tab).toHaveAccessibleName(/^Contained [\d,]+\+?$/);
  await expect(page.getByRole('table', { name: 'Actions in force' })).toBeVisible();
  await expect(page).toHaveURL(/tab=contained/);
  await expect(rowOf(page, first.id)).toBeVisible();
  await expectNoA11yViolations(page);

  // The flyout lists what holds the same asset: since when, who approved, a way to open each.
  let dialog = await openFlyout(page, first);
  const inForce = dialog.getByRole('region', { name: `In force on ${first.asset.name}` });
  await expect(inForce).toContainText(/\d+ actions in force/);
  await expect(inForce).toContainText('(this action)');
  await expect(inForce).toContainText('In force since');
  const other = inForce.getByRole('button', { name: new RegExp(second.entity.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).first();
  await expect(other).toBeVisible();
  await expectNoA11yViolations(page);
  await other.click();
  dialog = page.getByRole('dialog', { name: flyoutTitle(second) });
  await expect(dialog).toContainText(second.id);

  // Undo from there: it leaves the view.
  await dialog.getByRole('button', { name: 'Undo', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm undo' }).click();
  await waitForServer(await api(), second.id, (a) => a.status !== 'completed');
  await page.keyboard.press('Escape');
  await expect(rowOf(page, second.id)).toHaveCount(0, { timeout: 15_000 });
  const after = (await viewer.list('view=contained&pageSize=200')).items.map((a) => a.id);
  expect(after).not.toContain(second.id);
});

test('a failed action is retried from its flyout: a new attempt, shown in the timeline', async ({ page, api }) => {
  const analyst = await api();
  const failed = (await analyst.list('view=history&status=failed')).items;
  expect(failed.length).toBeGreaterThan(0);
  const action = failed[0];
  expect(action.allowedOperations).toContain('retry');
  await signIn(page, TOKENS.analyst);
  await showHistory(page);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  await expect(dialog).toContainText('Attempt 1 failed');
  await dialog.getByRole('button', { name: 'Retry', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Comment' }).fill('agent reachable again');
  await dialog.getByRole('button', { name: 'Confirm retry' }).click();
  const retried = await waitForServer(analyst, action.id, (a) => a.attempt === 2);
  expect(retried.decision).toEqual(action.decision);
  await expect(dialog).toContainText('Retried');
  const timeline = (await analyst.get(`/actions/${action.id}/timeline`)).json;
  const entry = timeline.find((e) => e.event === 'retried');
  expect([entry.fromStatus, entry.toStatus, entry.comment]).toEqual(['failed', 'queued', 'agent reachable again']);
});
