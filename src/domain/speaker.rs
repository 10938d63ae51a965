//! A speaker as submitted, and as validated.

use serde::Deserialize;

use super::FieldError;
use super::at;
use super::kinds::SpeakerKind;
use super::text::Text;

pub const MAX_ALIASES: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeakerInput {
    pub name: String,
    pub kind: SpeakerKind,
    pub description: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub wikidata_qid: Option<String>,
}

/// A Wikidata item id such as `Q42`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WikidataQid(String);

impl WikidataQid {
    pub fn parse(value: String) -> Result<Self, String> {
        let digits = value.strip_prefix('Q').unwrap_or_default();
        let valid = !digits.is_empty()
            && digits.len() <= 12
            && !digits.starts_with('0')
            && digits.chars().all(|c| c.is_ascii_digit());
        if valid { Ok(Self(value)) } else { Err("must be a Wikidata item id such as \"Q42\"".into()) }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[derive(Debug, Clone)]
pub struct SpeakerDraft {
    pub name: Text,
    pub kind: SpeakerKind,
    pub description: Option<Text>,
    pub aliases: Vec<Text>,
    pub wikidata_qid: Option<WikidataQid>,
}

impl TryFrom<SpeakerInput> for SpeakerDraft {
    type Error = FieldError;

    fn try_from(input: SpeakerInput) -> Result<Self, FieldError> {
        if input.aliases.len() > MAX_ALIASES {
            return Err(FieldError::new("/aliases", format!("must have at most {MAX_ALIASES} entries")));
        }
        let aliases = input
            .aliases
            .into_iter()
            .enumerate()
            .map(|(i, alias)| Text::label(alias).map_err(|e| FieldError::new(format!("/aliases/{i}"), e)))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            name: Text::name(input.name).map_err(at("/name"))?,
            kind: input.kind,
            description: Text::optional_label(input.description).map_err(at("/description"))?,
            aliases,
            wikidata_qid: input
                .wikidata_qid
                .map(WikidataQid::parse)
                .transpose()
                .map_err(at("/wikidata_qid"))?,
        })
    }
}

/// Who an anonymous speaker is, as an editor submits it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentificationInput {
    pub speaker_id: uuid::Uuid,
    pub evidence: String,
}

/// An identification with its evidence checked: what showed who the speaker is.
#[derive(Debug)]
pub struct IdentificationDraft {
    pub speaker_id: uuid::Uuid,
    pub evidence: Text,
}

impl TryFrom<IdentificationInput> for IdentificationDraft {
    type Error = FieldError;

    fn try_from(input: IdentificationInput) -> Result<Self, FieldError> {
        Ok(Self {
            speaker_id: input.speaker_id,
            evidence: Text::exact(input.evidence, super::text::MAX_PASSAGE_CHARS).map_err(at("/evidence"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wikidata_ids() {
        assert!(WikidataQid::parse("Q42".into()).is_ok());
        for bad in ["Q", "Q0", "Q042", "42", "q42", "Q4x"] {
            assert!(WikidataQid::parse(bad.into()).is_err(), "{bad}");
        }
    }
}

/// What a speaker lookup (`GET /speakers?q=`) looks for: some text, no longer than a name.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct NameQuery(String);

impl TryFrom<String> for NameQuery {
    type Error = String;

    fn try_from(query: String) -> Result<Self, String> {
        let length = query.chars().count();
        if query.trim().is_empty() {
            Err("q must hold a name to look for".into())
        } else if length > super::text::MAX_NAME_CHARS {
            Err(format!("q must be at most {} characters (got {length})", super::text::MAX_NAME_CHARS))
        } else {
            Ok(Self(query))
        }
    }
}

impl NameQuery {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
