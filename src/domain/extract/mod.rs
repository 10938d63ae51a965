//! Pure text analysis (no database, no network): finds attributed quotes and numeric claims in
//! an article, with code-point offsets into it, as candidates for a person to accept.
//!
//! Cost: linear in the article's length, in time and memory. Each pass (quotation marks,
//! sentences, numbers) reads the text once; sentences and quotes are walked side by side in
//! order; speakers resolve through hash maps; a number finds its quote by binary search. A
//! sentence that never ends (a run of initials or abbreviations) is cut at
//! `MAX_SENTENCE_CHARS` outside quotation marks, a claim's statement is an excerpt of at most
//! `MAX_STATEMENT_CHARS` around its number, and at most `MAX_CANDIDATES` quotes and as many
//! claims are returned (`truncated` says when more were found).

pub mod numbers;
pub mod quotes;
pub mod speakers;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::domain::kinds::{ClaimQualifier, QuoteKind, SpeakerKind};
use speakers::{SPEECH_VERBS, SpeakerMention};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpeakerCandidate {
    pub name: String,
    pub kind: SpeakerKind,
    pub role: Option<String>,
}

impl From<SpeakerMention> for SpeakerCandidate {
    fn from(m: SpeakerMention) -> Self {
        Self { name: m.name, kind: m.kind, role: m.role }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteCandidate {
    pub text: String,
    pub kind: QuoteKind,
    /// Code-point offsets of `text` in the article.
    pub start: usize,
    pub end: usize,
    pub speaker: Option<SpeakerCandidate>,
    pub relayed_by: Option<String>,
    /// 0 to 1: how sure the attribution is.
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimCandidate {
    /// The sentence the number is in.
    pub statement: String,
    pub statement_start: usize,
    pub statement_end: usize,
    /// Offsets of the number expression ("more than 12,000 homes").
    pub start: usize,
    pub end: usize,
    /// The exact decimal, digits only ("1500000").
    pub value: String,
    pub qualifier: ClaimQualifier,
    pub unit: Option<String>,
    /// What the number measures, as the sentence words it after the unit.
    pub metric: String,
    /// Who asserted it, when the number is inside a quote.
    pub claimant: Option<SpeakerCandidate>,
    pub confidence: f32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extraction {
    pub quotes: Vec<QuoteCandidate>,
    pub claims: Vec<ClaimCandidate>,
    /// More than `MAX_CANDIDATES` quotes or claims were found; the first ones are returned.
    pub truncated: bool,
}

/// Longest sentence, in code points, before it is cut at the next space outside quotation
/// marks: a sentence splitter fooled by initials must not make one sentence of a whole text.
pub const MAX_SENTENCE_CHARS: usize = 2_000;
/// Longest statement excerpt of a claim: the sentence, or this much of it around the number.
pub const MAX_STATEMENT_CHARS: usize = 400;
/// Most quote candidates, and most claim candidates, returned for one text.
pub const MAX_CANDIDATES: usize = 500;

const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ABBREVIATIONS: &[&str] =
    &["Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Col", "Lt", "Sgt", "Prof", "No", "Jr", "Sr"];
const OPENERS: &[char] = &['«', '“', '"', '‘', '‹', '„'];

fn is_paragraph_break(chars: &[char], i: usize) -> bool {
    chars[i] == '\n' && chars[i + 1..].iter().take_while(|c| c.is_whitespace()).any(|c| *c == '\n')
}

/// Sentence spans, never breaking inside a quotation.
fn sentences(chars: &[char], quoted: &[quotes::Quoted]) -> Vec<(usize, usize)> {
    let mut inside = vec![false; chars.len()];
    let mut closing: Vec<Option<&quotes::Quoted>> = vec![None; chars.len()];
    for q in quoted {
        if let Some(mark) = q.close_mark {
            closing[mark] = Some(q);
        }
        for flag in &mut inside[q.open_mark..q.close_mark.unwrap_or(q.end)] {
            *flag = true;
        }
    }
    let next_starts_sentence = |from: usize| {
        let next = chars[from..].iter().find(|c| !c.is_whitespace());
        next.is_none_or(|c| c.is_uppercase() || c.is_ascii_digit() || OPENERS.contains(c))
    };
    let mut spans = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut end = None;
        let too_long = i - start >= MAX_SENTENCE_CHARS && c.is_whitespace() && !inside[i];
        if too_long || (c == '\n' && is_paragraph_break(chars, i)) {
            end = Some(i);
        } else if matches!(c, '.' | '!' | '?')
            && !inside[i]
            && chars.get(i + 1).is_none_or(|n| n.is_whitespace())
        {
            let word: String = chars[start..i]
                .iter()
                .rev()
                .take_while(|c| c.is_alphabetic())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let abbreviation = ABBREVIATIONS.contains(&word.as_str())
                || (word.chars().count() == 1 && word.chars().all(char::is_uppercase));
            if !abbreviation && next_starts_sentence(i + 1) {
                end = Some(i + 1);
            }
        } else if let Some(q) = closing[i]
            && matches!(chars[q.end.saturating_sub(1)], '.' | '!' | '?')
            && next_starts_sentence(i + 1)
        {
            end = Some(i + 1);
        }
        if let Some(end) = end {
            if chars[start..end].iter().any(|c| !c.is_whitespace()) {
                spans.push((start, end));
            }
            start = end;
        }
        i += 1;
    }
    if chars[start..].iter().any(|c| !c.is_whitespace()) {
        spans.push((start, chars.len()));
    }
    spans
        .into_iter()
        .map(|(s, e)| {
            let s = s + chars[s..e].iter().take_while(|c| c.is_whitespace()).count();
            let e = e - chars[s..e].iter().rev().take_while(|c| c.is_whitespace()).count();
            (s, e)
        })
        .collect()
}

fn text(chars: &[char], start: usize, end: usize) -> String {
    chars[start..end].iter().collect()
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn clean(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric()).to_owned()
}

fn is_verb(word: &str) -> bool {
    SPEECH_VERBS.contains(&clean(word).to_lowercase().as_str())
}

/// "quoted by state television", "told Reuters", "according to the agency".
fn relay(after: &str) -> Option<String> {
    // ASCII lower-casing keeps byte offsets, so `at` indexes `after` too.
    let lower = after.to_ascii_lowercase();
    for marker in ["quoted by ", "according to ", "told "] {
        let Some(at) = lower.find(marker) else { continue };
        let rest = &after[at + marker.len()..];
        let phrase: String = rest
            .split([',', '.', ';', '!', '?', ':'])
            .next()
            .unwrap_or_default()
            .split(" on ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let phrase = phrase.strip_prefix("the ").unwrap_or(&phrase).to_owned();
        let generic = [
            "reporters",
            "journalists",
            "the press",
            "a news conference",
            "a press conference",
            "lawmakers",
            "parliament",
            "crowds",
            "supporters",
        ];
        let is_outlet = marker != "told "
            || phrase.chars().next().is_some_and(char::is_uppercase)
            || phrase.starts_with("state ");
        if !phrase.is_empty()
            && is_outlet
            && !generic.iter().any(|g| phrase.starts_with(g))
            && phrase.split_whitespace().count() <= 6
        {
            return Some(phrase);
        }
    }
    None
}

/// The speaker phrase in the text after a quote: ", says X", " X said", " he added".
fn speaker_after(after: &str) -> Option<String> {
    let after = after.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    let clause: &str = after.split(['.', ';', '!', '?', '«', '“', '"']).next().unwrap_or_default();
    let ws = words(clause);
    let verb_at = ws.iter().position(|w| is_verb(w))?;
    if verb_at == 0 {
        // ", says a senior European official" — the speaker follows the verb.
        let rest: Vec<&str> = ws[1..]
            .iter()
            .take_while(|w| {
                !matches!(
                    clean(w).as_str(),
                    "quoted"
                        | "on"
                        | "in"
                        | "at"
                        | "after"
                        | "before"
                        | "when"
                        | "during"
                        | "adding"
                        | "according"
                        | "told"
                )
            })
            .copied()
            .collect();
        let phrase = rest.join(" ");
        let phrase = phrase.split(',').next().unwrap_or_default().trim().to_owned();
        return (!phrase.is_empty()).then_some(phrase);
    }
    (verb_at <= 8).then(|| ws[..verb_at].join(" "))
}

/// The speaker phrase before a quote: "X said: «", "She told reporters, “".
fn speaker_before(before: &str) -> Option<String> {
    let trimmed = before.trim_end().trim_end_matches([':', ',']).trim_end();
    let ws = words(trimmed);
    let verb_at = ws.iter().rposition(|w| is_verb(w))?;
    // Nothing but an object ("reporters", "the BBC") may follow the verb.
    if ws.len() - verb_at > 4 {
        return None;
    }
    subject_of(&ws[..verb_at])
}

/// The subject at the end of the words before a verb: "..., Ana Ruiz, the chief negotiator,".
fn subject_of(ws: &[&str]) -> Option<String> {
    if ws.is_empty() {
        return None;
    }
    let phrase = ws.join(" ");
    // The sentence's own start, or after the last clause break.
    let tail = phrase.rsplit(['.', ';']).next().unwrap_or(&phrase).trim();
    let tail = tail.strip_prefix("and ").unwrap_or(tail);
    (!tail.is_empty() && words(tail).len() <= 12).then(|| tail.to_owned())
}

/// Resolves mentions: pronouns to the last named speaker, surnames to full names.
#[derive(Default)]
struct Resolver {
    known: HashSet<String>,
    /// A person's trailing words ("Ruiz", "Ana Ruiz") to the first full name ending in them.
    by_ending: HashMap<String, SpeakerCandidate>,
    last: Option<SpeakerCandidate>,
}

impl Resolver {
    fn resolve(&mut self, phrase: &str) -> Option<SpeakerCandidate> {
        let first = clean(words(phrase).first()?);
        if speakers::is_pronoun(&first) && words(phrase).len() == 1 {
            return self.last.clone();
        }
        let mention = speakers::with_apposition(phrase)?;
        let mut candidate = SpeakerCandidate::from(mention);
        if candidate.kind == SpeakerKind::Person
            && let Some(full) = self.by_ending.get(&candidate.name)
            && full.name != candidate.name
        {
            candidate.name = full.name.clone();
            candidate.role = candidate.role.or_else(|| full.role.clone());
        }
        if self.known.insert(candidate.name.clone()) && candidate.kind == SpeakerKind::Person {
            let name_words = words(&candidate.name);
            for from in 1..name_words.len() {
                self.by_ending.entry(name_words[from..].join(" ")).or_insert_with(|| candidate.clone());
            }
        }
        self.last = Some(candidate.clone());
        Some(candidate)
    }
}

/// A quote is partial when it sits inside the reporter's own sentence: after a word, and not
/// a full sentence of its own.
fn is_partial(chars: &[char], q: &quotes::Quoted) -> bool {
    let previous = chars[..q.open_mark].iter().rev().find(|c| !c.is_whitespace());
    let after_word = previous.is_some_and(|c| c.is_alphanumeric());
    let ends_sentence = matches!(chars[q.end - 1], '.' | '!' | '?' | ',' | '…');
    after_word && !ends_sentence
}

/// "Ana Ruiz, the chief negotiator, said on Monday it was unclear ..." → speaker and clause.
fn indirect(sentence: &str) -> Option<(String, String, usize)> {
    for verb in [" said ", " says "] {
        let Some(at) = sentence.find(verb) else { continue };
        let subject = sentence[..at].trim();
        let mut rest = &sentence[at + verb.len()..];
        let mut offset = at + verb.len();
        for prefix in DAYS.iter().map(|d| format!("on {d} ")).chain(["that ".to_owned()]) {
            if let Some(stripped) = rest.strip_prefix(prefix.as_str()) {
                offset += prefix.len();
                rest = stripped;
            }
        }
        if let Some(stripped) = rest.strip_prefix("that ") {
            offset += "that ".len();
            rest = stripped;
        }
        let clause = rest.trim_end().trim_end_matches(['.', '!']).trim_end();
        let subject_words = words(subject).len();
        if clause.split_whitespace().count() >= 3
            && (1..=10).contains(&subject_words)
            && !subject.contains(['«', '»', '“', '”', '"'])
        {
            return Some((subject.to_owned(), clause.to_owned(), offset));
        }
    }
    None
}

/// Characters after a number read for its metric (which keeps at most eight words of them).
const MAX_METRIC_CHARS: usize = 200;

/// The sentence `start..end`, or a `MAX_STATEMENT_CHARS` window of it around the number at
/// `number_start..number_end`.
fn statement_around((start, end): (usize, usize), number_start: usize, number_end: usize) -> (usize, usize) {
    if end - start <= MAX_STATEMENT_CHARS {
        return (start, end);
    }
    let margin = MAX_STATEMENT_CHARS.saturating_sub(number_end - number_start) / 2;
    let from = number_start.saturating_sub(margin).max(start);
    (from, (from + MAX_STATEMENT_CHARS).min(end).max(number_end))
}

/// Finds attributed quotes (direct, partial, indirect) and numeric claims in `article`.
pub fn extract(article: &str) -> Extraction {
    let chars: Vec<char> = article.chars().collect();
    let quoted = quotes::find(&chars);
    let spans = sentences(&chars, &quoted);
    // Spans are in order: the last one starting at or before `at`.
    let sentence_of = |at: usize| {
        let i = spans.partition_point(|(s, _)| *s <= at);
        i.checked_sub(1).map_or((0, chars.len()), |i| spans[i])
    };
    let mut resolver = Resolver::default();
    let mut extraction = Extraction::default();
    let breaks: Vec<usize> = (0..chars.len()).filter(|&i| is_paragraph_break(&chars, i)).collect();
    let paragraph_of = |at: usize| breaks.partition_point(|&b| b < at);
    // Quotes with no attribution of their own wait for the next attributed quote of their
    // paragraph; a quote continuing the previous one (same paragraph, or reopened after a
    // paragraph break) takes its speaker.
    let mut pending: Vec<usize> = Vec::new();
    let mut previous: Option<(usize, Option<usize>, Option<SpeakerCandidate>)> = None;
    // Quotes and sentences are both in text order: one index walks the quotes.
    let mut next_quote = 0;
    for &(s_start, s_end) in &spans {
        while next_quote < quoted.len() && quoted[next_quote].open_mark < s_start {
            next_quote += 1;
        }
        let in_sentence: Vec<&quotes::Quoted> =
            quoted[next_quote..].iter().take_while(|q| q.open_mark < s_end).collect();
        if extraction.quotes.len() > MAX_CANDIDATES {
            break;
        }
        let paragraph = paragraph_of(s_start);
        if pending.first().is_some_and(|&p| paragraph_of(extraction.quotes[p].start) != paragraph) {
            for p in pending.drain(..) {
                extraction.quotes[p].speaker = resolver.last.clone();
                extraction.quotes[p].confidence = if resolver.last.is_some() { 0.5 } else { 0.2 };
            }
        }
        if in_sentence.is_empty() {
            let sentence = text(&chars, s_start, s_end);
            if let Some((subject, clause, offset)) = indirect(&sentence)
                && let Some(speaker) = resolver.resolve(&subject)
            {
                let start = s_start + sentence[..offset].chars().count();
                extraction.quotes.push(QuoteCandidate {
                    end: start + clause.chars().count(),
                    text: clause,
                    kind: QuoteKind::Indirect,
                    start,
                    relayed_by: relay(&sentence),
                    speaker: Some(speaker),
                    confidence: 0.6,
                });
            }
            continue;
        }
        let first = in_sentence[0];
        let last = in_sentence[in_sentence.len() - 1];
        let before = text(&chars, s_start, first.open_mark);
        let after = text(&chars, last.close_mark.map_or(last.end, |m| m + 1), s_end);
        let phrase = speaker_after(&after).or_else(|| speaker_before(&before));
        let partial_subject = || {
            let ws = words(&before);
            let verb_at = ws.iter().position(|w| is_verb(w))?;
            subject_of(&ws[..verb_at])
        };
        let phrase = phrase
            .or_else(|| in_sentence.iter().any(|q| is_partial(&chars, q)).then(partial_subject).flatten());
        let mut speaker = phrase.and_then(|p| resolver.resolve(&p));
        let mut confidence = if speaker.is_some() { 0.9 } else { 0.4 };
        let continues = previous.as_ref().is_some_and(|(paragraph_before, close, _)| {
            *paragraph_before == paragraph || (close.is_none() && *paragraph_before + 1 == paragraph)
        });
        if speaker.is_none() && continues {
            speaker = previous.as_ref().and_then(|(_, _, s)| s.clone());
            confidence = 0.7;
        }
        let relayed_by = relay(&after).or_else(|| relay(&before));
        for q in &in_sentence {
            extraction.quotes.push(QuoteCandidate {
                text: text(&chars, q.start, q.end),
                kind: if is_partial(&chars, q) { QuoteKind::Partial } else { QuoteKind::Direct },
                start: q.start,
                end: q.end,
                speaker: speaker.clone(),
                relayed_by: relayed_by.clone(),
                confidence,
            });
        }
        let index = extraction.quotes.len() - in_sentence.len();
        if speaker.is_some() {
            for p in pending.drain(..) {
                extraction.quotes[p].speaker = speaker.clone();
                extraction.quotes[p].confidence = 0.7;
            }
        } else {
            pending.extend(index..extraction.quotes.len());
        }
        previous = Some((paragraph, last.close_mark, speaker));
    }
    for p in pending {
        extraction.quotes[p].speaker = resolver.last.clone();
        extraction.quotes[p].confidence = if resolver.last.is_some() { 0.5 } else { 0.2 };
    }
    extraction.quotes.sort_by_key(|q| q.start);
    extraction.truncated = extraction.quotes.len() > MAX_CANDIDATES;
    extraction.quotes.truncate(MAX_CANDIDATES);

    let numbers = numbers::find(&chars);
    extraction.truncated |= numbers.len() > MAX_CANDIDATES;
    for number in numbers.into_iter().take(MAX_CANDIDATES) {
        let (s_start, s_end) = statement_around(sentence_of(number.start), number.start, number.end);
        let metric: String = chars[number.end.min(s_end)..s_end]
            .iter()
            .take(MAX_METRIC_CHARS)
            .collect::<String>()
            .split([',', '.', ';', ':', '»', '”', '"'])
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .take(8)
            .collect::<Vec<_>>()
            .join(" ");
        // Quotes do not overlap: only the last one starting at or before the number can hold it.
        let claimant = extraction.quotes[..extraction.quotes.partition_point(|q| q.start <= number.start)]
            .last()
            .filter(|q| q.kind != QuoteKind::Indirect && number.end <= q.end)
            .and_then(|q| q.speaker.clone());
        extraction.claims.push(ClaimCandidate {
            statement: text(&chars, s_start, s_end),
            statement_start: s_start,
            statement_end: s_end,
            start: number.start,
            end: number.end,
            value: number.value.to_plain_string(),
            qualifier: number.qualifier,
            confidence: if number.unit.is_some() { 0.8 } else { 0.5 },
            unit: number.unit,
            metric,
            claimant,
        });
    }
    extraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any text at all, and offsets that always cut it at character boundaries.
        #[test]
        fn never_panics_on_any_text(text in "\\PC*") {
            let found = extract(&text);
            let chars: Vec<char> = text.chars().collect();
            for q in &found.quotes {
                prop_assert!(q.start <= q.end && q.end <= chars.len());
            }
            for c in &found.claims {
                prop_assert!(c.start <= c.end && c.end <= chars.len());
            }
        }

        /// Text made of the characters the extractor cares about, densely.
        #[test]
        fn never_panics_on_quote_heavy_text(text in "[«»“”‘’\"'„‹›a-zA-Z0-9 ,.:;!?\n%$€£-]{0,400}") {
            let _ = extract(&text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]

        /// Abbreviation-like and number-dense text, the shapes that once made one sentence of a
        /// whole text and copied it into every claim: the answer stays linear in the input.
        #[test]
        fn the_answer_is_linear_in_the_text(
            tokens in proptest::collection::vec(
                prop_oneof!["[A-Z]\\.", "(Mr|St|Dr|No)\\.", "[0-9]{1,3}(,[0-9]{3}){0,2}", "«[a-z]{1,8}»", "“[A-Z][a-z]{0,6},” he said\\.", " ", "\n"],
                10_000..20_000,
            )
        ) {
            let text = tokens.join(" ");
            let found = extract(&text);
            prop_assert!(found.quotes.len() <= MAX_CANDIDATES && found.claims.len() <= MAX_CANDIDATES);
            let answer = serde_json::to_string(&found).unwrap().len();
            prop_assert!(answer <= 16 * text.len() + 4096, "{answer} bytes of answer for {} of text", text.len());
            for claim in &found.claims {
                prop_assert!(claim.statement.chars().count() <= MAX_STATEMENT_CHARS);
            }
        }
    }

    fn speaker(q: &QuoteCandidate) -> &str {
        q.speaker.as_ref().map_or("", |s| s.name.as_str())
    }

    #[test]
    fn the_patterns_reporters_use() {
        let article = "«Nothing is agreed until everything is agreed,» says a senior European official. \
            Ana Ruiz, the ministry's chief negotiator, said on Monday it was unclear whether talks would resume.\n\n\
            «The river has already risen.» «We expect more tonight,» she added. \
            «This is a test of seriousness,» he said, quoted by state television. \
            The mayor said she would end the «chaos» at the port. \
            The port authority says it expects the work to be finished by Friday.";
        let found = extract(article);
        let quotes: Vec<(&str, QuoteKind, &str)> =
            found.quotes.iter().map(|q| (q.text.as_str(), q.kind, speaker(q))).collect();
        assert_eq!(
            quotes,
            [
                (
                    "Nothing is agreed until everything is agreed,",
                    QuoteKind::Direct,
                    "senior European official"
                ),
                ("it was unclear whether talks would resume", QuoteKind::Indirect, "Ana Ruiz"),
                ("The river has already risen.", QuoteKind::Direct, "Ana Ruiz"),
                ("We expect more tonight,", QuoteKind::Direct, "Ana Ruiz"),
                ("This is a test of seriousness,", QuoteKind::Direct, "Ana Ruiz"),
                ("chaos", QuoteKind::Partial, "mayor"),
                ("it expects the work to be finished by Friday", QuoteKind::Indirect, "port authority"),
            ]
        );
        assert_eq!(found.quotes[4].relayed_by.as_deref(), Some("state television"));
        let chars: Vec<char> = article.chars().collect();
        for q in &found.quotes {
            assert_eq!(chars[q.start..q.end].iter().collect::<String>(), q.text);
        }
    }

    #[test]
    fn numbers_in_quotes_belong_to_the_speaker() {
        let found = extract("“More than 300,000 people have been killed,” said Geir Larsen, the envoy.");
        assert_eq!(found.claims.len(), 1);
        assert_eq!(found.claims[0].value, "300000");
        assert_eq!(found.claims[0].claimant.as_ref().map(|s| s.name.as_str()), Some("Geir Larsen"));
        assert_eq!(found.claims[0].metric, "have been killed");
    }
}
