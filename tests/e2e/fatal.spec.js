// Issue 10: the last line of defence. If the wasm module ever panics, every instance on the page
// shows a readable notice (role alert, "Action Center stopped", the message for support and a
// "Reload" button) instead of a frozen page, and embedded hosts hear `actioncenter:fatal`.
// The panic is triggered on purpose through the loader's test-only entry point.
const { test, expect, signIn } = require('./fixtures');

/** Makes the running wasm module panic, from the page, through the stable entry. */
async function panicOnPurpose(page, message) {
  await page.evaluate(async (text) => {
    const entry = await import('/action-center-embed.js');
    // The panic surfaces as an exception from the wasm call: that is the point.
    try { await entry.__testPanic(text); } catch (_) { /* expected */ }
  }, message);
}

test('standalone: a panic shows the fatal notice, and Reload brings the app back', async ({ page, consoleGuard }) => {
  consoleGuard.allow(/deliberate test panic|panicked at|RuntimeError: unreachable/);
  await signIn(page);
  await expect(page.getByRole('table')).toBeVisible();

  await panicOnPurpose(page, 'standalone check');
  const notice = page.getByRole('alert').filter({ hasText: 'Action Center stopped' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('deliberate test panic: standalone check');
  // The frozen app is gone, so nothing dead stays clickable.
  await expect(page.getByRole('table')).toHaveCount(0);
  const reload = notice.getByRole('button', { name: 'Reload' });
  await expect(reload).toBeFocused();

  await reload.click();
  // The session survives the reload (sessionStorage): the app is back and answers.
  await expect(page.getByRole('table')).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'Action Center stopped' })).toHaveCount(0);
  await page.getByRole('tab', { name: /History/ }).click();
  await expect(page.getByRole('tab', { name: /History/ })).toHaveAttribute('aria-selected', 'true');
});

test('embedded: every instance shows the notice and its host gets actioncenter:fatal', async ({ page, consoleGuard }) => {
  consoleGuard.allow(/deliberate test panic|panicked at|RuntimeError: unreachable/);
  await page.goto('/embed-example.html?instances=2');
  const one = page.locator('#portal-slot');
  const two = page.locator('#portal-slot-2');
  await expect(one.getByRole('table')).toBeVisible();
  await expect(two.getByRole('table')).toBeVisible();

  await panicOnPurpose(page, 'embedded check');
  for (const slot of [one, two]) {
    const notice = slot.getByRole('alert').filter({ hasText: 'Action Center stopped' });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('deliberate test panic: embedded check');
    await expect(notice.getByRole('button', { name: 'Reload' })).toBeVisible();
  }
  const fatal = await page.evaluate(() => window.hostEvents.filter((e) => e.type === 'actioncenter:fatal'));
  expect(fatal.map((e) => e.slot).sort()).toEqual(['portal-slot', 'portal-slot-2']);
  for (const event of fatal) expect(event.detail.message).toContain('deliberate test panic: embedded check');
  // The host page itself still works (its own "Unmount" button cleans up the dead instances).
  await page.getByRole('button', { name: 'Unmount' }).click();
  await expect(page.locator('[data-action-center]')).toHaveCount(0);
});
