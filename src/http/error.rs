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

/// What the HTTP edge refuses itself (a request it cannot read, a method a path does not
/// have), and every failure of a use case (`ServiceError`).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// A path segment, query parameter or header could not be parsed.
    #[error("{0}")]
    BadParameter(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    #[error("this write needs an If-Match header with the record's ETag")]
    PreconditionRequired,
    /// The record lives at `location` now (a merged speaker's survivor).
    #[error("this record was merged into the one at {0}")]
    MovedPermanently(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ApiError {
    pub fn internal(error: impl std::fmt::Display) -> Self {
        ServiceError::internal(error).into()
    }

    /// The status and the problem type's slug, in one place.
    fn kind(&self) -> (StatusCode, &'static str) {
        use ServiceError as S;
        match self {
            Self::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed-json"),
            Self::BadParameter(_) => (StatusCode::BAD_REQUEST, "bad-parameter"),
            Self::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
            Self::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            Self::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            Self::PreconditionRequired => (StatusCode::PRECONDITION_REQUIRED, "precondition-required"),
            Self::MovedPermanently(_) => (StatusCode::PERMANENT_REDIRECT, "moved"),
            Self::Service(error) => match error {
                S::InvalidShape(_) => (StatusCode::BAD_REQUEST, "invalid-body"),
                S::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation-error"),
                S::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
                S::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
                S::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
                S::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
                S::Gone(_) => (StatusCode::GONE, "gone"),
                S::Duplicate { .. } => (StatusCode::CONFLICT, "duplicate"),
                S::Moved(_) => (StatusCode::PERMANENT_REDIRECT, "moved"),
                S::Stale { .. } => (StatusCode::PRECONDITION_FAILED, "precondition-failed"),
                S::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"),
                S::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
                S::Overloaded(_) => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
                S::NotReady(_) => (StatusCode::SERVICE_UNAVAILABLE, "not-ready"),
                S::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal-error"),
            },
        }
    }

    /// The header an answer with this error carries, if any.
    fn header(&self) -> Option<(header::HeaderName, HeaderValue)> {
        use ServiceError as S;
        match self {
            Self::MethodNotAllowed(allowed) => {
                let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                HeaderValue::from_str(&allow).ok().map(|value| (header::ALLOW, value))
            }
            Self::MovedPermanently(location) => {
                HeaderValue::from_str(location).ok().map(|value| (header::LOCATION, value))
            }
            Self::Service(S::Unavailable | S::NotReady(_)) => {
                Some((header::RETRY_AFTER, HeaderValue::from_static("1")))
            }
            Self::Service(S::Overloaded(_)) => Some((header::RETRY_AFTER, HeaderValue::from_static("2"))),
            Self::Service(S::Throttled { retry_after }) => {
                Some((header::RETRY_AFTER, HeaderValue::from(*retry_after)))
            }
            Self::Service(S::Unauthenticated(_)) => {
                Some((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"attest\"")))
            }
            Self::Service(S::Stale { current: Some(current) }) => {
                HeaderValue::from_str(&etag(*current)).ok().map(|value| (header::ETAG, value))
            }
            _ => None,
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
    /// The stored record a refused duplicate would repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    existing_id: Option<uuid::Uuid>,
}

pub fn problem_response(
    status: StatusCode,
    slug: &str,
    detail: String,
    errors: &[FieldError],
    existing_id: Option<uuid::Uuid>,
) -> HttpResponse {
    let problem = Problem {
        kind: format!("urn:attest:problem:{slug}"),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
        existing_id,
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
            Self::Service(ServiceError::InvalidShape(errors) | ServiceError::Validation(errors)) => errors,
            _ => &[],
        };
        let detail = match (self, errors) {
            // Never leak internals (SQL, paths) to the client; the log has them.
            (Self::Service(ServiceError::Internal(cause)), _) => {
                tracing::error!(%cause, "internal error");
                self.to_string()
            }
            (_, [only]) => format!("{}: {}", only.pointer, only.detail),
            _ => self.to_string(),
        };
        let (status, slug) = self.kind();
        let existing = match self {
            Self::Service(ServiceError::Duplicate { existing, .. }) => Some(*existing),
            _ => None,
        };
        let mut response = problem_response(status, slug, detail, errors, existing);
        if let Some((name, value)) = self.header() {
            response.headers_mut().insert(name, value);
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
    let mut problem = problem_response(status, "http-error", detail, &[], None);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let problem: HttpResponse<BoxBody> = problem;
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, problem).map_into_right_body::<B>()))
}
