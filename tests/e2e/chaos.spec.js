// The chaos suite: a seeded random walk of analyst steps (tests/e2e/chaos-walk.js) — the flyout
// opened and closed every way, tabs, Back / Forward, filters, search, sort, paging, selection,
// approve / reject / undo of one and of many, comments, columns, Export — while a second client
// keeps posting new actions and deciding some, the simulated executor completes and fails work,
// and live updates stream. No page error, no panic, no console error; at the end the table
// answers and agrees with the API.
//
//   CHAOS_SEED=N     repeat a walk (the seed is printed first: "chaos seed: N")
//   CHAOS_STEPS=N    steps to walk (400 by default: about 1.5 minutes on two cores)
//   CHAOS_TIMEOUT_MS the test's time limit (scripts/soak sets it for long walks)
//   CHAOS_VERBOSE=1  print every step as it is walked
//   CHAOS_TRACE=1    record a Playwright trace (kept on failure)
const { test, expect, signIn, TOKENS } = require('./fixtures');
const { walk, startSecondClient, recordListRequests, endCheck } = require('./chaos-walk');

const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);
const STEPS = Number(process.env.CHAOS_STEPS || 400);
// About 200 ms a step is typical here; the limit leaves room for a slow machine.
const TIMEOUT = Number(process.env.CHAOS_TIMEOUT_MS || 120_000 + STEPS * 600);

// Console errors the walk may cause on purpose: none. Chromium logs every refused request as a
// console error, but the races the walk runs into are not refused: a decision someone else made
// first is a per-item outcome (`alreadyDecided`) in a 200 answer, an undo someone else started
// first likewise (`alreadyUndone`). So every console error, page error and panic fails the test.
const ALLOWED = [];

// A trace of hundreds of steps is large and slows every step down (DOM snapshots of a table of
// up to 200 rows); the seed, the step log and the screenshot tell what happened. CHAOS_TRACE=1
// records one anyway.
test.use({ trace: process.env.CHAOS_TRACE ? 'retain-on-failure' : 'off' });

test('chaos: a seeded random walk with a second client never breaks the app, and the table agrees with the API', async ({ page, api, consoleGuard }) => {
  test.setTimeout(TIMEOUT);
  console.log(`chaos seed: ${SEED} (${STEPS} steps; repeat with CHAOS_SEED=${SEED})`);
  test.info().annotations.push({ type: 'chaos seed', description: String(SEED) });
  for (const pattern of ALLOWED) consoleGuard.allow(pattern);
  const analyst = await api(TOKENS.analyst);
  const requests = recordListRequests(page);
  await signIn(page);
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  const second = startSecondClient({
    integration: await api(TOKENS.integration), bob: await api(TOKENS.analyst2), seed: SEED,
  });
  let result;
  try {
    result = await walk(page, {
      seed: SEED, steps: STEPS, problems: consoleGuard.problems, allowed: ALLOWED, verbose: !!process.env.CHAOS_VERBOSE,
    });
  } finally {
    // Stop it in any case: no request may outlive the test's server.
    await second.stop();
  }
  const tally = second.tally;
  const checked = await endCheck(page, analyst, requests);

  const kinds = Object.entries(result.counts).sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}${result.skips[k] ? ` (${result.skips[k]} skipped)` : ''}`).join(', ');
  console.log(`chaos: seed ${SEED}, ${STEPS} steps in ${result.seconds.toFixed(1)} s `
    + `(${(result.seconds * 1000 / STEPS).toFixed(0)} ms a step), ${result.operations} decisions or undos sent`);
  console.log(`chaos: steps by kind: ${kinds}`);
  console.log(`chaos: second client posted ${tally.posted}, decided ${tally.decided}, undid ${tally.undone}`);
  if (result.alerts.length) console.log(`chaos: alerts shown after an operation:\n  ${result.alerts.join('\n  ')}`);
  console.log(`chaos: end check: the walk's view ?${checked.left.query} (${checked.left.rows} rows of ${checked.left.total}); `
    + `Pending ?${checked.pending.query} (${checked.pending.rows} of ${checked.pending.total})`);
  expect(tally.unexpected, 'the second client got only the answers it expects').toEqual([]);
  expect(tally.posted, 'the second client posted actions throughout').toBeGreaterThan(0);
});
