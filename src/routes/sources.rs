//! `/sources`: where words and numbers were read.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{
    Batch, Created, IfMatch, JsonBody, Listed, Tagged, each_item, editable, merge_patch,
    page_request, written,
};
use crate::domain::kinds::SourceKind;
use crate::domain::source::{SourceDraft, SourceInput};
use crate::error::ApiError;
use crate::models::source::{self, Source, SourceFields, SourceFilter};
use crate::startup::AppState;

#[derive(Serialize)]
pub struct SourceView {
    id: Uuid,
    url: String,
    canonical_url: Option<String>,
    title: Option<String>,
    publisher: Option<String>,
    author: Option<String>,
    published_at: Option<DateTime<Utc>>,
    retrieved_at: DateTime<Utc>,
    language: Option<String>,
    kind: SourceKind,
    content: Option<String>,
    content_sha256: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Source> for SourceView {
    fn from(row: Source) -> Self {
        Self {
            id: row.id,
            url: row.url,
            canonical_url: row.canonical_url,
            title: row.title,
            publisher: row.publisher,
            author: row.author,
            published_at: row.published_at,
            retrieved_at: row.retrieved_at,
            language: row.language,
            kind: row.kind,
            content: row.content,
            content_sha256: row.content_sha256,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const READ_ONLY: &[&str] = &[
    "id",
    "content_sha256",
    "version",
    "created_at",
    "updated_at",
];
/// The snapshot is what quotes are anchored to; a different text is a different source.
const FIXED: &[&str] = &["content"];

fn tagged(row: Source) -> Tagged<SourceView> {
    Tagged::ok(row.version, row.into())
}

async fn create_all(
    state: &AppState,
    inputs: Vec<SourceInput>,
    batch: bool,
) -> Result<Vec<Source>, ApiError> {
    let rows = each_item(inputs, batch, |input| {
        SourceDraft::try_from(input).map(SourceFields::from_draft)
    })?;
    Ok(source::insert(&mut *state.conn().await?, rows).await?)
}

pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<SourceInput>,
) -> Result<Tagged<SourceView>, ApiError> {
    let row = create_all(&state, vec![body.0], false).await?.remove(0);
    Ok(Tagged::created(
        format!("/sources/{}", row.id),
        row.version,
        row.into(),
    ))
}

pub async fn create_batch(
    state: web::Data<AppState>,
    body: JsonBody<Batch<SourceInput>>,
) -> Result<Created<SourceView>, ApiError> {
    let rows = create_all(&state, body.0.items, true).await?;
    Ok(Created {
        items: rows.into_iter().map(SourceView::from).collect(),
    })
}

pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<Tagged<SourceView>, ApiError> {
    Ok(tagged(source::find(&mut *state.conn().await?, *id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    url: Option<String>,
    publisher: Option<String>,
    kind: Option<SourceKind>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<Listed<SourceView>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let filter = SourceFilter {
        url: query.url,
        publisher: query.publisher,
        kind: query.kind,
    };
    let rows = source::list(&mut *state.conn().await?, &filter, page).await?;
    Ok(Listed::from_page(rows, SourceView::from, |row| row.id))
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: JsonBody<serde_json::Value>,
) -> Result<Tagged<SourceView>, ApiError> {
    let mut conn = state.conn().await?;
    let current = source::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    let input: SourceInput = merge_patch(
        editable(SourceView::from(current), READ_ONLY)?,
        patch.0,
        FIXED,
    )?;
    let draft = SourceDraft::try_from(input).map_err(|e| ApiError::Validation(vec![e]))?;
    let (fields, _) = SourceFields::from_draft(draft);
    Ok(tagged(written(
        source::update(&mut conn, *id, version, fields).await?,
    )?))
}

pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let current = source::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    let cited = source::live_references(&mut conn, *id).await?;
    if cited > 0 {
        return Err(ApiError::Conflict(format!(
            "{cited} quotes and claims cite this source; delete them first"
        )));
    }
    written(source::soft_delete(&mut conn, *id, version).await?)?;
    Ok(HttpResponse::NoContent().finish())
}
