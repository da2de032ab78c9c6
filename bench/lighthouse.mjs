// scripts/lighthouse: Lighthouse (desktop) on the signed-in standalone page and on the example
// host page — performance, accessibility, best practices. A report, not a test: it prints the
// scores and every audit that did not pass. Drives Debian's Chromium through puppeteer-core (a
// dependency of Lighthouse); nothing is downloaded.
import lighthouse from "lighthouse";
import desktop from "lighthouse/core/config/desktop-config.js";
import puppeteer from "puppeteer-core";

const base = process.argv[2];
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const categories = ["performance", "accessibility", "best-practices"];
const config = { ...desktop, settings: { ...desktop.settings, onlyCategories: categories } };

async function audit(name, url, token) {
  const page = await browser.newPage();
  if (token) {
    // Signed in the way the standalone page keeps its session: sessionStorage, kept across the
    // audit's navigation (no storage reset).
    await page.goto(`${base}/`);
    await page.evaluate((t) => sessionStorage.setItem("action-center.token", t), token);
  }
  const result = await lighthouse(url, { disableStorageReset: !!token, logLevel: "error" }, config, page);
  const lhr = result.lhr;
  const scores = categories.map((c) => `${c} ${Math.round(lhr.categories[c].score * 100)}`);
  console.log(`\n${name} (${url})\n  ${scores.join(", ")}`);
  for (const c of categories) {
    for (const ref of lhr.categories[c].auditRefs) {
      const a = lhr.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 1) {
        console.log(`  - ${c}: ${a.id} (${a.title}) score ${a.score}${a.displayValue ? `: ${a.displayValue}` : ""}`);
        for (const item of ((a.details && a.details.items) || []).slice(0, 5)) {
          const node = item.node || (item.subItems && item.subItems.items[0] && item.subItems.items[0].relatedNode);
          if (node) console.log(`      ${node.selector || ""} ${node.snippet || ""}`.slice(0, 200));
        }
      }
    }
  }
  const m = (id) => lhr.audits[id] && lhr.audits[id].displayValue;
  console.log(`  FCP ${m("first-contentful-paint")}, LCP ${m("largest-contentful-paint")}, TBT ${m("total-blocking-time")}, CLS ${m("cumulative-layout-shift")}`);
  await page.close();
}

try {
  await audit("standalone page, signed in", `${base}/`, "demo-analyst");
  await audit("example host page", `${base}/embed-example.html`, null);
} finally {
  await browser.close();
}
