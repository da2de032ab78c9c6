// Issue 14: signed webhooks, end to end. A receiver of our own (plain Node, the way a SOAR or SIEM
// integrator would write one) checks every delivery's HMAC signature over the raw body and its
// replay window; an analyst approves an action in the real app; the receiver, down at first,
// gets every change of that action — in order — once it is back.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { test: base, expect, signIn, startServer, TOKENS } = require('./fixtures');
const { searchFor, openFlyout, waitForServer } = require('./ui');

const SECRET = crypto.randomBytes(24).toString('hex');
const REPLAY_WINDOW_S = 300;

/** The receiver's check: `t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, `t` recent. */
function verify(secret, header, raw) {
  const parts = Object.fromEntries(
    String(header || '').split(',').map((p) => p.split('=', 2)).filter((p) => p.length === 2),
  );
  const t = parts.t || '';
  if (!/^\d+$/.test(t)) return 'no timestamp';
  if (Math.abs(Date.now() / 1000 - Number(t)) > REPLAY_WINDOW_S) return 'outside the replay window';
  const expected = crypto.createHmac('sha256', secret).update(`${t}.`).update(raw).digest();
  const given = Buffer.from(parts.v1 || '', 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return 'bad signature';
  return null;
}

/** A receiver on a free port: answers 503 while `down`, else checks and records each delivery. */
async function startReceiver() {
  const state = { down: true, refused: 0, rejected: [], events: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (state.down) {
        state.refused += 1;
        res.writeHead(503).end('down for maintenance');
        return;
      }
      const problem = verify(SECRET, req.headers['action-center-signature'], raw);
      if (problem) {
        state.rejected.push(problem);
        res.writeHead(401).end(problem);
        return;
      }
      const event = JSON.parse(raw.toString('utf8'));
      state.events.push({ event, raw: raw.toString('utf8'), headerId: req.headers['action-center-event-id'] });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/hooks/action-center`;
  return { url, state, close: () => new Promise((resolve) => server.close(resolve)) };
}

const test = base.extend({
  receiver: async ({}, use) => {
    const receiver = await startReceiver();
    await use(receiver);
    await receiver.close();
  },
  // The per-test server, with the receiver configured (its secret in a file, as in production).
  server: async ({ receiver }, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ac-e2e-hooks-'));
    const secretFile = path.join(dir, 'secrets');
    fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const server = await startServer({
      extraArgs: ['--webhook', receiver.url, '--webhook-secret-file', secretFile, '--webhook-backoff-ms', '250'],
    });
    await use(server);
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  },
});

test('a webhook receiver verifies every event of an approval made in the app, and gets them again after it was down', async ({ page, api, baseURL, receiver }) => {
  test.setTimeout(90_000);
  const integration = await api(TOKENS.integration);
  const created = await integration.post('/actions', {
    actionType: 'isolateDevice', category: 'device', source: 'manual',
    asset: { kind: 'device', id: 'dev_hook_1', name: 'HOOK-LAPTOP-01' },
    entity: { kind: 'device', name: 'HOOK-LAPTOP-01' },
    requiresApproval: true,
  }, { 'Idempotency-Key': 'e2e-webhook-1' });
  expect(created.status, created.text).toBe(201);
  const action = created.json;

  // The receiver is down: deliveries fail and wait for their next attempt.
  await expect.poll(() => receiver.state.refused, { timeout: 15_000 }).toBeGreaterThan(0);

  await signIn(page, TOKENS.analyst);
  await searchFor(page, action.id);
  const dialog = await openFlyout(page, action);
  await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
  await dialog.getByRole('button', { name: 'Confirm approve' }).click();
  const done = await waitForServer(await api(), action.id, (a) => ['completed', 'failed'].includes(a.status), 20_000);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Failures are counted for the operator and the deliveries listed.
  const metrics = await (await fetch(`${baseURL}/metrics`)).text();
  expect(metrics).toMatch(/action_center_webhook_deliveries_total\{[^}]*outcome="failed"[^}]*\} [1-9]/);
  const failing = await (await fetch(`${baseURL}/webhooks/deliveries?state=failing`)).json();
  expect(failing.deliveries.some((d) => d.actionId === action.id)).toBe(true);
  expect(JSON.stringify(failing)).not.toContain(SECRET);

  // Back up: every change of the action arrives, signed, once the backoff has run out.
  receiver.state.down = false;
  const ofAction = () => receiver.state.events.filter((e) => e.event.action.id === action.id);
  await expect
    .poll(() => ofAction().some((e) => e.event.action.version === done.version), { timeout: 30_000 })
    .toBe(true);

  expect(receiver.state.rejected, 'every delivery carried a valid, fresh signature').toEqual([]);
  for (const { event, headerId } of receiver.state.events) {
    expect(event.type).toBe('action.changed');
    expect(headerId).toBe(event.id);
    expect(event.action.allowedOperations || []).toEqual([]);
  }
  // At least once: a repeated id carries the same body.
  const bodies = new Map();
  for (const { event, raw } of receiver.state.events) {
    if (bodies.has(event.id)) expect(raw).toBe(bodies.get(event.id));
    bodies.set(event.id, raw);
  }
  // In order per action: increasing event ids and versions, from pending to the end.
  const mine = [...new Map(ofAction().map((e) => [e.event.id, e.event])).values()];
  const ids = mine.map((e) => BigInt(e.id));
  expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const versions = mine.map((e) => e.action.version);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  const statuses = mine.map((e) => e.action.status);
  expect(statuses[0]).toBe('pending');
  expect(statuses).toContain('queued');
  expect(statuses[statuses.length - 1]).toBe(done.status);
  const approved = mine.find((e) => e.action.status === 'queued');
  expect(approved.action.decision.by).toBe('alice@example.com');

  // Nothing is left failing for this action once the receiver answered.
  await expect
    .poll(async () => {
      const listed = await (await fetch(`${baseURL}/webhooks/deliveries?state=failing`)).json();
      return listed.deliveries.filter((d) => d.actionId === action.id).length;
    }, { timeout: 30_000 })
    .toBe(0);
});
