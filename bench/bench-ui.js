// scripts/bench-ui: the UI benchmark (a benchmark, not a test: it prints figures and asserts
// nothing). The reference server holds 5,000 demo actions and serves both the app (dist/) and
// the hand-written baseline (bench/handwritten.*); Chromium drives both through the same
// operations, RUNS times each, interleaved. Each operation is timed inside the page, from the DOM
// event to the second animation frame after its result is on screen (cold loads: from the
// navigation's start). Prints the median per operation and the ratio app / hand-written.
"use strict";
const { chromium } = require("@playwright/test");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const zlib = require("node:zlib");

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS || 7);
const SERVER = process.env.AC_SERVER_BIN;
const DIST = process.env.AC_STATIC_DIR || path.join(ROOT, "dist");
const ACTIONS = process.env.BENCH_ACTIONS || "5000";

/** dist/ plus the baseline page, with its stylesheets and precompressed copies, in a temp dir. */
function site(dir) {
  fs.cpSync(DIST, dir, { recursive: true });
  const index = fs.readFileSync(path.join(DIST, "index.html"), "utf8");
  const links = [...index.matchAll(/<link rel="stylesheet"[^>]*>/g)].map((m) => m[0]).join("\n    ");
  const html = fs
    .readFileSync(path.join(__dirname, "handwritten.html"), "utf8")
    .replace(/<!-- @stylesheets[^>]*-->/, links);
  const files = {
    "bench-handwritten.html": html,
    "bench-handwritten.js": fs.readFileSync(path.join(__dirname, "handwritten.js")),
  };
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(Buffer.from(body)));
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(Buffer.from(body), { level: 9 }));
  }
}

async function startServer(dir) {
  const args = [
    "--demo", "--demo-actions", ACTIONS, "--listen", "127.0.0.1:0",
    "--database", path.join(dir, "bench.db"), "--static-dir", path.join(dir, "site"),
    // The simulated executor stays out of the way: nothing changes under the benchmark.
    "--executor-delay-ms", "600000",
  ];
  const child = spawn(SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  child.removeAllListeners("exit");
  return { url, stop: () => child.kill("SIGTERM") };
}

// Installed in every page before its own scripts: the token, and the in-page timer.
const IN_PAGE = `
sessionStorage.setItem("action-center.token", "demo-analyst");
(() => {
  const rows = () => [...document.querySelectorAll("tbody tr[data-action-id]")];
  const twoFrames = (resolve, start) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
  // Resolves once done() holds, two frames later; observes the DOM and polls each frame.
  function measure(trigger, done) {
    return new Promise((resolve) => {
      let finished = false;
      const check = () => {
        if (finished || !done()) return;
        finished = true;
        observer.disconnect();
        twoFrames(resolve, start);
      };
      const observer = new MutationObserver(check);
      observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
      const start = performance.now();
      trigger();
      const poll = () => { if (!finished) { check(); requestAnimationFrame(poll); } };
      queueMicrotask(check);
      requestAnimationFrame(poll);
    });
  }
  const ids = () => rows().map((r) => r.getAttribute("data-action-id"));
  const deepActive = () => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a; };
  const button = (text) => [...document.querySelectorAll("button")].find((b) => b.textContent.trim().startsWith(text));
  const timelineLoaded = () => {
    const d = document.querySelector('[role="dialog"]');
    const item = d && d.querySelector(".ac-timeline__item");
    return !!item && !item.textContent.includes("Loading");
  };
  window.__bench = {
    rows: () => rows().length,
    settled: () => rows().length > 0 && /\\d/.test((document.querySelectorAll(".ac-tab__count")[1] || {}).textContent || ""),
    loaded: new Promise((resolve) => {
      const check = () => {
        if (rows().length > 0) { observer.disconnect(); twoFrames(resolve, 0); }
      };
      const observer = new MutationObserver(check);
      observer.observe(document, { subtree: true, childList: true });
    }),
    openForSetup() { rows()[4].querySelectorAll("td")[2].click(); },
    timelineLoaded,
    selectAllForSetup() { document.querySelector("thead input[type=checkbox]").click(); },
    allSelected: () => rows().length > 0 && rows().every((r) => r.querySelector("input").checked),
    ops: {
      pageSize: () => measure(() => {
        const select = document.querySelector(".ac-pager select");
        select.value = "200";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }, () => rows().length === 200),
      selectAll: () => measure(
        () => document.querySelector("thead input[type=checkbox]").click(),
        () => rows().every((r) => r.querySelector("input").checked && r.classList.contains("ac-row--selected")),
      ),
      clearSelection: () => measure(
        () => button("Clear selection").click(),
        () => rows().every((r) => !r.querySelector("input").checked && !r.classList.contains("ac-row--selected")),
      ),
      openFlyout: () => measure(() => rows()[4].querySelectorAll("td")[2].click(), timelineLoaded),
      closeFlyout: () => {
        const id = document.querySelector('[role="dialog"]') && rows()[4].getAttribute("data-action-id");
        return measure(
          () => deepActive().dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, composed: true })),
          () => !document.querySelector('[role="dialog"]') && deepActive() && deepActive().getAttribute("data-action-id") === id,
        );
      },
      switchTab: () => {
        const before = new Set(ids());
        return measure(
          () => document.querySelectorAll('[role="tab"]')[1].click(),
          () => rows().length === 200 && ids().every((id) => !before.has(id)),
        );
      },
      sort: () => {
        const before = ids().join();
        return measure(
          () => button("Asset").click(),
          () => rows().length === 200 && !!document.querySelector('th[aria-sort="ascending"]') && ids().join() !== before,
        );
      },
    },
  };
})();
`;

const OPERATIONS = [
  ["cold load, localhost", "cold"],
  ["cold load, 10 Mbit/s + 40 ms RTT", "coldSlow"],
  ["rows per page 50 → 200", "pageSize", ""],
  ["select all (200 rows)", "selectAll", "?pageSize=200"],
  ["clear the selection", "clearSelection", "?pageSize=200"],
  ["open the flyout", "openFlyout", "?pageSize=200"],
  ["close the flyout (Escape)", "closeFlyout", "?pageSize=200"],
  ["switch tab (200 rows)", "switchTab", "?pageSize=200"],
  ["sort by a column (200 rows)", "sort", "?pageSize=200"],
];

async function coldLoad(browser, url, slow) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript({ content: IN_PAGE });
  const page = await context.newPage();
  if (slow) {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 40, downloadThroughput: (10e6 / 8), uploadThroughput: (10e6 / 8),
    });
  }
  await page.goto(url);
  const ms = await page.evaluate(() => window.__bench.loaded);
  await context.close();
  return ms;
}

async function interaction(page, url, op) {
  await page.goto(url);
  await page.waitForFunction(() => window.__bench && window.__bench.settled());
  if (op === "clearSelection") {
    await page.evaluate(() => window.__bench.selectAllForSetup());
    await page.waitForFunction(() => window.__bench.allSelected());
  }
  if (op === "closeFlyout") {
    await page.evaluate(() => window.__bench.openForSetup());
    await page.waitForFunction(() => window.__bench.timelineLoaded());
  }
  // Let the page settle (filter counts, live stream) before the timed step.
  await page.waitForTimeout(300);
  return page.evaluate((name) => window.__bench.ops[name](), op);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function main() {
  if (!SERVER) throw new Error("AC_SERVER_BIN is not set (scripts/bench-ui sets it)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ac-bench-"));
  site(path.join(dir, "site"));
  const server = await startServer(dir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const targets = { app: `${server.url}/`, handwritten: `${server.url}/bench-handwritten.html` };
  const results = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript({ content: IN_PAGE });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    for (const [label, op, query] of OPERATIONS) {
      const times = { app: [], handwritten: [] };
      // One warm-up of each, then RUNS measured runs, app and baseline interleaved.
      for (let run = 0; run <= RUNS; run++) {
        for (const [name, base] of Object.entries(targets)) {
          const url = name === "app" ? `${base}${query || ""}` : `${base}${query || ""}`;
          const ms = op === "cold" || op === "coldSlow"
            ? await coldLoad(browser, url, op === "coldSlow")
            : await interaction(page, url, op);
          if (run > 0) times[name].push(ms);
        }
      }
      const app = median(times.app);
      const hand = median(times.handwritten);
      results.push({ label, app, hand, ratio: app / hand });
      console.error(`bench-ui: ${label}: app ${app.toFixed(1)} ms, hand-written ${hand.toFixed(1)} ms`);
    }
    await context.close();
  } finally {
    await browser.close();
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const geo = Math.exp(results.reduce((s, r) => s + Math.log(r.ratio), 0) / results.length);
  console.log(`\nUI benchmark: ${ACTIONS} actions, median of ${RUNS} runs, Chromium ${browser.version()}\n`);
  console.log("| operation | app, ms | hand-written, ms | ratio |");
  console.log("|---|---|---|---|");
  for (const r of results) {
    console.log(`| ${r.label} | ${r.app.toFixed(0)} | ${r.hand.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
  }
  console.log(`\nGeometric mean ${geo.toFixed(2)}×; worst ${Math.max(...results.map((r) => r.ratio)).toFixed(2)}× (goal: every row ≤ 1.3×).`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
