//! `/speakers`: who said it.

use actix_web::{HttpResponse, web};
use serde_json::Value;
use uuid::Uuid;

use super::records::{cached, export as export_csv};
use crate::cache::CachedRecord;
use crate::db::speaker::SpeakerFilter;
use crate::domain::speaker::SpeakerInput;
use crate::http::error::ApiError;
use crate::http::extractors::{Batch, IfMatch, JsonBody, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Created, Listed, Tagged};
use crate::http::state::{AppState, Reader};
use crate::services::records::Submission;
use crate::services::speakers::{self, SpeakerView};

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<SpeakerInput>,
) -> Result<Tagged<SpeakerView>, ApiError> {
    let created = speakers::create(&mut *state.conn().await?, caller, Submission::One(body.0)).await?;
    Tagged::created("speakers", created)
}

pub async fn create_batch(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<Batch<SpeakerInput>>,
) -> Result<Created<SpeakerView>, ApiError> {
    let created =
        speakers::create(&mut *state.conn().await?, caller, Submission::Batch(body.0.items)).await?;
    Ok(Created::from(created))
}

pub async fn get(reader: Reader, id: web::Path<Uuid>) -> Result<CachedRecord, ApiError> {
    let id = *id;
    cached(&reader, "speakers", id, async { Ok(speakers::get(&mut *reader.conn().await?, id).await?) }).await
}

pub async fn list(reader: Reader, query: Paged<SpeakerFilter>) -> Result<Listed<SpeakerView>, ApiError> {
    let page = query.sorted_page()?;
    let found = speakers::list(&mut *reader.conn().await?, &query.filter, page).await?;
    Ok(Listed::of_records(found))
}

pub async fn export(reader: Reader, query: Paged<SpeakerFilter>) -> Result<HttpResponse, ApiError> {
    let page = query.sorted_page()?;
    let (filter, pages) = (std::rc::Rc::new(query.filter), reader.clone());
    export_csv(&reader, "speakers", page, move |page| {
        let (filter, reader) = (filter.clone(), pages.clone());
        async move { Ok(speakers::list(&mut *reader.conn().await?, &filter, page).await?) }
    })
    .await
}

pub async fn update(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    patch: JsonBody<Value>,
) -> Result<Tagged<SpeakerView>, ApiError> {
    let saved = speakers::update(&mut *state.conn().await?, caller, *id, expected, patch.0).await?;
    Ok(Tagged::ok(saved))
}

pub async fn delete(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    speakers::delete(&mut *state.conn().await?, caller, *id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
