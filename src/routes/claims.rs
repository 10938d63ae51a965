//! `/claims`: numeric assertions, with exact values.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{
    Batch, Created, IfMatch, JsonBody, Listed, Tagged, each_item, editable, merge_patch,
    page_request, written,
};
use crate::domain::anchor::Anchor;
use crate::domain::claim::{ClaimDraft, ClaimInput};
use crate::domain::decimal::to_plain_string;
use crate::domain::kinds::ClaimQualifier;
use crate::error::ApiError;
use crate::models::claim::{self, Claim, ClaimFields, ClaimFilter};
use crate::models::references::References;
use crate::startup::AppState;

/// Values go out as strings of digits so that no client parses them into a float.
#[derive(Serialize)]
pub struct ClaimView {
    id: Uuid,
    source_id: Uuid,
    claimant_id: Option<Uuid>,
    statement: String,
    metric: String,
    qualifier: ClaimQualifier,
    value: Option<String>,
    lower_bound: Option<String>,
    upper_bound: Option<String>,
    unit: Option<String>,
    as_of: Option<NaiveDate>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    place: Option<String>,
    anchor: Option<Anchor>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Claim> for ClaimView {
    fn from(row: Claim) -> Self {
        Self {
            anchor: row.anchor(),
            id: row.id,
            source_id: row.source_id,
            claimant_id: row.claimant_id,
            statement: row.statement,
            metric: row.metric,
            qualifier: row.qualifier,
            value: row.value.as_ref().map(to_plain_string),
            lower_bound: row.lower_bound.as_ref().map(to_plain_string),
            upper_bound: row.upper_bound.as_ref().map(to_plain_string),
            unit: row.unit,
            as_of: row.as_of,
            period_start: row.period_start,
            period_end: row.period_end,
            place: row.place,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const READ_ONLY: &[&str] = &["id", "version", "created_at", "updated_at"];
const FIXED: &[&str] = &["source_id"];

fn tagged(row: Claim) -> Tagged<ClaimView> {
    Tagged::ok(row.version, row.into())
}

async fn resolve_all(
    conn: &mut AsyncPgConnection,
    inputs: Vec<ClaimInput>,
    batch: bool,
) -> Result<Vec<(Uuid, ClaimFields)>, ApiError> {
    let drafts = each_item(inputs, batch, ClaimDraft::try_from)?;
    let references = References::load(
        conn,
        drafts.iter().map(|d| d.source_id),
        drafts.iter().filter_map(|d| d.claimant_id),
    )
    .await?;
    each_item(drafts, batch, |draft| {
        ClaimFields::resolve(draft, &references)
    })
}

async fn create_all(
    state: &AppState,
    inputs: Vec<ClaimInput>,
    batch: bool,
) -> Result<Vec<Claim>, ApiError> {
    let mut conn = state.conn().await?;
    let rows = resolve_all(&mut conn, inputs, batch).await?;
    Ok(claim::insert(&mut conn, rows).await?)
}

pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<ClaimInput>,
) -> Result<Tagged<ClaimView>, ApiError> {
    let row = create_all(&state, vec![body.0], false).await?.remove(0);
    Ok(Tagged::created(
        format!("/claims/{}", row.id),
        row.version,
        row.into(),
    ))
}

pub async fn create_batch(
    state: web::Data<AppState>,
    body: JsonBody<Batch<ClaimInput>>,
) -> Result<Created<ClaimView>, ApiError> {
    let rows = create_all(&state, body.0.items, true).await?;
    Ok(Created {
        items: rows.into_iter().map(ClaimView::from).collect(),
    })
}

pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<Tagged<ClaimView>, ApiError> {
    Ok(tagged(claim::find(&mut *state.conn().await?, *id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    source_id: Option<Uuid>,
    claimant_id: Option<Uuid>,
    qualifier: Option<ClaimQualifier>,
    metric: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<Listed<ClaimView>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let filter = ClaimFilter {
        source_id: query.source_id,
        claimant_id: query.claimant_id,
        qualifier: query.qualifier,
        metric: query.metric,
    };
    let rows = claim::list(&mut *state.conn().await?, &filter, page).await?;
    Ok(Listed::from_page(rows, ClaimView::from, |row| row.id))
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: JsonBody<serde_json::Value>,
) -> Result<Tagged<ClaimView>, ApiError> {
    let mut conn = state.conn().await?;
    let current = claim::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    let input: ClaimInput = merge_patch(
        editable(ClaimView::from(current), READ_ONLY)?,
        patch.0,
        FIXED,
    )?;
    let (_, fields) = resolve_all(&mut conn, vec![input], false).await?.remove(0);
    Ok(tagged(written(
        claim::update(&mut conn, *id, version, fields).await?,
    )?))
}

pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let current = claim::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version)?;
    written(claim::soft_delete(&mut conn, *id, version).await?)?;
    Ok(HttpResponse::NoContent().finish())
}
