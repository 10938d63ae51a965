//! `/quotes`: words attributed to a speaker, anchored in the source they were read in.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{
    Batch, Created, IfMatch, JsonBody, Listed, Tagged, each_item, editable, merge_patch,
    page_request, written,
};
use crate::domain::anchor::Anchor;
use crate::domain::kinds::QuoteKind;
use crate::domain::quote::{QuoteDraft, QuoteInput};
use crate::error::ApiError;
use crate::models::quote::{self, Quote, QuoteFields, QuoteFilter};
use crate::models::references::References;
use crate::startup::AppState;

#[derive(Serialize)]
pub struct QuoteView {
    id: Uuid,
    source_id: Uuid,
    speaker_id: Uuid,
    text: String,
    kind: QuoteKind,
    anchor: Option<Anchor>,
    relayed_by: Option<String>,
    said_at: Option<DateTime<Utc>>,
    language: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Quote> for QuoteView {
    fn from(row: Quote) -> Self {
        Self {
            anchor: row.anchor(),
            id: row.id,
            source_id: row.source_id,
            speaker_id: row.speaker_id,
            text: row.text,
            kind: row.kind,
            relayed_by: row.relayed_by,
            said_at: row.said_at,
            language: row.language,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const READ_ONLY: &[&str] = &["id", "version", "created_at", "updated_at"];
/// A quote stays in the source it was read in; the same words elsewhere are another quote.
const FIXED: &[&str] = &["source_id"];

fn tagged(row: Quote) -> Tagged<QuoteView> {
    Tagged::ok(row.version, row.into())
}

/// Validates every draft, checks what it refers to and anchors it in its source's text.
async fn resolve_all(
    conn: &mut AsyncPgConnection,
    inputs: Vec<QuoteInput>,
    batch: bool,
) -> Result<Vec<(Uuid, QuoteFields)>, ApiError> {
    let drafts = each_item(inputs, batch, QuoteDraft::try_from)?;
    let references = References::load(
        conn,
        drafts.iter().map(|d| d.source_id),
        drafts.iter().map(|d| d.speaker_id),
    )
    .await?;
    each_item(drafts, batch, |draft| {
        QuoteFields::resolve(draft, &references)
    })
}

async fn create_all(
    state: &AppState,
    inputs: Vec<QuoteInput>,
    batch: bool,
) -> Result<Vec<Quote>, ApiError> {
    let mut conn = state.conn().await?;
    let rows = resolve_all(&mut conn, inputs, batch).await?;
    Ok(quote::insert(&mut conn, rows).await?)
}

pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<QuoteInput>,
) -> Result<Tagged<QuoteView>, ApiError> {
    let row = create_all(&state, vec![body.0], false).await?.remove(0);
    Ok(Tagged::created(
        format!("/quotes/{}", row.id),
        row.version,
        row.into(),
    ))
}

pub async fn create_batch(
    state: web::Data<AppState>,
    body: JsonBody<Batch<QuoteInput>>,
) -> Result<Created<QuoteView>, ApiError> {
    let rows = create_all(&state, body.0.items, true).await?;
    Ok(Created {
        items: rows.into_iter().map(QuoteView::from).collect(),
    })
}

pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<Tagged<QuoteView>, ApiError> {
    Ok(tagged(quote::find(&mut *state.conn().await?, *id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    source_id: Option<Uuid>,
    speaker_id: Option<Uuid>,
    kind: Option<QuoteKind>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<Listed<QuoteView>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let filter = QuoteFilter {
        source_id: query.source_id,
        speaker_id: query.speaker_id,
        kind: query.kind,
    };
    let rows = quote::list(&mut *state.conn().await?, &filter, page).await?;
    Ok(Listed::from_page(rows, QuoteView::from, |row| row.id))
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: JsonBody<serde_json::Value>,
) -> Result<Tagged<QuoteView>, ApiError> {
    let mut conn = state.conn().await?;
    let current = quote::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    let input: QuoteInput = merge_patch(
        editable(QuoteView::from(current), READ_ONLY)?,
        patch.0,
        FIXED,
    )?;
    let (_, fields) = resolve_all(&mut conn, vec![input], false).await?.remove(0);
    Ok(tagged(written(
        quote::update(&mut conn, *id, version, fields).await?,
    )?))
}

pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let current = quote::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    written(quote::soft_delete(&mut conn, *id, version).await?)?;
    Ok(HttpResponse::NoContent().finish())
}
