//! Quotes: words attributed to a speaker, anchored in the source they were read in.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::ServiceResult;
use super::matches::{self, MatchView};
use super::records::{Changed, Checked, Conn, Record, Saved, Submission, anchor_all, anchored_change};
use crate::db::SameAsStored;
use crate::db::quote::{self, Quote, QuoteFields};
use crate::db::review::Item;
use crate::domain::Principal;
use crate::domain::anchor::Anchor;
use crate::domain::kinds::{QuoteKind, ReviewStatus};
use crate::domain::quote::{QuoteDraft, QuoteInput};

impl Record for QuoteView {
    type Row = Quote;
    type Input = QuoteInput;

    async fn check(conn: &mut Conn, inputs: Submission<QuoteInput>) -> Checked<Self> {
        anchor_all(
            conn,
            inputs.check(QuoteDraft::try_from)?,
            |d| d.source_id,
            |d| Some(d.speaker_id),
            QuoteFields::resolve,
        )
        .await
    }

    async fn same_as_stored(
        conn: &mut Conn,
        rows: &[(Uuid, QuoteFields)],
    ) -> ServiceResult<Vec<SameAsStored>> {
        Ok(quote::same_as_stored(conn, rows).await?)
    }

    async fn change(conn: &mut Conn, _: &Principal, current: &Quote, input: QuoteInput) -> Changed<Self> {
        anchored_change::<Self, _>(conn, input.source_id == current.source_id, input).await
    }

    /// Alone, a new quote comes back with what was already fact-checked like it.
    async fn created(conn: &mut Conn, _: &Principal, saved: &mut [Saved<Self>]) -> ServiceResult<()> {
        if let [one] = saved {
            one.view.matches = Some(matches::of_quote(conn, one.id).await?);
        }
        Ok(())
    }

    fn staleness(&self) -> Option<(&[String], DateTime<Utc>)> {
        self.stale_since.map(|since| (self.stale_reasons.as_slice(), since))
    }

    fn under_review(row: &Quote) -> bool {
        row.status != ReviewStatus::Unreviewed
    }

    async fn check_unlocked(conn: &mut Conn, id: Uuid) -> ServiceResult<()> {
        super::publication::check_unlocked(conn, Item::Quote(id)).await
    }
}

#[derive(Serialize)]
pub struct QuoteView {
    id: Uuid,
    source_id: Uuid,
    speaker_id: Uuid,
    /// Whom the speaker, anonymous as reported, was later identified as (the speaker's
    /// `identified_as` says who decided, and on what evidence).
    speaker_identified_as: Option<Uuid>,
    text: String,
    kind: QuoteKind,
    anchor: Option<Anchor>,
    relayed_by: Option<String>,
    /// The speaker's role as this source reported it.
    speaker_role: Option<String>,
    said_at: Option<DateTime<Utc>>,
    language: Option<String>,
    /// The language is the source's: none was given.
    language_inherited: bool,
    /// The latest verdict no longer matches what was judged: `stale_reasons` says what changed.
    verdict_stale: bool,
    stale_reasons: Vec<String>,
    stale_since: Option<DateTime<Utc>>,
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
    /// Published verdicts on quotes that say the same thing: in the answer to a create of one
    /// quote (for a batch's, `GET /quotes/{id}/matches`).
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<MatchView>>,
}

impl From<Quote> for QuoteView {
    fn from(row: Quote) -> Self {
        Self {
            anchor: row.anchor(),
            id: row.id,
            source_id: row.source_id,
            speaker_id: row.fields.speaker_id,
            speaker_identified_as: row.speaker_identified_as,
            text: row.fields.text,
            kind: row.fields.kind,
            relayed_by: row.fields.relayed_by,
            speaker_role: row.fields.speaker_role,
            said_at: row.fields.said_at,
            language: row.fields.language,
            language_inherited: row.language_inherited,
            verdict_stale: row.stale_reasons.is_some(),
            stale_reasons: row.stale_reasons.clone().unwrap_or_default(),
            stale_since: row.stale_since,
            status: row.status,
            assignee_id: row.assignee_id,
            canonical_quote_id: row.canonical_quote_id,
            reviewed_at: row.reviewed_at,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            matches: None,
        }
    }
}
