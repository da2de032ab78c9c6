use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::state::Session;
use crate::unique_id;

/// The standalone sign-in form: "Sign in with <provider>" when the server trusts an identity
/// provider, and an access token to paste (API tokens, the demo); the server checks it
/// (`GET /me`).
#[component]
pub fn SignInForm() -> impl IntoView {
    let client = use_context::<ApiClient>();
    let session = use_context::<Session>();
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let check = Action::new_local(move |token: &String| {
        let client = client.clone();
        let token = token.trim().to_owned();
        async move {
            let result = match &client {
                Some(client) => client.me_with_token(&token).await,
                None => Err(ApiError::Network("no API client".to_owned())),
            };
            match result {
                Ok(_) => {
                    if let Some(session) = session {
                        session.sign_in(token);
                    }
                }
                Err(ApiError::Unauthorized) => {
                    error.try_set(Some("That access token was not accepted.".to_owned()));
                }
                Err(other) => {
                    error.try_set(Some(other.to_string()));
                }
            }
        }
    });
    let busy = check.pending();
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let value = token.get_untracked();
        if value.trim().is_empty() {
            error.set(Some("Enter an access token.".to_owned()));
            return;
        }
        error.set(None);
        check.dispatch(value);
    };
    let notice = move || session.and_then(|s| s.notice.get());
    let provider = session.map(|s| s.provider);
    // Still working out who is signed in (the provider's answer, joining its session).
    let waiting = move || provider.is_some_and(|p| p.busy.get());
    let problem = move || error.get().or_else(|| provider.and_then(|p| p.error.get()));
    let provider_button = move || {
        let provider = provider?;
        let name = provider.offer.get()?;
        Some(view! {
            <button
                type="button"
                class="ac-button ac-button--primary ac-signin__provider"
                on:click=move |_| {
                    error.set(None);
                    provider.sign_in();
                }
            >
                {format!("Sign in with {name}")}
            </button>
            <p class="ac-subtle">"Or sign in with an access token (API tokens, the demo)."</p>
        })
    };
    let has_provider = move || provider.is_some_and(|p| p.offer.with(Option::is_some));
    let input_id = unique_id("ac-token");
    view! {
        <main class="ac-signin">
            <p class="ac-loading" aria-busy="true" hidden=move || !waiting()>
                "Signing in…"
            </p>
            <form class="ac-signin__form" on:submit=submit hidden=waiting>
                <h1 class="ac-signin__title">"Action Center"</h1>
                <p class="ac-notice" hidden=move || notice().is_none()>
                    {move || notice().unwrap_or_default()}
                </p>
                {provider_button}
                <p class="ac-subtle" hidden=has_provider>
                    "Sign in with your access token."
                </p>
                <div class="ac-field">
                    <label class="ac-field__label" for=input_id.clone()>
                        "Access token"
                    </label>
                    <input
                        id=input_id
                        type="text"
                        class="ac-input"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || token.get()
                        on:input=move |ev| token.set(event_target_value(&ev))
                    />
                </div>
                <p class="ac-alert" role="alert" hidden=move || problem().is_none()>
                    {move || problem().unwrap_or_default()}
                </p>
                <button type="submit" class="ac-button ac-button--primary" disabled=move || busy.get()>
                    "Sign in"
                </button>
            </form>
        </main>
    }
}
