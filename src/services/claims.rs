//! Claims: numeric assertions, with exact values, anchored in the source they were read in.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::ServiceResult;
use super::events::{self, Event};
use super::matches::{self, MatchView};
use super::records::{
    Changed, Checked, Conn, Record, Saved, Submission, anchor_all, anchored_change, to_json,
};
use crate::db::SameAsStored;
use crate::db::claim::{self, Claim, ClaimFields};
use crate::db::review::Item;
use crate::domain::Principal;
use crate::domain::anchor::Anchor;
use crate::domain::claim::{ClaimDraft, ClaimInput};
use crate::domain::decimal::to_plain_string;
use crate::domain::kinds::{ClaimQualifier, ReviewStatus};
use crate::domain::webhook::EventType;

impl Record for ClaimView {
    type Row = Claim;
    type Input = ClaimInput;

    async fn check(conn: &mut Conn, inputs: Submission<ClaimInput>) -> Checked<Self> {
        anchor_all(
            conn,
            inputs.check(ClaimDraft::try_from)?,
            |d| d.source_id,
            |d| d.claimant_id,
            ClaimFields::resolve,
        )
        .await
    }

    async fn same_as_stored(
        conn: &mut Conn,
        rows: &[(Uuid, ClaimFields)],
    ) -> ServiceResult<Vec<SameAsStored>> {
        Ok(claim::same_as_stored(conn, rows).await?)
    }

    async fn change(conn: &mut Conn, _: &Principal, current: &Claim, input: ClaimInput) -> Changed<Self> {
        anchored_change::<Self, _>(conn, input.source_id == current.source_id, input).await
    }

    /// Alone, a new claim comes back with what was already fact-checked like it; and
    /// subscribers to `claim.matched` hear of every new claim that matches (a batch's are
    /// matched only for them).
    async fn created(conn: &mut Conn, _: &Principal, saved: &mut [Saved<Self>]) -> ServiceResult<()> {
        if let [one] = saved {
            one.view.matches = Some(matches::of_claim(conn, one.id).await?);
        }
        if !events::is_wanted(conn, EventType::ClaimMatched).await? {
            return Ok(());
        }
        let mut notices = Vec::new();
        for one in saved.iter() {
            let found = match &one.view.matches {
                Some(found) => to_json(found)?,
                None => to_json(&matches::of_claim(conn, one.id).await?)?,
            };
            if found.as_array().is_some_and(|found| !found.is_empty()) {
                notices.push(Event {
                    event_type: EventType::ClaimMatched,
                    subject_id: one.id,
                    data: json!({ "claim_id": one.id, "matches": found }),
                });
            }
        }
        events::emit(conn, notices).await
    }

    fn staleness(&self) -> Option<(&[String], DateTime<Utc>)> {
        self.stale_since.map(|since| (self.stale_reasons.as_slice(), since))
    }

    fn under_review(row: &Claim) -> bool {
        row.status != ReviewStatus::Unreviewed
    }

    async fn check_unlocked(conn: &mut Conn, id: Uuid) -> ServiceResult<()> {
        super::publication::check_unlocked(conn, Item::Claim(id)).await
    }
}

#[derive(Serialize)]
pub struct ClaimView {
    id: Uuid,
    source_id: Uuid,
    claimant_id: Option<Uuid>,
    /// Whom the claimant, anonymous as reported, was later identified as (the speaker's
    /// `identified_as` says who decided, and on what evidence).
    claimant_identified_as: Option<Uuid>,
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
    /// The claimant's role as this source reported it.
    claimant_role: Option<String>,
    anchor: Option<Anchor>,
    language: Option<String>,
    /// The language is the source's: none was given.
    language_inherited: bool,
    /// The latest verdict no longer matches what was judged: `stale_reasons` says what changed.
    verdict_stale: bool,
    stale_reasons: Vec<String>,
    stale_since: Option<DateTime<Utc>>,
    /// When the latest review was recorded.
    reviewed_at: Option<DateTime<Utc>>,
    status: ReviewStatus,
    assignee_id: Option<Uuid>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Published verdicts on claims that say the same thing: in the answer to a create of one
    /// claim (for a batch's, `GET /claims/{id}/matches`).
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<MatchView>>,
}

impl From<Claim> for ClaimView {
    fn from(row: Claim) -> Self {
        Self {
            anchor: row.anchor(),
            language: row.fields.language.clone(),
            language_inherited: row.language_inherited,
            verdict_stale: row.stale_reasons.is_some(),
            stale_reasons: row.stale_reasons.clone().unwrap_or_default(),
            stale_since: row.stale_since,
            reviewed_at: row.reviewed_at,
            id: row.id,
            source_id: row.source_id,
            claimant_id: row.fields.claimant_id,
            claimant_identified_as: row.claimant_identified_as,
            statement: row.fields.statement,
            metric: row.fields.metric,
            qualifier: row.fields.qualifier,
            value: row.fields.value.as_ref().map(to_plain_string),
            lower_bound: row.fields.lower_bound.as_ref().map(to_plain_string),
            upper_bound: row.fields.upper_bound.as_ref().map(to_plain_string),
            unit: row.fields.unit,
            as_of: row.fields.as_of,
            period_start: row.fields.period_start,
            period_end: row.fields.period_end,
            place: row.fields.place,
            claimant_role: row.fields.claimant_role,
            status: row.status,
            assignee_id: row.assignee_id,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            matches: None,
        }
    }
}
