//! What handlers take from a request besides the path: the JSON body with a JSON Pointer
//! to whatever field is wrong, `If-Match`, and a list's page.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::db::PageRequest;
use crate::domain::FieldError;
use crate::http::error::ApiError;
use crate::http::state::AppState;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;

/// A JSON request body, deserialised with a JSON Pointer to whatever field is wrong.
/// Accepts `application/json` and any `application/*+json` (e.g. merge-patch+json).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_type = check_json_media_type(req);
        let limit = req.app_data::<web::Data<AppState>>().map_or(0, |state| state.max_body_bytes);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            media_type?;
            let bytes = body.await.map_err(|error| {
                if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit }
                } else {
                    ApiError::BadParameter(format!("could not read the request body: {error}"))
                }
            })?;
            // Every body of this API is a JSON object; refuse arrays and scalars up front, before
            // anything else (If-Match, lookups) is looked at.
            if bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{') {
                return Err(ApiError::InvalidBody(vec![FieldError::new(
                    "",
                    "the body must be a JSON object",
                )]));
            }
            let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
            let value = serde_path_to_error::deserialize(&mut deserializer).map_err(body_error)?;
            deserializer.end().map_err(|e| ApiError::MalformedJson(e.to_string()))?;
            Ok(Self(value))
        })
    }
}

fn check_json_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let unsupported = || {
        ApiError::UnsupportedMediaType(
            "the request body must be JSON (Content-Type: application/json)".into(),
        )
    };
    let mime = req.mime_type().map_err(|_| unsupported())?.ok_or_else(unsupported)?;
    let is_json = mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON));
    if is_json { Ok(()) } else { Err(unsupported()) }
}

/// serde's error, with the path where it happened turned into a JSON Pointer.
fn body_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    match error.inner().classify() {
        Category::Data => ApiError::InvalidBody(vec![field_error(error.path(), error.inner())]),
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(error.inner().to_string()),
    }
}

fn field_error(path: &serde_path_to_error::Path, error: &serde_json::Error) -> FieldError {
    use serde_path_to_error::Segment;
    let mut pointer: String = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                Some(format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Unknown => None,
        })
        .collect();
    // serde names a missing or unknown field only in its message: point at the field itself.
    let message = error.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
    for marker in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(marker)
            && let Some(name) = rest.split('`').next()
            && !pointer.ends_with(&format!("/{name}"))
        {
            pointer.push('/');
            pointer.push_str(name);
        }
    }
    FieldError::new(pointer, message)
}

/// Deserialises a JSON value already in memory (a merged patch) the same way as a body.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|error| ApiError::InvalidBody(vec![field_error(error.path(), error.inner())]))
}

/// `If-Match`, required on every write to an existing record: it names the version the
/// client read, so a write based on a stale read is refused instead of lost.
pub enum IfMatch {
    Any,
    Versions(Vec<i32>),
}

impl IfMatch {
    /// The version to write over; 412 when the client's copy is stale.
    pub fn version_to_replace(&self, current: i32) -> Result<i32, ApiError> {
        match self {
            Self::Any => Ok(current),
            Self::Versions(versions) if versions.contains(&current) => Ok(current),
            Self::Versions(_) => Err(ApiError::PreconditionFailed { current: Some(current) }),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_if_match(req.headers().get(header::IF_MATCH)))
    }
}

fn parse_if_match(value: Option<&HeaderValue>) -> Result<IfMatch, ApiError> {
    let value = value.ok_or(ApiError::PreconditionRequired)?;
    let bad =
        || ApiError::BadParameter("If-Match must hold the ETag returned by a read, such as \"3\"".into());
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text == "*" {
        return Ok(IfMatch::Any);
    }
    text.split(',')
        .map(|tag| {
            let tag = tag.trim();
            // Weak tags never match for If-Match (RFC 9110 §13.1.1); ours are strong. A bare
            // version number is taken as the tag it names.
            let bare = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
            bare.parse::<i32>().ok().filter(|_| !tag.starts_with("W/")).ok_or_else(bad)
        })
        .collect::<Result<_, _>>()
        .map(IfMatch::Versions)
}

/// `limit` and `cursor` as given in a list's query string.
/// The query string of a list with no filters: just the page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        page_request(self.limit, self.cursor.as_deref(), None)
    }
}

/// `sort` is `created_at` (oldest first, the default) or `-created_at` (newest first).
pub fn page_request(
    limit: Option<i64>,
    cursor: Option<&str>,
    sort: Option<&str>,
) -> Result<PageRequest, ApiError> {
    let newest_first = match sort {
        None | Some("created_at") => false,
        Some("-created_at") => true,
        Some(other) => {
            return Err(ApiError::BadParameter(format!(
                "sort must be created_at or -created_at, not {other:?}"
            )));
        }
    };
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::BadParameter(format!("limit must be between 1 and {MAX_PAGE_SIZE}")));
    }
    let after = cursor
        .map(|c| {
            Uuid::try_parse(c)
                .map_err(|_| ApiError::BadParameter("cursor is not one this server issued".into()))
        })
        .transpose()?;
    Ok(PageRequest { after, limit, newest_first })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parsing() {
        assert!(matches!(parse_if_match(None), Err(ApiError::PreconditionRequired)));
        let header = HeaderValue::from_static("\"3\", \"4\"");
        assert!(matches!(parse_if_match(Some(&header)), Ok(IfMatch::Versions(v)) if v == vec![3, 4]));
        let weak = HeaderValue::from_static("W/\"3\"");
        assert!(parse_if_match(Some(&weak)).is_err());
        let any = HeaderValue::from_static("*");
        assert!(matches!(parse_if_match(Some(&any)), Ok(IfMatch::Any)));
    }
}
