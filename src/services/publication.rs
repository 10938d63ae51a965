//! From verdict to fact-check: approvals and objections of a verdict under the workspace's
//! sign-off policy, and the fact-check an editor publishes, corrects, unpublishes or retracts.
//! Only a publication is public: ClaimReview documents, the feed and other workspaces' matches
//! read fact-checks, never verdicts.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::claimreview::RatingView;
use super::events::{self, Event};
use super::records::{Saved, to_json, version_to_replace, written};
use super::workspaces::Settings;
use super::{ServiceError, ServiceResult};
use crate::db::fact_check::{self, Correction, FactCheck, Publication, Verdict};
use crate::db::review::{self, Item, Review};
use crate::db::sign_off::{self, NewSignOff, SignOffRow};
use crate::db::transaction;
use crate::db::{audit, claim, quote, speaker};
use crate::domain::audit::{Action, AuditEvent};
use crate::domain::kinds::{ReviewStatus, Role};
use crate::domain::log::Transparency;
use crate::domain::publication::{
    CorrectionDraft, PublicationDraft, SignOffDraft, SignOffState, Withdrawal, evaluate, may_sign,
    publishable,
};
use crate::domain::text::Text;
use crate::domain::webhook::EventType;
use crate::domain::workspace::SignOff;
use crate::domain::{ExpectedVersion, Principal};

/// What a verdict judged, and about whom, as the item holds it now.
struct Judged {
    submitter: Option<Uuid>,
    stale: bool,
    words: String,
    speaker_id: Option<Uuid>,
}

async fn judged(conn: &mut AsyncPgConnection, item: Item) -> ServiceResult<Judged> {
    Ok(match item {
        Item::Claim(id) => {
            let row = claim::find(conn, id).await?;
            Judged {
                submitter: row.created_by,
                stale: row.stale_reasons.is_some(),
                words: row.fields.statement,
                speaker_id: row.fields.claimant_id,
            }
        }
        Item::Quote(id) => {
            let row = quote::find(conn, id).await?;
            Judged {
                submitter: row.created_by,
                stale: row.stale_reasons.is_some(),
                words: row.fields.text,
                speaker_id: Some(row.fields.speaker_id),
            }
        }
    })
}

/// The item's latest review, if it is a verdict that still holds.
async fn current_verdict(conn: &mut AsyncPgConnection, item: Item, judged: &Judged) -> ServiceResult<Review> {
    let latest = review::latest(conn, item).await?.filter(|r| r.status.is_verdict());
    let verdict =
        latest.ok_or_else(|| ServiceError::Conflict("the item has no verdict to sign off".into()))?;
    if judged.stale {
        return Err(ServiceError::Conflict(
            "the verdict is stale (what it judged has changed); a reviewer must record one again".into(),
        ));
    }
    Ok(verdict)
}

#[derive(Serialize)]
pub struct SignOffView {
    id: Uuid,
    review_id: Uuid,
    decision: &'static str,
    signer_id: Uuid,
    signer_role: Role,
    note: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<SignOffRow> for SignOffView {
    fn from(row: SignOffRow) -> Self {
        Self {
            id: row.id,
            review_id: row.review_id,
            decision: if row.approves { "approve" } else { "object" },
            signer_id: row.signer_id,
            signer_role: row.signer_role,
            note: row.note,
            created_at: row.created_at,
        }
    }
}

/// Where the item's current verdict stands under the workspace's policy.
#[derive(Serialize)]
pub struct SignOffStatus {
    /// The verdict signed off (the item's latest review), if it has one that still holds.
    review_id: Option<Uuid>,
    status: Option<ReviewStatus>,
    #[serde(flatten)]
    state: SignOffState,
    sign_offs: Vec<SignOffView>,
}

async fn status_of(
    conn: &mut AsyncPgConnection,
    policy: &SignOff,
    verdict: Option<&Review>,
) -> ServiceResult<SignOffStatus> {
    let Some(verdict) = verdict else {
        return Ok(SignOffStatus {
            review_id: None,
            status: None,
            state: SignOffState { signed_off: false, missing: policy.rules().to_vec(), objections: 0 },
            sign_offs: Vec::new(),
        });
    };
    let rows = sign_off::of_review(conn, verdict.id).await?;
    let approvals: Vec<Role> = rows.iter().filter(|r| r.approves).map(|r| r.signer_role).collect();
    let objections = rows.iter().filter(|r| !r.approves).count();
    Ok(SignOffStatus {
        review_id: Some(verdict.id),
        status: Some(verdict.status),
        state: evaluate(policy, &approvals, objections),
        sign_offs: rows.into_iter().map(SignOffView::from).collect(),
    })
}

/// The sign-off state of the item's current verdict.
pub async fn status(conn: &mut AsyncPgConnection, item: Item) -> ServiceResult<SignOffStatus> {
    let judged = judged(conn, item).await?;
    let latest = review::latest(conn, item).await?.filter(|r| r.status.is_verdict() && !judged.stale);
    let policy = super::workspaces::current(conn).await?.sign_off;
    status_of(conn, &policy, latest.as_ref()).await
}

/// Records the caller's approval of or objection to the item's current verdict: never their
/// own verdict, never a verdict on their own submission, once per verdict.
pub async fn sign(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    item: Item,
    draft: SignOffDraft,
) -> ServiceResult<SignOffStatus> {
    let judged = judged(conn, item).await?;
    let verdict = current_verdict(conn, item, &judged).await?;
    may_sign(caller.user_id, caller.role(), verdict.reviewer_id, judged.submitter)
        .map_err(|refusal| ServiceError::Forbidden(refusal.reason().into()))?;
    let policy = super::workspaces::current(conn).await?.sign_off;
    transaction::atomically(conn, async move |conn| {
        let before = to_json(&status_of(conn, &policy, Some(&verdict)).await?)?;
        let new = NewSignOff {
            item,
            review_id: verdict.id,
            approves: draft.approves,
            signer_id: caller.user_id,
            signer_role: caller.role(),
            note: draft.note.as_ref().map(Text::as_str),
        };
        // Once per signer and verdict: a second is a unique violation (409).
        sign_off::record(conn, new).await?;
        let after = status_of(conn, &policy, Some(&verdict)).await?;
        let action = Action::SignOff { before, after: to_json(&after)? };
        audit::append(conn, Some(&caller), AuditEvent::new(item.entity(), item.id(), action)).await?;
        Ok(after)
    })
    .await
}

/// A fact-check as its publisher sees it, with every correction.
#[derive(Serialize)]
pub struct PublicationView {
    id: Uuid,
    quote_id: Option<Uuid>,
    claim_id: Option<Uuid>,
    /// `published`, `unpublished` or `retracted`.
    state: String,
    /// Why it was unpublished or retracted.
    notice: Option<String>,
    headline: Option<String>,
    summary: Option<String>,
    url: Option<String>,
    language: Option<String>,
    authors: Vec<String>,
    review_id: Uuid,
    claim_reviewed: String,
    rating: RatingView,
    published_by: Option<Uuid>,
    published_at: DateTime<Utc>,
    modified_at: Option<DateTime<Utc>>,
    corrections: Vec<Correction>,
    /// What the verdict judged has changed since, or a later review followed it: the
    /// publication still shows what was judged, and may need a new verdict and a correction.
    verdict_stale: bool,
    version: i32,
    /// Where the event that made the fact-check what it is stands in the transparency log,
    /// with its inclusion proof once integrated. Never part of the logged record itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    transparency: Option<Transparency>,
}

fn view(row: FactCheck, corrections: Vec<Correction>, verdict_stale: bool) -> PublicationView {
    let rating = RatingView::of(&row);
    PublicationView {
        id: row.id,
        quote_id: row.quote_id,
        claim_id: row.claim_id,
        state: row.state,
        notice: row.notice,
        headline: row.headline,
        summary: row.summary,
        url: row.article_url,
        language: row.language,
        authors: row.authors,
        review_id: row.review_id,
        claim_reviewed: row.claim_reviewed,
        rating,
        published_by: row.published_by,
        published_at: row.published_at,
        modified_at: row.modified_at,
        corrections,
        verdict_stale,
        version: row.version,
        transparency: None,
    }
}

/// The publication with its place in the transparency log.
async fn logged(
    conn: &mut AsyncPgConnection,
    item: Item,
    mut saved: Saved<PublicationView>,
) -> ServiceResult<Saved<PublicationView>> {
    saved.view.transparency = super::log::publications(conn, &[item.id()]).await?.remove(&item.id());
    Ok(saved)
}

async fn saved(
    conn: &mut AsyncPgConnection,
    item: Item,
    row: FactCheck,
) -> ServiceResult<Saved<PublicationView>> {
    let corrections = fact_check::corrections(conn, row.id).await?;
    let latest = review::latest(conn, item).await?.map(|r| r.id);
    let verdict_stale = judged(conn, item).await?.stale || latest != Some(row.review_id);
    Ok(Saved { id: row.id, version: row.version, view: view(row, corrections, verdict_stale) })
}

/// The item's fact-check of the workspace `here`, in any state.
async fn own_fact_check(
    conn: &mut AsyncPgConnection,
    here: Uuid,
    item: Item,
) -> ServiceResult<Option<FactCheck>> {
    Ok(fact_check::of_item(conn, item).await?.filter(|row| row.workspace_id == here))
}

/// The item's publication.
pub async fn publication(conn: &mut AsyncPgConnection, item: Item) -> ServiceResult<Saved<PublicationView>> {
    judged(conn, item).await?;
    let here = super::workspaces::current(conn).await?.id;
    let row = own_fact_check(conn, here, item)
        .await?
        .ok_or_else(|| ServiceError::NotFound("the item has not been published".into()))?;
    let saved = saved(conn, item, row).await?;
    logged(conn, item, saved).await
}

/// What the current verdict publishes: it must be publishable, hold, and be signed off.
async fn signed_off_verdict(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    item: Item,
) -> ServiceResult<Verdict> {
    let judged = judged(conn, item).await?;
    let verdict = current_verdict(conn, item, &judged).await?;
    if !publishable(verdict.status) {
        return Err(ServiceError::Conflict(format!(
            "a {} verdict is the reviewers' working state, not a conclusion to publish",
            to_json(&verdict.status)?
        )));
    }
    let state = status_of(conn, &settings.sign_off, Some(&verdict)).await?.state;
    if !state.signed_off {
        let missing: Vec<String> = state
            .missing
            .iter()
            .map(|rule| Ok(format!("{} from {}", rule.count, to_json(&rule.role)?)))
            .collect::<ServiceResult<_>>()?;
        return Err(ServiceError::Conflict(match state.objections {
            0 => {
                format!("the verdict is not signed off: it needs {} more approval(s)", missing.join(" and "))
            }
            n => format!("the verdict is not signed off: {n} objection(s) hold it back until a new verdict"),
        }));
    }
    let rating = super::claimreview::rating_of(&verdict, &settings.rating_scale)
        .ok_or_else(|| ServiceError::internal("a publishable verdict has no rating on the scale"))?;
    let speaker_name = match judged.speaker_id {
        Some(id) => speaker::find(conn, id).await.optional()?.map(|s| s.fields.name),
        None => None,
    };
    Ok(Verdict { review_id: verdict.id, claim_reviewed: judged.words, speaker_name, rating })
}

/// Publishes the item's signed-off verdict as a fact-check (or publishes again one that was
/// unpublished). A published fact-check changes only by correction; a retracted one stays so.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    item: Item,
    draft: PublicationDraft,
) -> ServiceResult<Saved<PublicationView>> {
    let settings = super::workspaces::current(conn).await?;
    let verdict = signed_off_verdict(conn, &settings, item).await?;
    let existing = own_fact_check(conn, settings.id, item).await?;
    match existing.as_ref().map(|row| row.state.as_str()) {
        Some("published") => {
            return Err(ServiceError::Conflict(
                "already published: an editor corrects it (POST .../publication/corrections)".into(),
            ));
        }
        Some("retracted") => {
            return Err(ServiceError::Conflict("a retracted fact-check stays retracted".into()));
        }
        _ => {}
    }
    let authors: Vec<String> = draft.authors.into_iter().map(Text::into_inner).collect();
    let (article_url, language) = (draft.url.into_inner(), draft.language.into_inner());
    let publication = Publication {
        verdict,
        headline: draft.headline.as_str(),
        summary: draft.summary.as_str(),
        article_url: &article_url,
        language: &language,
        authors: &authors,
        by: caller.user_id,
    };
    transaction::atomically(conn, async move |conn| {
        let (before, row) = match existing {
            Some(unpublished) => {
                let before = to_json(&view(unpublished.clone(), Vec::new(), false))?;
                (
                    before,
                    written(
                        fact_check::republish(conn, unpublished.id, unpublished.version, publication).await?,
                    )?,
                )
            }
            None => (serde_json::Value::Null, fact_check::publish(conn, item, publication).await?),
        };
        let saved = saved(conn, item, row).await?;
        let action = Action::Publish { before, after: to_json(&saved.view)? };
        record_change(conn, &caller, item, action, EventType::FactCheckPublished, &saved.view).await?;
        logged(conn, item, saved).await
    })
    .await
}

/// Corrects the published fact-check at the version the editor read: what the draft changes,
/// and the rating and words of the item's current signed-off verdict, with a visible note.
pub async fn correct(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    item: Item,
    expected: ExpectedVersion,
    draft: CorrectionDraft,
) -> ServiceResult<Saved<PublicationView>> {
    judged(conn, item).await?;
    let settings = super::workspaces::current(conn).await?;
    let current = own_fact_check(conn, settings.id, item)
        .await?
        .filter(FactCheck::is_published)
        .ok_or_else(|| ServiceError::Conflict("only a published fact-check is corrected".into()))?;
    let version = version_to_replace(&expected, current.version)?;
    let verdict = signed_off_verdict(conn, &settings, item).await?;
    let authors: Vec<String> = match draft.authors {
        Some(authors) => authors.into_iter().map(Text::into_inner).collect(),
        None => current.authors.clone(),
    };
    let keep =
        |changed: Option<String>, kept: &Option<String>| changed.or_else(|| kept.clone()).unwrap_or_default();
    let headline = keep(draft.headline.map(Text::into_inner), &current.headline);
    let summary = keep(draft.summary.map(Text::into_inner), &current.summary);
    let article_url = keep(draft.url.map(|u| u.into_inner()), &current.article_url);
    let language = keep(draft.language.map(|l| l.into_inner()), &current.language);
    transaction::atomically(conn, async move |conn| {
        let before = to_json(&view(current.clone(), Vec::new(), false))?;
        let publication = Publication {
            verdict,
            headline: &headline,
            summary: &summary,
            article_url: &article_url,
            language: &language,
            authors: &authors,
            by: current.published_by.unwrap_or(caller.user_id),
        };
        let row = written(fact_check::republish(conn, current.id, version, publication).await?)?;
        fact_check::add_correction(conn, row.id, draft.note.as_str(), caller.user_id).await?;
        let saved = saved(conn, item, row).await?;
        let action = Action::Correct { before, after: to_json(&saved.view)? };
        record_change(conn, &caller, item, action, EventType::FactCheckCorrected, &saved.view).await?;
        logged(conn, item, saved).await
    })
    .await
}

/// Takes the fact-check down with a public notice: unpublished (from published) or retracted
/// (from published or unpublished; final).
pub async fn take_down(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    item: Item,
    expected: ExpectedVersion,
    withdrawal: Withdrawal,
    notice: Text,
) -> ServiceResult<Saved<PublicationView>> {
    judged(conn, item).await?;
    let here = super::workspaces::current(conn).await?.id;
    let current = own_fact_check(conn, here, item)
        .await?
        .ok_or_else(|| ServiceError::NotFound("the item has not been published".into()))?;
    let allowed = match withdrawal {
        Withdrawal::Unpublished => current.state == "published",
        Withdrawal::Retracted => current.state != "retracted",
    };
    if !allowed {
        return Err(ServiceError::Conflict(format!(
            "a fact-check that is {} cannot be {}",
            current.state,
            withdrawal.state()
        )));
    }
    let version = version_to_replace(&expected, current.version)?;
    transaction::atomically(conn, async move |conn| {
        let before = to_json(&view(current.clone(), Vec::new(), false))?;
        let row = written(
            fact_check::take_down(conn, current.id, version, withdrawal.state(), notice.as_str()).await?,
        )?;
        let saved = saved(conn, item, row).await?;
        let after = to_json(&saved.view)?;
        let (action, event_type) = match withdrawal {
            Withdrawal::Unpublished => (Action::Unpublish { before, after }, EventType::FactCheckUnpublished),
            Withdrawal::Retracted => (Action::Retract { before, after }, EventType::FactCheckRetracted),
        };
        record_change(conn, &caller, item, action, event_type, &saved.view).await?;
        logged(conn, item, saved).await
    })
    .await
}

/// Audits a change to the item's fact-check and tells the webhooks that want to know.
async fn record_change(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    item: Item,
    action: Action,
    event_type: EventType,
    publication: &PublicationView,
) -> ServiceResult<()> {
    audit::append(conn, Some(caller), AuditEvent::new(item.entity(), item.id(), action)).await?;
    let data = json!({
        "item_type": item.entity().name(), "item_id": item.id(), "fact_check_id": publication.id,
        "state": publication.state, "url": publication.url, "version": publication.version,
        "notice": publication.notice,
    });
    events::emit(conn, vec![Event { event_type, subject_id: item.id(), data }]).await
}

/// A published item is locked: its fact-check shows what was judged, so the item itself does
/// not change until the fact-check is unpublished or retracted.
pub async fn check_unlocked(conn: &mut AsyncPgConnection, item: Item) -> ServiceResult<()> {
    let here = super::workspaces::current(conn).await?.id;
    match own_fact_check(conn, here, item).await? {
        Some(row) if row.is_published() => Err(ServiceError::Conflict(
            "the item is published and locked: correct its fact-check, or unpublish it before changing the item"
                .into(),
        )),
        _ => Ok(()),
    }
}
