//! What handlers take from a request besides the path: the JSON body with a JSON Pointer
//! to whatever field is wrong, `If-Match`, and a list's page.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::db::PageRequest;
use crate::domain::{ExpectedVersion, FieldError};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::ServiceError;

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
                let error = FieldError::new("", "the body must be a JSON object");
                return Err(ServiceError::InvalidShape(vec![error]).into());
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
        Category::Data => {
            ServiceError::InvalidShape(vec![FieldError::at_path(error.path(), error.inner())]).into()
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::MalformedJson(error.inner().to_string()),
    }
}

/// `If-Match`, required on every write to an existing record: it names the version the
/// client read, so a write based on a stale read is refused instead of lost.
pub struct IfMatch(pub ExpectedVersion);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_if_match(req.headers().get(header::IF_MATCH)).map(IfMatch))
    }
}

fn parse_if_match(value: Option<&HeaderValue>) -> Result<ExpectedVersion, ApiError> {
    let value = value.ok_or(ApiError::PreconditionRequired)?;
    let bad =
        || ApiError::BadParameter("If-Match must hold the ETag returned by a read, such as \"3\"".into());
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text == "*" {
        return Ok(ExpectedVersion::Any);
    }
    let mut versions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag, or a quoted tag that is
        // not one of ours, names no version, and a write with only such tags answers 412. A
        // bare version number is taken as the tag it names; anything else is not a tag.
        if let Some(quoted) = tag.strip_prefix("W/").unwrap_or(tag).strip_prefix('"') {
            let opaque = quoted.strip_suffix('"').filter(|t| !t.contains('"')).ok_or_else(bad)?;
            versions.extend(opaque.parse::<i32>().ok().filter(|_| !tag.starts_with("W/")));
        } else {
            versions.push(tag.parse::<i32>().map_err(|_| bad())?);
        }
    }
    Ok(ExpectedVersion::OneOf(versions))
}

/// A create body holding a batch of records.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch<T> {
    pub items: Vec<T>,
}

/// The filters of a list that has none.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilter {}

/// A list's query string: its filters `Q`, and the page (`limit`, `cursor`, and `sort` where
/// the list has more than one order). Every list pages this way, with one limit rule and
/// one cursor format (see `Cursor`).
pub struct Paged<Q> {
    pub filter: Q,
    limit: Option<String>,
    cursor: Option<String>,
    sort: Option<String>,
}

impl<Q: DeserializeOwned> FromRequest for Paged<Q> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::parse(req.query_string()))
    }
}

impl<Q: DeserializeOwned> Paged<Q> {
    fn parse(query: &str) -> Result<Self, ApiError> {
        let (mut limit, mut cursor, mut sort) = (None, None, None);
        let mut rest = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "limit" => &mut limit,
                "cursor" => &mut cursor,
                "sort" => &mut sort,
                _ => {
                    rest.append_pair(&key, &value);
                    continue;
                }
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(ApiError::BadParameter(format!("invalid query string: {key} is given twice")));
            }
        }
        let filter = web::Query::<Q>::from_query(&rest.finish())
            .map_err(|error| ApiError::BadParameter(format!("invalid query string: {error}")))?
            .into_inner();
        Ok(Self { filter, limit, cursor, sort })
    }
}

impl<Q> Paged<Q> {
    /// The page asked for, in the list's one order.
    pub fn page<K: Cursor>(&self) -> Result<PageRequest<K>, ApiError> {
        if self.sort.is_some() {
            return Err(ApiError::BadParameter("this list has one order; sort is not a parameter".into()));
        }
        self.page_in(false)
    }

    /// The page asked for, `sort` being `created_at` (oldest first, the default) or
    /// `-created_at` (newest first).
    pub fn sorted_page<K: Cursor>(&self) -> Result<PageRequest<K>, ApiError> {
        let newest_first = match self.sort.as_deref() {
            None | Some("created_at") => false,
            Some("-created_at") => true,
            Some(other) => {
                return Err(ApiError::BadParameter(format!(
                    "sort must be created_at or -created_at, not {other:?}"
                )));
            }
        };
        self.page_in(newest_first)
    }

    fn page_in<K: Cursor>(&self, newest_first: bool) -> Result<PageRequest<K>, ApiError> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => {
                text.parse().ok().filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit)).ok_or_else(|| {
                    ApiError::BadParameter(format!(
                        "limit must be a whole number between 1 and {MAX_PAGE_SIZE}"
                    ))
                })?
            }
        };
        let after = self
            .cursor
            .as_deref()
            .map(|text| {
                K::decode(text)
                    .ok_or_else(|| ApiError::BadParameter("cursor is not one this server issued".into()))
            })
            .transpose()?;
        Ok(PageRequest { after, limit, newest_first })
    }
}

/// The key a page ends at, written as an opaque cursor. Every cursor has one format: the key's
/// parts, each in lowercase hex or decimal digits, joined by `.` (nothing to escape in a URL).
pub trait Cursor: Sized {
    fn encode(&self) -> String;
    fn decode(text: &str) -> Option<Self>;
}

impl Cursor for Uuid {
    fn encode(&self) -> String {
        self.simple().to_string()
    }

    fn decode(text: &str) -> Option<Self> {
        Uuid::try_parse(text).ok()
    }
}

impl Cursor for i64 {
    fn encode(&self) -> String {
        self.to_string()
    }

    fn decode(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// A rank, kept exactly (its bits).
impl Cursor for f64 {
    fn encode(&self) -> String {
        format!("{:016x}", self.to_bits())
    }

    fn decode(text: &str) -> Option<Self> {
        (text.len() == 16).then(|| u64::from_str_radix(text, 16).ok().map(f64::from_bits)).flatten()
    }
}

/// A moment, in microseconds since 1970 (what PostgreSQL keeps).
impl Cursor for DateTime<Utc> {
    fn encode(&self) -> String {
        self.timestamp_micros().to_string()
    }

    fn decode(text: &str) -> Option<Self> {
        DateTime::from_timestamp_micros(text.parse().ok()?)
    }
}

impl<A: Cursor, B: Cursor> Cursor for (A, B) {
    fn encode(&self) -> String {
        format!("{}.{}", self.0.encode(), self.1.encode())
    }

    fn decode(text: &str) -> Option<Self> {
        let (a, b) = text.split_once('.')?;
        Some((A::decode(a)?, B::decode(b)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parsing() {
        assert!(matches!(parse_if_match(None), Err(ApiError::PreconditionRequired)));
        let header = HeaderValue::from_static("\"3\", \"4\"");
        assert_eq!(parse_if_match(Some(&header)).unwrap(), ExpectedVersion::OneOf(vec![3, 4]));
        let weak = HeaderValue::from_static("W/\"3\"");
        assert_eq!(parse_if_match(Some(&weak)).unwrap(), ExpectedVersion::OneOf(vec![]));
        let mixed = HeaderValue::from_static("W/\"3\", \"4\", \"a-digest\", 5");
        assert_eq!(parse_if_match(Some(&mixed)).unwrap(), ExpectedVersion::OneOf(vec![4, 5]));
        for garbage in ["three", "\"3", "W/3", "\"3\"\"", ""] {
            assert!(parse_if_match(Some(&HeaderValue::from_static(garbage))).is_err(), "{garbage}");
        }
        let any = HeaderValue::from_static("*");
        assert_eq!(parse_if_match(Some(&any)).unwrap(), ExpectedVersion::Any);
    }

    #[test]
    fn cursors_round_trip_in_one_format() {
        let id = Uuid::now_v7();
        let at = Utc::now();
        let key = (0.123_456_789_f64, id);
        assert_eq!(<(f64, Uuid)>::decode(&key.encode()), Some(key));
        let moment = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap();
        assert_eq!(<(DateTime<Utc>, Uuid)>::decode(&(moment, id).encode()), Some((moment, id)));
        assert_eq!(i64::decode(&42_i64.encode()), Some(42));
        for cursor in [key.encode(), (moment, id).encode()] {
            assert!(cursor.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b'-'), "{cursor}");
        }
        for bad in ["", "x", "1.2.3", "zz.00000000000000000000000000000000"] {
            assert_eq!(<(f64, Uuid)>::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_page_is_read_beside_the_filters() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct Filter {
            status: Option<String>,
        }
        let paged = Paged::<Filter>::parse("status=verified&limit=5&cursor=7").unwrap();
        assert_eq!(paged.filter.status.as_deref(), Some("verified"));
        let page: PageRequest<i64> = paged.page().unwrap();
        assert_eq!((page.after, page.limit), (Some(7), 5));
        assert!(Paged::<Filter>::parse("limit=1&limit=2").is_err());
        assert!(Paged::<Filter>::parse("other=1").is_err());
        for limit in ["0", "501", "1.5", "x"] {
            let paged = Paged::<Filter>::parse(&format!("limit={limit}")).unwrap();
            assert!(paged.page::<i64>().is_err(), "{limit}");
        }
        assert!(Paged::<Filter>::parse("sort=-created_at").unwrap().page::<i64>().is_err());
        assert!(
            Paged::<Filter>::parse("sort=-created_at").unwrap().sorted_page::<Uuid>().unwrap().newest_first
        );
    }
}
