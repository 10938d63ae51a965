//! Reviews: recording verdicts on quotes and claims, their history, and the review queue.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::resource::Resource;
use crate::db::review::{self, Item, ItemSnapshot, QueueEntry, QueueFilter, Review, ReviewEvidence};
use crate::db::{Versioned, source};
use crate::domain::FieldError;
use crate::domain::kinds::ReviewStatus;
use crate::domain::review::{
    BEST_RATING, EvidenceTarget, ItemState, Refusal, ReviewDraft, ReviewInput, WORST_RATING, assignee_after,
    check_transition,
};
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, PageQuery, page_request};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::AppState;

/// A resource whose records carry a verification status.
pub trait Reviewable: Resource {
    fn item(id: Uuid) -> Item;
    fn state(row: &Self::Row) -> ItemState;
}

#[derive(Serialize)]
pub struct RatingView {
    value: i16,
    label: String,
    best: i16,
    worst: i16,
}

#[derive(Serialize)]
pub struct EvidenceView {
    source_id: Option<Uuid>,
    url: Option<String>,
    note: String,
}

#[derive(Serialize)]
pub struct ReviewView {
    id: Uuid,
    quote_id: Option<Uuid>,
    claim_id: Option<Uuid>,
    reviewer_id: Uuid,
    status: ReviewStatus,
    rating: Option<RatingView>,
    rationale: Option<String>,
    evidence: Vec<EvidenceView>,
    /// The item's version (ETag) this review produced.
    item_version: i32,
    created_at: DateTime<Utc>,
}

impl From<(Review, Vec<ReviewEvidence>)> for ReviewView {
    fn from((review, evidence): (Review, Vec<ReviewEvidence>)) -> Self {
        let rating = review.rating_value.zip(review.rating_label).map(|(value, label)| RatingView {
            value,
            label,
            best: BEST_RATING,
            worst: WORST_RATING,
        });
        Self {
            id: review.id,
            quote_id: review.quote_id,
            claim_id: review.claim_id,
            reviewer_id: review.reviewer_id,
            status: review.status,
            rating,
            rationale: review.rationale,
            evidence: evidence
                .into_iter()
                .map(|e| EvidenceView { source_id: e.source_id, url: e.url, note: e.note })
                .collect(),
            item_version: review.item_version,
            created_at: review.created_at,
        }
    }
}

/// Records a review on the item at the version the reviewer read (`If-Match`). Of many
/// reviews sent against one version, exactly one is stored; the others get 412.
pub async fn create<R: Reviewable>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ReviewInput>,
) -> Result<Tagged<ReviewView>, ApiError> {
    let draft = ReviewDraft::try_from(body.0).map_err(|e| ApiError::Validation(vec![e]))?;
    let mut conn = state.conn().await?;
    let current = R::find(&mut conn, *id).await?;
    let version = if_match.version_to_replace(current.version())?;
    let item = R::state(&current);
    check_transition(caller.user_id, caller.role, item, draft.status).map_err(|refusal| match refusal {
        Refusal::Forbidden(why) => ApiError::Forbidden(why.into()),
        Refusal::Conflict(why) => ApiError::Conflict(why.into()),
    })?;
    check_evidence_sources(&mut conn, &draft).await?;
    let assignee = assignee_after(caller.user_id, draft.status);
    let before = ItemSnapshot { status: item.status, assignee_id: item.assignee, version };
    let recorded = review::record(&mut conn, R::item(*id), version, &caller, before, assignee, draft)
        .await?
        .ok_or(ApiError::PreconditionFailed { current: None })?;
    let item_version = recorded.0.item_version;
    let location = format!("/{}/{}/reviews", R::COLLECTION, id);
    Ok(Tagged::created(location, item_version, recorded.into()))
}

/// Evidence that cites a stored source must cite one that exists.
async fn check_evidence_sources(
    conn: &mut diesel_async::AsyncPgConnection,
    draft: &ReviewDraft,
) -> Result<(), ApiError> {
    let cited: Vec<(usize, Uuid)> = draft
        .evidence
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e.target {
            EvidenceTarget::Source(id) => Some((i, id)),
            EvidenceTarget::Url(_) => None,
        })
        .collect();
    let ids: Vec<Uuid> = cited.iter().map(|(_, id)| *id).collect();
    let found: Vec<Uuid> = source::find_many(conn, &ids).await?.into_iter().map(|s| s.id).collect();
    match cited.iter().find(|(_, id)| !found.contains(id)) {
        Some((i, id)) => Err(ApiError::Validation(vec![FieldError::new(
            format!("/evidence/{i}/source_id"),
            format!("no source {id}"),
        )])),
        None => Ok(()),
    }
}

/// The item's reviews, oldest first, a page at a time.
pub async fn history<R: Reviewable>(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<Listed<ReviewView>, ApiError> {
    let page = query.page()?;
    let mut conn = state.conn().await?;
    R::find(&mut conn, *id).await?;
    let reviews = review::history(&mut conn, R::item(*id), page).await?;
    Ok(Listed::from_page(reviews, ReviewView::from, |(review, _)| review.id))
}

#[derive(Serialize)]
pub struct QueueView {
    #[serde(rename = "type")]
    item_type: String,
    id: Uuid,
    status: ReviewStatus,
    assignee_id: Option<Uuid>,
    summary: String,
    created_at: DateTime<Utc>,
}

impl From<QueueEntry> for QueueView {
    fn from(entry: QueueEntry) -> Self {
        Self {
            item_type: entry.item_type,
            id: entry.id,
            status: entry.status,
            assignee_id: entry.assignee_id,
            summary: entry.summary,
            created_at: entry.created_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Comma-separated statuses; default `unreviewed,in_review`.
    status: Option<String>,
    /// A user id, or `me`.
    assignee: Option<String>,
    #[serde(rename = "type")]
    item_type: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Items waiting for review, oldest first.
pub async fn queue(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    query: web::Query<QueueQuery>,
) -> Result<Listed<QueueView>, ApiError> {
    let query = query.into_inner();
    let page = page_request(query.limit, query.cursor.as_deref(), None)?;
    let statuses = match query.status.as_deref() {
        None => vec![ReviewStatus::Unreviewed, ReviewStatus::InReview],
        Some(list) => list
            .split(',')
            .map(|s| serde_json::from_value(serde_json::Value::String(s.trim().to_owned())))
            .collect::<Result<_, _>>()
            .map_err(|_| ApiError::BadParameter(format!("status must list review statuses, got {list:?}")))?,
    };
    let assignee = match query.assignee.as_deref() {
        None => None,
        Some("me") => Some(caller.user_id),
        Some(id) => Some(
            Uuid::try_parse(id)
                .map_err(|_| ApiError::BadParameter("assignee must be a user id or \"me\"".into()))?,
        ),
    };
    let (quotes, claims) = match query.item_type.as_deref() {
        None => (true, true),
        Some("quote") => (true, false),
        Some("claim") => (false, true),
        Some(_) => return Err(ApiError::BadParameter("type must be quote or claim".into())),
    };
    let filter = QueueFilter { statuses, assignee, quotes, claims };
    let rows = review::queue(&mut *state.conn().await?, &filter, page).await?;
    Ok(Listed::from_page(rows, QueueView::from, |row| row.id))
}
