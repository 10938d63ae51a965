//! Source re-fetch: when a new version of a source supersedes one, every quote and claim
//! anchored in the earlier version is re-anchored in the new text (`domain::reanchor`) and
//! classified unchanged, moved, changed (with its word diff), gone or ambiguous; so is every
//! record of the versions before it, against its own anchor. The records stay in the version
//! they were read in; the re-check, stored with the new version, says where their words are
//! now. A verdict on words that changed or disappeared is stale.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::events::{self, Event};
use super::{ServiceError, ServiceResult, cpu};
use crate::db::recheck::{self, Anchored};
use crate::db::review::Item;
use crate::db::stale::{self, MadeStale, SOURCE_TEXT_REASON};
use crate::db::{Page, PageRequest, audit, source};
use crate::domain::Principal;
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::reanchor::{Outcome, Reanchorer, Recheck};
use crate::domain::webhook::EventType;

/// Most quotes and claims one request re-checks (a new version's predecessor, or a batch's
/// predecessors together). Each costs a pass over its new text, so a request's work stays
/// within this many passes over at most `text::MAX_CONTENT_CHARS`.
pub const MAX_RECHECKED_RECORDS: i64 = 1_000;

/// Refuses new versions whose earlier versions hold more anchored records than one request
/// re-checks, counted before anything is stored.
pub async fn check_size(conn: &mut AsyncPgConnection, earlier: &[Uuid]) -> ServiceResult<()> {
    if earlier.is_empty() {
        return Ok(());
    }
    let anchored = recheck::count_anchored(conn, earlier).await?;
    if anchored > MAX_RECHECKED_RECORDS {
        return Err(ServiceError::validation(
            "/content",
            format!(
                "the earlier versions hold {anchored} anchored quotes and claims to re-check; \
                 at most {MAX_RECHECKED_RECORDS} per request"
            ),
        ));
    }
    Ok(())
}

/// The live versions of `url` other than `id`: those a new version's re-check covers.
pub async fn earlier_versions(
    conn: &mut AsyncPgConnection,
    url: &str,
    id: Option<Uuid>,
) -> ServiceResult<Vec<Uuid>> {
    let versions = source::versions(conn, url).await?;
    Ok(versions.into_iter().map(|version| version.id).filter(|&version| Some(version) != id).collect())
}

/// A new version of a source: its text, the version it supersedes, and every earlier live
/// version of its URL, whose anchored records it re-checks.
pub struct NewVersion {
    pub id: Uuid,
    pub supersedes_id: Uuid,
    pub earlier: Vec<Uuid>,
    pub text: String,
}

/// A version's re-check in numbers: returned with the new version and at the head of
/// `GET /sources/{id}/recheck`.
#[derive(Debug, Clone, Serialize)]
pub struct RecheckSummary {
    supersedes_id: Option<Uuid>,
    checked_at: Option<DateTime<Utc>>,
    /// Records per outcome.
    counts: OutcomeCounts,
    /// Verdicts this re-check made stale.
    made_stale: i64,
}

impl RecheckSummary {
    fn new(supersedes_id: Option<Uuid>, checked_at: Option<DateTime<Utc>>) -> Self {
        Self { supersedes_id, checked_at, counts: OutcomeCounts::default(), made_stale: 0 }
    }

    fn count(&mut self, outcome: Outcome, records: i64, made_stale: i64) {
        let counted = match outcome {
            Outcome::Unchanged => &mut self.counts.unchanged,
            Outcome::Moved => &mut self.counts.moved,
            Outcome::Changed => &mut self.counts.changed,
            Outcome::Gone => &mut self.counts.gone,
            Outcome::Ambiguous => &mut self.counts.ambiguous,
        };
        *counted += records;
        self.made_stale += made_stale;
    }

    /// Whether anything anchored in the earlier versions is not as it was.
    fn found_changes(&self) -> bool {
        let c = &self.counts;
        c.moved + c.changed + c.gone + c.ambiguous > 0
    }
}

#[derive(Debug, Clone, Default, Serialize)]
struct OutcomeCounts {
    unchanged: i64,
    moved: i64,
    changed: i64,
    gone: i64,
    ambiguous: i64,
}

/// Re-checks what was anchored in the earlier versions of each new one, in the caller's
/// transaction: stores one re-check per record, marks the verdicts on words that changed or
/// disappeared stale (one audit event each), and sums each version up (`checked_at` none when
/// nothing was anchored in its earlier versions).
pub async fn recheck_new_versions(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    versions: Vec<NewVersion>,
) -> ServiceResult<HashMap<Uuid, RecheckSummary>> {
    let mut summaries: HashMap<Uuid, RecheckSummary> = versions
        .iter()
        .map(|version| (version.id, RecheckSummary::new(Some(version.supersedes_id), None)))
        .collect();
    let earlier: Vec<Uuid> = versions.iter().flat_map(|version| version.earlier.iter().copied()).collect();
    let anchored = recheck::anchored(conn, &earlier).await?;
    if anchored.is_empty() {
        return Ok(summaries);
    }
    let checked = cpu::run(move || reanchor_all(&versions, &anchored)).await?;

    let (stale_quotes, stale_claims): (Vec<Item>, Vec<Item>) = checked
        .iter()
        .filter(|c| c.recheck.words_changed())
        .map(|c| c.item)
        .partition(|item| matches!(item, Item::Quote(_)));
    let ids = |items: Vec<Item>| -> Vec<Uuid> { items.into_iter().map(Item::id).collect() };
    let quotes = stale::mark_words_changed(conn, "quotes", &ids(stale_quotes)).await?;
    let claims = stale::mark_words_changed(conn, "claims", &ids(stale_claims)).await?;

    let rechecked_in: HashMap<Uuid, Uuid> = checked.iter().map(|c| (c.item.id(), c.source_id)).collect();
    let made_stale: HashSet<Uuid> = quotes.iter().chain(&claims).map(|stale| stale.id).collect();

    let now = Utc::now();
    let mut rows = Vec::with_capacity(checked.len());
    for one in checked {
        let stale = made_stale.contains(&one.item.id());
        let (quote_id, claim_id) = one.item.columns();
        if let Some(summary) = summaries.get_mut(&one.source_id) {
            summary.checked_at = Some(now);
            summary.count(one.recheck.outcome(), 1, i64::from(stale));
        }
        rows.push(recheck::Recheck {
            id: Uuid::now_v7(),
            source_id: one.source_id,
            record_source_id: one.record_source_id,
            quote_id,
            claim_id,
            outcome: one.recheck.outcome().name().to_owned(),
            result: serde_json::to_value(&one.recheck).map_err(ServiceError::internal)?,
            made_stale: stale,
            checked_at: now,
        });
    }
    recheck::insert(conn, &rows).await?;
    audit_stale(
        conn,
        caller,
        &quotes,
        &claims,
        |stale| json!({ "reason": SOURCE_TEXT_REASON, "recheck_source_id": rechecked_in[&stale.id] }),
    )
    .await?;
    let notices = summaries
        .iter()
        .filter(|(_, summary)| summary.found_changes())
        .map(|(id, summary)| Event {
            event_type: EventType::SourceChanged,
            subject_id: *id,
            data: json!({ "source_id": id, "supersedes_id": summary.supersedes_id,
                          "counts": summary.counts, "made_stale": summary.made_stale }),
        })
        .collect();
    events::emit(conn, notices).await?;
    Ok(summaries)
}

/// One record re-anchored in one new version.
struct Checked {
    source_id: Uuid,
    /// The version the record was read in.
    record_source_id: Uuid,
    item: Item,
    recheck: Recheck,
}

/// Re-anchors every record anchored in an earlier version in the new one: CPU work, each new
/// text prepared once.
fn reanchor_all(versions: &[NewVersion], anchored: &[Anchored]) -> Vec<Checked> {
    let mut checked = Vec::with_capacity(anchored.len());
    for version in versions {
        let reanchorer = Reanchorer::new(&version.text);
        for record in anchored.iter().filter(|record| version.earlier.contains(&record.source_id)) {
            checked.push(Checked {
                source_id: version.id,
                record_source_id: record.source_id,
                item: record.item,
                recheck: reanchorer.reanchor(&record.anchor),
            });
        }
    }
    checked
}

/// Audits each verdict on a quote or claim made stale by a change to its source (`cause`
/// saying which), and tells the webhooks that want to know.
pub async fn audit_stale(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    quotes: &[MadeStale],
    claims: &[MadeStale],
    cause: impl Fn(&MadeStale) -> Value,
) -> ServiceResult<()> {
    let made: Vec<(Entity, &MadeStale)> = [(Entity::Quote, quotes), (Entity::Claim, claims)]
        .into_iter()
        .flat_map(|(entity, made)| made.iter().map(move |stale| (entity, stale)))
        .collect();
    let mut events = Vec::with_capacity(made.len());
    let mut notices = Vec::with_capacity(made.len());
    for (entity, stale) in made {
        let action = Action::MarkStale {
            before: json!({ "version": stale.version - 1, "stale_reasons": stale.reasons_before }),
            after: json!({
                "version": stale.version,
                "stale_reasons": stale.reasons_after,
                "stale_since": stale.stale_since,
                "cause": cause(stale),
            }),
        };
        events.push(AuditEvent::new(entity, stale.id, action));
        notices.push(events::verdict_stale(entity, stale.id, &stale.reasons_after, stale.stale_since));
    }
    audit::append_all(conn, Some(caller), events).await?;
    events::emit(conn, notices).await
}

/// One record's re-check, as the API shows it: which record, the outcome, and what the
/// outcome carries (the anchor in the new text, a changed passage's similarity and diff).
#[derive(Serialize)]
pub struct RecheckView {
    id: Uuid,
    quote_id: Option<Uuid>,
    claim_id: Option<Uuid>,
    /// The version the record was read in.
    record_source_id: Uuid,
    made_stale: bool,
    #[serde(flatten)]
    result: Value,
}

/// A version's re-check: the summary and a page of records.
pub struct RecheckPage {
    pub summary: RecheckSummary,
    pub page: Page<RecheckView>,
}

/// The re-check stored with source `id`, a page at a time, all of it or one outcome.
pub async fn get(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    outcome: Option<Outcome>,
    page: PageRequest,
) -> ServiceResult<RecheckPage> {
    let current = source::find_listed(conn, id).await?;
    let mut summary = RecheckSummary::new(current.supersedes_id, recheck::checked_at(conn, id).await?);
    for (outcome, records, made_stale) in recheck::counts(conn, id).await? {
        let outcome = Outcome::ALL.into_iter().find(|known| known.name() == outcome);
        summary.count(
            outcome.ok_or_else(|| ServiceError::internal("an unknown re-check outcome"))?,
            records,
            made_stale,
        );
    }
    let found = recheck::page(conn, id, outcome.map(Outcome::name), page).await?;
    let page = Page {
        rows: found
            .rows
            .into_iter()
            .map(|row| RecheckView {
                id: row.id,
                quote_id: row.quote_id,
                claim_id: row.claim_id,
                record_source_id: row.record_source_id,
                made_stale: row.made_stale,
                result: row.result,
            })
            .collect(),
        has_more: found.has_more,
    };
    Ok(RecheckPage { summary, page })
}

impl RecheckView {
    /// The page's key.
    pub fn id(&self) -> Uuid {
        self.id
    }
}
