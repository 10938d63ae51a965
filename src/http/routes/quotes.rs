//! `/quotes`: words attributed to a speaker, anchored in the source they were read in.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::common::{check_cited_text, each_item};
use super::resource::Resource;
use super::reviews::Reviewable;
use crate::db::quote::{self, Quote, QuoteFields, QuoteFilter};
use crate::db::references::References;
use crate::db::review::Item;
use crate::db::{Page, PageRequest};
use crate::domain::anchor::Anchor;
use crate::domain::kinds::{QuoteKind, ReviewStatus};
use crate::domain::quote::{QuoteDraft, QuoteInput};
use crate::domain::review::ItemState;
use crate::http::error::ApiError;
use crate::http::extractors::page_request;

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

pub struct Quotes;

impl Resource for Quotes {
    const COLLECTION: &'static str = "quotes";
    const ENTITY: &'static str = "quote";
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "status",
        "assignee_id",
        "canonical_quote_id",
        "reviewed_at",
    ];
    /// A quote stays in the source it was read in; the same words elsewhere are another quote.
    const FIXED: &'static [&'static str] = &["source_id"];

    type Row = Quote;
    type View = QuoteView;
    type Input = QuoteInput;
    type Fields = (Uuid, QuoteFields);
    type Query = QuoteFilter;

    /// Validates every draft, checks what it refers to and anchors it in its source's text.
    async fn prepare(
        conn: &mut AsyncPgConnection,
        inputs: Vec<QuoteInput>,
        batch: bool,
        _: Option<Uuid>,
    ) -> Result<Vec<Self::Fields>, ApiError> {
        let drafts = each_item(inputs, batch, QuoteDraft::try_from)?;
        check_cited_text(conn, drafts.iter().map(|d| d.source_id)).await?;
        let references =
            References::load(conn, drafts.iter().map(|d| d.source_id), drafts.iter().map(|d| d.speaker_id))
                .await?;
        // Anchoring reads each source's whole text: CPU work, off the async workers.
        crate::services::cpu::run(move || {
            each_item(drafts, batch, |draft| QuoteFields::resolve(draft, &references))
        })
        .await?
    }

    async fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<Self::Fields>,
        created_by: Uuid,
    ) -> QueryResult<Vec<Quote>> {
        quote::insert(conn, rows, created_by).await
    }

    async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Quote> {
        quote::find(conn, id).await
    }

    fn page(query: &QuoteFilter) -> Result<PageRequest, ApiError> {
        page_request(query.limit, query.cursor.as_deref(), query.sort.as_deref())
    }

    async fn list(
        conn: &mut AsyncPgConnection,
        query: &QuoteFilter,
        page: PageRequest,
    ) -> Result<Page<Quote>, ApiError> {
        Ok(quote::list(conn, query, page).await?)
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        (_, fields): Self::Fields,
    ) -> QueryResult<Option<Quote>> {
        quote::update(conn, id, version, fields).await
    }

    async fn soft_delete(conn: &mut AsyncPgConnection, id: Uuid, version: i32) -> QueryResult<Option<Quote>> {
        quote::soft_delete(conn, id, version).await
    }

    async fn check_deletable(_: &mut AsyncPgConnection, _: Uuid) -> Result<(), ApiError> {
        Ok(())
    }

    fn under_review(row: &Quote) -> bool {
        row.status != ReviewStatus::Unreviewed
    }
}

impl Reviewable for Quotes {
    fn item(id: Uuid) -> Item {
        Item::Quote(id)
    }

    fn state(row: &Quote) -> ItemState {
        ItemState { status: row.status, assignee: row.assignee_id }
    }
}
