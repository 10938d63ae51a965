//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;

use crate::domain::FieldError;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is JSON but not of the expected shape (unknown field, wrong type, missing field).
    #[error("the request body does not match the expected schema")]
    InvalidBody(Vec<FieldError>),
    /// The body has the right shape but the values break a rule.
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// A path segment or query parameter could not be parsed.
    #[error("{0}")]
    BadParameter(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// No credentials, or credentials that are not valid (401 with `WWW-Authenticate`).
    #[error("{0}")]
    Unauthorized(String),
    /// A known caller without the right (403).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    #[error("{0}")]
    Conflict(String),
    #[error("the record has changed since it was read")]
    PreconditionFailed { current: Option<i32> },
    #[error("this write needs an If-Match header with the record's ETag")]
    PreconditionRequired,
    #[error("too many failed attempts; try again in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// A capacity limit reached: heavy work queued too long, too many exports, a query past
    /// its statement timeout (503 with `Retry-After`).
    #[error("{0}")]
    Overloaded(String),
    /// Up, but not ready to serve (503 with `Retry-After`).
    #[error("{0}")]
    NotReady(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn validation(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(pointer, detail)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::InvalidBody(_) => "invalid-body",
            Self::Validation(_) => "validation-error",
            Self::MalformedJson(_) => "malformed-json",
            Self::BadParameter(_) => "bad-parameter",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed { .. } => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable => "unavailable",
            Self::Overloaded(_) => "overloaded",
            Self::NotReady(_) => "not-ready",
            Self::Internal(_) => "internal-error",
        }
    }
}

/// The problem document. `errors` carries field pointers for 400/422 answers.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

pub fn problem_response(
    status: StatusCode,
    slug: &str,
    detail: String,
    errors: &[FieldError],
) -> HttpResponse {
    let problem = Problem {
        kind: format!("urn:attest:problem:{slug}"),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    };
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .body(serde_json::to_string(&problem).expect("a problem document always serialises"))
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidBody(_) | Self::MalformedJson(_) | Self::BadParameter(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::NotReady(_) | Self::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let errors: &[FieldError] = match self {
            Self::InvalidBody(errors) | Self::Validation(errors) => errors,
            _ => &[],
        };
        let detail = match self {
            // Never leak internals (SQL, paths) to the client; the log has them.
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                self.to_string()
            }
            Self::InvalidBody(errors) | Self::Validation(errors) => match errors.as_slice() {
                [only] => format!("{}: {}", only.pointer, only.detail),
                _ => self.to_string(),
            },
            _ => self.to_string(),
        };
        let mut response = problem_response(self.status_code(), self.slug(), detail, errors);
        let headers = response.headers_mut();
        match self {
            Self::MethodNotAllowed(allowed) => {
                let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                if let Ok(value) = HeaderValue::from_str(&allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            Self::Unavailable | Self::NotReady(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::Overloaded(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            }
            Self::TooManyRequests { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"attest\""));
            }
            Self::PreconditionFailed { current: Some(current) } => {
                if let Ok(value) = HeaderValue::from_str(&crate::cache::etag(*current)) {
                    headers.insert(header::ETAG, value);
                }
            }
            _ => {}
        }
        response
    }
}

/// Diesel errors mapped to statuses, in one place.
impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::NotFound => Self::NotFound("record not found".into()),
            DieselError::DatabaseError(kind, info) => {
                let constraint = info.constraint_name().unwrap_or_default();
                match kind {
                    DatabaseErrorKind::UniqueViolation => {
                        Self::Conflict(format!("a record with the same key already exists ({constraint})"))
                    }
                    DatabaseErrorKind::ForeignKeyViolation => Self::validation(
                        format!(
                            "/{}",
                            column_of_constraint(info.table_name().unwrap_or_default(), constraint)
                        ),
                        "refers to a record that does not exist",
                    ),
                    DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                        Self::validation("", format!("violates the rule {constraint}"))
                    }
                    DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::UnableToSendCommand
                    | DatabaseErrorKind::SerializationFailure
                    | DatabaseErrorKind::ReadOnlyTransaction => {
                        crate::telemetry::metrics::DATABASE_ERRORS.inc();
                        Self::Unavailable
                    }
                    _ if info.message().starts_with("canceling statement due to statement timeout") => {
                        crate::telemetry::metrics::DATABASE_ERRORS.inc();
                        Self::Overloaded(
                            "the query ran past the statement timeout; narrow it and try again".into(),
                        )
                    }
                    // A value too large for an index entry: the field caps keep indexed text
                    // well under this, so reaching it is a missed cap, said as the client's.
                    _ if info.message().starts_with("index row size") => Self::validation(
                        "",
                        "a value is too long to be indexed; shorten the longest text field",
                    ),
                    // The server going away mid-query (SQLSTATE class 57, "operator
                    // intervention"), which diesel reports only by its message.
                    _ if is_server_going_away(info.message()) => {
                        crate::telemetry::metrics::DATABASE_ERRORS.inc();
                        Self::Unavailable
                    }
                    _ => {
                        crate::telemetry::metrics::DATABASE_ERRORS.inc();
                        Self::internal(&error)
                    }
                }
            }
            _ => {
                crate::telemetry::metrics::DATABASE_ERRORS.inc();
                Self::internal(&error)
            }
        }
    }
}

fn is_server_going_away(message: &str) -> bool {
    ["terminating connection", "the database system is", "canceling statement due to conflict with recovery"]
        .iter()
        .any(|prefix| message.starts_with(prefix))
}

/// `quotes_source_id_fkey` on table `quotes` names the column `source_id`.
fn column_of_constraint<'a>(table: &str, constraint: &'a str) -> &'a str {
    let without_table =
        constraint.strip_prefix(table).and_then(|rest| rest.strip_prefix('_')).unwrap_or(constraint);
    without_table.strip_suffix("_fkey").unwrap_or(without_table)
}

impl From<crate::db::PoolError> for ApiError {
    fn from(error: crate::db::PoolError) -> Self {
        tracing::warn!(%error, "no database connection");
        crate::telemetry::metrics::DATABASE_ERRORS.inc();
        Self::Unavailable
    }
}

/// Rewrites any error response that is not yet problem+json (actix's own 4xx/5xx answers)
/// into one, keeping its status and headers.
pub fn problem_for_plain_errors<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = response
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let status = response.status();
    let detail = response
        .response()
        .error()
        .map(|error| error.to_string())
        .filter(|text| !text.is_empty() && status.is_client_error())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
    let (request, old) = response.into_parts();
    let mut problem = problem_response(status, "http-error", detail, &[]);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let problem: HttpResponse<BoxBody> = problem;
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, problem).map_into_right_body::<B>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_map_to_columns() {
        assert_eq!(column_of_constraint("quotes", "quotes_source_id_fkey"), "source_id");
        assert_eq!(column_of_constraint("claims", "claims_claimant_id_fkey"), "claimant_id");
        assert_eq!(column_of_constraint("claims", "odd"), "odd");
    }
}
