//! The theme a host asks for: light, dark or the system's, plus `--ac-*` overrides. The mode
//! becomes `data-ac-theme` on the app's root (style/tokens.css honours it); overrides are set
//! through the CSSOM, which a strict CSP allows (no `style` attribute).

use wasm_bindgen::JsCast;

/// Light, dark, or whatever the system prefers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemeMode {
    /// Follows `prefers-color-scheme`.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// The theme of one instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    /// Light, dark or system.
    pub mode: ThemeMode,
    /// `--ac-*` custom properties and their values, set on the app's root.
    pub tokens: Vec<(String, String)>,
}

impl Theme {
    /// The value of `data-ac-theme` (none: follow the system).
    pub fn attribute(&self) -> Option<&'static str> {
        match self.mode {
            ThemeMode::System => None,
            ThemeMode::Light => Some("light"),
            ThemeMode::Dark => Some("dark"),
        }
    }

    /// Whether `name` is one of the app's custom properties (`--ac-…`).
    pub fn is_token_name(name: &str) -> bool {
        name.strip_prefix("--ac-").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    }

    /// Sets the overrides on the app's root element.
    pub fn apply(&self, root: &web_sys::Element) {
        if let Some(el) = root.dyn_ref::<web_sys::HtmlElement>() {
            let style = el.style();
            for (name, value) in &self.tokens {
                let _ = style.set_property(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ac_properties_are_tokens() {
        assert!(Theme::is_token_name("--ac-accent"));
        assert!(Theme::is_token_name("--ac-space-2"));
        for bad in ["--accent", "--ac-", "color", "--ac-Accent", "--ac-a;b"] {
            assert!(!Theme::is_token_name(bad), "{bad}");
        }
        assert_eq!(Theme::default().attribute(), None);
    }
}
