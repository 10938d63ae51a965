//! A numeric claim as submitted, and as validated.

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::FieldError;
use super::anchor::AnchorInput;
use super::at;
use super::decimal::{DecimalText, ExactDecimal};
use super::kinds::ClaimQualifier;
use super::text::{LanguageTag, MAX_PASSAGE_CHARS, Text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub source_id: Uuid,
    pub claimant_id: Option<Uuid>,
    pub statement: String,
    pub metric: String,
    pub qualifier: ClaimQualifier,
    pub value: Option<DecimalText>,
    pub lower_bound: Option<DecimalText>,
    pub upper_bound: Option<DecimalText>,
    pub unit: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub place: Option<String>,
    /// The claimant's role as this source reported it ("then foreign minister").
    pub claimant_role: Option<String>,
    pub anchor: Option<AnchorInput>,
    pub language: Option<String>,
}

/// The number asserted: one value with its qualifier, or a range.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimedAmount {
    Value(ClaimQualifier, BigDecimal),
    Range { lower: BigDecimal, upper: BigDecimal },
}

/// When the number holds: at a date, over a period (either end may be open), or unstated.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeReference {
    Unstated,
    AsOf(NaiveDate),
    Period { start: Option<NaiveDate>, end: Option<NaiveDate> },
}

#[derive(Debug, Clone)]
pub struct ClaimDraft {
    pub source_id: Uuid,
    pub claimant_id: Option<Uuid>,
    pub statement: Text,
    pub metric: Text,
    pub amount: ClaimedAmount,
    pub unit: Option<Text>,
    pub time: TimeReference,
    pub place: Option<Text>,
    pub claimant_role: Option<Text>,
    pub anchor: Option<AnchorInput>,
    pub language: Option<LanguageTag>,
}

impl ClaimDraft {
    /// The words the anchor must find: the given exact text, else the statement.
    pub fn anchor_exact(&self) -> Option<&str> {
        let anchor = self.anchor.as_ref()?;
        Some(anchor.exact.as_deref().unwrap_or(self.statement.as_str()))
    }
}

pub(super) fn decimal(value: DecimalText, pointer: &str) -> Result<BigDecimal, FieldError> {
    ExactDecimal::parse(&value.0).map(ExactDecimal::into_inner).map_err(at(pointer))
}

fn amount(input: &mut ClaimInput) -> Result<ClaimedAmount, FieldError> {
    let (value, lower, upper) = (input.value.take(), input.lower_bound.take(), input.upper_bound.take());
    if input.qualifier == ClaimQualifier::Range {
        if value.is_some() {
            return Err(FieldError::new(
                "/value",
                "must be left out for a range; use lower_bound and upper_bound",
            ));
        }
        let lower = decimal(
            lower.ok_or_else(|| FieldError::new("/lower_bound", "is required for a range"))?,
            "/lower_bound",
        )?;
        let upper = decimal(
            upper.ok_or_else(|| FieldError::new("/upper_bound", "is required for a range"))?,
            "/upper_bound",
        )?;
        if lower > upper {
            return Err(FieldError::new("/upper_bound", "must not be less than lower_bound"));
        }
        return Ok(ClaimedAmount::Range { lower, upper });
    }
    if lower.is_some() || upper.is_some() {
        let pointer = if lower.is_some() { "/lower_bound" } else { "/upper_bound" };
        return Err(FieldError::new(pointer, "is only for the qualifier \"range\""));
    }
    let value =
        value.ok_or_else(|| FieldError::new("/value", "is required unless the qualifier is \"range\""))?;
    Ok(ClaimedAmount::Value(input.qualifier, decimal(value, "/value")?))
}

/// When a figure holds: a date, a period (open at either end), or unstated; pointers are
/// relative to the object holding `as_of`, `period_start` and `period_end`.
pub(super) fn time_reference(
    as_of: Option<NaiveDate>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
) -> Result<TimeReference, FieldError> {
    match (as_of, period_start, period_end) {
        (None, None, None) => Ok(TimeReference::Unstated),
        (Some(date), None, None) => Ok(TimeReference::AsOf(date)),
        (Some(_), _, _) => Err(FieldError::new("/as_of", "give either as_of or a period, not both")),
        (None, Some(start), Some(end)) if start > end => {
            Err(FieldError::new("/period_end", "must not be before period_start"))
        }
        (None, start, end) => Ok(TimeReference::Period { start, end }),
    }
}

impl TryFrom<ClaimInput> for ClaimDraft {
    type Error = FieldError;

    fn try_from(mut input: ClaimInput) -> Result<Self, FieldError> {
        let amount = amount(&mut input)?;
        let time = time_reference(input.as_of, input.period_start, input.period_end)?;
        Ok(Self {
            source_id: input.source_id,
            claimant_id: input.claimant_id,
            statement: Text::exact(input.statement, MAX_PASSAGE_CHARS).map_err(at("/statement"))?,
            metric: Text::name(input.metric).map_err(at("/metric"))?,
            amount,
            unit: Text::optional_label(input.unit).map_err(at("/unit"))?,
            time,
            place: Text::optional_label(input.place).map_err(at("/place"))?,
            claimant_role: Text::optional_label(input.claimant_role).map_err(at("/claimant_role"))?,
            anchor: input.anchor,
            language: LanguageTag::optional(input.language).map_err(at("/language"))?,
        })
    }
}
