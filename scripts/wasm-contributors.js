#!/usr/bin/env node
// The 15 biggest contributors to the app's wasm module, for scripts/size-report: the crates
// (each generic function counted where it is defined, e.g. a view's rendering code under
// tachys) and the single functions and data segments, from `twiggy top` on the module as cargo
// linked it (before wasm-bindgen and wasm-opt: its names are intact, its sizes a little larger
// than what ships, its ranking the same).
"use strict";
const { execFileSync } = require("node:child_process");

const wasm = process.argv[2];
const TOP = 15;
let csv;
try {
  csv = execFileSync("twiggy", ["top", "-n", "1000000", "--format", "csv", wasm], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
} catch (error) {
  console.log(`(no contributors: twiggy failed on ${wasm}: ${error.message.split("\n")[0]})`);
  process.exit(0);
}

/** Splits one CSV line (twiggy quotes names that hold commas or quotes). */
function fields(line) {
  const out = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { out.push(cur); cur = ""; }
    else cur += c;
  }
  out.push(cur);
  return out;
}

const items = csv.trim().split("\n").slice(1).map(fields)
  .map(([name, size]) => ({ name, size: Number(size) }))
  // Names and wasm-bindgen's descriptors do not ship.
  .filter((i) => !/^"function names"|^"data names"|^custom section|__wbindgen_describe/.test(i.name));
const total = items.reduce((s, i) => s + i.size, 0);

/** The crate an item belongs to: the first `crate::` path in its name (std's last). */
function crateOf(name) {
  if (name.startsWith("data segment")) return "(data: strings, tables)";
  const std = new Set(["core", "alloc", "std"]);
  let best = null;
  for (const m of name.matchAll(/(?:^|[^A-Za-z0-9_:])([a-z][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/g)) {
    const crate = m[1];
    if (!std.has(crate)) return crate;
    best = best || crate;
  }
  return best || "(other)";
}

const crates = new Map();
for (const item of items) {
  const crate = crateOf(item.name);
  crates.set(crate, (crates.get(crate) || 0) + item.size);
}
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
const kb = (n) => `${(n / 1024).toFixed(1).padStart(7)} KB`;
console.log(`\nbiggest contributors to the wasm module (twiggy, ${kb(total).trim()} of code and data before wasm-opt)`);
console.log("by crate:");
for (const [crate, size] of [...crates].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`  ${kb(size)} ${pct(size)}  ${crate}`);
}
console.log("by item:");
for (const item of items.sort((a, b) => b.size - a.size).slice(0, TOP)) {
  const name = item.name.replace(/::h[0-9a-f]{16}$/, "");
  console.log(`  ${kb(item.size)} ${pct(item.size)}  ${name.length > 110 ? `${name.slice(0, 107)}...` : name}`);
}
