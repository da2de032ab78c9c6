// The host side of the embedding example: what a security portal writes to embed the Action
// Center. It imports the app's stable entry, mounts it into #portal-slot with the portal's
// token, links and theme, and records every event the app sends on window.hostEvents.
//
// Query parameters (for trying things out, and for the end-to-end tests):
//   ?instances=2      a second, independent instance in #portal-slot-2 (viewer token, dark theme)
//   ?mount=manual     mount nothing until "Mount" is clicked (or window.portal.mountAll() runs)
//   ?investigation=ID the portal's own investigation page (where "Open investigation page" leads)
import { mount } from "/action-center-embed.js";

const EVENTS = [
  "actioncenter:open-investigation",
  "actioncenter:go-hunt",
  "actioncenter:decided",
  "actioncenter:undone",
  "actioncenter:fatal",
];
const params = new URLSearchParams(location.search);
const notice = document.getElementById("portal-notice");

/** Every event the host received, oldest first: { type, slot, detail, bubbles, composed, cancelable }. */
window.hostEvents = [];

function say(text) {
  notice.textContent = text;
}

// The portal listens on each slot: the app's events bubble out of the element it was mounted in.
for (const id of ["portal-slot", "portal-slot-2"]) {
  const slot = document.getElementById(id);
  for (const type of EVENTS) {
    slot.addEventListener(type, (event) => {
      window.hostEvents.push({
        type,
        slot: id,
        detail: event.detail,
        bubbles: event.bubbles,
        composed: event.composed,
        cancelable: event.cancelable,
      });
      if (type === "actioncenter:go-hunt") {
        // The portal navigates to its own hunting page itself (in the same tab).
        event.preventDefault();
        say(`Go hunt: the portal would open its hunting page for ${event.detail.entity.name} (${event.detail.url}).`);
      } else if (type === "actioncenter:decided" || type === "actioncenter:undone") {
        const n = event.detail.results.length;
        say(`The Action Center reports ${type.slice("actioncenter:".length)}: ${n} action${n === 1 ? "" : "s"}.`);
      } else if (type === "actioncenter:fatal") {
        say(`The Action Center stopped: ${event.detail.message}`);
      }
      // "Open investigation page" is not prevented: the app opens the link in a new tab.
    });
  }
}

/** The config of instance `n` (1 or 2). */
function config(n) {
  const token = n === 1 ? params.get("token") || "demo-analyst" : "demo-viewer";
  return {
    apiBaseUrl: "/api/v1",
    // A real portal asks its identity library for a fresh token here.
    getToken: async () => token,
    // Only the first instance keeps its view in the address bar.
    basePath: n === 1 ? "/embed-example.html" : null,
    links: {
      investigation: "/embed-example.html?investigation={investigationId}",
      hunt: (action) =>
        `/embed-example.html?page=hunting&entity=${encodeURIComponent(action.entity.sha256 || action.entity.name)}`,
    },
    locale: "en-GB",
    timeZone: "UTC",
    theme: n === 1 ? { mode: "light", tokens: { "--ac-accent": "#5b2a86", "--ac-focus": "#5b2a86" } } : "dark",
  };
}

const handles = [];
let mounting = null;

/** Mounts the instance(s) unless they are mounted (or mounting) already. */
function mountAll() {
  if (!mounting && handles.length === 0) {
    mounting = (async () => {
      const count = params.get("instances") === "2" ? 2 : 1;
      for (let n = 1; n <= count; n++) {
        const slot = document.getElementById(n === 1 ? "portal-slot" : "portal-slot-2");
        handles.push(await mount(slot, config(n)));
      }
      say("");
    })().finally(() => {
      mounting = null;
    });
  }
  return mounting || Promise.resolve();
}

async function unmountAll() {
  if (mounting) await mounting;
  while (handles.length) handles.pop().unmount();
  say("The Action Center is unmounted.");
}

document.getElementById("portal-mount").addEventListener("click", () => mountAll());
document.getElementById("portal-unmount").addEventListener("click", () => unmountAll());
document.getElementById("portal-probe").addEventListener("click", () => say("The portal's own button."));

/** For trying things in the console (and for the tests). */
window.portal = { mount, config, handles, mountAll, unmountAll };

const investigation = params.get("investigation");
if (investigation) {
  say(`Investigation ${investigation}: the portal's own investigation page.`);
} else if (params.get("mount") !== "manual") {
  mountAll();
}
