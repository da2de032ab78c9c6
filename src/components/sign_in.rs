use leptos::prelude::*;

use crate::api::{ApiClient, ApiError};
use crate::state::Session;
use crate::unique_id;

/// The standalone sign-in form: paste an access token; the server checks it (`GET /me`).
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
    let input_id = unique_id("ac-token");
    view! {
        <main class="ac-signin">
            <form class="ac-signin__form" on:submit=submit>
                <h1 class="ac-signin__title">"Action Center"</h1>
                <p class="ac-subtle">"Sign in with your access token."</p>
                <p class="ac-notice" hidden=move || notice().is_none()>
                    {move || notice().unwrap_or_default()}
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
                <p class="ac-alert" role="alert" hidden=move || error.with(Option::is_none)>
                    {move || error.get().unwrap_or_default()}
                </p>
                <button type="submit" class="ac-button ac-button--primary" disabled=move || busy.get()>
                    "Sign in"
                </button>
            </form>
        </main>
    }
}
