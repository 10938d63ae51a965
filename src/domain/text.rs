//! Text fields: bounded, non-blank, free of control characters PostgreSQL or readers choke on.

use std::fmt;

/// Longest source snapshot accepted, in characters (a long transcript fits).
pub const MAX_CONTENT_CHARS: usize = 1_000_000;
/// Longest quote or statement, in characters.
pub const MAX_PASSAGE_CHARS: usize = 20_000;
/// Longest short field (titles, units, places, notes).
pub const MAX_LABEL_CHARS: usize = 1_000;
/// Longest indexed name (speaker names, metrics, publishers): at most 4 bytes a character,
/// so an entry stays within PostgreSQL's btree limit (about 2,700 bytes) in any script.
pub const MAX_NAME_CHARS: usize = 500;

/// A non-blank string of at most a given number of characters, without control characters
/// other than tab and line breaks. Stored exactly as given: quotes must keep their bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn exact(value: String, max_chars: usize) -> Result<Self, String> {
        if value.trim().is_empty() {
            return Err("must not be empty or blank".into());
        }
        let chars = value.chars().count();
        if chars > max_chars {
            return Err(format!("must be at most {max_chars} characters (got {chars})"));
        }
        if let Some(bad) = value.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
            return Err(format!("must not contain the control character U+{:04X}", bad as u32));
        }
        Ok(Self(value))
    }

    /// For labels (names, titles): surrounding whitespace is dropped, then checked as `exact`.
    pub fn label(value: String) -> Result<Self, String> {
        Self::exact(value.trim().to_owned(), MAX_LABEL_CHARS)
    }

    /// For names the database indexes: a label of at most `MAX_NAME_CHARS`.
    pub fn name(value: String) -> Result<Self, String> {
        Self::exact(value.trim().to_owned(), MAX_NAME_CHARS)
    }

    pub fn optional_label(value: Option<String>) -> Result<Option<Self>, String> {
        value.map(Self::label).transpose()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A BCP 47 language tag such as `en`, `fr-CH` or `zh-Hant-TW`; the primary subtag lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn parse(value: String) -> Result<Self, String> {
        let mut subtags = value.split('-');
        let primary = subtags.next().unwrap_or_default();
        let primary_ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
        let rest_ok =
            subtags.all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !primary_ok || !rest_ok || value.len() > 35 {
            return Err("must be a BCP 47 language tag such as \"en\" or \"fr-CH\"".into());
        }
        let (primary, rest) = value.split_at(primary.len());
        Ok(Self(format!("{}{rest}", primary.to_ascii_lowercase())))
    }

    pub fn optional(value: Option<String>) -> Result<Option<Self>, String> {
        value.map(Self::parse).transpose()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(value: String) -> Result<Self, String> {
        if value.len() > 2048 {
            return Err("must be at most 2048 bytes".into());
        }
        let url = url::Url::parse(&value).map_err(|e| format!("must be an absolute URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err("must be an http or https URL with a host".into());
        }
        Ok(Self(url.into()))
    }

    pub fn optional(value: Option<String>) -> Result<Option<Self>, String> {
        value.map(Self::parse).transpose()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_exact_bytes_and_rejects_blank_and_controls() {
        assert_eq!(Text::exact(" «Oui» ".into(), 10).unwrap().as_str(), " «Oui» ");
        assert!(Text::exact("  \n".into(), 10).is_err());
        assert!(Text::exact("a\u{0}b".into(), 10).is_err());
        assert!(Text::exact("abcdef".into(), 5).is_err());
        assert!(Text::exact("line\nbreak\ttab".into(), 50).is_ok());
        assert!(Text::exact("\u{200F}שלום\u{0301}".into(), 50).is_ok());
        assert_eq!(Text::label("  Ana Ruiz ".into()).unwrap().as_str(), "Ana Ruiz");
    }

    #[test]
    fn language_tags() {
        assert_eq!(LanguageTag::parse("EN-gb".into()).unwrap().into_inner(), "en-gb");
        assert!(LanguageTag::parse("zh-Hant-TW".into()).is_ok());
        for bad in ["", "e", "english", "en_GB", "en-", "12"] {
            assert!(LanguageTag::parse(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_must_be_web_urls() {
        assert!(WebUrl::parse("https://example.org/a?b=c".into()).is_ok());
        for bad in ["example.org", "ftp://example.org/x", "javascript:alert(1)", "https://"] {
            assert!(WebUrl::parse(bad.into()).is_err(), "{bad}");
        }
    }
}
