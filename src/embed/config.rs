//! The host's `config` object, read and checked. Every problem is collected, so that a host
//! sees them all at once, in one readable message (and `actioncenter:fatal`), never a panic.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::embed::links::{check_template, LinkRule, LinkRules};
use crate::embed::theme::{Theme, ThemeMode};
use crate::embed::time::{TimeConfig, TimeZone};
use crate::{AppConfig, Auth, UrlState};

/// The keys a config may have.
const KEYS: [&str; 9] = [
    "apiBaseUrl",
    "getToken",
    "credentials",
    "csrf",
    "basePath",
    "links",
    "locale",
    "timeZone",
    "theme",
];

/// Reads `config` (a plain object) into the app's configuration, or says what is wrong.
pub fn parse(config: &JsValue) -> Result<AppConfig, String> {
    if !config.is_object() {
        return Err("config must be an object, e.g. { apiBaseUrl, getToken }".to_owned());
    }
    let mut errors = Vec::new();
    let mut check = |r: Result<(), String>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    let mut app = AppConfig::embedded();

    let unknown: Vec<String> = Object::keys(config.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .filter(|k| !KEYS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        leptos::logging::warn!(
            "Action Center: ignoring unknown config keys: {} (known: {})",
            unknown.join(", "),
            KEYS.join(", ")
        );
    }

    check(string(config, "apiBaseUrl").and_then(|v| match v {
        None => Ok(()),
        Some(url) if is_base_url(&url) => {
            app.api_base = url;
            Ok(())
        }
        Some(url) => Err(format!(
            "apiBaseUrl must be an http(s) URL or a path starting with '/', not '{url}'"
        )),
    }));

    check(auth(config).map(|a| app.auth = a));

    check(get(config, "basePath").and_then(|v| {
        if v.is_null() || v.is_undefined() {
            app.url = UrlState::Memory;
            return Ok(());
        }
        match v.as_string() {
            Some(path) if path.starts_with('/') && !path.starts_with("//") => {
                app.url = UrlState::AddressBar {
                    base_path: Some(path),
                };
                Ok(())
            }
            _ => Err("basePath must be a path starting with '/' (or null: the view is not kept in the URL)".to_owned()),
        }
    }));

    check(links(config).map(|l| app.links = l));

    let locale = string(config, "locale");
    let zone = string(config, "timeZone");
    check(match (locale, zone) {
        (Ok(locale), Ok(zone)) => {
            let time_zone = match zone.as_deref() {
                None | Some("local") => TimeZone::Local,
                Some(other) => TimeZone::Named(other.to_owned()),
            };
            let time = TimeConfig { locale, time_zone };
            time.formatter().map(|_| app.time = time)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    });

    check(theme(config).map(|t| app.theme = t));

    if errors.is_empty() {
        Ok(app)
    } else {
        Err(format!("Action Center config: {}.", errors.join("; ")))
    }
}

fn get(config: &JsValue, key: &str) -> Result<JsValue, String> {
    Reflect::get(config, &JsValue::from_str(key)).map_err(|_| format!("{key} cannot be read"))
}

/// An optional string: `Ok(None)` when absent or null.
fn string(config: &JsValue, key: &str) -> Result<Option<String>, String> {
    let v = get(config, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_string() {
        Some(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        _ => Err(format!("{key} must be a non-empty string")),
    }
}

fn is_base_url(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

fn auth(config: &JsValue) -> Result<Auth, String> {
    let get_token = get(config, "getToken")?;
    let credentials = string(config, "credentials")?;
    let csrf = get(config, "csrf")?;
    let has_csrf = !(csrf.is_undefined() || csrf.is_null());
    let function = match get_token.dyn_into::<Function>() {
        Ok(f) => Some(f),
        Err(v) if v.is_undefined() || v.is_null() => None,
        Err(_) => {
            return Err(
                "getToken must be a function returning the bearer token (or a promise of it)"
                    .to_owned(),
            )
        }
    };
    match (function, credentials.as_deref()) {
        (Some(_), Some(_)) => {
            Err("use either getToken or credentials: \"include\", not both".to_owned())
        }
        (Some(_), None) if has_csrf => {
            Err("csrf goes with credentials: \"include\" (cookies), not getToken".to_owned())
        }
        (Some(f), None) => Ok(Auth::GetToken(f)),
        (None, Some("include")) => {
            let csrf = if has_csrf {
                let header = string(&csrf, "header")?;
                let value = string(&csrf, "value")?;
                match (header, value) {
                    (Some(h), Some(v)) if is_header_name(&h) && !v.contains(['\r', '\n']) => Some((h, v)),
                    _ => return Err("csrf must be { header: \"X-CSRF-Token\", value: \"…\" } (a header name and its value)".to_owned()),
                }
            } else {
                None
            };
            Ok(Auth::Cookies { csrf })
        }
        (None, Some(other)) => Err(format!("credentials must be \"include\", not \"{other}\"")),
        (None, None) => Err(
            "the app needs getToken (a function) or credentials: \"include\" to sign in".to_owned(),
        ),
    }
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn links(config: &JsValue) -> Result<LinkRules, String> {
    let v = get(config, "links")?;
    if v.is_undefined() || v.is_null() {
        return Ok(LinkRules::default());
    }
    if !v.is_object() {
        return Err("links must be an object { investigation, hunt }".to_owned());
    }
    let rule = |key: &str| -> Result<LinkRule, String> {
        let r = get(&v, key)?;
        if r.is_undefined() {
            return Ok(LinkRule::Server);
        }
        if r.is_null() {
            return Ok(LinkRule::Off);
        }
        if let Some(template) = r.as_string() {
            return check_template(&template)
                .map(|_| LinkRule::Template(template))
                .map_err(|e| format!("links.{key}: {e}"));
        }
        r.dyn_into::<Function>()
            .map(LinkRule::Function)
            .map_err(|_| {
                format!(
                    "links.{key} must be a template string, a function (action) => url, or null"
                )
            })
    };
    Ok(LinkRules {
        investigation: rule("investigation")?,
        hunt: rule("hunt")?,
    })
}

fn theme(config: &JsValue) -> Result<Theme, String> {
    let v = get(config, "theme")?;
    if v.is_undefined() || v.is_null() {
        return Ok(Theme::default());
    }
    let mode = |m: Option<String>| match m.as_deref() {
        None | Some("system") => Ok(ThemeMode::System),
        Some("light") => Ok(ThemeMode::Light),
        Some("dark") => Ok(ThemeMode::Dark),
        Some(other) => Err(format!(
            "theme must be \"system\", \"light\" or \"dark\", not \"{other}\""
        )),
    };
    if let Some(m) = v.as_string() {
        return Ok(Theme {
            mode: mode(Some(m))?,
            tokens: Vec::new(),
        });
    }
    if !v.is_object() {
        return Err("theme must be \"system\", \"light\", \"dark\" or { mode, tokens }".to_owned());
    }
    let mode = mode(string(&v, "mode")?)?;
    let tokens_value = get(&v, "tokens")?;
    let mut tokens = Vec::new();
    if !(tokens_value.is_undefined() || tokens_value.is_null()) {
        if !tokens_value.is_object() {
            return Err(
                "theme.tokens must be an object like { \"--ac-accent\": \"#5b2a86\" }".to_owned(),
            );
        }
        for key in Object::keys(tokens_value.unchecked_ref::<Object>()).iter() {
            let name = key.as_string().unwrap_or_default();
            let value = string(&tokens_value, &name)?.unwrap_or_default();
            if !Theme::is_token_name(&name) || value.is_empty() || value.contains([';', '{', '}']) {
                return Err(format!(
                    "theme.tokens: '{name}' must be an --ac-* property with a CSS value"
                ));
            }
            tokens.push((name, value));
        }
    }
    Ok(Theme { mode, tokens })
}
