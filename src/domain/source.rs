//! A source as submitted, and as validated.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::FieldError;
use super::at;
use super::kinds::SourceKind;
use super::text::{LanguageTag, MAX_CONTENT_CHARS, Text, WebUrl};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    pub url: String,
    pub canonical_url: Option<String>,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub retrieved_at: Option<DateTime<Utc>>,
    pub language: Option<String>,
    pub kind: SourceKind,
    pub content: Option<String>,
}

/// The text that was read, with its SHA-256 so anyone can check a copy against it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub text: Text,
    pub sha256: String,
}

impl Snapshot {
    pub fn new(text: Text) -> Self {
        let sha256 = hex::encode(Sha256::digest(text.as_str().as_bytes()));
        Self { text, sha256 }
    }
}

#[derive(Debug, Clone)]
pub struct SourceDraft {
    pub url: WebUrl,
    pub canonical_url: Option<WebUrl>,
    pub title: Option<Text>,
    pub publisher: Option<Text>,
    pub author: Option<Text>,
    pub published_at: Option<DateTime<Utc>>,
    pub retrieved_at: Option<DateTime<Utc>>,
    pub language: Option<LanguageTag>,
    pub kind: SourceKind,
    pub content: Option<Snapshot>,
}

impl TryFrom<SourceInput> for SourceDraft {
    type Error = FieldError;

    fn try_from(input: SourceInput) -> Result<Self, FieldError> {
        Ok(Self {
            url: WebUrl::parse(input.url).map_err(at("/url"))?,
            canonical_url: WebUrl::optional(input.canonical_url).map_err(at("/canonical_url"))?,
            title: Text::optional_label(input.title).map_err(at("/title"))?,
            publisher: input.publisher.map(Text::name).transpose().map_err(at("/publisher"))?,
            author: Text::optional_label(input.author).map_err(at("/author"))?,
            published_at: input.published_at,
            retrieved_at: input.retrieved_at,
            language: LanguageTag::optional(input.language).map_err(at("/language"))?,
            kind: input.kind,
            content: input
                .content
                .map(|content| Text::exact(content, MAX_CONTENT_CHARS).map(Snapshot::new))
                .transpose()
                .map_err(at("/content"))?,
        })
    }
}
