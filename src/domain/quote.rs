//! A quote as submitted, and as validated. Anchoring needs the source's text, so a draft
//! carries the anchor request; `db::quote` checks it against the stored snapshot.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::FieldError;
use super::anchor::AnchorInput;
use super::at;
use super::kinds::QuoteKind;
use super::text::{LanguageTag, MAX_PASSAGE_CHARS, Text};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    pub source_id: Uuid,
    pub speaker_id: Uuid,
    pub text: String,
    pub kind: QuoteKind,
    pub anchor: Option<AnchorInput>,
    pub relayed_by: Option<String>,
    /// The speaker's role as this source reported it ("then foreign minister").
    pub speaker_role: Option<String>,
    pub said_at: Option<DateTime<Utc>>,
    pub language: Option<String>,
}

#[derive(Debug, Clone)]
pub struct QuoteDraft {
    pub source_id: Uuid,
    pub speaker_id: Uuid,
    pub text: Text,
    pub kind: QuoteKind,
    pub anchor: Option<AnchorInput>,
    pub relayed_by: Option<Text>,
    pub speaker_role: Option<Text>,
    pub said_at: Option<DateTime<Utc>>,
    pub language: Option<LanguageTag>,
}

impl QuoteDraft {
    /// The words the anchor must find: the quote itself for verbatim kinds, the reported
    /// sentence (`anchor.exact`) for indirect speech.
    pub fn anchor_exact(&self) -> Option<&str> {
        let given = self.anchor.as_ref().and_then(|anchor| anchor.exact.as_deref());
        if self.kind.is_verbatim() { Some(self.text.as_str()) } else { given }
    }
}

impl TryFrom<QuoteInput> for QuoteDraft {
    type Error = FieldError;

    fn try_from(input: QuoteInput) -> Result<Self, FieldError> {
        let text = Text::exact(input.text, MAX_PASSAGE_CHARS).map_err(at("/text"))?;
        let given_exact = input.anchor.as_ref().and_then(|anchor| anchor.exact.as_deref());
        match given_exact {
            Some(exact) if input.kind.is_verbatim() && exact != text.as_str() => {
                return Err(FieldError::new(
                    "/anchor/exact",
                    "must equal text for a direct or partial quote (or be left out)",
                ));
            }
            None if !input.kind.is_verbatim() && input.anchor.is_some() => {
                return Err(FieldError::new(
                    "/anchor/exact",
                    "is required to anchor indirect speech: give the reported sentence as it reads in the source",
                ));
            }
            _ => {}
        }
        Ok(Self {
            source_id: input.source_id,
            speaker_id: input.speaker_id,
            text,
            kind: input.kind,
            anchor: input.anchor,
            relayed_by: Text::optional_label(input.relayed_by).map_err(at("/relayed_by"))?,
            speaker_role: Text::optional_label(input.speaker_role).map_err(at("/speaker_role"))?,
            said_at: input.said_at,
            language: LanguageTag::optional(input.language).map_err(at("/language"))?,
        })
    }
}
