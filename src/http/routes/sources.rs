//! `/sources`: where words and numbers were read.

use actix_web::{HttpResponse, web};
use serde_json::Value;
use uuid::Uuid;

use super::records::{cached, export as export_csv};
use crate::cache::CachedRecord;
use crate::db::source::SourceFilter;
use crate::domain::source::SourceInput;
use crate::http::error::ApiError;
use crate::http::extractors::{Batch, IfMatch, JsonBody, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Created, Listed, Tagged};
use crate::http::state::{AppState, Reader};
use crate::services::records::Submission;
use crate::services::sources::{self, SourceView};

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<SourceInput>,
) -> Result<Tagged<SourceView>, ApiError> {
    let created = sources::create(&mut *state.conn().await?, caller, Submission::One(body.0)).await?;
    Tagged::created("sources", created)
}

pub async fn create_batch(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<Batch<SourceInput>>,
) -> Result<Created<SourceView>, ApiError> {
    let created = sources::create(&mut *state.conn().await?, caller, Submission::Batch(body.0.items)).await?;
    Ok(Created::from(created))
}

pub async fn get(reader: Reader, id: web::Path<Uuid>) -> Result<CachedRecord, ApiError> {
    let id = *id;
    cached(&reader, "sources", id, async { Ok(sources::get(&mut *reader.conn().await?, id).await?) }).await
}

pub async fn list(reader: Reader, query: Paged<SourceFilter>) -> Result<Listed<SourceView>, ApiError> {
    let page = query.sorted_page()?;
    let found = sources::list(&mut *reader.conn().await?, &query.filter, page).await?;
    Ok(Listed::of_records(found))
}

pub async fn export(reader: Reader, query: Paged<SourceFilter>) -> Result<HttpResponse, ApiError> {
    let page = query.sorted_page()?;
    let (filter, pages) = (std::rc::Rc::new(query.filter), reader.clone());
    export_csv(&reader, "sources", page, move |page| {
        let (filter, reader) = (filter.clone(), pages.clone());
        async move { Ok(sources::list(&mut *reader.conn().await?, &filter, page).await?) }
    })
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    patch: JsonBody<Value>,
) -> Result<Tagged<SourceView>, ApiError> {
    let saved = sources::update(&mut *state.conn().await?, caller, *id, expected, patch.0).await?;
    Ok(Tagged::ok(saved))
}

pub async fn delete(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    sources::delete(&mut *state.conn().await?, caller, *id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
