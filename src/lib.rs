//! Action Center: review, approve, reject and undo security remediation actions.
//!
//! The app is one component, [`App`], configured by [`AppConfig`] (where the API lives, where
//! the token comes from), so that it can run standalone ([`mount_standalone`]) or be mounted
//! into any element of a host page ([`mount_into`]).

pub mod api;
pub mod browser;
pub mod components;
pub mod pages;
pub mod state;

use std::sync::atomic::{AtomicU32, Ordering};

use action_center_core::API_BASE_PATH;
use leptos::mount::UnmountHandle;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;

use crate::api::{ApiClient, ApiError};
use crate::components::{ErrorView, SignInForm};
use crate::pages::ActionCenterPage;
use crate::state::{provide_clock, Session, TokenSource};

/// How the app is wired to its surroundings.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Base URL of the API, e.g. `/api/v1` (same origin) or a host portal's own URL.
    pub api_base: String,
    /// Where the bearer token comes from.
    pub token: TokenSource,
}

impl Default for AppConfig {
    /// Standalone: same-origin API, sign-in form.
    fn default() -> Self {
        AppConfig {
            api_base: API_BASE_PATH.to_owned(),
            token: TokenSource::SignIn,
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
    /// API location and token source.
    config: AppConfig,
) -> impl IntoView {
    let session = Session::new(config.token);
    provide_context(session);
    let client = ApiClient::new(config.api_base, session.token.into())
        .on_unauthorized(Callback::new(move |_| session.expire()));
    provide_context(client.clone());
    provide_clock();

    let me = {
        let client = client.clone();
        LocalResource::new(move || {
            let signed_in = session.token.with(Option::is_some);
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
    let body = move || match (session.token.with(Option::is_some), me.get()) {
        (false, _) if session.standalone => view! { <SignInForm /> }.into_any(),
        (false, _) => {
            view! { <p class="ac-loading">"Waiting for the host page to sign in…"</p> }.into_any()
        }
        (true, Some(Some(Ok(account)))) => {
            view! { <ActionCenterPage me=account client=client.clone() /> }.into_any()
        }
        (true, Some(Some(Err(error)))) if error != ApiError::Unauthorized => view! {
            <main class="ac-content">
                <ErrorView
                    title="Could not sign in"
                    error=Some(error)
                    on_retry=Callback::new(move |_| me.refetch())
                />
            </main>
        }
        .into_any(),
        _ => view! { <p class="ac-loading" aria-busy="true">"Signing in…"</p> }.into_any(),
    };
    view! { <div class="ac-app">{body}</div> }
}

/// Mounts the standalone app (sign-in form, same-origin API) into `<body>`.
pub fn mount_standalone() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| view! { <App config=AppConfig::default() /> });
}

/// Mounts the app into `parent` with `config`; dropping the handle unmounts it.
pub fn mount_into(parent: web_sys::HtmlElement, config: AppConfig) -> UnmountHandle<AnyViewState> {
    leptos::mount::mount_to(parent, move || view! { <App config /> }.into_any())
}
