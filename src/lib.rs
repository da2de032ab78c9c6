//! Action Center: review, approve, reject and undo security remediation actions.
//!
//! The app is one component, [`App`], configured by [`AppConfig`] (where the API lives, how it
//! signs in, links, theme, time format), so that it can run standalone ([`mount_standalone`]) or
//! be mounted into any element of a host page ([`mount_into`]; from JavaScript, the stable entry
//! `action-center-embed.js` and [`embed::mount`]).

pub mod api;
pub mod browser;
pub mod components;
pub mod embed;
pub mod pages;
pub mod state;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use action_center_core::API_BASE_PATH;
use leptos::html::Div;
use leptos::mount::UnmountHandle;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;

use crate::api::{ApiClient, ApiError};
use crate::components::{ErrorView, SignInForm};
use crate::embed::links::LinkRules;
use crate::embed::theme::Theme;
use crate::embed::time::{provide_time_format, TimeConfig};
use crate::embed::Host;
use crate::pages::ActionCenterPage;
use crate::state::{provide_clock, Session, TokenSource};

/// How the app signs in to the API.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Standalone: the sign-in form; the token is kept for the browser session.
    SignIn,
    /// The host page sets (and replaces) the bearer token in this signal.
    Token(RwSignal<Option<String>>),
    /// The host's `getToken()`, asked before each request (it may return a promise).
    GetToken(js_sys::Function),
    /// The browser's cookies (`credentials: "include"`), with an optional CSRF header
    /// (name, value) on every request.
    Cookies {
        /// The CSRF header and its value.
        csrf: Option<(String, String)>,
    },
}

/// Where the page keeps its view (tab, filters, sort, page, open action); a context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlState {
    /// In the address bar's query string, while the path is under `base_path` (`None`: any
    /// path, as standalone), so that a link reopens the same view.
    AddressBar {
        /// The host's route for the app, e.g. `/security/action-center`.
        base_path: Option<String>,
    },
    /// In memory only: the page's URL is never read or written (e.g. a second instance).
    Memory,
}

/// How the app is wired to its surroundings.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Base URL of the API, e.g. `/api/v1` (same origin) or a host portal's own URL.
    pub api_base: String,
    /// How requests are signed in.
    pub auth: Auth,
    /// Where the view state lives.
    pub url: UrlState,
    /// Where "Open investigation page" and "Go hunt" lead.
    pub links: LinkRules,
    /// Locale and time zone of the times shown.
    pub time: TimeConfig,
    /// Light, dark or system, and `--ac-*` overrides.
    pub theme: Theme,
    /// Standalone page (sign-in form, full-page layout) or embedded in a host.
    pub standalone: bool,
}

impl Default for AppConfig {
    /// Standalone: same-origin API, sign-in form, the view in the address bar.
    fn default() -> Self {
        AppConfig {
            api_base: API_BASE_PATH.to_owned(),
            auth: Auth::SignIn,
            url: UrlState::AddressBar { base_path: None },
            links: LinkRules::default(),
            time: TimeConfig::default(),
            theme: Theme::default(),
            standalone: true,
        }
    }
}

impl AppConfig {
    /// Embedded defaults: same-origin API, the host supplies the token, the view in memory.
    pub fn embedded() -> Self {
        AppConfig {
            auth: Auth::Token(RwSignal::new(None)),
            url: UrlState::Memory,
            standalone: false,
            ..AppConfig::default()
        }
    }
}

/// A document-unique id for elements that reference each other (labels, ARIA).
pub fn unique_id(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The Action Center app.
#[component]
pub fn App(
    /// API location, sign-in, links, theme and time format.
    config: AppConfig,
) -> impl IntoView {
    let AppConfig {
        api_base,
        auth,
        url,
        links,
        time,
        theme,
        standalone,
    } = config;
    let root = NodeRef::<Div>::new();
    let host = Host::new(root, links);
    provide_context(host);
    provide_context(url);
    provide_time_format(&time);

    // Why the host page could not supply a token, if it could not.
    let host_failure = RwSignal::new(None::<String>);
    let cookies = matches!(auth, Auth::Cookies { .. });
    let (source, refresh, csrf) = match auth {
        Auth::SignIn => (TokenSource::SignIn, None, None),
        Auth::Token(token) => (TokenSource::Host(token), None, None),
        Auth::GetToken(get_token) => {
            let token = RwSignal::new(None);
            let refresh = embed::token_refresh(get_token, token, host_failure, host);
            (TokenSource::Host(token), Some(refresh), None)
        }
        Auth::Cookies { csrf } => (TokenSource::Host(RwSignal::new(None)), None, csrf),
    };
    let session = Session::new(source);
    provide_context(session);
    // Standalone, a 401 is the end of the session (back to the sign-in form). Embedded, the
    // client has already asked `getToken` once more; a second refusal is the host's to solve, so
    // it hears `actioncenter:fatal` (once) and the failing view says the session ended.
    let told_host = Arc::new(AtomicBool::new(false));
    let mut client = ApiClient::new(api_base, session.token.into()).on_unauthorized(
        Callback::new(move |_| {
            session.expire();
            if !session.standalone && !told_host.swap(true, Ordering::Relaxed) {
                host.fatal("The API refused the host page's token (HTTP 401), also after asking getToken again");
            }
        }),
    );
    if cookies {
        client = client.with_cookies(csrf);
    }
    if session.standalone {
        client = client.with_token_refresh(provider_refresh(session));
    }
    if let Some(refresh) = refresh {
        client = client.with_token_refresh(refresh);
        // The first token: until it arrives the page waits for the host.
        let client = client.clone();
        crate::state::spawn_owned(async move {
            let _ = client.refresh_token().await;
        });
    }
    provide_context(client.clone());
    if session.standalone {
        // Which identity provider the server trusts; its answer to a sign-in; a new tab
        // joining the provider's session.
        session.provider.start(session, client.clone());
    }
    // "The server is busy…" while any call waits out a 429 (the client retries by itself). Here,
    // outside the page, so that it is heard on the sign-in wait and behind an open flyout too.
    let busy = client.busy_notice().message();
    provide_clock();

    let signed_in = Memo::new(move |_| cookies || session.token.with(Option::is_some));
    let me = {
        let client = client.clone();
        LocalResource::new(move || {
            let signed_in = signed_in.get();
            let client = client.clone();
            async move {
                if signed_in {
                    Some(client.me().await)
                } else {
                    None
                }
            }
        })
    };
    let body = move || match (signed_in.get(), me.get()) {
        (false, _) if session.standalone => view! { <SignInForm /> }.into_any(),
        (false, _) => match host_failure.get() {
            Some(message) => view! {
                <div class="ac-error" role="alert">
                    <p class="ac-error__title">"Could not sign in"</p>
                    <p class="ac-error__detail">{message}</p>
                </div>
            }
            .into_any(),
            None => view! { <p class="ac-loading">"Waiting for the host page to sign in…"</p> }
                .into_any(),
        },
        (true, Some(Some(Ok(account)))) => {
            view! { <ActionCenterPage me=account client=client.clone() /> }.into_any()
        }
        // Standalone, a 401 ends the session (back to the sign-in form); embedded, the host's
        // token was refused, which the analyst should read.
        (true, Some(Some(Err(error))))
            if !session.standalone || error != ApiError::Unauthorized =>
        {
            view! {
                <main class="ac-content">
                    <ErrorView
                        title="Could not sign in"
                        error
                        on_retry=Callback::new(move |_| me.refetch())
                    />
                    // Standalone, e.g. an account without an Action Center role: sign in as
                    // someone else (ending the provider session too).
                    {session
                        .standalone
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="ac-button ac-button--subtle"
                                    on:click=move |_| session.sign_out()
                                >
                                    "Sign out"
                                </button>
                            }
                        })}
                </main>
            }
            .into_any()
        }
        _ => view! { <p class="ac-loading" aria-busy="true">"Signing in…"</p> }.into_any(),
    };
    let theme_attribute = theme.attribute();
    root.on_load(move |el| theme.apply(&el));
    let mode = if standalone { "standalone" } else { "embedded" };
    view! {
        <div class="ac-app" node_ref=root data-ac-mode=mode data-ac-theme=theme_attribute>
            // A polite live region, not a second `status` role: the page has one status region.
            <p class="ac-busy" aria-live="polite">{move || busy.get()}</p>
            {body}
        </div>
    }
}

/// Standalone: before each request, a token from the identity provider that is about to
/// expire is renewed (pasted tokens are left as they are).
fn provider_refresh(session: Session) -> api::RefreshToken {
    std::rc::Rc::new(move || Box::pin(session.provider.ensure_fresh(session)))
}

/// Mounts the standalone app (sign-in form, same-origin API) into `<body>`.
pub fn mount_standalone() {
    embed::install_panic_hook();
    leptos::mount::mount_to_body(|| view! { <App config=AppConfig::default() /> });
}

/// Mounts the app into `parent` with `config`; dropping the handle unmounts it.
pub fn mount_into(parent: web_sys::HtmlElement, config: AppConfig) -> UnmountHandle<AnyViewState> {
    leptos::mount::mount_to(parent, move || view! { <App config /> }.into_any())
}
