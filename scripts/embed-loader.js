// Action Center's stable JavaScript entry, `action-center-embed.js` (see README, "Embedding").
//
//   import { mount } from "https://actions.example.com/action-center-embed.js";
//   const handle = await mount(document.getElementById("slot"), { apiBaseUrl, getToken });
//   handle.unmount();
//
// This is a template: scripts/trunk-post-build fills in the content-hashed file names of each
// build and writes it into dist/. The standalone page loads it too (no inline script at all).
// The wasm module loads and starts once per page; every instance shares it, and each instance
// lives in its own shadow root (styles neither leak out nor in).

const FILES = /* @files */ { js: "", wasm: "", css: [], integrity: "" };
const STANDALONE = "data-action-center-standalone";

const url = (file) => new URL(file, import.meta.url).href;
let loading = null;

/**
 * The wasm module, compiled while it downloads (streaming compile), in parallel with the
 * JavaScript glue. The request matches the page's `<link rel="preload">` (same integrity and
 * credentials), so the standalone page downloads it once. A server that does not send
 * `application/wasm` still works, compiling after the download.
 */
function compile() {
  const init = { credentials: "same-origin" };
  if (FILES.integrity) init.integrity = FILES.integrity;
  return fetch(url(FILES.wasm), init).then((response) => {
    if (!response.ok) throw new Error(`${FILES.wasm}: HTTP ${response.status}`);
    if (typeof WebAssembly.compileStreaming !== "function") {
      return response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
    }
    const copy = response.clone();
    return WebAssembly.compileStreaming(response).catch(() =>
      copy.arrayBuffer().then((bytes) => WebAssembly.compile(bytes)),
    );
  });
}

/** Loads and starts the app's wasm module once; a failed load may be retried by a later mount. */
function load() {
  if (!loading) {
    loading = Promise.all([import(url(FILES.js)), compile()]).then(async ([bindings, module]) => {
      await bindings.default({ module_or_path: module });
      return bindings;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** Tells the host, the way the app does, that this instance cannot run. */
function fatal(target, message) {
  target.dispatchEvent(
    new CustomEvent("actioncenter:fatal", { bubbles: true, composed: true, detail: { message } }),
  );
}

// The roots of the instances on this page (and the standalone page's <body>): where the fatal
// notice goes if the wasm module ever stops.
const roots = new Set();
let stopped = false;

/**
 * The last line of defence: the wasm module panicked, which stops it for every instance on the
 * page. Nothing of the app can run any more, so this notice is plain DOM built here, in
 * JavaScript: role alert, what happened, the message to hand to support, and "Reload".
 */
function showStopped(root, message) {
  const notice = document.createElement("div");
  notice.className = "ac-error ac-fatal";
  notice.setAttribute("role", "alert");
  const title = document.createElement("p");
  title.className = "ac-fatal__title";
  title.textContent = "Action Center stopped";
  const text = document.createElement("p");
  text.textContent = "An internal error stopped the app. Reload to continue; if it happens again, send this message to your support team:";
  const detail = document.createElement("pre");
  detail.className = "ac-fatal__detail";
  detail.textContent = message;
  const reload = document.createElement("button");
  reload.type = "button";
  reload.className = "ac-button ac-button--primary";
  reload.textContent = "Reload";
  reload.addEventListener("click", () => location.reload());
  notice.append(title, text, detail, reload);
  // The app's own tree may be half-updated: it goes, so that nothing frozen stays clickable.
  // Its root element stays, with the theme and the host's token overrides.
  const app = root.querySelector(".ac-app");
  (app || root).replaceChildren(notice);
  reload.focus({ preventScroll: true });
}

// Called by the wasm module's panic hook, once, before the module stops.
globalThis.__actionCenterStopped = (message) => {
  if (stopped) return;
  stopped = true;
  const text = String(message || "internal error");
  for (const root of roots) {
    try {
      showStopped(root, text);
      fatal(root, text);
    } catch (_) {
      // One broken instance must not keep the others from hearing of it.
    }
  }
};

/** A stylesheet link in `shadow`, and a promise that settles once it loaded (or failed). */
function stylesheet(shadow, file) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = url(file);
  const settled = new Promise((resolve) => {
    link.addEventListener("load", resolve, { once: true });
    link.addEventListener("error", resolve, { once: true });
  });
  shadow.append(link);
  return settled;
}

/**
 * Mounts an Action Center into `element` with `config` (see README, "Embedding").
 * Resolves, once the app has started, with a handle whose `unmount()` removes everything the
 * app added to the page. A bad config or a failed download does not reject: the instance shows
 * a readable error and dispatches `actioncenter:fatal`; `unmount()` still cleans up.
 * @param {Element} element
 * @param {object} [config]
 * @returns {Promise<{ unmount(): void }>}
 */
export async function mount(element, config = {}) {
  if (!(element instanceof Element)) {
    throw new TypeError("Action Center: mount(element, config) needs a DOM element");
  }
  // Our own host element, so that unmounting leaves `element` exactly as it was.
  const host = document.createElement("div");
  host.setAttribute("data-action-center", "");
  const shadow = host.attachShadow({ mode: "open" });
  const sheets = FILES.css.map((file) => stylesheet(shadow, file));
  const root = document.createElement("div");
  shadow.append(root);
  element.append(host);

  let app = null;
  let mounted = true;
  const handle = {
    unmount() {
      if (!mounted) return;
      mounted = false;
      const running = app;
      app = null;
      roots.delete(root);
      if (running && !stopped) {
        running.unmount();
        running.free();
      }
      host.remove();
    },
  };
  let bindings;
  try {
    [bindings] = await Promise.all([load(), ...sheets]);
  } catch (error) {
    const message = `Action Center could not be loaded: ${error && error.message ? error.message : error}`;
    const p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = message;
    root.append(p);
    fatal(root, message);
    return handle;
  }
  if (mounted) {
    roots.add(root);
    app = bindings.mount(root, config);
  }
  return handle;
}

// The standalone page marks its <body>; there the app starts at once (the wasm module's `main`
// mounts it). A host page that imports this entry is about to mount: the download and the
// compilation start now, so that its first `mount` finds them done or under way (a failure
// here is retried by that `mount`, which reports it).
if (typeof document !== "undefined" && document.body && document.body.hasAttribute(STANDALONE)) {
  roots.add(document.body);
  load().catch((error) => {
    document.body.textContent = `Action Center could not be loaded: ${error}`;
  });
} else if (typeof document !== "undefined") {
  load().catch(() => {});
}

/**
 * Test-only: makes the running wasm module panic on purpose (end-to-end tests check the fatal
 * notice and `actioncenter:fatal` with it). Never called by the app or a host.
 */
export async function __testPanic(message = "test") {
  const bindings = await load();
  bindings.__testPanic(String(message));
}
