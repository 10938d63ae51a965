//! Quotes: words attributed to a speaker, anchored in the source they were read in.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::records::{
    Saved, Submission, check_cited_text, check_may_change, created, deleted, merge_patch, page_of, to_json,
    unchanged, updated, version_to_replace, written,
};
use super::{ServiceResult, cpu};
use crate::db::quote::{self, Quote, QuoteFields, QuoteFilter};
use crate::db::references::References;
use crate::db::{Page, PageRequest};
use crate::domain::anchor::Anchor;
use crate::domain::audit::Entity;
use crate::domain::kinds::{QuoteKind, ReviewStatus};
use crate::domain::quote::{QuoteDraft, QuoteInput};
use crate::domain::{ExpectedVersion, Principal};

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
    status: ReviewStatus,
    assignee_id: Option<Uuid>,
    /// The canonical quote of the utterance this reports (none: it is canonical).
    canonical_quote_id: Option<Uuid>,
    /// When the latest review was recorded.
    reviewed_at: Option<DateTime<Utc>>,
    created_by: Option<Uuid>,
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
            status: row.status,
            assignee_id: row.assignee_id,
            canonical_quote_id: row.canonical_quote_id,
            reviewed_at: row.reviewed_at,
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
    drafts: Submission<QuoteDraft>,
) -> ServiceResult<Submission<(Uuid, QuoteFields)>> {
    check_cited_text(conn, drafts.iter().map(|d| d.source_id)).await?;
    let references =
        References::load(conn, drafts.iter().map(|d| d.source_id), drafts.iter().map(|d| d.speaker_id))
            .await?;
    // Anchoring reads each source's whole text: CPU work, off the async workers.
    cpu::run(move || drafts.check(|draft| QuoteFields::resolve(draft, &references))).await?
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    submission: Submission<QuoteInput>,
) -> ServiceResult<Vec<Saved<QuoteView>>> {
    let fields = prepare(conn, submission.check(QuoteDraft::try_from)?).await?;
    conn.transaction(async move |conn| {
        let rows = quote::insert(conn, fields.into_vec(), caller.user_id).await?;
        created(conn, &caller, Entity::Quote, rows, QuoteView::from, std::convert::identity).await
    })
    .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<QuoteView>> {
    Ok(Saved::of(quote::find(conn, id).await?, QuoteView::from))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &QuoteFilter,
    page: PageRequest,
) -> ServiceResult<Page<Saved<QuoteView>>> {
    Ok(page_of(quote::list(conn, filter, page).await?, |row| Saved::of(row, QuoteView::from)))
}

/// A JSON Merge Patch over the quote's fields, validated and anchored like a create. It stays
/// in the source it was read in: the same words elsewhere are another quote.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    patch: Value,
) -> ServiceResult<Saved<QuoteView>> {
    let current = quote::find(conn, id).await?;
    check_may_change(&caller, current.created_by, current.status != ReviewStatus::Unreviewed)?;
    let (source_id, current_version) = (current.source_id, current.version);
    let before = to_json(&QuoteView::from(current))?;
    let input: QuoteInput = merge_patch(&before, patch)?;
    unchanged("/source_id", input.source_id == source_id)?;
    let (_, fields) = prepare(conn, Submission::One(QuoteDraft::try_from(input)?)).await?.into_one();
    let version = version_to_replace(&expected, current_version)?;
    conn.transaction(async move |conn| {
        let row = written(quote::update(conn, id, version, fields).await?)?;
        updated(conn, &caller, Entity::Quote, before, row, QuoteView::from).await
    })
    .await
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
) -> ServiceResult<()> {
    let current = quote::find(conn, id).await?;
    check_may_change(&caller, current.created_by, current.status != ReviewStatus::Unreviewed)?;
    let version = version_to_replace(&expected, current.version)?;
    let before = to_json(&QuoteView::from(current))?;
    conn.transaction(async move |conn| {
        written(quote::soft_delete(conn, id, version).await?)?;
        deleted(conn, &caller, Entity::Quote, id, before).await
    })
    .await
}
