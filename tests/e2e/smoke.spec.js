// The walking skeleton, end to end: the release build served by the real server shows the
// pending actions that the API reads from SQLite, under a strict Content-Security-Policy.
const { test, expect, signIn } = require('./fixtures');

test('a signed-in analyst sees the real pending actions from the server', async ({ page, api }) => {
  const response = await page.goto('/');
  const csp = response.headers()['content-security-policy'] || '';
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).not.toContain("'unsafe-inline'");

  await signIn(page);
  const pending = await (await api()).get('/actions?view=pending&pageSize=50');
  expect(pending.status).toBe(200);
  expect(pending.json.total).toBeGreaterThan(0);

  const table = page.getByRole('table').or(page.getByRole('grid'));
  await expect(table).toBeVisible();
  for (const action of pending.json.items.slice(0, 5)) {
    await expect(page.getByRole('checkbox', { name: `Select ${action.id}` })).toBeVisible();
  }
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
});
