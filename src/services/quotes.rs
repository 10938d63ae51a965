//! Quotes: words attributed to a speaker, anchored in the source they were read in.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::ServiceResult;
use super::records::{RecordKind, Submission, anchor_all, unchanged};
use crate::db::quote::{Quote, QuoteFields};
use crate::domain::Principal;
use crate::domain::anchor::Anchor;
use crate::domain::audit::Entity;
use crate::domain::kinds::{QuoteKind, ReviewStatus};
use crate::domain::quote::{QuoteDraft, QuoteInput};

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
            speaker_id: row.fields.speaker_id,
            text: row.fields.text,
            kind: row.fields.kind,
            relayed_by: row.fields.relayed_by,
            said_at: row.fields.said_at,
            language: row.fields.language,
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

impl RecordKind for Quotes {
    const ENTITY: Entity = Entity::Quote;
    type Row = Quote;
    type View = QuoteView;
    type Input = QuoteInput;

    async fn check(
        conn: &mut AsyncPgConnection,
        inputs: Submission<QuoteInput>,
    ) -> ServiceResult<Submission<(Uuid, QuoteFields)>> {
        anchor_all(
            conn,
            inputs.check(QuoteDraft::try_from)?,
            |d| d.source_id,
            |d| Some(d.speaker_id),
            QuoteFields::resolve,
        )
        .await
    }

    /// A quote stays in the source it was read in: the same words elsewhere are another quote.
    async fn change(
        conn: &mut AsyncPgConnection,
        _: &Principal,
        current: &Quote,
        input: QuoteInput,
    ) -> ServiceResult<QuoteFields> {
        unchanged("/source_id", input.source_id == current.source_id)?;
        let (_, fields) = Self::check(conn, Submission::One(input)).await?.into_one();
        Ok(fields)
    }

    fn under_review(row: &Quote) -> bool {
        row.status != ReviewStatus::Unreviewed
    }
}
