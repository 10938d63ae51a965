//! `/quotes`: words attributed to a speaker, anchored in the source they were read in.

use actix_web::{HttpResponse, web};
use serde_json::Value;
use uuid::Uuid;

use super::records::{cached, export as export_csv};
use crate::cache::CachedRecord;
use crate::db::quote::QuoteFilter;
use crate::domain::quote::QuoteInput;
use crate::http::error::ApiError;
use crate::http::extractors::{Batch, IfMatch, JsonBody, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Created, Listed, Tagged};
use crate::http::state::{AppState, Reader};
use crate::services::quotes::{self, QuoteView};
use crate::services::records::Submission;

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<QuoteInput>,
) -> Result<Tagged<QuoteView>, ApiError> {
    let created = quotes::create(&mut *state.conn().await?, caller, Submission::One(body.0)).await?;
    Tagged::created("quotes", created)
}

pub async fn create_batch(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<Batch<QuoteInput>>,
) -> Result<Created<QuoteView>, ApiError> {
    let created = quotes::create(&mut *state.conn().await?, caller, Submission::Batch(body.0.items)).await?;
    Ok(Created::from(created))
}

pub async fn get(reader: Reader, id: web::Path<Uuid>) -> Result<CachedRecord, ApiError> {
    let id = *id;
    cached(&reader, "quotes", id, async { Ok(quotes::get(&mut *reader.conn().await?, id).await?) }).await
}

pub async fn list(reader: Reader, query: Paged<QuoteFilter>) -> Result<Listed<QuoteView>, ApiError> {
    let page = query.sorted_page()?;
    let found = quotes::list(&mut *reader.conn().await?, &query.filter, page).await?;
    Ok(Listed::of_records(found))
}

pub async fn export(reader: Reader, query: Paged<QuoteFilter>) -> Result<HttpResponse, ApiError> {
    let page = query.sorted_page()?;
    let (filter, pages) = (std::rc::Rc::new(query.filter), reader.clone());
    export_csv(&reader, "quotes", page, move |page| {
        let (filter, reader) = (filter.clone(), pages.clone());
        async move { Ok(quotes::list(&mut *reader.conn().await?, &filter, page).await?) }
    })
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    patch: JsonBody<Value>,
) -> Result<Tagged<QuoteView>, ApiError> {
    let saved = quotes::update(&mut *state.conn().await?, caller, *id, expected, patch.0).await?;
    Ok(Tagged::ok(saved))
}

pub async fn delete(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    quotes::delete(&mut *state.conn().await?, caller, *id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
