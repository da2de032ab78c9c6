//! Extractors that answer in the API's own error format: JSON bodies (with the field serde
//! names), the list query, action ids in paths, `If-Match`.

use action_center_core::{ActionQuery, MAX_BODY_BYTES};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::errors::AppError;
use crate::ops::validate::MAX_ID_CHARS;

/// A JSON request body, strictly decoded, with the SHA-256 of its bytes (for idempotency).
pub struct Posted<T> {
    /// The decoded body.
    pub body: T,
    /// Hex SHA-256 of the raw bytes.
    pub digest: String,
}

/// Decodes JSON, naming the field serde stopped at.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let text: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        b"null"
    } else {
        bytes
    };
    let de = &mut serde_json::Deserializer::from_slice(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(value) => Ok(value),
        Err(err) => {
            let path = err.path().to_string();
            let field = if path == "." { String::new() } else { path };
            let inner = err.into_inner();
            let message = if text == b"null" {
                "a JSON body is required".to_owned()
            } else if inner.is_syntax() || inner.is_eof() {
                format!("malformed JSON: {inner}")
            } else {
                inner.to_string()
            };
            Err(AppError::invalid(field, message))
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Posted<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, AppError> {
        let too_large = || {
            AppError::new(
                action_center_core::ErrorCode::PayloadTooLarge,
                format!("The body is larger than {MAX_BODY_BYTES} bytes"),
            )
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| too_large())?;
        let body = decode_json(&bytes)?;
        let digest = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Posted { body, digest })
    }
}

/// Parses a list query string strictly (unknown keys and values are errors).
pub fn parse_query(raw: Option<&str>) -> Result<ActionQuery, AppError> {
    let pairs = action_center_core::query::decode_pairs(raw.unwrap_or(""));
    ActionQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(AppError::invalid_fields)
}

/// The `{id}` of an action route.
pub struct ActionId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ActionId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::invalid("id", "not a valid action id"))?;
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return Err(AppError::invalid("id", "not a valid action id"));
        }
        Ok(ActionId(id))
    }
}

/// The version named by `If-Match` (`"3"`, `W/"3"` or `3`), if any.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid("If-Match", "must be an action version such as \"3\""))
}

/// The `If-Match` version of a bulk request, which may pin only a request of exactly one
/// action (a version says nothing about the others).
pub fn bulk_if_match(headers: &HeaderMap, actions: usize) -> Result<Option<i64>, AppError> {
    let pin = if_match(headers)?;
    if pin.is_some() && actions != 1 {
        return Err(AppError::invalid(
            "If-Match",
            "only with exactly one action",
        ));
    }
    Ok(pin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use action_center_core::DecisionRequest;

    #[test]
    fn json_errors_name_the_field() {
        let err = decode_json::<DecisionRequest>(br#"{"decision":"approve","actions":[{"id":1}]}"#)
            .unwrap_err();
        assert_eq!(err.problem().errors[0].field, "actions[0].id");
        let err = decode_json::<DecisionRequest>(br#"{"decision":"approve","actions":[],"x":1}"#)
            .unwrap_err();
        assert!(err.problem().errors[0].message.contains("unknown field"));
        let err = decode_json::<DecisionRequest>(b"{not json").unwrap_err();
        assert!(err.problem().errors[0]
            .message
            .starts_with("malformed JSON"));
        let err = decode_json::<DecisionRequest>(b"").unwrap_err();
        assert_eq!(err.problem().errors[0].message, "a JSON body is required");
    }

    #[test]
    fn if_match_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(if_match(&h).unwrap(), None);
        h.insert(header::IF_MATCH, "\"3\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap(), Some(3));
        h.insert(header::IF_MATCH, "W/\"4\"".parse().unwrap());
        assert_eq!(if_match(&h).unwrap(), Some(4));
        h.insert(header::IF_MATCH, "*".parse().unwrap());
        assert!(if_match(&h).is_err());
    }

    #[test]
    fn a_version_pins_only_a_request_of_one_action() {
        let mut h = HeaderMap::new();
        assert_eq!(bulk_if_match(&h, 5).unwrap(), None);
        h.insert(header::IF_MATCH, "\"3\"".parse().unwrap());
        assert_eq!(bulk_if_match(&h, 1).unwrap(), Some(3));
        let err = bulk_if_match(&h, 2).unwrap_err();
        assert_eq!(err.problem().errors[0].field, "If-Match");
    }
}
