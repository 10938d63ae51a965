//! Anchors into a source's text, after the W3C Web Annotation model: a TextQuoteSelector
//! (prefix, exact, suffix) together with a TextPositionSelector (start, end). Positions count
//! Unicode code points from 0, end exclusive, as the W3C model does.

use serde::{Deserialize, Serialize};

use super::FieldError;

/// Characters of context kept on each side when the server fills in prefix/suffix.
pub const CONTEXT_CHARS: usize = 32;

/// What a client may send: at least the exact text (or nothing, to anchor the record's own
/// text); positions and context are optional and, when given, must match the source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorInput {
    pub exact: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    #[serde(default, deserialize_with = "super::integral_option")]
    pub start: Option<u32>,
    #[serde(default, deserialize_with = "super::integral_option")]
    pub end: Option<u32>,
}

/// A checked anchor: `exact` is found in the source at `start..end`, between `prefix` and `suffix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub prefix: String,
    pub exact: String,
    pub suffix: String,
    pub start: i32,
    pub end: i32,
}

impl Anchor {
    /// Rebuilds a stored anchor; `None` when the row has none.
    pub fn from_columns(
        prefix: &Option<String>,
        exact: &Option<String>,
        suffix: &Option<String>,
        start: Option<i32>,
        end: Option<i32>,
    ) -> Option<Self> {
        Some(Self {
            prefix: prefix.clone()?,
            exact: exact.clone()?,
            suffix: suffix.clone()?,
            start: start?,
            end: end?,
        })
    }
}

/// The five anchor columns of a row (all `None` without an anchor).
pub type AnchorColumns = (Option<String>, Option<String>, Option<String>, Option<i32>, Option<i32>);

impl Anchor {
    pub fn into_columns(anchor: Option<Self>) -> AnchorColumns {
        match anchor {
            Some(a) => (Some(a.prefix), Some(a.exact), Some(a.suffix), Some(a.start), Some(a.end)),
            None => (None, None, None, None, None),
        }
    }
}

/// Anchors a record's words in its source's text.
///
/// `exact` is what must be found (none: the record is not anchored); `input` is what the
/// client sent. Without an explicit anchor the server anchors the record's own text, and a
/// miss is reported at `own_text_pointer`; explicit anchors are checked and reported under
/// `/anchor`. A source without stored text cannot check an explicit anchor.
pub fn anchor_record(
    source_text: Option<&str>,
    exact: Option<&str>,
    input: Option<&AnchorInput>,
    own_text_pointer: &str,
) -> Result<Option<Anchor>, FieldError> {
    let Some(exact) = exact else { return Ok(None) };
    match (source_text, input) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(FieldError::new("/anchor", "the source has no stored text to anchor to")),
        (Some(text), Some(input)) => locate(text, exact, input).map(Some).map_err(|e| e.under("/anchor")),
        (Some(text), None) => locate(text, exact, &AnchorInput::default())
            .map(Some)
            .map_err(|e| FieldError::new(own_text_pointer, e.detail)),
    }
}

/// Occurrences listed in an error when the exact text is ambiguous; the count is always given.
const MAX_LISTED_POSITIONS: usize = 10;

/// Finds `exact` in `text`, honouring whatever positions and context the client gave.
/// Errors point into the anchor object (`/exact`, `/start`, ...); callers prefix them.
///
/// Linear in the text: the search is one Aho-Corasick pass over it, and positions are
/// counted in code points only where one is reported.
pub fn locate(text: &str, exact: &str, input: &AnchorInput) -> Result<Anchor, FieldError> {
    if exact.is_empty() {
        return Err(FieldError::new("/exact", "must not be empty"));
    }
    let exact_chars = exact.chars().count();
    let (start_byte, start) = match (input.start, input.end) {
        (Some(start), end) => {
            let start = start as usize;
            let expected_end = start + exact_chars;
            if let Some(end) = end.filter(|&end| end as usize != expected_end) {
                return Err(FieldError::new(
                    "/end",
                    format!("must be start + the length of exact in code points ({expected_end}), not {end}"),
                ));
            }
            let past_end = || {
                FieldError::new(
                    "/start",
                    format!(
                        "the span {start}..{expected_end} runs past the end of the source text ({} code points)",
                        text.chars().count()
                    ),
                )
            };
            let start_byte =
                text.char_indices().map(|(b, _)| b).chain([text.len()]).nth(start).ok_or_else(past_end)?;
            let found: String = text[start_byte..].chars().take(exact_chars).collect();
            if found.chars().count() < exact_chars {
                return Err(past_end());
            }
            if found != exact {
                return Err(FieldError::new(
                    "/start",
                    format!("the source text at {start}..{expected_end} is {found:?}, not the exact text"),
                ));
            }
            check_context(text, start_byte, start_byte + exact.len(), input)?;
            (start_byte, start)
        }
        (None, Some(_)) => return Err(FieldError::new("/end", "end needs start")),
        (None, None) => {
            let start_byte = search(text, exact, input)?;
            (start_byte, text[..start_byte].chars().count())
        }
    };
    let end_byte = start_byte + exact.len();
    let end = start + exact_chars;
    let prefix = input.prefix.clone().unwrap_or_else(|| {
        let mut before: Vec<char> = text[..start_byte].chars().rev().take(CONTEXT_CHARS).collect();
        before.reverse();
        before.into_iter().collect()
    });
    let suffix =
        input.suffix.clone().unwrap_or_else(|| text[end_byte..].chars().take(CONTEXT_CHARS).collect());
    Ok(Anchor { prefix, exact: exact.to_owned(), suffix, start: to_i32(start)?, end: to_i32(end)? })
}

fn to_i32(position: usize) -> Result<i32, FieldError> {
    i32::try_from(position).map_err(|_| FieldError::new("/start", "position out of range"))
}

/// The byte offset of the one place where `exact` occurs with matching context; zero or
/// several is an error. Overlapping occurrences count ("aa" is twice in "aaa").
fn search(text: &str, exact: &str, input: &AnchorInput) -> Result<usize, FieldError> {
    let prefix = input.prefix.as_deref().unwrap_or_default();
    let suffix = input.suffix.as_deref().unwrap_or_default();
    let pattern = format!("{prefix}{exact}{suffix}");
    let matcher = aho_corasick::AhoCorasick::new([pattern.as_str()])
        .map_err(|e| FieldError::new("/exact", format!("cannot be searched for ({e})")))?;
    let mut count = 0usize;
    let mut listed = Vec::new();
    for found in matcher.find_overlapping_iter(text) {
        count += 1;
        if listed.len() < MAX_LISTED_POSITIONS {
            listed.push(found.start() + prefix.len());
        }
    }
    match (count, listed.first()) {
        (1, Some(&only)) => Ok(only),
        (0, _) if (input.prefix.is_some() || input.suffix.is_some()) && text.contains(exact) => {
            Err(FieldError::new(
                "/prefix",
                "the exact text is in the source, but never between this prefix and suffix",
            ))
        }
        (0, _) => Err(FieldError::new("/exact", "is not in the source text")),
        _ => {
            let positions: Vec<String> =
                listed.iter().map(|&b| text[..b].chars().count().to_string()).collect();
            let more = if count > listed.len() { ", ..." } else { "" };
            Err(FieldError::new(
                "/exact",
                format!(
                    "occurs {count} times in the source text (at code points {}{more}); add prefix/suffix or start to choose one",
                    positions.join(", ")
                ),
            ))
        }
    }
}

fn check_context(text: &str, start: usize, end: usize, input: &AnchorInput) -> Result<(), FieldError> {
    if let Some(prefix) = &input.prefix
        && !text[..start].ends_with(prefix.as_str())
    {
        return Err(FieldError::new("/prefix", "does not match the source text before the exact text"));
    }
    if let Some(suffix) = &input.suffix
        && !text[end..].starts_with(suffix.as_str())
    {
        return Err(FieldError::new("/suffix", "does not match the source text after the exact text"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "«Nothing is agreed until everything is agreed,» says a senior official. «Nothing is agreed,» he repeated.";

    fn input() -> AnchorInput {
        AnchorInput::default()
    }

    #[test]
    fn finds_a_unique_quote_and_fills_context_in_code_points() {
        let anchor = locate(TEXT, "he repeated", &input()).unwrap();
        assert_eq!(anchor.start, 93);
        assert_eq!(anchor.end, 104);
        let chars: Vec<char> = TEXT.chars().collect();
        assert_eq!(chars[93..104].iter().collect::<String>(), "he repeated");
        assert!(anchor.prefix.ends_with("agreed,» "));
        assert_eq!(anchor.suffix, ".");
    }

    #[test]
    fn ambiguous_text_needs_context_or_position() {
        let error = locate(TEXT, "Nothing is agreed", &input()).unwrap_err();
        assert_eq!(error.pointer, "/exact");
        assert!(error.detail.contains("occurs 2 times"), "{}", error.detail);

        let with_suffix = AnchorInput { suffix: Some(",»".into()), ..input() };
        assert_eq!(locate(TEXT, "Nothing is agreed", &with_suffix).unwrap().start, 73);
        let with_start = AnchorInput { start: Some(1), ..input() };
        assert_eq!(locate(TEXT, "Nothing is agreed", &with_start).unwrap().end, 18);
    }

    #[test]
    fn a_very_common_text_lists_a_few_positions_and_the_count() {
        let text = "ab ".repeat(5_000);
        let error = locate(&text, "ab", &input()).unwrap_err();
        assert!(error.detail.starts_with("occurs 5000 times"), "{}", error.detail);
        assert!(error.detail.len() < 300, "{}", error.detail);
        assert_eq!(locate("aaa", "aa", &input()).unwrap_err().detail.split(' ').nth(1), Some("2"));
        let chosen = AnchorInput {
            prefix: Some("ab ".repeat(2)),
            suffix: Some(" ab".into()),
            start: Some(6),
            ..input()
        };
        assert_eq!(locate(&text, "ab", &chosen).unwrap().end, 8);
    }

    #[test]
    fn wrong_place_or_context_is_rejected() {
        let wrong_start = AnchorInput { start: Some(2), ..input() };
        assert_eq!(locate(TEXT, "Nothing", &wrong_start).unwrap_err().pointer, "/start");
        let wrong_end = AnchorInput { start: Some(1), end: Some(5), ..input() };
        assert_eq!(locate(TEXT, "Nothing", &wrong_end).unwrap_err().pointer, "/end");
        let past_end = AnchorInput { start: Some(500), ..input() };
        assert_eq!(locate(TEXT, "Nothing", &past_end).unwrap_err().pointer, "/start");
        let wrong_prefix = AnchorInput { prefix: Some("xyz".into()), ..input() };
        assert_eq!(locate(TEXT, "he repeated", &wrong_prefix).unwrap_err().pointer, "/prefix");
        assert_eq!(locate(TEXT, "not there", &input()).unwrap_err().pointer, "/exact");
        assert_eq!(locate("short", "much longer than the text", &input()).unwrap_err().pointer, "/exact");
    }
}
