// The hand-written baseline of scripts/bench-ui (never shipped): plain JavaScript that renders
// the same markup as the app (same classes, roles and names, so the same CSS and the same
// benchmark steps apply) from the same API calls — the list page, the filter counts (facets),
// the other tab's count, and for the flyout the timeline and related instances in parallel.
// It is what a careful developer would write by hand: string templates, one delegated listener
// per table, no framework. It does only what the benchmark drives.
"use strict";

const TOKEN = sessionStorage.getItem("action-center.token") || "demo-analyst";
const API = "/api/v1";
const LABELS = {
  isolateDevice: "Isolate device", restrictCodeExecution: "Restrict code execution",
  quarantineFile: "Quarantine file", removeRegistryKey: "Remove registry key",
  stopService: "Stop service", disableDriver: "Disable driver",
  removeScheduledTask: "Remove scheduled task", runAntivirusScan: "Run antivirus scan",
  collectInvestigationPackage: "Collect investigation package", killProcess: "Kill process",
  softDeleteEmail: "Soft delete email", blockUrl: "Block URL", disableUser: "Disable user",
  device: "Device", email: "Email", identity: "Identity",
  automatedInvestigation: "Automated investigation", antivirus: "Antivirus", manual: "Manual",
  advancedHunting: "Advanced hunting", liveResponse: "Live response",
  pending: "Pending", queued: "Queued", running: "Running", completed: "Completed",
  failed: "Failed", rejected: "Rejected", expired: "Expired", cancelled: "Cancelled",
  undoing: "Undoing", undone: "Undone", undoFailed: "Undo failed",
  file: "File", process: "Process", registryKey: "Registry key", service: "Service",
  driver: "Driver", scheduledTask: "Scheduled task", url: "URL", user: "User", mailbox: "Mailbox",
};
const TONES = {
  pending: "warning", queued: "info", running: "info", undoing: "info", completed: "success",
  undone: "success", failed: "danger", undoFailed: "danger",
};
const COLUMNS = {
  pending: [["actionType", "Action type"], ["asset", "Asset"], ["entity", "Entity"],
    ["source", "Source"], ["status", "Decision"], ["createdAt", "Created"],
    ["investigationId", "Investigation"]],
  history: [["actionType", "Action type"], ["asset", "Asset"], ["entity", "Entity"],
    ["source", "Source"], ["status", "Status"], ["decidedBy", "Decided by"],
    ["updatedAt", "Updated"], ["investigationId", "Investigation"]],
};

const state = { view: "pending", sort: null, pageSize: 50, rows: [], total: 0, other: null, selected: new Set(), open: null };
const label = (v) => LABELS[v] || `Unknown (${v})`;
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pad = (n) => String(n).padStart(2, "0");
function local(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function span(seconds) {
  const s = Math.abs(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}
function age(iso) {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (Math.abs(s) < 60) return "just now";
  return s > 0 ? `${span(s)} ago` : `in ${span(s)}`;
}
const time = (iso) => `<span class="ac-time"><time datetime="${esc(iso)}">${esc(local(iso))}</time><span class="ac-time__age">${esc(age(iso))}</span></span>`;
const get = (path) => fetch(API + path, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: "application/json" } }).then((r) => r.json());

function query(view, extra = {}) {
  const q = new URLSearchParams({ view, ...extra });
  return q.toString();
}

function cell(key, a) {
  switch (key) {
    case "actionType": return `<td class="ac-cell ac-cell--strong"><span class="">${esc(label(a.actionType))}</span></td>`;
    case "asset": return `<td class="ac-cell"><span class="">${esc(a.asset.name)}</span></td>`;
    case "entity": return `<td class="ac-cell ac-clip-cell"><span class="ac-clip">${esc(a.entity.name)}</span><span class="ac-subtle">${esc(label(a.entity.kind))}</span></td>`;
    case "source": return `<td class="ac-cell"><span class="">${esc(label(a.source))}</span></td>`;
    case "status": {
      let note = "";
      if (a.status === "pending" && a.expiresAt) {
        const left = (Date.parse(a.expiresAt) - Date.now()) / 1000;
        note = `<span class="ac-subtle">${left <= 0 ? "expired" : `expires in ${span(left)}`}</span>`;
      } else if (a.status === "failed" || a.status === "undoFailed") {
        note = `<span class="ac-reason">${esc((a.error && a.error.message) || "Unknown reason")}</span>`;
      }
      return `<td class="ac-cell"><span class="ac-badge ac-badge--${TONES[a.status] || "neutral"}">${esc(label(a.status))}</span>${note}</td>`;
    }
    case "decidedBy": {
      const d = a.decision || {};
      const who = d.by || (d.state === "notRequired" ? "Automatic" : "—");
      return `<td class="ac-cell"><span class="">${esc(who)}</span><span class="ac-subtle">${d.at ? esc(age(d.at)) : ""}</span><span class="ac-subtle ac-clip">${esc(d.comment || "")}</span></td>`;
    }
    case "createdAt": case "updatedAt": return `<td class="ac-cell ac-cell--time">${time(a[key])}</td>`;
    default: return `<td class="ac-cell ac-mono"><span class="">${esc(a.investigationId || "")}</span></td>`;
  }
}

function rowHtml(a, columns) {
  const sel = state.selected.has(a.id);
  return `<tr class="ac-row${sel ? " ac-row--selected" : ""}" tabindex="0" data-action-id="${esc(a.id)}"><td class="ac-cell ac-cell--check"><input class="ac-checkbox" type="checkbox" aria-label="Select ${esc(a.id)}"${sel ? " checked" : ""}></td>${columns.map(([k]) => cell(k, a)).join("")}</tr>`;
}

const $ = (sel) => document.querySelector(sel);

function renderTable() {
  const columns = COLUMNS[state.view];
  const sort = state.sort || { key: "updatedAt", desc: true };
  $(".ac-table caption").textContent = state.view === "history" ? "History of actions" : "Pending actions";
  $(".ac-table thead tr").innerHTML = `<th scope="col" class="ac-th ac-th--check"><input class="ac-checkbox" type="checkbox" aria-label="Select all"></th>${columns.map(([k, l]) => {
    const s = sort.key === k ? (sort.desc ? "descending" : "ascending") : "none";
    return `<th scope="col" class="ac-th" aria-sort="${s}"><button type="button" class="ac-th__button" data-sort="${k}">${l}<span class="ac-th__arrow" aria-hidden="true">${s === "descending" ? "▼" : s === "ascending" ? "▲" : ""}</span></button></th>`;
  }).join("")}`;
  $(".ac-table tbody").innerHTML = state.rows.map((a) => rowHtml(a, columns)).join("");
  syncSelectAll();
  const n = state.rows.length;
  $(".ac-pager__range").textContent = n ? `1–${n} of ${state.total}` : "";
  $(".ac-pager__page").textContent = `Page 1 of ${Math.max(1, Math.ceil(state.total / state.pageSize))}`;
  renderTabs();
}

function renderTabs() {
  const [pending, history] = state.view === "history" ? [state.other, state.total] : [state.total, state.other];
  for (const [view, n] of [["pending", pending], ["history", history]]) {
    const tab = document.getElementById(`tab-${view}`);
    tab.setAttribute("aria-selected", String(state.view === view));
    tab.tabIndex = state.view === view ? 0 : -1;
    tab.querySelector(".ac-tab__count").textContent = n == null ? "" : ` ${n}`;
  }
}

function renderFacets(facets) {
  // `{ actionType: { quarantineFile: 12, … }, status: { … }, … }`: one menu per facet.
  $(".ac-filters").innerHTML = Object.entries(facets || {}).map(([name, counts]) => {
    const list = Object.entries(counts || {});
    return `<div class="ac-filter"><button class="ac-button ac-button--subtle" type="button" aria-expanded="false">${esc(name)}<span class="ac-filter__chevron" aria-hidden="true">▾</span></button><div class="ac-filter__panel" role="group" hidden><ul>${list.map(([value, n]) => `<li><label class="ac-check-field"><input class="ac-checkbox" type="checkbox">${esc(label(value))} <span class="ac-subtle">${n}</span></label></li>`).join("")}</ul></div></div>`;
  }).join("");
}

function syncSelectAll() {
  const all = $(".ac-table thead input");
  const k = state.rows.filter((a) => state.selected.has(a.id)).length;
  all.checked = k > 0 && k === state.rows.length;
  all.indeterminate = k > 0 && k < state.rows.length;
  const bar = $(".ac-bulk");
  bar.hidden = k === 0;
  bar.querySelector(".ac-bulk__count").textContent = `${k} selected`;
}

function setSelected(id, on) {
  if (on) state.selected.add(id); else state.selected.delete(id);
  const row = document.querySelector(`tr[data-action-id="${CSS.escape(id)}"]`);
  if (row) {
    row.classList.toggle("ac-row--selected", on);
    row.querySelector("input").checked = on;
  }
}

async function loadList({ facets = false, count = false } = {}) {
  const extra = { pageSize: String(state.pageSize) };
  if (state.sort) extra.sort = `${state.sort.key}:${state.sort.desc ? "desc" : "asc"}`;
  const other = state.view === "history" ? "pending" : "history";
  const calls = [get(`/actions?${query(state.view, extra)}`)];
  if (facets) calls.push(get(`/actions/facets?${query(state.view)}`).then(renderFacets));
  if (count) calls.push(get(`/actions?${query(other, { pageSize: "1" })}`).then((p) => { state.other = p.total; renderTabs(); }));
  const page = await calls[0];
  state.rows = page.items;
  state.total = page.total;
  renderTable();
  await Promise.all(calls);
}

function detail(term, lines) {
  const shown = lines.filter((l) => l && String(l[1]).trim());
  return shown.length ? `<dt>${esc(term)}</dt><dd>${shown.map(([c, t]) => `<span class="${c}">${esc(t)}</span>`).join("")}</dd>` : "";
}

function flyoutHtml(a) {
  const e = a.entity;
  const when = (iso) => ["ac-line ac-subtle", `${local(iso)} · ${age(iso)}`];
  const plain = (t) => ["ac-line", t];
  const allowed = a.allowedOperations || [];
  const decide = allowed.includes("approve") || allowed.includes("reject");
  const panel = (buttons) => `<div class="ac-panel"><div class="ac-actions">${buttons}</div><div class="ac-confirm" hidden><p class="ac-confirm__question"></p><div class="ac-field"><label class="ac-field__label" for="hw-comment">Comment</label><textarea class="ac-input ac-textarea" id="hw-comment" rows="3"></textarea></div></div></div>`;
  let panels = "";
  if (decide) panels += panel(`${allowed.includes("approve") ? '<button class="ac-button ac-button--primary" type="button">Approve</button>' : ""}${allowed.includes("reject") ? '<button class="ac-button ac-button--danger" type="button">Reject</button>' : ""}`);
  if (allowed.includes("undo")) panels += panel('<button class="ac-button ac-button--primary" type="button">Undo</button><div class="ac-related"></div>');
  const d = a.decision;
  return `<div class="ac-flyout-layer"><div class="ac-flyout-backdrop"></div><div class="ac-flyout" role="dialog" aria-modal="true" aria-labelledby="hw-title" tabindex="-1"><header class="ac-flyout__header"><h2 class="ac-flyout__title" id="hw-title">${esc(label(a.actionType))} on ${esc(a.asset.name)}</h2><button class="ac-icon-button" type="button" aria-label="Close">✕</button></header><div class="ac-flyout__body"><p class="ac-change-note" aria-live="polite"></p><section class="ac-section" aria-label="Actions">${panels}<div class="ac-actions"><button class="ac-button ac-button--subtle" type="button">Open investigation page</button><button class="ac-button ac-button--subtle" type="button">Go hunt</button></div></section><section class="ac-section" aria-label="Details"><h3 class="ac-section__title">Details</h3><dl class="ac-details"><dt>Status</dt><dd><span class="ac-badge ac-badge--${TONES[a.status] || "neutral"}">${esc(label(a.status))}</span></dd>${[
    detail("Action type", [plain(label(a.actionType))]),
    detail("Action id", [plain(a.id)]),
    detail("Asset", [plain(`${a.asset.name} (${label(a.asset.kind)}, ${a.asset.id})`)]),
    detail("Entity", [plain(`${label(e.kind)} · ${e.name}`)]),
    detail("SHA-256", [plain(e.sha256)]), detail("Path", [plain(e.path)]),
    detail("Registry key", [plain(e.key)]), detail("Service", [plain(e.serviceName)]),
    detail("URL", [plain(e.url)]), detail("Sender", [plain(e.sender)]), detail("Subject", [plain(e.subject)]),
    detail("User", [plain(e.upn)]),
    detail("Category", [plain(label(a.category))]), detail("Source", [plain(label(a.source))]),
    detail("Investigation", [plain(a.investigationId)]), detail("Incident", [plain(a.incidentId)]),
    detail("Requested", [plain(a.requestedBy || "—"), when(a.createdAt), a.requestComment ? ["ac-line ac-comment", `“${a.requestComment}”`] : null]),
    a.status === "pending" && a.expiresAt ? detail("Expires", [plain(local(a.expiresAt))]) : "",
    d && d.state !== "pending" ? detail("Decision", [plain(`${label(d.state)}${d.by ? ` by ${d.by}` : ""}`), d.at ? when(d.at) : null, d.comment ? ["ac-line ac-comment", `“${d.comment}”`] : null]) : "",
    detail("Updated", [when(a.updatedAt)]),
  ].join("")}</dl></section><section class="ac-section" aria-label="Timeline"><h3 class="ac-section__title">Timeline</h3><ol class="ac-timeline"><li class="ac-timeline__item"><span class="ac-subtle">Loading the timeline…</span></li></ol></section></div></div></div>`;
}

function eventLabel(ev) {
  return ev.replace(/^./, (c) => c.toUpperCase()).replace(/[A-Z]/g, (c, i) => (i ? ` ${c.toLowerCase()}` : c));
}

function openFlyout(id) {
  const a = state.rows.find((r) => r.id === id);
  if (!a) return;
  state.open = id;
  $(".ac-main").inert = true;
  $(".ac-main").setAttribute("aria-hidden", "true");
  document.querySelector(".ac-page").insertAdjacentHTML("beforeend", flyoutHtml(a));
  const dialog = $(".ac-flyout");
  dialog.focus();
  const base = `/actions/${encodeURIComponent(id)}`;
  get(`${base}/timeline`).then((entries) => {
    if (state.open !== id) return;
    const items = Array.isArray(entries) ? entries : entries.items || [];
    dialog.querySelector(".ac-timeline").innerHTML = items.map((t) => `<li class="ac-timeline__item"><span class="ac-timeline__event">${esc(eventLabel(t.event))}</span><span class="ac-subtle">by ${esc(t.actor)}</span>${t.toStatus ? `<span class="ac-timeline__change">${t.fromStatus ? `${esc(label(t.fromStatus))} → ` : ""}${esc(label(t.toStatus))}</span>` : ""}<span class="ac-subtle">${esc(local(t.at))} · ${esc(age(t.at))}</span></li>`).join("") || '<li class="ac-timeline__item"><span class="ac-subtle">No events recorded.</span></li>';
  });
  if (a.actionType === "quarantineFile" && (a.status === "completed" || a.status === "undoFailed")) {
    get(`${base}/related-instances`).then((r) => {
      if (state.open !== id || !r.count) return;
      const box = dialog.querySelector(".ac-related");
      if (box) box.innerHTML = `<div class="ac-check-field"><input class="ac-checkbox" type="checkbox" id="hw-inc"><label for="hw-inc">Apply to ${r.count} more instance${r.count === 1 ? "" : "s"} of this file</label></div>`;
    });
  }
}

function closeFlyout() {
  const id = state.open;
  if (!id) return;
  state.open = null;
  $(".ac-flyout-layer").remove();
  $(".ac-main").inert = false;
  $(".ac-main").removeAttribute("aria-hidden");
  const row = document.querySelector(`tr[data-action-id="${CSS.escape(id)}"]`);
  if (row) row.focus();
}

function wire() {
  const tbody = $(".ac-table tbody");
  tbody.addEventListener("click", (ev) => {
    if (ev.target.closest(".ac-cell--check")) return;
    const row = ev.target.closest("tr[data-action-id]");
    if (row) openFlyout(row.dataset.actionId);
  });
  tbody.addEventListener("change", (ev) => {
    const row = ev.target.closest("tr[data-action-id]");
    if (row) { setSelected(row.dataset.actionId, ev.target.checked); syncSelectAll(); }
  });
  $(".ac-table thead").addEventListener("change", (ev) => {
    const on = ev.target.checked;
    for (const a of state.rows) setSelected(a.id, on);
    syncSelectAll();
  });
  $(".ac-table thead").addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-sort]");
    if (!button) return;
    const key = button.dataset.sort;
    const cur = state.sort || { key: "updatedAt", desc: true };
    state.sort = { key, desc: cur.key === key ? !cur.desc : key === "createdAt" || key === "updatedAt" };
    loadList();
  });
  $(".ac-tabs").addEventListener("click", (ev) => {
    const tab = ev.target.closest("[role=tab]");
    if (!tab || tab.dataset.view === state.view) return;
    // The tab we leave has its count in its total (no status filter here).
    state.other = state.total;
    state.view = tab.dataset.view;
    state.sort = null;
    state.selected.clear();
    $(".ac-table tbody").innerHTML = "";
    loadList({ facets: true });
  });
  $(".ac-select").addEventListener("change", (ev) => {
    state.pageSize = Number(ev.target.value);
    loadList();
  });
  $(".ac-bulk button").addEventListener("click", () => {
    for (const id of [...state.selected]) setSelected(id, false);
    syncSelectAll();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && state.open) { ev.preventDefault(); closeFlyout(); }
  });
  document.querySelector(".ac-page").addEventListener("click", (ev) => {
    if (ev.target.closest(".ac-flyout-backdrop") || ev.target.closest('[aria-label="Close"]')) closeFlyout();
  });
}

async function start() {
  const params = new URLSearchParams(location.search);
  state.pageSize = Number(params.get("pageSize")) || 50;
  $(".ac-select").value = String(state.pageSize);
  wire();
  const me = await get("/me");
  $(".ac-header__name").textContent = me.displayName;
  await loadList({ facets: true, count: true });
}

start();
