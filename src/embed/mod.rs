//! Embedding in a host page. The stable entry `action-center-embed.js` (written by
//! scripts/trunk-post-build) loads the wasm module once and calls [`mount`] for each instance,
//! with an element inside the instance's own shadow root. Here: the host's config is read and
//! checked ([`config`]), links and events go to the host ([`host`], [`links`]), and the theme,
//! locale and time zone apply ([`theme`], [`time`]).

pub mod config;
pub mod host;
pub mod links;
pub mod theme;
pub mod time;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::mount::UnmountHandle;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub use host::{use_host, Host};
pub use links::LinkKind;

/// The attribute on the standalone page's `<body>`: only there does the app mount itself.
pub const STANDALONE_MARKER: &str = "data-action-center-standalone";

thread_local! {
    /// The mount elements of live instances: where a panic is reported (`actioncenter:fatal`).
    static MOUNTED: RefCell<Vec<web_sys::HtmlElement>> = const { RefCell::new(Vec::new()) };
}

/// A value as plain JavaScript data, through JSON (for event details and host callbacks).
pub fn to_js(value: &impl serde::Serialize) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL)
}

/// Whether this is the standalone page (its `<body>` carries [`STANDALONE_MARKER`]).
pub fn is_standalone_page() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
        .is_some_and(|b| b.has_attribute(STANDALONE_MARKER))
}

/// An instance mounted by [`mount`]. `unmount()` (or `free()`) removes every node it added
/// and runs every cleanup: listeners, timers, event streams.
#[wasm_bindgen]
pub struct MountHandle {
    owner: Owner,
    view: Option<UnmountHandle<AnyViewState>>,
    element: web_sys::HtmlElement,
}

#[wasm_bindgen]
impl MountHandle {
    /// Removes the instance; a second call does nothing.
    pub fn unmount(&mut self) {
        if let Some(view) = self.view.take() {
            drop(view);
            // The whole tree, even parts that in-flight requests still hold on to.
            self.owner.cleanup();
            MOUNTED.with_borrow_mut(|all| all.retain(|e| e != &self.element));
        }
    }
}

impl Drop for MountHandle {
    fn drop(&mut self) {
        self.unmount();
    }
}

/// Mounts an Action Center into `element` with the host's `config` (see README, "Embedding").
/// A config that does not check out shows a readable error and dispatches
/// `actioncenter:fatal`; it never panics.
#[wasm_bindgen]
pub fn mount(element: web_sys::HtmlElement, config: JsValue) -> MountHandle {
    install_panic_hook();
    let owner = Owner::new();
    let view = owner.with(|| match config::parse(&config) {
        Ok(config) => crate::mount_into(element.clone(), config),
        Err(message) => {
            host::dispatch_fatal(&element, &message);
            leptos::mount::mount_to(element.clone(), move || {
                view! {
                    <div class="ac-app" data-ac-mode="embedded">
                        <div class="ac-error" role="alert">
                            <p class="ac-error__title">"The Action Center cannot start"</p>
                            <p class="ac-error__detail">{message}</p>
                        </div>
                    </div>
                }
                .into_any()
            })
        }
    });
    MOUNTED.with_borrow_mut(|all| all.push(element.clone()));
    MountHandle {
        owner,
        view: Some(view),
        element,
    }
}

/// The last line of defence, installed by every mount (standalone too): a panic stops the wasm
/// module for every instance on the page, so before it does, the hook hands the message to the
/// loader (`action-center-embed.js`), which replaces each instance with a readable notice
/// (role alert, "Reload") and sends `actioncenter:fatal` to its host. Without the loader (a
/// page that mounted the module itself), the hook sends the event from here.
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = format!("The Action Center stopped after an internal error: {info}");
            // For the developer console: the message (and where), without a JS stack trace
            // (console_error_panic_hook's cost in the download buys nothing the message lacks).
            web_sys::console::error_1(&JsValue::from_str(&message));
            let loader = js_sys::Reflect::get(&js_sys::global(), &"__actionCenterStopped".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            if let Some(stopped) = loader {
                let _ = stopped.call1(&JsValue::NULL, &JsValue::from_str(&message));
                return;
            }
            let _ = MOUNTED.try_with(|all| {
                if let Ok(all) = all.try_borrow() {
                    for element in all.iter() {
                        host::dispatch_fatal(element, &message);
                    }
                }
            });
        }));
    });
}

/// Test-only entry point: panics on purpose, so that end-to-end tests can check the fatal
/// notice and the host's `actioncenter:fatal` event. Nothing in the app calls it.
#[wasm_bindgen(js_name = __testPanic)]
pub fn test_panic(message: String) {
    panic!("deliberate test panic: {message}");
}

/// What the host's `getToken` failed with, in words.
fn reason(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "getToken failed".to_owned())
}

/// The token refresh the API client runs before each request when the host supplies
/// `getToken`: calls it, awaits a promise, and keeps `token` up to date. A failure is told to
/// the host (`actioncenter:fatal`, once) and kept in `failure` for the page to show.
pub fn token_refresh(
    get_token: js_sys::Function,
    token: RwSignal<Option<String>>,
    failure: RwSignal<Option<String>>,
    host: Host,
) -> crate::api::RefreshToken {
    let get_token = Rc::new(get_token);
    Rc::new(move || {
        let get_token = Rc::clone(&get_token);
        Box::pin(async move {
            let answer = match get_token.call0(&JsValue::NULL) {
                Ok(v) => match v.dyn_into::<js_sys::Promise>() {
                    Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await,
                    Err(v) => Ok(v),
                },
                Err(e) => Err(e),
            };
            let result = match answer {
                Ok(v) => v
                    .as_string()
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        "getToken did not return a token (a non-empty string)".to_owned()
                    }),
                Err(e) => Err(reason(&e)),
            };
            match result {
                Ok(fresh) => {
                    failure.try_set(None);
                    if token.try_with_untracked(|t| t.as_deref() != Some(fresh.as_str()))
                        == Some(true)
                    {
                        token.try_set(Some(fresh));
                    }
                    Ok(())
                }
                Err(message) => {
                    let message = format!("The host page could not supply a token: {message}");
                    if failure.try_with_untracked(Option::is_none) == Some(true) {
                        host.fatal(&message);
                    }
                    failure.try_set(Some(message.clone()));
                    Err(message)
                }
            }
        }) as Pin<Box<dyn Future<Output = Result<(), String>>>>
    })
}
