//! Claims: numeric assertions, with exact values, anchored in the source they were read in.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::records::{
    Saved, Submission, check_cited_text, check_may_change, created, deleted, merge_patch, page_of, to_json,
    unchanged, updated, version_to_replace, written,
};
use super::{ServiceResult, cpu};
use crate::db::claim::{self, Claim, ClaimFields, ClaimFilter};
use crate::db::references::References;
use crate::db::{Page, PageRequest};
use crate::domain::anchor::Anchor;
use crate::domain::audit::Entity;
use crate::domain::claim::{ClaimDraft, ClaimInput};
use crate::domain::decimal::to_plain_string;
use crate::domain::kinds::{ClaimQualifier, ReviewStatus};
use crate::domain::{ExpectedVersion, Principal};

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
    language: Option<String>,
    /// When the latest review was recorded.
    reviewed_at: Option<DateTime<Utc>>,
    status: ReviewStatus,
    assignee_id: Option<Uuid>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Claim> for ClaimView {
    fn from(row: Claim) -> Self {
        Self {
            anchor: row.anchor(),
            language: row.language.clone(),
            reviewed_at: row.reviewed_at,
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
            status: row.status,
            assignee_id: row.assignee_id,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Validates every draft, checks what it refers to and anchors it in its source's text.
async fn prepare(
    conn: &mut AsyncPgConnection,
    drafts: Submission<ClaimDraft>,
) -> ServiceResult<Submission<(Uuid, ClaimFields)>> {
    check_cited_text(conn, drafts.iter().map(|d| d.source_id)).await?;
    let references = References::load(
        conn,
        drafts.iter().map(|d| d.source_id),
        drafts.iter().filter_map(|d| d.claimant_id),
    )
    .await?;
    // Anchoring reads each source's whole text: CPU work, off the async workers.
    cpu::run(move || drafts.check(|draft| ClaimFields::resolve(draft, &references))).await?
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    submission: Submission<ClaimInput>,
) -> ServiceResult<Vec<Saved<ClaimView>>> {
    let fields = prepare(conn, submission.check(ClaimDraft::try_from)?).await?;
    conn.transaction(async move |conn| {
        let rows = claim::insert(conn, fields.into_vec(), caller.user_id).await?;
        created(conn, &caller, Entity::Claim, rows, ClaimView::from, std::convert::identity).await
    })
    .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<ClaimView>> {
    Ok(Saved::of(claim::find(conn, id).await?, ClaimView::from))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ClaimFilter,
    page: PageRequest,
) -> ServiceResult<Page<Saved<ClaimView>>> {
    Ok(page_of(claim::list(conn, filter, page).await?, |row| Saved::of(row, ClaimView::from)))
}

/// A JSON Merge Patch over the claim's fields, validated and anchored like a create. It stays
/// in the source it was read in: the same words elsewhere are another claim.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    patch: Value,
) -> ServiceResult<Saved<ClaimView>> {
    let current = claim::find(conn, id).await?;
    check_may_change(&caller, current.created_by, current.status != ReviewStatus::Unreviewed)?;
    let (source_id, current_version) = (current.source_id, current.version);
    let before = to_json(&ClaimView::from(current))?;
    let input: ClaimInput = merge_patch(&before, patch)?;
    unchanged("/source_id", input.source_id == source_id)?;
    let (_, fields) = prepare(conn, Submission::One(ClaimDraft::try_from(input)?)).await?.into_one();
    let version = version_to_replace(&expected, current_version)?;
    conn.transaction(async move |conn| {
        let row = written(claim::update(conn, id, version, fields).await?)?;
        updated(conn, &caller, Entity::Claim, before, row, ClaimView::from).await
    })
    .await
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
) -> ServiceResult<()> {
    let current = claim::find(conn, id).await?;
    check_may_change(&caller, current.created_by, current.status != ReviewStatus::Unreviewed)?;
    let version = version_to_replace(&expected, current.version)?;
    let before = to_json(&ClaimView::from(current))?;
    conn.transaction(async move |conn| {
        written(claim::soft_delete(conn, id, version).await?)?;
        deleted(conn, &caller, Entity::Claim, id, before).await
    })
    .await
}
