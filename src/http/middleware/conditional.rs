//! Reads as HTTP caches and clients expect them (RFC 9110 §8.8.3, §13): every successful
//! read carries an ETag, the record's version or, for lists, feeds and documents, a weak
//! digest of the representation; `If-None-Match` naming it answers 304 with no body; `HEAD`
//! answers with the headers of the `GET` and no body.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, body::BodySize};
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

/// Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5).
const KEPT_BY_NOT_MODIFIED: [header::HeaderName; 5] =
    [header::ETAG, header::VARY, header::CACHE_CONTROL, header::CONTENT_LOCATION, header::EXPIRES];

pub async fn conditional_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.call(req).await?;
    if response.status() != StatusCode::OK {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let tagged = head.headers().contains_key(header::ETAG);
    let body = match body.size() {
        // A streamed body (an export) is neither digested nor, for HEAD, produced at all.
        BodySize::Stream if method == Method::HEAD => BoxBody::new(actix_web::body::None::new()),
        BodySize::Stream => BoxBody::new(body),
        // A record's answer carries its version already: its body is left as it is.
        _ if tagged => BoxBody::new(body),
        _ => {
            let bytes = actix_web::body::to_bytes(body).await.map_err(|error| {
                let error: Box<dyn std::error::Error> = error.into();
                ApiError::internal(format!("reading an answer's body: {error}"))
            })?;
            if let Ok(tag) = HeaderValue::from_str(&digest_tag(&bytes)) {
                head.headers_mut().insert(header::ETAG, tag);
            }
            BoxBody::new(bytes)
        }
    };
    let current = head.headers().get(header::ETAG).and_then(|tag| tag.to_str().ok());
    if let (Some(current), Some(condition)) = (current, if_none_match.as_ref().and_then(|v| v.to_str().ok()))
        && none_match_fails(condition, current)
    {
        let not_modified = not_modified(head.headers());
        return Ok(ServiceResponse::new(request, not_modified));
    }
    Ok(ServiceResponse::new(request, head.set_body(body)))
}

/// A weak validator from the representation's bytes: equal bytes, equal tag.
pub fn digest_tag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("W/\"{}\"", hex::encode(&digest[..16]))
}

/// Whether `If-None-Match: condition` fails for a representation tagged `current`: `*`, or
/// one of its tags equal to `current` by the weak comparison (the opaque tags alike, either
/// of them weak or not).
fn none_match_fails(condition: &str, current: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    condition.trim() == "*" || condition.split(',').any(|tag| opaque(tag) == opaque(current))
}

fn not_modified(headers: &HeaderMap) -> HttpResponse {
    let mut response = HttpResponse::NotModified();
    for name in KEPT_BY_NOT_MODIFIED {
        for value in headers.get_all(&name) {
            response.append_header((name.clone(), value.clone()));
        }
    }
    response.finish()
}

#[cfg(test)]
mod tests {
    use super::{digest_tag, none_match_fails};

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(none_match_fails("\"3\"", "\"3\""));
        assert!(none_match_fails("W/\"3\"", "\"3\""));
        assert!(none_match_fails("\"2\", W/\"3\"", "\"3\""));
        assert!(none_match_fails("*", "\"7\""));
        assert!(!none_match_fails("\"2\", \"4\"", "\"3\""));
        assert!(!none_match_fails("\"33\"", "\"3\""));
        let tag = digest_tag(b"[]");
        assert!(tag.starts_with("W/\"") && tag.len() == 3 + 32 + 1);
        assert!(none_match_fails(&tag.replace("W/", ""), &tag));
        assert_ne!(digest_tag(b"[1]"), tag);
    }
}
