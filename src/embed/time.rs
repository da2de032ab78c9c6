//! How times are shown. Standalone: the browser's time zone as `2026-03-01 14:05`. A host may
//! ask for a locale and a time zone (`"UTC"` or any IANA name): the browser's `Intl` formats
//! them, so full time-zone support costs the download nothing.

use chrono::{DateTime, Local, Utc};
use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use action_center_core::format::format_timestamp;

/// The time zone to show times in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimeZone {
    /// The browser's.
    #[default]
    Local,
    /// `UTC` or an IANA name such as `Europe/Berlin`.
    Named(String),
}

/// Locale and time zone for times.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimeConfig {
    /// A BCP 47 language tag, e.g. `en-GB`; none: the browser's.
    pub locale: Option<String>,
    /// The time zone.
    pub time_zone: TimeZone,
}

impl TimeConfig {
    /// An `Intl.DateTimeFormat` for this config (none for the default format), or why the
    /// locale or time zone is not valid.
    pub fn formatter(&self) -> Result<Option<Function>, String> {
        if self.locale.is_none() && self.time_zone == TimeZone::Local {
            return Ok(None);
        }
        let options = Object::new();
        let set = |k: &str, v: &str| Reflect::set(&options, &k.into(), &v.into());
        let _ = set("dateStyle", "medium");
        let _ = set("timeStyle", "short");
        if let TimeZone::Named(zone) = &self.time_zone {
            let _ = set("timeZone", zone);
        }
        let locales = match &self.locale {
            Some(l) => Array::of1(&JsValue::from_str(l)).into(),
            None => JsValue::UNDEFINED,
        };
        let constructor = Reflect::get(&js_sys::global(), &"Intl".into())
            .and_then(|intl| Reflect::get(&intl, &"DateTimeFormat".into()))
            .ok()
            .and_then(|c| c.dyn_into::<Function>().ok())
            .ok_or("this browser has no Intl.DateTimeFormat")?;
        // Construct through Reflect, so that a RangeError comes back as an error, not a throw.
        let format = Reflect::construct(&constructor, &Array::of2(&locales, &options))
            .and_then(|f| Reflect::get(&f, &"format".into()))
            .map_err(|_| {
                format!(
                    "locale '{}' or timeZone '{}' is not valid (a language tag like en-GB; \"local\", \"UTC\" or an IANA name like Europe/Berlin)",
                    self.locale.as_deref().unwrap_or(""),
                    match &self.time_zone {
                        TimeZone::Local => "local",
                        TimeZone::Named(z) => z,
                    }
                )
            })?;
        Ok(format.dyn_into::<Function>().ok())
    }
}

/// The formatter of this instance (a context).
#[derive(Clone, Copy)]
pub struct TimeFormat(StoredValue<Option<Function>, LocalStorage>);

/// Provides the time format of `config` to the components below.
pub fn provide_time_format(config: &TimeConfig) {
    let formatter = config.formatter().ok().flatten();
    provide_context(TimeFormat(StoredValue::new_local(formatter)));
}

/// `at` as the analyst should read it: the host's locale and zone, or the browser's zone.
pub fn show_time(at: DateTime<Utc>) -> String {
    show_time_in(use_context::<TimeFormat>(), at)
}

/// [`show_time`] with the format already looked up (a table formats hundreds of times).
pub fn show_time_in(format: Option<TimeFormat>, at: DateTime<Utc>) -> String {
    let formatter = format.and_then(|t| t.0.try_get_value().flatten());
    formatter
        .and_then(|format| {
            let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
            format.call1(&JsValue::NULL, &date).ok()?.as_string()
        })
        .unwrap_or_else(|| format_timestamp(at.with_timezone(&Local).naive_local()))
}
