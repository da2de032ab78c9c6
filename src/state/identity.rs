//! Standalone sign-in with the organisation's identity provider (OpenID Connect): authorization
//! code with PKCE for a public client (no secret in the browser), tokens in memory only.
//!
//! - **Start** ([`IdentityProvider::start`]): ask the server which provider it trusts. If the
//!   page is the provider's answer (`?code=…&state=…`), put the analyst's view back in the
//!   address bar at once (the code leaves it) and exchange the code. Otherwise, with no token
//!   yet, join the provider's session silently (`prompt=none`): a new tab of a signed-in
//!   browser opens signed in, on the view its link names. A refusal shows the sign-in form.
//! - **Renewal**: before a token expires (and before any request with a stale one, e.g. after
//!   the laptop slept) the refresh token — rotated on every use — buys a new one, one renewal
//!   at a time. If the provider refuses (its session was ended or revoked), the app goes back
//!   to the sign-in form and says so.
//! - **Sign out** ends the provider's session too (RP-initiated logout, without a token in the
//!   URL), and this tab stops joining it silently until the analyst signs in again.

use std::time::Duration;

use action_center_core::oidc::{
    authorize_url, callback_error_message, code_request, end_session_url, refresh_request,
    renew_after, AuthConfig, Callback, PendingSignIn, TokenAnswer, DEFAULT_EXPIRES_IN,
};
use leptos::prelude::*;

use super::pkce;
use super::{Alive, Session};
use crate::api::{token_request, ApiClient, TokenRefusal};

/// What the app holds of a provider sign-in: in memory only.
#[derive(Default)]
struct Tokens {
    /// The provider the server trusts, once `GET /auth/config` named one.
    config: Option<AuthConfig>,
    /// Signed in through the provider (not with a pasted token).
    active: bool,
    refresh: Option<String>,
    /// When the token is due for renewal (shortly before it expires).
    renew_at_ms: f64,
    renewing: bool,
    /// Bumped by every new token and by signing out: a renewal timer of an older one does
    /// nothing.
    generation: u32,
    /// The app's owner: renewal timers live as long as it does.
    alive: Option<Alive>,
}

/// The standalone app's identity provider sign-in (a part of [`Session`]).
#[derive(Clone, Copy)]
pub struct IdentityProvider {
    /// The provider's name for "Sign in with …", when the app can sign in with it.
    pub offer: RwSignal<Option<String>>,
    /// Whether the app is still finding out who is signed in (the provider's answer, a silent
    /// attempt): the sign-in form waits.
    pub busy: RwSignal<bool>,
    /// Why the last sign-in with the provider did not work.
    pub error: RwSignal<Option<String>>,
    tokens: StoredValue<Tokens, LocalStorage>,
}

/// Never prints a token.
impl std::fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityProvider")
    }
}

impl IdentityProvider {
    /// Nothing known yet; `standalone` apps look for a provider when they start.
    pub fn new(standalone: bool) -> Self {
        IdentityProvider {
            offer: RwSignal::new(None),
            busy: RwSignal::new(standalone),
            error: RwSignal::new(None),
            tokens: StoredValue::new_local(Tokens::default()),
        }
    }

    /// Whether the current token came from the provider.
    pub fn is_active(&self) -> bool {
        self.tokens.try_with_value(|t| t.active).unwrap_or(false)
    }

    fn config(&self) -> Option<AuthConfig> {
        self.tokens.try_with_value(|t| t.config.clone()).flatten()
    }

    fn name(&self) -> String {
        self.config()
            .map(|c| c.display_name().to_owned())
            .unwrap_or_else(|| "the identity provider".to_owned())
    }

    /// Finds the provider and signs in as described above; bound to the current owner (the app).
    pub fn start(self, session: Session, client: ApiClient) {
        let alive = Alive::here();
        self.tokens.update_value(|t| t.alive = Some(alive.clone()));
        alive.spawn(async move { self.discover(session, client).await });
    }

    async fn discover(self, session: Session, client: ApiClient) {
        let callback = Callback::parse(&pkce::current_query());
        let pending = callback.as_ref().and_then(|_| pkce::take_pending());
        if callback.is_some() {
            // The code leaves the address bar before anything else happens.
            let place = pending
                .as_ref()
                .map(|p| p.return_to.clone())
                .unwrap_or_else(pkce::current_path);
            pkce::replace_place(&place);
        }
        let config = match client.auth_config().await {
            Ok(Some(config)) => config,
            Ok(None) => return self.done(None),
            Err(error) => {
                let message = callback.is_some().then(|| error.to_string());
                return self.done(message);
            }
        };
        let usable = config.is_usable();
        self.tokens
            .try_update_value(|t| t.config = Some(config.clone()));
        self.offer
            .try_set(usable.then(|| config.display_name().to_owned()));
        match (callback, pending) {
            (Some(callback), Some(pending)) if callback.state() == pending.state => {
                self.finish(session, &config, callback, pending).await
            }
            (Some(_), _) => self.done(Some(
                "That sign-in answer does not belong to this tab. Sign in again.".to_owned(),
            )),
            (None, _)
                if usable
                    && session.token.try_with_untracked(Option::is_none) == Some(true)
                    && !pkce::silent_blocked() =>
            {
                if !self.redirect(&config, true).await {
                    self.done(None)
                }
            }
            (None, _) => self.done(None),
        }
    }

    fn done(&self, error: Option<String>) {
        self.error.try_set(error);
        self.busy.try_set(false);
    }

    /// Sends the browser to the provider's sign-in (interactive, or silent with `prompt=none`);
    /// false when it cannot (no secure context, storage refused).
    async fn redirect(&self, config: &AuthConfig, silent: bool) -> bool {
        let (Some(verifier), Some(state), Some(redirect_uri)) =
            (pkce::random(32), pkce::random(16), pkce::redirect_uri())
        else {
            return false;
        };
        let Some(challenge) = pkce::challenge(&verifier).await else {
            return false;
        };
        let Some(url) = authorize_url(config, &redirect_uri, &state, &challenge, silent) else {
            return false;
        };
        let pending = PendingSignIn {
            state,
            verifier,
            return_to: pkce::current_place(),
            silent,
        };
        if !pkce::save_pending(&pending) {
            return false;
        }
        pkce::navigate(&url);
        true
    }

    /// "Sign in with <provider>": off to the provider's sign-in page.
    pub fn sign_in(self) {
        let Some(config) = self.config() else {
            return;
        };
        self.error.set(None);
        self.busy.set(true);
        crate::state::spawn_owned(async move {
            if !self.redirect(&config, false).await {
                self.done(Some(
                    "This browser cannot sign in with the identity provider here (it needs HTTPS)."
                        .to_owned(),
                ));
            }
        });
    }

    async fn finish(
        self,
        session: Session,
        config: &AuthConfig,
        callback: Callback,
        pending: PendingSignIn,
    ) {
        let code = match callback {
            Callback::Code { code, iss, .. } => {
                // RFC 9207: an answer from another issuer is a mix-up, not a sign-in.
                if iss.as_deref().is_some_and(|iss| iss != config.issuer) {
                    return self.done(Some(
                        "The sign-in answer came from another identity provider.".to_owned(),
                    ));
                }
                code
            }
            Callback::Error { error, .. } => {
                if pending.silent {
                    pkce::block_silent(true);
                }
                return self
                    .done(callback_error_message(&error, pending.silent).map(str::to_owned));
            }
        };
        let (Some(endpoint), Some(redirect_uri)) =
            (config.token_endpoint.clone(), pkce::redirect_uri())
        else {
            return self.done(None);
        };
        let form = code_request(config, &code, &redirect_uri, &pending.verifier);
        match token_request(&endpoint, form).await {
            Ok(tokens) => {
                pkce::block_silent(false);
                self.accept(session, tokens);
                self.done(None);
            }
            Err(TokenRefusal::Refused(_)) => self.done(Some(
                "The identity provider did not accept the sign-in. Try again.".to_owned(),
            )),
            Err(TokenRefusal::Unreachable) => self.done(Some(format!(
                "Cannot reach {}. Check the connection and try again.",
                self.name()
            ))),
        }
    }

    /// Takes a token response: the access token for the API, the (rotated) refresh token, and
    /// a renewal shortly before it expires.
    fn accept(self, session: Session, tokens: TokenAnswer) {
        let expires_in = tokens.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
        let renew_in = renew_after(Some(expires_in));
        let generation = self.tokens.try_update_value(|t| {
            t.active = true;
            if tokens.refresh_token.is_some() {
                t.refresh = tokens.refresh_token.clone();
            }
            t.renew_at_ms = pkce::now_ms() + renew_in as f64 * 1000.0;
            t.generation = t.generation.wrapping_add(1);
            (t.generation, t.alive.clone())
        });
        session.notice.try_set(None);
        session.token.try_set(tokens.access_token);
        let Some((generation, Some(alive))) = generation else {
            return;
        };
        let delay = Duration::from_secs(renew_in);
        let owner = alive.clone();
        alive.after(delay, move || {
            let current = self.tokens.try_with_value(|t| t.generation) == Some(generation);
            if current {
                owner.spawn(async move {
                    let _ = self.renew(session).await;
                });
            }
        });
    }

    /// Before a request: renews a token that is due (its timer may not have run: timers sleep
    /// with the laptop, and background tabs are throttled). Nothing to do for pasted tokens.
    pub async fn ensure_fresh(self, session: Session) -> Result<(), String> {
        let stale = self
            .tokens
            .try_with_value(|t| t.active && pkce::now_ms() >= t.renew_at_ms);
        if stale == Some(true) {
            self.renew(session).await
        } else {
            Ok(())
        }
    }

    /// Redeems the refresh token, once at a time (a rotated token used twice would look like
    /// theft to the provider and end the session).
    async fn renew(self, session: Session) -> Result<(), String> {
        if self.tokens.try_with_value(|t| t.renewing) == Some(true) {
            for _ in 0..150 {
                crate::state::task::sleep(Duration::from_millis(100)).await;
                if self.tokens.try_with_value(|t| t.renewing) != Some(true) {
                    break;
                }
            }
            return Ok(());
        }
        let request = self.tokens.try_update_value(|t| {
            let refresh = t.refresh.clone().filter(|_| t.active)?;
            t.renewing = true;
            Some((refresh, t.generation))
        });
        let Some(Some((refresh, generation))) = request else {
            // No refresh token: the token is used until the server refuses it.
            return Ok(());
        };
        let config = self.config();
        let target = config
            .as_ref()
            .and_then(|c| Some((refresh_request(c, &refresh), c.token_endpoint.clone()?)));
        let result = match target {
            Some((form, endpoint)) => token_request(&endpoint, form).await,
            None => Err(TokenRefusal::Unreachable),
        };
        self.tokens.try_update_value(|t| t.renewing = false);
        // Signed out (or signed in anew) meanwhile: this answer is for nobody.
        if self.tokens.try_with_value(|t| t.generation) != Some(generation) {
            return Ok(());
        }
        match result {
            Ok(tokens) => {
                self.accept(session, tokens);
                Ok(())
            }
            Err(TokenRefusal::Refused(_)) => {
                let notice = format!(
                    "Your session with {} has ended. Sign in again.",
                    self.name()
                );
                pkce::block_silent(true);
                self.forget();
                session.token.try_set(None);
                session.notice.try_set(Some(notice.clone()));
                Err(notice)
            }
            // The provider is out of reach: keep the token until the server refuses it, and
            // try again before the next request.
            Err(TokenRefusal::Unreachable) => Ok(()),
        }
    }

    /// Forgets the provider's tokens; whether there were any.
    pub fn forget(&self) -> bool {
        self.tokens
            .try_update_value(|t| {
                let was = t.active;
                t.active = false;
                t.refresh = None;
                t.generation = t.generation.wrapping_add(1);
                was
            })
            .unwrap_or(false)
    }

    /// Signing out of a provider session: this tab stops joining it silently, and the browser
    /// goes to the provider's logout (when it has one) to end it there too.
    pub fn sign_out(&self) {
        if !self.forget() {
            return;
        }
        pkce::block_silent(true);
        let config = self.config();
        let url = config
            .as_ref()
            .zip(pkce::redirect_uri())
            .and_then(|(config, back)| end_session_url(config, &back));
        if let Some(url) = url {
            pkce::navigate(&url);
        }
    }
}
