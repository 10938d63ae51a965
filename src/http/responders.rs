//! Answers: a record with its version as the ETag, the records a batch created, and a page
//! of a list with `Link: <...>; rel="next"`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use uuid::Uuid;

use crate::cache::{CachedRecord, etag};
use crate::db::Page;

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

impl Responder for CachedRecord {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::ETAG, etag(self.version)))
            .content_type(mime::APPLICATION_JSON)
            .body(self.body)
    }
}
