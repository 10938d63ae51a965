//! What every answer carries and every request is checked for before routing: security
//! headers, CORS for the configured origins, and query strings without control characters.

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;

use crate::http::error::ApiError;
use crate::http::middleware::access::WORKSPACE_HEADER;
use crate::http::middleware::idempotency::{IDEMPOTENCY_KEY, REPLAYED};
use crate::http::state::WAL_POSITION_HEADER;

/// Headers every answer carries: no sniffing, no framing, no referrer, nothing to run.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
}

/// Query strings never carry NUL or other control characters: PostgreSQL text cannot hold
/// NUL, and no filter needs them. Refused up front with 400.
pub async fn reject_control_characters(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let decoded = url::form_urlencoded::parse(req.query_string().as_bytes());
    if decoded.into_iter().any(|(k, v)| k.chars().chain(v.chars()).any(char::is_control)) {
        return Err(ApiError::BadParameter("the query string holds a control character".into()).into());
    }
    next.call(req).await
}

/// CORS for the configured origins only; credentials are allowed only for those origins,
/// never for a wildcard.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            WAL_POSITION_HEADER.clone(),
            WORKSPACE_HEADER.clone(),
            IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            WAL_POSITION_HEADER.clone(),
            REPLAYED,
        ])
        .supports_credentials()
        .max_age(3600)
}
