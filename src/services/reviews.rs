//! Reviews: verdicts on quotes and claims, recorded append-only at the version the reviewer
//! read; an item's review history; and the queue of items waiting for review.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::events::{self, Event};
use super::records::{Saved, to_json, version_to_replace};
use super::{ServiceError, ServiceResult};
use crate::db::review::{self, Item, Judgement, QueueEntry, QueueFilter, Review, ReviewEvidence};
use crate::db::transaction;
use crate::db::{Page, PageRequest, audit, claim, quote, source};
use crate::domain::audit::{Action, AuditEvent};
use crate::domain::consistency;
use crate::domain::decimal::to_plain_string;
use crate::domain::kinds::ReviewStatus;
use crate::domain::review::{
    EvidenceTarget, ItemState, Refusal, ReviewDraft, ReviewInput, assignee_after, check_transition,
};
use crate::domain::webhook::EventType;
use crate::domain::{ExpectedVersion, Principal};

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
    figure: Option<FigureView>,
    /// How the claim's figure compared with this one when the review was recorded.
    consistency: Option<Value>,
}

#[derive(Serialize)]
pub struct FigureView {
    value: String,
    unit: Option<String>,
    as_of: Option<NaiveDate>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    origin: Option<String>,
}

impl From<ReviewEvidence> for EvidenceView {
    fn from(e: ReviewEvidence) -> Self {
        let figure = e.figure_value.map(|value| FigureView {
            value: to_plain_string(&value),
            unit: e.figure_unit,
            as_of: e.figure_as_of,
            period_start: e.figure_period_start,
            period_end: e.figure_period_end,
            origin: e.figure_origin,
        });
        Self { source_id: e.source_id, url: e.url, note: e.note, figure, consistency: e.consistency }
    }
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
    /// The digest of what it judged: the item's covered fields and its source's snapshot.
    basis_sha256: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<(Review, Vec<ReviewEvidence>)> for ReviewView {
    fn from((review, evidence): (Review, Vec<ReviewEvidence>)) -> Self {
        let rating = match (review.rating_value, review.rating_label, review.rating_best, review.rating_worst)
        {
            (Some(value), Some(label), Some(best), Some(worst)) => {
                Some(RatingView { value, label, best, worst })
            }
            _ => None,
        };
        Self {
            id: review.id,
            quote_id: review.quote_id,
            claim_id: review.claim_id,
            reviewer_id: review.reviewer_id,
            status: review.status,
            rating,
            rationale: review.rationale,
            evidence: evidence.into_iter().map(EvidenceView::from).collect(),
            item_version: review.item_version,
            basis_sha256: review.basis_sha256,
            created_at: review.created_at,
        }
    }
}

/// The review state of an item, as the audit trail records it.
#[derive(Debug, Clone, Copy, Serialize)]
struct ItemSnapshot {
    status: ReviewStatus,
    assignee_id: Option<Uuid>,
    version: i32,
}

/// The item's review state and version; not found if it is not a live quote or claim.
pub(super) async fn state_of(conn: &mut AsyncPgConnection, item: Item) -> ServiceResult<(ItemState, i32)> {
    Ok(match item {
        Item::Quote(id) => {
            let row = quote::find(conn, id).await?;
            (
                ItemState {
                    status: row.status,
                    assignee: row.assignee_id,
                    stale: row.stale_reasons.is_some(),
                },
                row.version,
            )
        }
        Item::Claim(id) => {
            let row = claim::find(conn, id).await?;
            (
                ItemState {
                    status: row.status,
                    assignee: row.assignee_id,
                    stale: row.stale_reasons.is_some(),
                },
                row.version,
            )
        }
    })
}

/// Records a review on the item at the version the reviewer read. Of many reviews sent
/// against one version, exactly one is stored; the others are stale. The saved version is
/// the item's new one.
pub async fn record(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    item: Item,
    expected: ExpectedVersion,
    input: ReviewInput,
) -> ServiceResult<Saved<ReviewView>> {
    let draft = ReviewDraft::try_from(input)?;
    let (state, current_version) = state_of(conn, item).await?;
    let version = version_to_replace(&expected, current_version)?;
    check_transition(caller.user_id, caller.role(), state, draft.status).map_err(
        |refusal| match refusal {
            Refusal::Forbidden(why) => ServiceError::Forbidden(why.into()),
            Refusal::Conflict(why) => ServiceError::Conflict(why.into()),
        },
    )?;
    check_evidence_sources(conn, &draft).await?;
    let settings = super::workspaces::current(conn).await?;
    let rating = draft.rating.as_ref().map(|choice| settings.rating_scale.rate(choice)).transpose()?;
    let consistency = consistency_of(conn, item, &draft, &settings.figure_tolerance_percent).await?;
    let assignee = assignee_after(caller.user_id, draft.status);
    let before = ItemSnapshot { status: state.status, assignee_id: state.assignee, version };
    transaction::atomically(conn, async move |conn| {
        let (review, evidence) = review::record(
            conn,
            item,
            version,
            caller.user_id,
            assignee,
            Judgement { draft, rating, consistency },
        )
        .await?
        .ok_or(ServiceError::Stale { current: None })?;
        let after =
            ItemSnapshot { status: review.status, assignee_id: assignee, version: review.item_version };
        let (entity, id) = (item.entity(), item.id());
        let action = Action::Review {
            before: json!({ "item": before }),
            after: json!({ "item": after, "review": &review, "evidence": &evidence }),
        };
        audit::append(conn, Some(&caller), AuditEvent::new(entity, id, action)).await?;
        let view = ReviewView::from((review, evidence));
        let recorded = Event {
            event_type: EventType::ReviewRecorded,
            subject_id: id,
            data: json!({
                "item_type": entity.name(), "item_id": id, "review_id": view.id, "status": view.status,
                "rating": view.rating, "reviewer_id": view.reviewer_id, "item_version": view.item_version,
            }),
        };
        events::emit(conn, vec![recorded]).await?;
        Ok(Saved { id: view.id, version: view.item_version, view })
    })
    .await
}

/// Per evidence, how the claim's figure compares with the figure the evidence gives: none for
/// evidence without a figure, and for quotes, which claim no figure.
async fn consistency_of(
    conn: &mut AsyncPgConnection,
    item: Item,
    draft: &ReviewDraft,
    tolerance_percent: &BigDecimal,
) -> ServiceResult<Vec<Option<Value>>> {
    let claimed = match item {
        Item::Claim(id) if draft.evidence.iter().any(|e| e.figure.is_some()) => {
            Some(claim::find(conn, id).await?.fields.figure())
        }
        _ => None,
    };
    draft
        .evidence
        .iter()
        .map(|evidence| match (&claimed, &evidence.figure) {
            (Some(claimed), Some(figure)) => {
                Ok(Some(to_json(&consistency::check(claimed, figure, tolerance_percent))?))
            }
            _ => Ok(None),
        })
        .collect()
}

/// Evidence that cites a stored source must cite one that exists.
async fn check_evidence_sources(
    conn: &mut diesel_async::AsyncPgConnection,
    draft: &ReviewDraft,
) -> ServiceResult<()> {
    let cited: Vec<(usize, Uuid)> = draft
        .evidence
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e.target {
            EvidenceTarget::Source(id) => Some((i, id)),
            EvidenceTarget::Url(_) => None,
        })
        .collect();
    if cited.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = cited.iter().map(|(_, id)| *id).collect();
    let found: Vec<Uuid> = source::find_many(conn, &ids).await?.into_iter().map(|s| s.id).collect();
    match cited.iter().find(|(_, id)| !found.contains(id)) {
        Some((i, id)) => {
            Err(ServiceError::validation(format!("/evidence/{i}/source_id"), format!("no source {id}")))
        }
        None => Ok(()),
    }
}

/// A page of the item's reviews, oldest first.
pub async fn history(
    conn: &mut AsyncPgConnection,
    item: Item,
    page: PageRequest,
) -> ServiceResult<Page<(Uuid, ReviewView)>> {
    state_of(conn, item).await?;
    let reviews = review::history(conn, item, page).await?;
    Ok(super::records::page_of(reviews, |(review, evidence)| {
        (review.id, ReviewView::from((review, evidence)))
    }))
}

#[derive(Serialize)]
pub struct QueueView {
    #[serde(rename = "type")]
    item_type: String,
    pub id: Uuid,
    status: ReviewStatus,
    assignee_id: Option<Uuid>,
    summary: String,
    created_at: DateTime<Utc>,
    /// Its verdict no longer matches what was judged: it needs re-review.
    verdict_stale: bool,
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
            verdict_stale: entry.verdict_stale,
        }
    }
}

/// Items waiting for review, oldest first.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    filter: &QueueFilter,
    page: PageRequest,
) -> ServiceResult<Page<QueueView>> {
    Ok(super::records::page_of(review::queue(conn, filter, page).await?, QueueView::from))
}
