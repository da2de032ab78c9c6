use action_center_core::Me;
use leptos::prelude::*;

use crate::state::Session;

/// The app's header: its name, who is signed in and, standalone, "Sign out".
#[component]
pub fn UserBar(
    /// The signed-in account.
    me: Me,
) -> impl IntoView {
    let session = use_context::<Session>();
    let standalone = session.is_some_and(|s| s.standalone);
    let name = if me.display_name.trim().is_empty() {
        me.id.clone()
    } else {
        me.display_name.clone()
    };
    let roles = me
        .roles
        .iter()
        .map(|r| r.label().into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <header class="ac-header">
            <h1 class="ac-header__title">"Action Center"</h1>
            <div class="ac-header__user">
                <span class="ac-header__name" title=me.id.clone()>
                    {name}
                </span>
                <span class="ac-subtle">{roles}</span>
                {standalone
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="ac-button ac-button--subtle"
                                on:click=move |_| {
                                    if let Some(session) = session {
                                        session.sign_out();
                                    }
                                }
                            >
                                "Sign out"
                            </button>
                        }
                    })}
            </div>
        </header>
    }
}
