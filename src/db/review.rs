//! Reviews: append-only verdicts on quotes and claims, and the review queue.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::prepared::PrepareOnce;
use super::{Page, PageRequest};
use crate::db::schema::{review_evidence, reviews};
use crate::domain::audit::Entity;
use crate::domain::claim::TimeReference;
use crate::domain::kinds::ReviewStatus;
use crate::domain::review::{EvidenceTarget, Rating, ReviewDraft};

/// The reviewable item a review is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Quote(Uuid),
    Claim(Uuid),
}

impl Item {
    pub fn id(self) -> Uuid {
        match self {
            Self::Quote(id) | Self::Claim(id) => id,
        }
    }

    /// The item as a row's pair of columns: `(quote_id, claim_id)`, one of them set.
    pub fn columns(self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Self::Quote(id) => (Some(id), None),
            Self::Claim(id) => (None, Some(id)),
        }
    }

    /// What the audit trail calls it.
    pub fn entity(self) -> Entity {
        match self {
            Self::Quote(_) => Entity::Quote,
            Self::Claim(_) => Entity::Claim,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = reviews, check_for_backend(diesel::pg::Pg))]
pub struct Review {
    pub id: Uuid,
    pub quote_id: Option<Uuid>,
    pub claim_id: Option<Uuid>,
    pub reviewer_id: Uuid,
    pub status: ReviewStatus,
    pub rating_value: Option<i16>,
    pub rating_label: Option<String>,
    pub rationale: Option<String>,
    pub item_version: i32,
    pub created_at: DateTime<Utc>,
    pub rating_worst: Option<i16>,
    pub rating_best: Option<i16>,
    /// The digest of what the review judged: the item's covered fields and its source's
    /// snapshot (none for reviews recorded before it was kept).
    pub basis_sha256: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations, Serialize)]
#[diesel(table_name = review_evidence, belongs_to(Review), check_for_backend(diesel::pg::Pg))]
pub struct ReviewEvidence {
    pub id: Uuid,
    pub review_id: Uuid,
    pub position: i32,
    pub source_id: Option<Uuid>,
    pub url: Option<String>,
    pub note: String,
    #[serde(serialize_with = "crate::domain::decimal::serialize_plain")]
    pub figure_value: Option<BigDecimal>,
    pub figure_unit: Option<String>,
    pub figure_as_of: Option<NaiveDate>,
    pub figure_period_start: Option<NaiveDate>,
    pub figure_period_end: Option<NaiveDate>,
    pub figure_origin: Option<String>,
    /// `domain::consistency::Consistency`, as it was when the review was recorded.
    pub consistency: Option<serde_json::Value>,
}

/// None is NULL, not DEFAULT (no optional column has a default): one SQL text, prepared once.
#[derive(Debug, Insertable)]
#[diesel(table_name = reviews, treat_none_as_default_value = false)]
struct NewReview {
    id: Uuid,
    quote_id: Option<Uuid>,
    claim_id: Option<Uuid>,
    reviewer_id: Uuid,
    status: ReviewStatus,
    rating_value: Option<i16>,
    rating_label: Option<String>,
    rating_worst: Option<i16>,
    rating_best: Option<i16>,
    rationale: Option<String>,
    item_version: i32,
    basis_sha256: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = review_evidence)]
struct NewEvidence {
    id: Uuid,
    review_id: Uuid,
    position: i32,
    source_id: Option<Uuid>,
    url: Option<String>,
    note: String,
    figure_value: Option<BigDecimal>,
    figure_unit: Option<String>,
    figure_as_of: Option<NaiveDate>,
    figure_period_start: Option<NaiveDate>,
    figure_period_end: Option<NaiveDate>,
    figure_origin: Option<String>,
    consistency: Option<serde_json::Value>,
}

/// What a review records beside who and when: the reviewer's draft, the rating on the
/// workspace's scale, and per evidence how the claim's figure compares with the evidence's
/// (`domain::consistency`, none for evidence without a figure).
pub struct Judgement {
    pub draft: ReviewDraft,
    pub rating: Option<Rating>,
    pub consistency: Vec<Option<serde_json::Value>>,
}

#[derive(QueryableByName)]
struct Advanced {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    basis: String,
}

/// Sets the item's status and assignee if it is still at `expected_version`: its new version,
/// and the digest of what the review judges (the item's covered fields and its source, see the
/// stale verdicts migration). A verdict clears a stale one: it is about the item as it is now.
async fn advance_item(
    conn: &mut AsyncPgConnection,
    item: Item,
    expected_version: i32,
    status: ReviewStatus,
    assignee: Option<Uuid>,
) -> QueryResult<Option<Advanced>> {
    let (table, basis, id) = match item {
        Item::Quote(id) => ("quotes", "attest_quote_basis", id),
        Item::Claim(id) => ("claims", "attest_claim_basis", id),
    };
    diesel::sql_query(format!(
        "UPDATE {table} AS item
            SET status = $1, assignee_id = $2, reviewed_at = now(), version = version + 1, updated_at = now(),
                stale_reasons = CASE WHEN attest_is_verdict($1) THEN NULL ELSE stale_reasons END,
                stale_since = CASE WHEN attest_is_verdict($1) THEN NULL ELSE stale_since END
          WHERE id = $3 AND version = $4 AND deleted_at IS NULL
      RETURNING version, {basis}(item) AS basis"
    ))
    .bind::<crate::db::schema::sql_types::ReviewStatus, _>(status)
    .bind::<Nullable<SqlUuid>, _>(assignee)
    .bind::<SqlUuid, _>(id)
    .bind::<diesel::sql_types::Integer, _>(expected_version)
    .prepare_once()
    .get_result(conn)
    .await
    .optional()
}

/// Appends a review and moves the item to its status, only if the item is still at
/// `expected_version`. `None`: someone else changed it first; nothing was written. Runs
/// inside the caller's transaction, with the audit event.
pub async fn record(
    conn: &mut AsyncPgConnection,
    item: Item,
    expected_version: i32,
    reviewer_id: Uuid,
    assignee: Option<Uuid>,
    judgement: Judgement,
) -> QueryResult<Option<(Review, Vec<ReviewEvidence>)>> {
    let Judgement { draft, rating, consistency } = judgement;
    let Some(Advanced { version: item_version, basis }) =
        advance_item(conn, item, expected_version, draft.status, assignee).await?
    else {
        return Ok(None);
    };
    let (quote_id, claim_id) = item.columns();
    let review_id = Uuid::now_v7();
    let rating_value = rating.as_ref().map(|r| r.value);
    let rating_worst = rating.as_ref().map(|r| r.worst);
    let rating_best = rating.as_ref().map(|r| r.best);
    let rating_label = rating.map(|r| r.label);
    let review = diesel::insert_into(reviews::table)
        .values(NewReview {
            id: review_id,
            quote_id,
            claim_id,
            reviewer_id,
            status: draft.status,
            rating_value,
            rating_label,
            rating_worst,
            rating_best,
            rationale: draft.rationale.map(|r| r.into_inner()),
            item_version,
            basis_sha256: Some(basis),
        })
        .returning(Review::as_returning())
        .get_result(conn)
        .await?;
    let evidence: Vec<NewEvidence> = draft
        .evidence
        .into_iter()
        .zip(consistency)
        .zip(0..)
        .map(|((evidence, consistency), position)| {
            let (source_id, url) = match evidence.target {
                EvidenceTarget::Source(id) => (Some(id), None),
                EvidenceTarget::Url(url) => (None, Some(url.into_inner())),
            };
            let (as_of, (period_start, period_end)) = match evidence.figure.as_ref().map(|f| &f.time) {
                Some(TimeReference::AsOf(date)) => (Some(*date), (None, None)),
                Some(TimeReference::Period { start, end }) => (None, (*start, *end)),
                Some(TimeReference::Unstated) | None => (None, (None, None)),
            };
            let figure = evidence.figure;
            NewEvidence {
                id: Uuid::now_v7(),
                review_id,
                position,
                source_id,
                url,
                note: evidence.note.into_inner(),
                figure_unit: figure.as_ref().and_then(|f| f.unit.clone()).map(|u| u.into_inner()),
                figure_origin: figure.as_ref().and_then(|f| f.origin.clone()).map(|o| o.into_inner()),
                figure_value: figure.map(|f| f.value),
                figure_as_of: as_of,
                figure_period_start: period_start,
                figure_period_end: period_end,
                consistency,
            }
        })
        .collect();
    if evidence.is_empty() {
        return Ok(Some((review, Vec::new())));
    }
    let evidence = diesel::insert_into(review_evidence::table)
        .values(evidence)
        .returning(ReviewEvidence::as_returning())
        .get_results(conn)
        .await?;
    Ok(Some((review, evidence)))
}

/// The item's latest review, the one its status is derived from.
pub async fn latest(conn: &mut AsyncPgConnection, item: Item) -> QueryResult<Option<Review>> {
    let query =
        reviews::table.select(Review::as_select()).order((reviews::created_at.desc(), reviews::id.desc()));
    match item {
        Item::Quote(id) => query.filter(reviews::quote_id.eq(id)).first(conn).await.optional(),
        Item::Claim(id) => query.filter(reviews::claim_id.eq(id)).first(conn).await.optional(),
    }
}

/// The evidence a review cites, in its order.
pub async fn evidence_of(conn: &mut AsyncPgConnection, review_id: Uuid) -> QueryResult<Vec<ReviewEvidence>> {
    review_evidence::table
        .filter(review_evidence::review_id.eq(review_id))
        .order(review_evidence::position)
        .select(ReviewEvidence::as_select())
        .load(conn)
        .await
}

/// A page of the item's reviews, oldest first (ids are UUIDv7: creation order), each with
/// its evidence.
pub async fn history(
    conn: &mut AsyncPgConnection,
    item: Item,
    page: PageRequest,
) -> QueryResult<Page<(Review, Vec<ReviewEvidence>)>> {
    let mut query =
        reviews::table.select(Review::as_select()).order(reviews::id).limit(page.limit + 1).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(reviews::id.gt(after));
    }
    let found: Vec<Review> = match item {
        Item::Quote(id) => query.filter(reviews::quote_id.eq(id)).load(conn).await?,
        Item::Claim(id) => query.filter(reviews::claim_id.eq(id)).load(conn).await?,
    };
    let evidence: Vec<ReviewEvidence> = ReviewEvidence::belonging_to(&found)
        .select(ReviewEvidence::as_select())
        .order(review_evidence::position)
        .load(conn)
        .await?;
    let rows = evidence.grouped_by(&found).into_iter().zip(found).map(|(e, r)| (r, e)).collect();
    Ok(Page::from_overfetch(rows, page.limit))
}

/// One entry of the review queue.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueEntry {
    #[diesel(sql_type = Text)]
    pub item_type: String,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = crate::db::schema::sql_types::ReviewStatus)]
    pub status: ReviewStatus,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub assignee_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub summary: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub verdict_stale: bool,
}

pub struct QueueFilter {
    pub statuses: Vec<ReviewStatus>,
    /// Also the items whose verdict is stale.
    pub stale: bool,
    pub assignee: Option<Uuid>,
    pub quotes: bool,
    pub claims: bool,
}

/// Quotes and claims in the given statuses, oldest first (UUIDv7 ids order by creation).
pub async fn queue(
    conn: &mut AsyncPgConnection,
    filter: &QueueFilter,
    page: PageRequest,
) -> QueryResult<Page<QueueEntry>> {
    let rows = diesel::sql_query(include_str!("sql/review_queue.sql"))
        .bind::<Array<crate::db::schema::sql_types::ReviewStatus>, _>(&filter.statuses)
        .bind::<Nullable<SqlUuid>, _>(filter.assignee)
        .bind::<Nullable<SqlUuid>, _>(page.after)
        .bind::<BigInt, _>(page.limit + 1)
        .bind::<diesel::sql_types::Bool, _>(filter.quotes)
        .bind::<diesel::sql_types::Bool, _>(filter.claims)
        .bind::<diesel::sql_types::Bool, _>(filter.stale)
        .load(conn)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit))
}
