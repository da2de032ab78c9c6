//! The one error type of the server: every failure answers `application/problem+json`
//! (RFC 9457) with the contract's `code`, never an HTML page, SQL text or a stack trace.

use action_center_core::{Action, ErrorCode, FieldError, Problem};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A failure on its way to the client.
#[derive(Debug)]
pub struct AppError {
    problem: Box<Problem>,
    retry_after: Option<u64>,
    /// The database aborted the transaction to resolve a conflict: the write may run again.
    conflict: bool,
}

impl AppError {
    /// A problem with `code` and a sentence for people.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        AppError {
            problem: Box::new(Problem::new(code, detail)),
            retry_after: None,
            conflict: false,
        }
    }

    /// 400 `invalidRequest` naming one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let field = field.into();
        AppError::invalid_fields(vec![FieldError { field, message }])
    }

    /// 400 `invalidRequest` naming each bad field.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] if one.field.is_empty() => one.message.clone(),
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut err = AppError::new(ErrorCode::InvalidRequest, detail);
        err.problem.errors = errors;
        err
    }

    /// 404 `notFound`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        AppError::new(ErrorCode::NotFound, detail)
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        AppError::new(ErrorCode::Forbidden, detail)
    }

    /// 401 `unauthorized` (answered with `WWW-Authenticate: Bearer`).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        AppError::new(ErrorCode::Unauthorized, detail)
    }

    /// 429 `rateLimited` with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut err = AppError::new(
            ErrorCode::RateLimited,
            "Too many failed sign-in attempts; try again later",
        );
        err.retry_after = Some(retry_after_secs);
        err
    }

    /// 500: logs the cause on the server, tells the client nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        crate::telemetry::log::error(
            "internal error",
            &[
                ("requestId", crate::telemetry::current_request_id().into()),
                ("cause", cause.to_string().into()),
            ],
        );
        AppError::new(
            ErrorCode::Internal,
            "The server could not complete the request",
        )
    }

    /// 503: the database cannot be reached (or is not ready); try again shortly.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        crate::telemetry::log::warn(
            "unavailable",
            &[
                ("requestId", crate::telemetry::current_request_id().into()),
                ("cause", cause.to_string().into()),
            ],
        );
        let mut err = AppError::new(
            ErrorCode::Internal,
            "The service is unavailable at the moment; try again shortly",
        );
        err.problem.status = 503;
        err.problem.title = "Service unavailable".into();
        err.retry_after = Some(2);
        err
    }

    /// A 500 for a transaction the database aborted to resolve a deadlock or a serialization
    /// conflict: [`crate::store::Store::write`] runs it again.
    pub fn conflict(cause: impl std::fmt::Display) -> Self {
        let mut err = AppError::internal(cause);
        err.conflict = true;
        err
    }

    /// Whether the database aborted the write to resolve a conflict.
    pub fn is_conflict(&self) -> bool {
        self.conflict
    }

    /// Attaches the current state of the action in conflict.
    pub fn with_action(mut self, action: Action) -> Self {
        self.problem.action = Some(Box::new(action));
        self
    }

    /// The stable code.
    pub fn code(&self) -> &ErrorCode {
        &self.problem.code
    }

    /// The problem document.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.problem.code,
            self.problem.detail.as_deref().unwrap_or("")
        )
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(err: rusqlite::Error) -> Self {
        AppError::internal(format!("database: {err}"))
    }
}

impl From<tokio_postgres::Error> for AppError {
    fn from(err: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        match err.code() {
            Some(c)
                if *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
            {
                AppError::conflict(format!("database: {err}"))
            }
            _ if err.is_closed()
                || std::error::Error::source(&err).is_some_and(|s| s.is::<std::io::Error>()) =>
            {
                AppError::unavailable(format!("database: {err}"))
            }
            _ => AppError::internal(format!(
                "database: {}",
                crate::store::postgres::describe(&err)
            )),
        }
    }
}

impl From<deadpool_postgres::PoolError> for AppError {
    fn from(err: deadpool_postgres::PoolError) -> Self {
        AppError::unavailable(format!("database pool: {err}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(err: serde_json::Error) -> Self {
        AppError::internal(format!("json: {err}"))
    }
}

/// Renders a problem document as a response.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if problem.code == ErrorCode::Unauthorized {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"action-center\""),
        );
    }
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = problem_response(&self.problem);
        if let Some(secs) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
