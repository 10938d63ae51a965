//! `Idempotency-Key` on POST: the first answer is kept and replayed to a retry of the same
//! request by the same caller (`services::idempotency`), so that a client that lost an
//! answer may send again without writing twice.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::domain::Principal;
use crate::http::error::ApiError;
use crate::http::state::{AppState, RequestWorkspace};
use crate::services::idempotency::{self, Answer, Begun, KeyOwner};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Marks an answer replayed from the first request with the key.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// Longest key accepted.
const MAX_KEY_CHARS: usize = 255;

/// The headers a kept answer carries again.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

pub async fn idempotent_posts(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(value) = req.headers().get(&IDEMPOTENCY_KEY).cloned().filter(|_| req.method() == Method::POST)
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = parse_key(&value)?;
    let Some(user_id) = req.extensions().get::<Principal>().map(|p| p.user_id) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let scope = req.extensions().get::<RequestWorkspace>().map_or_else(String::new, |w| w.0.to_string());
    let state =
        req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::internal("no state"))?;
    let body = read_body(&mut req, state.max_body_bytes).await?;
    let fingerprint = fingerprint(&req, &body);
    req.set_payload(Payload::from(body));
    let owner = KeyOwner { user_id, scope, key };

    let begun = {
        let mut conn = state.primary().await.map_err(ApiError::from)?;
        idempotency::begin(&mut conn, &owner, &fingerprint).await.map_err(ApiError::from)?
    };
    if let Begun::Replay(answer) = begun {
        return Ok(req.into_response(replay(answer)));
    }
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(error) => {
            let mut conn = state.primary().await.map_err(ApiError::from)?;
            idempotency::abandon(&mut conn, &owner).await.map_err(ApiError::from)?;
            return Err(error);
        }
    };
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = to_bytes(body).await.map_err(|error| ApiError::internal(error.into()))?;
    let answer =
        Answer { status: head.status().as_u16(), headers: kept_headers(head.headers()), body: body.to_vec() };
    let mut conn = state.primary().await.map_err(ApiError::from)?;
    idempotency::complete(&mut conn, &owner, &answer).await.map_err(ApiError::from)?;
    Ok(ServiceResponse::new(request, head.set_body(BoxBody::new(body))))
}

/// A key is visible ASCII, at most `MAX_KEY_CHARS` of it; a structured-field string
/// (`"…"`) is taken without its quotes.
fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let text = value.to_str().ok().map(|text| text.trim());
    let key = text.map(|text| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text));
    match key {
        Some(key)
            if !key.is_empty() && key.len() <= MAX_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(key.to_owned())
        }
        _ => Err(ApiError::BadParameter(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
        ))),
    }
}

/// The request's body, read whole (it is replayed to the handler): no more than the server
/// takes of any body.
async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            ApiError::BadParameter(format!("the request body could not be read: {error}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests the same: method, path, query and body.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    for part in [req.method().as_str().as_bytes(), req.path().as_bytes(), req.query_string().as_bytes()] {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    digest.update(body);
    hex::encode(digest.finalize())
}

fn kept_headers(headers: &header::HeaderMap) -> Value {
    let kept: Map<String, Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), Value::String(value.to_owned())))
        })
        .collect();
    Value::Object(kept)
}

fn replay(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    if let Value::Object(headers) = answer.headers {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) =
                (HeaderName::try_from(name), value.as_str().map(HeaderValue::from_str))
            {
                response.insert_header((name, value));
            }
        }
    }
    response.insert_header((REPLAYED, HeaderValue::from_static("true")));
    response.body(answer.body)
}
