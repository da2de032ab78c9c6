//! Filter counts and the CSV export: `GET /actions/facets` and `GET /actions/export.csv`.
//!
//! The export needs the bearer token, so it cannot be a plain link: the file is fetched with
//! the token and handed to the browser as a Blob behind a short-lived object URL.

use action_center_core::{ActionQuery, Facets};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{body, ApiClient, ApiError, Method};

/// How long the object URL of a download stays valid (the browser copies the file at once).
const REVOKE_AFTER_MS: u64 = 10_000;

/// `path?query`, or just `path` when the query is empty.
fn with_query(path: &str, query: &ActionQuery) -> String {
    let qs = query.to_query_string();
    if qs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{qs}")
    }
}

/// The file name from a `Content-Disposition` header, reduced to safe characters.
pub fn download_name(content_disposition: Option<&str>) -> String {
    let named = content_disposition
        .and_then(|h| h.split_once("filename=").map(|(_, rest)| rest))
        .map(|rest| {
            rest.trim_start_matches('"')
                .split(['"', ';'])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect::<String>()
                .trim_start_matches('.')
                .to_owned()
        })
        .filter(|name| !name.is_empty());
    named.unwrap_or_else(|| "actions.csv".to_owned())
}

impl ApiClient {
    /// `GET /actions/facets`: counts per value for the filter menus.
    pub async fn facets(&self, query: &ActionQuery) -> Result<Facets, ApiError> {
        self.get(&with_query("/actions/facets", query)).await
    }

    /// `GET /actions/export.csv` for `query`, saved by the browser as a download. Returns the
    /// file name.
    pub async fn export_csv(&self, query: &ActionQuery) -> Result<String, ApiError> {
        let url = self.url(&with_query("/actions/export.csv", query));
        let accept = "text/csv, application/problem+json";
        let response = self.exchange(Method::Get, &url, accept, None).await?;
        if !response.ok() {
            // An error answer: read it the usual way (a problem document).
            let error = body(response)
                .await
                .err()
                .unwrap_or_else(|| ApiError::Decode("unexpected answer".to_owned()));
            return Err(error);
        }
        let name = download_name(response.headers().get("content-disposition").as_deref());
        let network = |e: wasm_bindgen::JsValue| ApiError::Network(format!("{e:?}"));
        let raw = web_sys::Response::from(response);
        let blob = JsFuture::from(raw.blob().map_err(network)?)
            .await
            .map_err(network)?
            .dyn_into::<web_sys::Blob>()
            .map_err(|_| ApiError::Decode("the export is not a file".to_owned()))?;
        save_blob(&blob, &name).map_err(network)?;
        Ok(name)
    }
}

/// Hands `blob` to the browser as a download named `name`, then revokes its URL.
fn save_blob(blob: &web_sys::Blob, name: &str) -> Result<(), wasm_bindgen::JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let link = document
        .create_element("a")?
        .dyn_into::<web_sys::HtmlElement>()?;
    link.set_attribute("href", &url)?;
    link.set_attribute("download", name)?;
    link.set_attribute("hidden", "")?;
    let body = document.body().ok_or("no body")?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_millis(REVOKE_AFTER_MS),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::download_name;

    #[test]
    fn file_names_come_from_the_header_and_stay_safe() {
        assert_eq!(
            download_name(Some(
                "attachment; filename=\"actions-20260301T120000Z.csv\""
            )),
            "actions-20260301T120000Z.csv"
        );
        assert_eq!(
            download_name(Some("attachment; filename=a.csv; size=3")),
            "a.csv"
        );
        assert_eq!(
            download_name(Some("attachment; filename=\"../../etc/pa ss\"")),
            "etcpass"
        );
        assert_eq!(
            download_name(Some("attachment; filename=\"..\"")),
            "actions.csv"
        );
        assert_eq!(download_name(Some("inline")), "actions.csv");
        assert_eq!(download_name(None), "actions.csv");
    }
}
