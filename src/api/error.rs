//! The one error type of the API client.

use std::fmt;

use action_center_core::{ErrorCode, Problem};

/// Why an API call did not give the app what it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request never got an answer (offline, DNS, connection refused, CORS).
    Network(String),
    /// The token is missing, unknown or expired (HTTP 401).
    Unauthorized,
    /// The server answered with an error; non-JSON error bodies become a generic problem.
    Http(Box<Problem>),
    /// The server answered 2xx, but with a body the app cannot read.
    Decode(String),
    /// The answer is larger than the app reads (`retry::MAX_RESPONSE_BYTES`).
    TooLarge,
}

impl ApiError {
    /// The problem document, for HTTP errors.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ApiError::Http(problem) => Some(problem),
            _ => None,
        }
    }

    /// The stable error code, for HTTP errors.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.problem().map(|p| &p.code)
    }

    /// A problem for an error answer whose body is not a problem document.
    pub(crate) fn from_status(status: u16, status_text: &str) -> ApiError {
        let code = match status {
            400 => ErrorCode::InvalidRequest,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::InvalidState,
            412 => ErrorCode::VersionMismatch,
            413 => ErrorCode::PayloadTooLarge,
            429 => ErrorCode::RateLimited,
            _ => ErrorCode::Internal,
        };
        let status_text = status_text.trim();
        let title = if status_text.is_empty() {
            code.label().into_owned()
        } else {
            status_text.to_owned()
        };
        let mut problem = Problem::new(
            code,
            format!("The server answered HTTP {status} {status_text}").trim_end(),
        );
        problem.title = title;
        problem.status = status;
        ApiError::Http(Box::new(problem))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(_) => {
                f.write_str("Cannot reach the server. Check the connection and try again.")
            }
            ApiError::Unauthorized => f.write_str("Your session has ended. Sign in again."),
            ApiError::Http(problem) => {
                let detail = problem.detail.as_deref().map(str::trim).unwrap_or("");
                match (problem.title.trim(), detail) {
                    ("", "") => write!(f, "The server answered HTTP {}", problem.status),
                    (title, "") => f.write_str(title),
                    ("", detail) => f.write_str(detail),
                    (title, detail) => write!(f, "{title}: {detail}"),
                }
            }
            ApiError::Decode(_) => {
                f.write_str("The server sent data the app cannot read. Try again later.")
            }
            ApiError::TooLarge => f.write_str(
                "The server's answer is too large for the app to read. Try again later.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_502_reads_as_a_sentence() {
        let err = ApiError::from_status(502, "Bad Gateway");
        assert_eq!(err.code(), Some(&ErrorCode::Internal));
        assert_eq!(
            err.to_string(),
            "Bad Gateway: The server answered HTTP 502 Bad Gateway"
        );
    }

    #[test]
    fn problems_show_title_and_detail() {
        let p = Problem::new(ErrorCode::MixedActionTypes, "two types");
        assert_eq!(
            ApiError::Http(Box::new(p)).to_string(),
            "Mixed action types: two types"
        );
    }
}
