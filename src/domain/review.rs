//! A review as submitted, and the rules of the verification workflow.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::FieldError;
use super::at;
use super::claim::{TimeReference, decimal, time_reference};
use super::decimal::DecimalText;
use super::kinds::{ReviewStatus, Role};
use super::text::{MAX_LABEL_CHARS, MAX_PASSAGE_CHARS, Text, WebUrl};

pub const MAX_EVIDENCE: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    #[serde(deserialize_with = "super::integral")]
    pub value: i16,
    /// The step's name on the workspace's scale; the scale's own when absent.
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceInput {
    pub source_id: Option<Uuid>,
    pub url: Option<String>,
    pub note: String,
    /// A figure the evidence gives for the claim's metric.
    pub figure: Option<FigureInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureInput {
    pub value: DecimalText,
    pub unit: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// Where in the evidence the figure is given: a table, a page, a sentence.
    pub origin: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub status: ReviewStatus,
    pub rating: Option<RatingInput>,
    pub rationale: Option<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceInput>,
}

/// The rating a reviewer chose, before the workspace's scale is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingChoice {
    pub value: i16,
    pub label: Option<Text>,
}

/// A rating on a workspace's scale (see `RatingScale::rate`): its value and name, and the
/// ends of the scale it was given on (ClaimReview's `worstRating` and `bestRating`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub value: i16,
    pub label: String,
    pub worst: i16,
    pub best: i16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceTarget {
    Source(Uuid),
    Url(WebUrl),
}

#[derive(Debug, Clone)]
pub struct Evidence {
    pub target: EvidenceTarget,
    pub note: Text,
    pub figure: Option<EvidenceFigure>,
}

/// A figure from evidence: an exact decimal in a unit, for a date or period, and where the
/// evidence gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFigure {
    pub value: BigDecimal,
    pub unit: Option<Text>,
    pub time: TimeReference,
    pub origin: Option<Text>,
}

impl TryFrom<FigureInput> for EvidenceFigure {
    type Error = FieldError;

    fn try_from(input: FigureInput) -> Result<Self, FieldError> {
        Ok(Self {
            value: decimal(input.value, "/value")?,
            unit: Text::optional_label(input.unit).map_err(at("/unit"))?,
            time: time_reference(input.as_of, input.period_start, input.period_end)?,
            origin: input
                .origin
                .map(|o| Text::exact(o, MAX_LABEL_CHARS))
                .transpose()
                .map_err(at("/origin"))?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct ReviewDraft {
    pub status: ReviewStatus,
    pub rating: Option<RatingChoice>,
    pub rationale: Option<Text>,
    pub evidence: Vec<Evidence>,
}

impl TryFrom<ReviewInput> for ReviewDraft {
    type Error = FieldError;

    fn try_from(input: ReviewInput) -> Result<Self, FieldError> {
        let rating = input
            .rating
            .map(|rating| {
                Ok::<_, FieldError>(RatingChoice {
                    value: rating.value,
                    label: Text::optional_label(rating.label).map_err(at("/rating/label"))?,
                })
            })
            .transpose()?;
        if input.status.is_verdict() && rating.is_none() && input.rationale.is_none() {
            return Err(FieldError::new("/rationale", "a verdict needs a rationale or a rating"));
        }
        if input.evidence.len() > MAX_EVIDENCE {
            return Err(FieldError::new("/evidence", format!("must have at most {MAX_EVIDENCE} entries")));
        }
        let evidence = input
            .evidence
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let here = |field: &str| format!("/evidence/{i}{field}");
                let target = match (item.source_id, item.url) {
                    (Some(id), None) => EvidenceTarget::Source(id),
                    (None, Some(url)) => {
                        EvidenceTarget::Url(WebUrl::parse(url).map_err(|e| FieldError::new(here("/url"), e))?)
                    }
                    _ => return Err(FieldError::new(here(""), "give either source_id or url")),
                };
                let note =
                    Text::exact(item.note, MAX_LABEL_CHARS).map_err(|e| FieldError::new(here("/note"), e))?;
                let figure = item
                    .figure
                    .map(EvidenceFigure::try_from)
                    .transpose()
                    .map_err(|e| e.under(&here("/figure")))?;
                Ok(Evidence { target, note, figure })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            status: input.status,
            rating,
            rationale: input
                .rationale
                .map(|r| Text::exact(r, MAX_PASSAGE_CHARS))
                .transpose()
                .map_err(at("/rationale"))?,
            evidence,
        })
    }
}

/// Where an item stands before a review, and who stands behind that.
#[derive(Debug, Clone, Copy)]
pub struct ItemState {
    pub status: ReviewStatus,
    pub assignee: Option<Uuid>,
    /// Its verdict no longer matches what was judged: it waits for review again, and any
    /// reviewer may re-affirm or change it.
    pub stale: bool,
}

/// Why a transition is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The role may never do this (403).
    Forbidden(&'static str),
    /// Not allowed from the item's current state (409).
    Conflict(&'static str),
}

/// The verification workflow. Reviewers claim items (`in_review`, assigned to them), record
/// verdicts on items they hold (or that no one holds), and release them (`unreviewed`); a
/// reviewer may flag someone else's verdict as `disputed`. Once an item has a verdict, only an
/// editor moves it anywhere else: not to another verdict, and not back to `in_review` or
/// `unreviewed` either, which would let a reviewer overturn it in two steps. Editors may do
/// anything, and only editors retract or change a retracted item.
pub fn check_transition(actor: Uuid, role: Role, item: ItemState, to: ReviewStatus) -> Result<(), Refusal> {
    use ReviewStatus::*;
    if role < Role::Reviewer {
        return Err(Refusal::Forbidden("reviewing needs the reviewer role"));
    }
    if to == item.status && to != InReview && !item.stale {
        return Err(Refusal::Conflict("the item already has this status"));
    }
    let editor = role >= Role::Editor;
    if to == Retracted || item.status == Retracted {
        return if editor {
            Ok(())
        } else {
            Err(Refusal::Forbidden("only an editor may retract, or change a retracted item"))
        };
    }
    if editor {
        return Ok(());
    }
    if item.status.is_verdict() && !item.stale && to != Disputed {
        return Err(Refusal::Forbidden(
            "changing a verdict needs an editor; a reviewer may mark it disputed",
        ));
    }
    let held_by_other = item.status == InReview && item.assignee.is_some_and(|a| a != actor);
    match to {
        InReview if held_by_other => Err(Refusal::Conflict("another reviewer holds this item")),
        InReview if item.status == InReview => Err(Refusal::Conflict("you already hold this item")),
        Unreviewed if item.status != InReview => {
            Err(Refusal::Conflict("only an item under review can be released"))
        }
        Unreviewed if held_by_other => Err(Refusal::Conflict("another reviewer holds this item")),
        _ if held_by_other => Err(Refusal::Conflict("another reviewer holds this item")),
        _ => Ok(()),
    }
}

/// Who holds the item after the transition: the claimant while in review, nobody once
/// released, and whoever recorded the latest decision after that.
pub fn assignee_after(actor: Uuid, to: ReviewStatus) -> Option<Uuid> {
    (to != ReviewStatus::Unreviewed).then_some(actor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewStatus::*;

    fn state(status: ReviewStatus, assignee: Option<Uuid>) -> ItemState {
        ItemState { status, assignee, stale: false }
    }

    #[test]
    fn submitters_never_review() {
        let me = Uuid::now_v7();
        assert!(matches!(
            check_transition(me, Role::Submitter, state(Unreviewed, None), InReview),
            Err(Refusal::Forbidden(_))
        ));
    }

    #[test]
    fn reviewers_claim_decide_and_release() {
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(check_transition(me, Role::Reviewer, state(Unreviewed, None), InReview), Ok(()));
        assert_eq!(check_transition(me, Role::Reviewer, state(InReview, Some(me)), Verified), Ok(()));
        assert_eq!(check_transition(me, Role::Reviewer, state(InReview, Some(me)), Unreviewed), Ok(()));
        assert!(matches!(
            check_transition(me, Role::Reviewer, state(InReview, Some(other)), False),
            Err(Refusal::Conflict(_))
        ));
        assert!(matches!(
            check_transition(me, Role::Reviewer, state(InReview, Some(other)), InReview),
            Err(Refusal::Conflict(_))
        ));
        assert_eq!(check_transition(me, Role::Reviewer, state(Verified, Some(other)), Disputed), Ok(()));
        assert!(matches!(
            check_transition(me, Role::Reviewer, state(Verified, Some(other)), False),
            Err(Refusal::Forbidden(_))
        ));
    }

    /// Every way out of a verdict, for a reviewer: only `disputed` is open, so no sequence of
    /// steps turns one reviewer's verdict into another's.
    #[test]
    fn a_verdict_is_changed_only_by_an_editor() {
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        let all = [Unreviewed, InReview, Verified, Disputed, False, Misleading, Unverifiable, Retracted];
        for from in all.into_iter().filter(|s| s.is_verdict()) {
            for to in all.into_iter().filter(|to| *to != from) {
                let reviewer = check_transition(me, Role::Reviewer, state(from, Some(other)), to);
                if to == Disputed {
                    assert_eq!(reviewer, Ok(()), "{from:?} -> {to:?}");
                } else {
                    assert!(
                        matches!(reviewer, Err(Refusal::Forbidden(_))),
                        "{from:?} -> {to:?}: {reviewer:?}"
                    );
                }
                assert_eq!(check_transition(me, Role::Editor, state(from, Some(other)), to), Ok(()));
            }
        }
    }

    #[test]
    fn only_editors_retract() {
        let me = Uuid::now_v7();
        assert!(matches!(
            check_transition(me, Role::Reviewer, state(Verified, None), Retracted),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            check_transition(me, Role::Reviewer, state(Retracted, None), InReview),
            Err(Refusal::Forbidden(_))
        ));
        assert_eq!(check_transition(me, Role::Editor, state(Verified, None), Retracted), Ok(()));
        assert_eq!(check_transition(me, Role::Editor, state(InReview, Some(Uuid::now_v7())), False), Ok(()));
    }

    #[test]
    fn assignment_follows_the_workflow() {
        let me = Uuid::now_v7();
        assert_eq!(assignee_after(me, InReview), Some(me));
        assert_eq!(assignee_after(me, Unreviewed), None);
        assert_eq!(assignee_after(me, Verified), Some(me));
    }

    #[test]
    fn a_stale_verdict_waits_for_any_reviewer_again() {
        let (reviewer, other) = (Uuid::now_v7(), Uuid::now_v7());
        let stale = ItemState { status: ReviewStatus::Verified, assignee: Some(other), stale: true };
        for to in [ReviewStatus::Verified, ReviewStatus::False, ReviewStatus::InReview] {
            assert_eq!(check_transition(reviewer, Role::Reviewer, stale, to), Ok(()), "{to:?}");
        }
        let holding = ItemState { stale: false, ..stale };
        assert!(check_transition(reviewer, Role::Reviewer, holding, ReviewStatus::Verified).is_err());
        assert!(check_transition(reviewer, Role::Reviewer, holding, ReviewStatus::False).is_err());
    }
}
