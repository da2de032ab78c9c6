//! Who is signed in: the bearer token and where it comes from.

use leptos::prelude::*;

use super::identity::IdentityProvider;

const STORAGE_KEY: &str = "action-center.token";

/// Where the app gets its bearer token.
#[derive(Clone, Copy, Debug)]
pub enum TokenSource {
    /// Standalone: the analyst pastes a token into the sign-in form; it is kept in
    /// `sessionStorage` for the browser session.
    SignIn,
    /// Embedded: the host page supplies (and refreshes) the token; no sign-in form is shown.
    Host(RwSignal<Option<String>>),
}

/// The session: the token every API call carries, and a notice for the sign-in form.
///
/// Its methods run after awaits (a sign-in check, a 401 on any call), so they write with `try_`:
/// on an unmounted instance they do nothing rather than touch disposed signals.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    /// The current bearer token, if any.
    pub token: RwSignal<Option<String>>,
    /// Why the analyst is looking at the sign-in form again (e.g. the session ended).
    pub notice: RwSignal<Option<String>>,
    /// Whether the app shows its own sign-in form and "Sign out".
    pub standalone: bool,
    /// Sign-in with the organisation's identity provider (standalone only).
    pub provider: IdentityProvider,
}

impl Session {
    /// A session for `source`; standalone sessions start from `sessionStorage`.
    pub fn new(source: TokenSource) -> Self {
        match source {
            TokenSource::SignIn => Session {
                token: RwSignal::new(load_token()),
                notice: RwSignal::new(None),
                standalone: true,
                provider: IdentityProvider::new(true),
            },
            TokenSource::Host(token) => Session {
                token,
                notice: RwSignal::new(None),
                standalone: false,
                provider: IdentityProvider::new(false),
            },
        }
    }

    /// Keeps a pasted token the server accepted (for the browser session: API tokens and the
    /// demo; tokens from the identity provider stay in memory).
    pub fn sign_in(&self, token: String) {
        self.provider.forget();
        if self.standalone {
            store_token(Some(&token));
        }
        self.notice.try_set(None);
        self.token.try_set(Some(token));
    }

    /// Forgets the token (the analyst signed out); a provider session is ended at the
    /// provider too (the browser goes to its logout page).
    pub fn sign_out(&self) {
        if self.standalone {
            store_token(None);
        }
        self.notice.try_set(None);
        self.token.try_set(None);
        self.provider.sign_out();
    }

    /// The server no longer accepts the token: back to the sign-in form with a message.
    pub fn expire(&self) {
        if self.standalone {
            store_token(None);
            self.provider.forget();
            self.token.try_set(None);
        }
        // A more precise notice (e.g. the provider ended the session) stays.
        if self.notice.try_with_untracked(Option::is_none) == Some(true) {
            self.notice
                .try_set(Some("Your session has ended. Sign in again.".to_owned()));
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn load_token() -> Option<String> {
    storage()?
        .get_item(STORAGE_KEY)
        .ok()?
        .filter(|t| !t.trim().is_empty())
}

fn store_token(token: Option<&str>) {
    if let Some(storage) = storage() {
        // Storage can refuse (private mode, quota); the in-memory token still works.
        let _ = match token {
            Some(token) => storage.set_item(STORAGE_KEY, token),
            None => storage.remove_item(STORAGE_KEY),
        };
    }
}
