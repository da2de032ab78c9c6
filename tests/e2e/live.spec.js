// Issue 10: live updates are read with fetch (the token in the Authorization header, never in the
// URL), and a dropped stream comes back with Last-Event-ID, so what changed meanwhile arrives.
const { test, expect, signIn, TOKENS } = require('./fixtures');
const { showHistory, searchFor } = require('./ui');

const isEvents = (request) => new URL(request.url()).pathname.endsWith('/api/v1/events');

/** The newest event id the server has issued: the `id:` of a fresh stream's opening block. */
async function currentEventId(baseURL) {
  const controller = new AbortController();
  const res = await fetch(`${baseURL}/api/v1/events`, {
    headers: { Authorization: `Bearer ${TOKENS.analyst}`, Accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const reader = res.body.getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  return text.match(/^id: ?(\d+)$/m)[1];
}

test('the stream is read with fetch and the header, never a token in the URL', async ({ page }) => {
  const opened = [];
  page.on('request', (r) => { if (isEvents(r)) opened.push(r); });
  await signIn(page);
  await expect(page.locator('.ac-feed__text')).toHaveText('Live');
  expect(opened.length).toBe(1);
  expect(opened[0].url()).not.toContain('token');
  expect(await opened[0].headerValue('authorization')).toBe(`Bearer ${TOKENS.analyst}`);
  expect(await opened[0].headerValue('accept')).toBe('text/event-stream');
});

test('a dropped stream resumes from its last event id and gets what changed meanwhile', async ({ page, api, baseURL }) => {
  const bob = await api(TOKENS.analyst2);
  const undoable = (await bob.list('view=history&status=completed')).items
    .find((a) => a.allowedOperations.includes('undo') && !a.asset.name.includes('OFFLINE'));
  const since = await currentEventId(baseURL);

  // The first stream is the server's opening block alone, held until the change below, then it
  // ends; every later stream is the real one.
  let release;
  const changed = new Promise((r) => { release = r; });
  const resumed = [];
  await page.route('**/api/v1/events', async (route) => {
    if (resumed.length === 0) {
      resumed.push(null);
      await changed;
      return route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `retry: 300\nid: ${since}\n: connected\n\n`,
      });
    }
    resumed.push(await route.request().headerValue('last-event-id'));
    return route.fallback();
  });

  await signIn(page);
  await showHistory(page);
  await searchFor(page, undoable.id);
  const row = page.locator(`tr[data-action-id="${undoable.id}"]`);
  await expect(row).toContainText('Completed');
  const res = await bob.post('/undo', { actions: [{ id: undoable.id }] }, { 'Idempotency-Key': `live-${Date.now()}` });
  expect(res.status).toBe(200);
  release();

  // Reconnected with the id it had; the server replays the change it missed.
  await expect.poll(() => resumed[1], { timeout: 10_000 }).toBe(since);
  await expect(row).toContainText(/Undoing|Undone/, { timeout: 10_000 });
  await expect(page.locator('.ac-feed__text')).toHaveText('Live');
});
