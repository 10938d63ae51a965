//! Answers: a record with its version as the ETag, the records a batch created, and a page
//! of a list with `Link: <...>; rel="next"`.

use crate::cache::{CachedRecord, etag};
use crate::db::Page;
use crate::http::error::ApiError;
use crate::http::extractors::Cursor;
use crate::http::middleware::conditional::digest_tag;
use crate::services::cpu;
use crate::services::records::Saved;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

/// A single record in the response, with its version as the ETag.
pub struct Tagged<T> {
    status: StatusCode,
    version: i32,
    location: Option<String>,
    body: T,
}

impl<T> Tagged<T> {
    pub fn ok(saved: Saved<T>) -> Self {
        Self { status: StatusCode::OK, version: saved.version, location: None, body: saved.view }
    }

    /// 201 for the one record a create stored, with its address `/{collection}/{id}`.
    pub fn created(collection: &str, mut saved: Vec<Saved<T>>) -> Result<Self, ApiError> {
        let record = saved.pop().ok_or_else(|| ApiError::internal("an insert returned no row"))?;
        Ok(Self::created_at(format!("/{collection}/{}", record.id), record))
    }

    /// 201 for a record created at `location`.
    pub fn created_at(location: String, saved: Saved<T>) -> Self {
        Self {
            status: StatusCode::CREATED,
            version: saved.version,
            location: Some(location),
            body: saved.view,
        }
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

impl<T> From<Vec<Saved<T>>> for Created<T> {
    fn from(saved: Vec<Saved<T>>) -> Self {
        Self { items: saved.into_iter().map(|record| record.view).collect() }
    }
}

impl<T: Serialize> Responder for Created<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Created().json(self)
    }
}

/// A page of a list, with `Link: <...>; rel="next"` when more follow.
#[derive(Serialize)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// Opaque; pass back as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

impl<T> Listed<T> {
    /// The page's items, and the cursor of the last one (`key`) when more follow.
    pub fn from_page<R, K: Cursor>(page: Page<R>, view: impl Fn(R) -> T, key: impl Fn(&R) -> K) -> Self {
        let next_cursor = if page.has_more { page.rows.last().map(|row| key(row).encode()) } else { None };
        Self { items: page.rows.into_iter().map(view).collect(), next_cursor }
    }

    /// A page of records, in id order.
    pub fn of_records(page: Page<Saved<T>>) -> Self {
        Self::from_page(page, |record| record.view, |record| record.id)
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

impl Responder for CachedRecord {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::ETAG, etag(self.version)))
            .content_type(mime::APPLICATION_JSON)
            .body(self.body)
    }
}

/// An answer that can run to megabytes (a diff of two of the longest sources), serialized and
/// given its digest ETag on the blocking pool: either done on the async worker would hold up
/// every other request that worker serves.
pub async fn large_json<T: Serialize + Send + 'static>(body: T) -> Result<HttpResponse, ApiError> {
    let (bytes, tag) = cpu::run(move || {
        serde_json::to_vec(&body).map(|bytes| {
            let tag = digest_tag(&bytes);
            (bytes, tag)
        })
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, tag)).content_type(mime::APPLICATION_JSON).body(bytes))
}
