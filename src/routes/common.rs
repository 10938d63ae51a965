//! What every resource's handlers share: the JSON body extractor, `If-Match`, responders
//! that carry an ETag or a `Link` header, list parameters, merge patches and batches.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::cache::RecordCache;
use crate::db::{DbConn, WalPosition};
use crate::db::{Page, PageRequest};
use crate::domain::FieldError;
use crate::error::ApiError;
use crate::startup::AppState;

/// Items accepted by one batch request; a batch is stored whole or not at all.
pub const MAX_BATCH_ITEMS: usize = 1000;
pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;

impl AppState {
    /// A connection to the primary: for writes, and for reads that must see the latest state.
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        let mut conn = self.database.primary.get().await?;
        if !self.schema_ready.load(Ordering::Relaxed) {
            if !crate::db::schema_is_current(&mut conn).await? {
                return Err(ApiError::NotReady("the database schema is being brought up to date".into()));
            }
            self.schema_ready.store(true, Ordering::Relaxed);
        }
        Ok(conn)
    }

    /// A connection for a read that tolerates replication lag: the next replica that
    /// answers and has replayed `after` (the caller's last write, when it says), else the
    /// primary. A replica that is down or behind costs a fallback, never an error.
    pub async fn read_conn(&self, after: Option<WalPosition>) -> Result<DbConn, ApiError> {
        let replicas = &self.database.replicas;
        // Until the primary's schema is known to be current, nothing reads anywhere else.
        if !replicas.is_empty() && self.schema_ready.load(Ordering::Relaxed) {
            let first = self.next_replica.fetch_add(1, Ordering::Relaxed);
            for offset in 0..replicas.len() {
                let Ok(mut conn) = replicas[(first + offset) % replicas.len()].get().await else { continue };
                let caught_up = match after {
                    None => true,
                    Some(wanted) => crate::db::has_replayed(&mut conn, wanted).await.unwrap_or(false),
                };
                if caught_up {
                    return Ok(conn);
                }
            }
        }
        self.conn().await
    }
}

/// The header that carries a WAL position: on the answer to a write when replicas are
/// configured, and on a later read that must see that write (read-your-writes).
pub static WAL_POSITION_HEADER: header::HeaderName = header::HeaderName::from_static("attest-lsn");

/// Where a read that tolerates replication lag gets its connection (see
/// `AppState::read_conn`). A request carrying `Attest-Lsn` is served by a node that has
/// replayed that position; an unreadable value is taken as "latest", which only the primary
/// is sure to have.
#[derive(Clone)]
pub struct Reader {
    state: web::Data<AppState>,
    after: Option<Option<WalPosition>>,
}

impl Reader {
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        match self.after {
            Some(None) => self.state.conn().await,
            after => self.state.read_conn(after.flatten()).await,
        }
    }

    /// The record cache, unless the request must see a write made elsewhere (it carries
    /// `Attest-Lsn`): that write's notice may not have reached this server yet.
    pub fn record_cache(&self) -> Option<&RecordCache> {
        self.after.is_none().then_some(&*self.state.records)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let after = req
            .headers()
            .get(&WAL_POSITION_HEADER)
            .map(|value| value.to_str().ok().and_then(|text| text.parse::<WalPosition>().ok()));
        std::future::ready(
            req.app_data::<web::Data<AppState>>()
                .cloned()
                .map(|state| Self { state, after })
                .ok_or_else(|| ApiError::internal("the application state is missing")),
        )
    }
}

/// What the answer to a successful write waits for: this server's record cache has dropped
/// what the write changed, and, with replicas, the primary's WAL position is in `Attest-Lsn`
/// for the client to send back on reads that must see the write.
pub async fn after_write(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let writes = !req.method().is_safe();
    let mut response = next.call(req).await?;
    let Some(state) = state.filter(|_| writes && response.status().is_success()) else {
        return Ok(response);
    };
    state.records.settle(&state.database.primary).await;
    if !state.database.replicas.is_empty()
        && let Ok(mut conn) = state.database.primary.get().await
        && let Ok(Some(position)) = crate::db::current_wal_position(&mut conn).await
        && let Ok(value) = HeaderValue::from_str(&position.to_string())
    {
        response.headers_mut().insert(WAL_POSITION_HEADER.clone(), value);
    }
    Ok(response)
}

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

/// The strong ETag of a record version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
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

/// A single record in the response, with its version as the ETag.
pub struct Tagged<T> {
    status: StatusCode,
    version: i32,
    location: Option<String>,
    body: T,
}

impl<T> Tagged<T> {
    pub fn ok(version: i32, body: T) -> Self {
        Self { status: StatusCode::OK, version, location: None, body }
    }

    pub fn created(location: String, version: i32, body: T) -> Self {
        Self { status: StatusCode::CREATED, version, location: Some(location), body }
    }
}

impl<T: Serialize> Responder for Tagged<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::ETAG, etag(self.version)));
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        response.json(self.body)
    }
}

/// Records created by a batch, in the order they were sent.
#[derive(Serialize)]
pub struct Created<T> {
    pub items: Vec<T>,
}

impl<T: Serialize> Responder for Created<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Created().json(self)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch<T> {
    pub items: Vec<T>,
}

/// Validates every item of a create request; errors point at the item (`/items/3/...`)
/// when the request was a batch.
/// Most stored source text one request may cite, in bytes: anchoring holds each cited text in
/// memory at once (1,000 items citing 1,000 one-megabyte sources would be a gigabyte).
pub const MAX_CITED_TEXT_BYTES: i64 = 64 << 20;

/// Refuses a batch whose records cite more source text than `MAX_CITED_TEXT_BYTES`, counted
/// before any of it is read. (One source holds at most a few megabytes, so only a batch can.)
pub async fn check_cited_text(
    conn: &mut diesel_async::AsyncPgConnection,
    source_ids: impl IntoIterator<Item = Uuid>,
) -> Result<(), ApiError> {
    let ids: Vec<Uuid> =
        source_ids.into_iter().collect::<std::collections::HashSet<_>>().into_iter().collect();
    let bytes = crate::db::source::text_bytes(conn, &ids).await?;
    if bytes > MAX_CITED_TEXT_BYTES {
        return Err(ApiError::validation(
            "/items",
            format!(
                "the items cite {} MiB of source text; at most {} MiB at once: split the batch",
                bytes >> 20,
                MAX_CITED_TEXT_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

pub fn each_item<I, O>(
    items: Vec<I>,
    batch: bool,
    mut check: impl FnMut(I) -> Result<O, FieldError>,
) -> Result<Vec<O>, ApiError> {
    if batch && items.is_empty() {
        return Err(ApiError::validation("/items", "must hold at least one item"));
    }
    if items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::validation(
            "/items",
            format!("must hold at most {MAX_BATCH_ITEMS} items (got {})", items.len()),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            check(item).map_err(|error| {
                let error = if batch { error.under(&format!("/items/{i}")) } else { error };
                ApiError::Validation(vec![error])
            })
        })
        .collect()
}

/// A page of a list, with `Link: <...>; rel="next"` when more follow.
#[derive(Serialize)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// Opaque; pass back as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

impl<T> Listed<T> {
    pub fn from_page<R>(page: Page<R>, view: impl Fn(R) -> T, id: impl Fn(&R) -> Uuid) -> Self {
        let next_cursor =
            if page.has_more { page.rows.last().map(|row| id(row).simple().to_string()) } else { None };
        Self { items: page.rows.into_iter().map(view).collect(), next_cursor }
    }
}

impl<T: Serialize> Responder for Listed<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        page_response(req, self.next_cursor.as_deref(), &self)
    }
}

/// A page as JSON, with `Link: <...>; rel="next"` (the same query, the next cursor) when more follow.
pub fn page_response(req: &HttpRequest, next_cursor: Option<&str>, body: &impl Serialize) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = next_cursor {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if key != "cursor" {
                query.append_pair(&key, &value);
            }
        }
        query.append_pair("cursor", cursor);
        response.insert_header((header::LINK, format!("<{}?{}>; rel=\"next\"", req.path(), query.finish())));
    }
    response.json(body)
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

/// Applies a JSON Merge Patch (RFC 7396) to the record's current editable fields and reads
/// the result as a full input, so an update is validated exactly like a create.
/// `fixed` fields may be repeated unchanged but not changed.
pub fn merge_patch<T: DeserializeOwned>(current: Value, patch: Value, fixed: &[&str]) -> Result<T, ApiError> {
    let Value::Object(patch) = patch else {
        return Err(ApiError::InvalidBody(vec![FieldError::new("", "a merge patch must be a JSON object")]));
    };
    let Value::Object(mut document) = current else {
        return Err(ApiError::internal("a record did not serialise to an object"));
    };
    for (key, value) in patch {
        if fixed.contains(&key.as_str()) {
            if document.get(&key) != Some(&value) {
                return Err(ApiError::validation(format!("/{key}"), "cannot be changed after creation"));
            }
            continue;
        }
        let target = document.entry(key).or_insert(Value::Null);
        merge_value(target, value);
    }
    document.retain(|_, value| !value.is_null());
    from_value(Value::Object(document))
}

fn merge_value(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Value::Object(object) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        object.remove(&key);
                    } else {
                        merge_value(object.entry(key).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other,
    }
}

/// The view's fields that a client may edit: the ones the server owns are removed.
pub fn editable(view: &Value, read_only: &[&str]) -> Result<Value, ApiError> {
    let mut value = view.clone();
    match &mut value {
        Value::Object(object) => object.retain(|key, _| !read_only.contains(&key.as_str())),
        _ => {
            return Err(ApiError::internal("a record did not serialise to an object"));
        }
    }
    Ok(value)
}

/// A versioned write that matched no row lost a race with another writer: the version the
/// client sent is no longer current.
pub fn written<T>(row: Option<T>) -> Result<T, ApiError> {
    row.ok_or(ApiError::PreconditionFailed { current: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_value(&mut target, json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
    }

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
