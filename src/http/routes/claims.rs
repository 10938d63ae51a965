//! `/claims`: numeric assertions, with exact values.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::common::{check_cited_text, each_item};
use super::resource::Resource;
use super::reviews::Reviewable;
use crate::db::claim::{self, Claim, ClaimFields, ClaimFilter};
use crate::db::references::References;
use crate::db::review::Item;
use crate::db::{Page, PageRequest};
use crate::domain::anchor::Anchor;
use crate::domain::claim::{ClaimDraft, ClaimInput};
use crate::domain::decimal::to_plain_string;
use crate::domain::kinds::{ClaimQualifier, ReviewStatus};
use crate::domain::review::ItemState;
use crate::http::error::ApiError;
use crate::http::extractors::page_request;

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

pub struct Claims;

impl Resource for Claims {
    const COLLECTION: &'static str = "claims";
    const ENTITY: &'static str = "claim";
    const READ_ONLY: &'static [&'static str] =
        &["id", "version", "created_at", "updated_at", "created_by", "status", "assignee_id", "reviewed_at"];
    const FIXED: &'static [&'static str] = &["source_id"];

    type Row = Claim;
    type View = ClaimView;
    type Input = ClaimInput;
    type Fields = (Uuid, ClaimFields);
    type Query = ClaimFilter;

    async fn prepare(
        conn: &mut AsyncPgConnection,
        inputs: Vec<ClaimInput>,
        batch: bool,
        _: Option<Uuid>,
    ) -> Result<Vec<Self::Fields>, ApiError> {
        let drafts = each_item(inputs, batch, ClaimDraft::try_from)?;
        check_cited_text(conn, drafts.iter().map(|d| d.source_id)).await?;
        let references = References::load(
            conn,
            drafts.iter().map(|d| d.source_id),
            drafts.iter().filter_map(|d| d.claimant_id),
        )
        .await?;
        // Anchoring reads each source's whole text: CPU work, off the async workers.
        crate::services::cpu::run(move || {
            each_item(drafts, batch, |draft| ClaimFields::resolve(draft, &references))
        })
        .await?
    }

    async fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<Self::Fields>,
        created_by: Uuid,
    ) -> QueryResult<Vec<Claim>> {
        claim::insert(conn, rows, created_by).await
    }

    async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Claim> {
        claim::find(conn, id).await
    }

    fn page(query: &ClaimFilter) -> Result<PageRequest, ApiError> {
        page_request(query.limit, query.cursor.as_deref(), query.sort.as_deref())
    }

    async fn list(
        conn: &mut AsyncPgConnection,
        query: &ClaimFilter,
        page: PageRequest,
    ) -> Result<Page<Claim>, ApiError> {
        Ok(claim::list(conn, query, page).await?)
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        (_, fields): Self::Fields,
    ) -> QueryResult<Option<Claim>> {
        claim::update(conn, id, version, fields).await
    }

    async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid, version: i32) -> QueryResult<Option<Claim>> {
        claim::soft_delete(conn, id, version).await
    }

    async fn check_deletable(_: &mut AsyncPgConnection, _: Uuid) -> Result<(), ApiError> {
        Ok(())
    }

    fn under_review(row: &Claim) -> bool {
        row.status != ReviewStatus::Unreviewed
    }
}

impl Reviewable for Claims {
    fn item(id: Uuid) -> Item {
        Item::Claim(id)
    }

    fn state(row: &Claim) -> ItemState {
        ItemState { status: row.status, assignee: row.assignee_id }
    }
}
