//! `/speakers`: who said it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{
    Batch, Created, IfMatch, JsonBody, Listed, Tagged, each_item, editable, merge_patch,
    page_request, written,
};
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::{SpeakerDraft, SpeakerInput};
use crate::error::ApiError;
use crate::models::speaker::{self, Speaker, SpeakerFields, SpeakerFilter};
use crate::startup::AppState;

#[derive(Serialize)]
pub struct SpeakerView {
    id: Uuid,
    name: String,
    kind: SpeakerKind,
    description: Option<String>,
    aliases: Vec<String>,
    wikidata_qid: Option<String>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Speaker> for SpeakerView {
    fn from(row: Speaker) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            description: row.description,
            aliases: row.aliases.into_iter().flatten().collect(),
            wikidata_qid: row.wikidata_qid,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const READ_ONLY: &[&str] = &["id", "version", "created_at", "updated_at"];

fn tagged(row: Speaker) -> Tagged<SpeakerView> {
    Tagged::ok(row.version, row.into())
}

async fn create_all(
    state: &AppState,
    inputs: Vec<SpeakerInput>,
    batch: bool,
) -> Result<Vec<Speaker>, ApiError> {
    let rows = each_item(inputs, batch, |input| {
        SpeakerDraft::try_from(input).map(SpeakerFields::from)
    })?;
    Ok(speaker::insert(&mut *state.conn().await?, rows).await?)
}

pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<SpeakerInput>,
) -> Result<Tagged<SpeakerView>, ApiError> {
    let row = create_all(&state, vec![body.0], false).await?.remove(0);
    Ok(Tagged::created(
        format!("/speakers/{}", row.id),
        row.version,
        row.into(),
    ))
}

pub async fn create_batch(
    state: web::Data<AppState>,
    body: JsonBody<Batch<SpeakerInput>>,
) -> Result<Created<SpeakerView>, ApiError> {
    let rows = create_all(&state, body.0.items, true).await?;
    Ok(Created {
        items: rows.into_iter().map(SpeakerView::from).collect(),
    })
}

pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<Tagged<SpeakerView>, ApiError> {
    Ok(tagged(speaker::find(&mut *state.conn().await?, *id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    name: Option<String>,
    kind: Option<SpeakerKind>,
    wikidata_qid: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<Listed<SpeakerView>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let filter = SpeakerFilter {
        name: query.name,
        kind: query.kind,
        wikidata_qid: query.wikidata_qid,
    };
    let rows = speaker::list(&mut *state.conn().await?, &filter, page).await?;
    Ok(Listed::from_page(rows, SpeakerView::from, |row| row.id))
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: JsonBody<serde_json::Value>,
) -> Result<Tagged<SpeakerView>, ApiError> {
    let mut conn = state.conn().await?;
    let current = speaker::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    let input: SpeakerInput = merge_patch(
        editable(SpeakerView::from(current), READ_ONLY)?,
        patch.0,
        &[],
    )?;
    let fields = SpeakerDraft::try_from(input)
        .map_err(|e| ApiError::Validation(vec![e]))?
        .into();
    Ok(tagged(written(
        speaker::update(&mut conn, *id, version, fields).await?,
    )?))
}

pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let current = speaker::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    let cited = speaker::live_references(&mut conn, *id).await?;
    if cited > 0 {
        return Err(ApiError::Conflict(format!(
            "{cited} quotes and claims are attributed to this speaker; delete or reattribute them first"
        )));
    }
    written(speaker::soft_delete(&mut conn, *id, version).await?)?;
    Ok(HttpResponse::NoContent().finish())
}
