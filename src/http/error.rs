//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::Error as DieselError;
use serde::Serialize;

use crate::cache::etag;
use crate::db::PoolError;
use crate::domain::FieldError;
use crate::services::ServiceError;

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

    /// The status and the problem type's slug, in one place.
    fn kind(&self) -> (StatusCode, &'static str) {
        match self {
            Self::InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid-body"),
            Self::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed-json"),
            Self::BadParameter(_) => (StatusCode::BAD_REQUEST, "bad-parameter"),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation-error"),
            Self::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
            Self::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PreconditionFailed { .. } => (StatusCode::PRECONDITION_FAILED, "precondition-failed"),
            Self::PreconditionRequired => (StatusCode::PRECONDITION_REQUIRED, "precondition-required"),
            Self::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Overloaded(_) => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            Self::NotReady(_) => (StatusCode::SERVICE_UNAVAILABLE, "not-ready"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal-error"),
        }
    }
}

/// A use case's failure, said in HTTP.
impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::InvalidShape(errors) => Self::InvalidBody(errors),
            ServiceError::Validation(errors) => Self::Validation(errors),
            ServiceError::Unauthenticated(why) => Self::Unauthorized(why),
            ServiceError::Forbidden(why) => Self::Forbidden(why),
            ServiceError::NotFound(what) => Self::NotFound(what),
            ServiceError::Conflict(why) => Self::Conflict(why),
            ServiceError::Stale { current } => Self::PreconditionFailed { current },
            ServiceError::Throttled { retry_after } => Self::TooManyRequests { retry_after },
            ServiceError::Unavailable => Self::Unavailable,
            ServiceError::Overloaded(why) => Self::Overloaded(why),
            ServiceError::NotReady(why) => Self::NotReady(why),
            ServiceError::Internal(cause) => Self::Internal(cause),
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
        self.kind().0
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
        let (status, slug) = self.kind();
        let mut response = problem_response(status, slug, detail, errors);
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
                if let Ok(value) = HeaderValue::from_str(&etag(*current)) {
                    headers.insert(header::ETAG, value);
                }
            }
            _ => {}
        }
        response
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        ServiceError::from(error).into()
    }
}

impl From<PoolError> for ApiError {
    fn from(error: PoolError) -> Self {
        ServiceError::from(error).into()
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
