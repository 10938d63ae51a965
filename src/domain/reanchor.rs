//! Re-anchoring: where a quote's or claim's words are in a source's new text once the source is
//! fetched again, and whether they are still the same words.
//!
//! After the W3C Web Annotation model and Hypothesis's re-anchoring: the exact text is looked
//! for first, its stored prefix and suffix deciding between occurrences; failing that, the
//! passage of the new text most like it, word by word, is taken if it is alike enough
//! (`SIMILARITY_THRESHOLD`). A verdict is about exactly the words that were reviewed, so
//! anything but the same words (`Recheck::words_changed`) makes it stale.
//!
//! Cost, for a new text of N bytes and n words and an old exact text of m words: preparing the
//! text (`Reanchorer::new`) is one pass, O(N). Each anchor then costs one Aho-Corasick pass,
//! O(N), plus O(CONTEXT_CHARS + log N) per occurrence; and only when the exact text is gone, a
//! word-level search, at most twice (around the old position, then everywhere): a
//! sliding-window count, O(n); ranking the promising places, O(r log r) for r ≤ n; and at most
//! `MAX_ALIGNMENT_CELLS` cells of word edit distance, whatever m is; then one diff of two
//! passages under `WORD_DIFF_BUDGET`. Characters are never compared across the whole text.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};

use super::anchor::{Anchor, CONTEXT_CHARS};
use super::diff::{WordChange, word_diff};

/// The least similarity at which a changed passage is still taken for the old one. Similarity
/// is 1 − (word edit distance / the longer passage's length in words): a quote of four words
/// may lose or swap one word, one of twelve words three. Case and punctuation do not count
/// here (the exact text and the diff still show them). Below it the words are `Gone`.
pub const SIMILARITY_THRESHOLD: f64 = 0.75;

/// How far around the old position (in words, each side, beyond the passage itself) a changed
/// passage is looked for before the whole text is.
const NEIGHBOURHOOD_WORDS: usize = 200;

/// Places aligned word by word in one search, those sharing the most words first.
const MAX_CANDIDATES: usize = 8;

/// Edit-distance cells one search may fill over all its candidates. Very long passages get a
/// narrower band around the expected alignment instead of a quadratic cost.
const MAX_ALIGNMENT_CELLS: usize = 250_000;

/// Words a candidate place may be off by, or a passage grow by, at the least.
const MIN_SLACK_WORDS: usize = 4;

/// Occurrences of the old exact text weighed by their context. Words that occur more often
/// than this (a refrain, a crafted text) cannot be placed at a bounded cost: the outcome is
/// `Ambiguous`, and a person re-anchors them.
pub const MAX_OCCURRENCES: usize = 1_000;

/// Code points between two byte offsets that `CodePoints` keeps.
const CODE_POINT_STRIDE: usize = 64;

/// A word of the old exact text that the new text lacks: equal to no word of it.
const ABSENT: usize = usize::MAX;

/// What became of an anchor in a source's new text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Recheck {
    /// The same words at the same offsets (the context around them may have changed).
    Unchanged { anchor: Anchor },
    /// The same words at other offsets.
    Moved { anchor: Anchor },
    /// Other words: the passage most like the old ones, how alike, and the word diff from the
    /// old exact text to the new.
    Changed { anchor: Anchor, similarity: f32, diff: Vec<WordChange> },
    /// Nothing alike enough: the best similarity among the passages examined, below
    /// `SIMILARITY_THRESHOLD` (a hint, not an exact maximum over the text).
    Gone { best_similarity: f32 },
    /// The exact words occur more than `MAX_OCCURRENCES` times in the new text: which one the
    /// record is cannot be told at a bounded cost, so none is taken.
    Ambiguous { occurrences_over: usize },
}

impl Recheck {
    /// The anchored words changed or disappeared (or cannot be told apart), so a verdict on
    /// them no longer judges what the source says: it is stale. A move keeps the words, and
    /// the verdict.
    pub fn words_changed(&self) -> bool {
        matches!(self, Self::Changed { .. } | Self::Gone { .. } | Self::Ambiguous { .. })
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Unchanged { .. } => Outcome::Unchanged,
            Self::Moved { .. } => Outcome::Moved,
            Self::Changed { .. } => Outcome::Changed,
            Self::Gone { .. } => Outcome::Gone,
            Self::Ambiguous { .. } => Outcome::Ambiguous,
        }
    }
}

/// A re-check's outcome alone, as stored and as lists filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Unchanged,
    Moved,
    Changed,
    Gone,
    Ambiguous,
}

impl Outcome {
    pub const ALL: [Self; 5] = [Self::Unchanged, Self::Moved, Self::Changed, Self::Gone, Self::Ambiguous];

    pub fn name(self) -> &'static str {
        match self {
            Self::Unchanged => "unchanged",
            Self::Moved => "moved",
            Self::Changed => "changed",
            Self::Gone => "gone",
            Self::Ambiguous => "ambiguous",
        }
    }
}

/// Re-anchors one anchor in a new text. To re-anchor several, prepare the text once with
/// `Reanchorer::new`.
pub fn reanchor(old: &Anchor, new_text: &str) -> Recheck {
    Reanchorer::new(new_text).reanchor(old)
}

/// A source's new text, cut into words once so that many anchors can be re-anchored in it.
pub struct Reanchorer<'t> {
    text: &'t str,
    code_points: CodePoints,
    /// Byte spans of the text's words, in order.
    words: Vec<Range<usize>>,
    /// Each word's id in `vocabulary`, index for index with `words`.
    word_ids: Vec<usize>,
    /// Each distinct word, lower-cased, and its id (ids count from 0).
    vocabulary: HashMap<String, usize>,
}

impl<'t> Reanchorer<'t> {
    pub fn new(new_text: &'t str) -> Self {
        let words = word_spans(new_text);
        let mut vocabulary: HashMap<String, usize> = HashMap::new();
        let mut word_ids = Vec::with_capacity(words.len());
        let mut key = String::new();
        for span in &words {
            normalise_into(&new_text[span.clone()], &mut key);
            let id = match vocabulary.get(key.as_str()) {
                Some(&id) => id,
                None => {
                    let id = vocabulary.len();
                    vocabulary.insert(key.clone(), id);
                    id
                }
            };
            word_ids.push(id);
        }
        Self { text: new_text, code_points: CodePoints::new(new_text), words, word_ids, vocabulary }
    }

    /// Where the old anchor's words are in the new text: the same words (`Unchanged`, `Moved`),
    /// the passage most like them (`Changed`), or nothing alike enough (`Gone`).
    pub fn reanchor(&self, old: &Anchor) -> Recheck {
        let old_start = usize::try_from(old.start).unwrap_or(0);
        match self.find_exact(old, old_start) {
            Exact::Found(span) => {
                let anchor = self.anchor_at(span);
                if anchor.start == old.start && anchor.end == old.end {
                    Recheck::Unchanged { anchor }
                } else {
                    Recheck::Moved { anchor }
                }
            }
            Exact::TooMany => Recheck::Ambiguous { occurrences_over: MAX_OCCURRENCES },
            Exact::Absent => self.find_changed(old, old_start),
        }
    }

    /// The occurrence of the old exact text that the old context fits best: the most
    /// characters of the stored prefix right before it plus of the stored suffix right after.
    ///
    /// Context outranks position, so a passage that moved is followed even when another copy
    /// of the words now stands at the old offsets. Position decides only between occurrences
    /// whose context fits equally well, fully (a passage repeated with its surroundings) or
    /// equally partly (a refrain): nothing in the text tells them apart then, and the one
    /// nearest the old start (in code points; the earlier one at equal distance) is the
    /// likeliest. That is the one guess made here, and the rule keeps it that narrow.
    fn find_exact(&self, old: &Anchor, old_start: usize) -> Exact {
        if old.exact.is_empty() {
            return Exact::Absent;
        }
        // One pattern of bounded length always builds; were it refused, the word search runs.
        let Ok(matcher) = AhoCorasick::new([old.exact.as_str()]) else { return Exact::Absent };
        let mut best: Option<(usize, usize, Range<usize>)> = None;
        for (count, found) in matcher.find_overlapping_iter(self.text).enumerate() {
            if count == MAX_OCCURRENCES {
                return Exact::TooMany;
            }
            let span = found.start()..found.end();
            let context = common_suffix_chars(&old.prefix, &self.text[..span.start])
                + common_prefix_chars(&old.suffix, &self.text[span.end..]);
            let distance = self.code_points.of_byte(self.text, span.start).abs_diff(old_start);
            let better = best.as_ref().is_none_or(|(best_context, best_distance, _)| {
                (context, Reverse(distance)) > (*best_context, Reverse(*best_distance))
            });
            if better {
                best = Some((context, distance, span));
            }
        }
        best.map_or(Exact::Absent, |(_, _, span)| Exact::Found(span))
    }

    /// The exact text is gone: the passage most like it, first around the old position (a
    /// passage edited where it stood is preferred to a likeness elsewhere), then anywhere.
    fn find_changed(&self, old: &Anchor, old_start: usize) -> Recheck {
        let exact_words = word_spans(&old.exact);
        let pattern = self.pattern(&old.exact, &exact_words);
        let length = pattern.ids.len();
        let everywhere = 0..self.words.len();
        if length == 0 || everywhere.is_empty() {
            return Recheck::Gone { best_similarity: 0.0 };
        }
        let old_byte = self.code_points.byte_of(self.text, old_start);
        let expected = self.words.partition_point(|word| word.start < old_byte);
        let reach = length + NEIGHBOURHOOD_WORDS;
        let near = expected.saturating_sub(reach)..(expected + length + reach).min(self.words.len());
        let mut best = self.best_window(&pattern, near.clone(), expected);
        if near != everywhere && best.is_none_or(|window| window.similarity < SIMILARITY_THRESHOLD) {
            best = [best, self.best_window(&pattern, everywhere, expected)]
                .into_iter()
                .flatten()
                .reduce(|a, b| if b.better_than(&a, length) { b } else { a });
        }
        match best {
            Some(window) if window.similarity >= SIMILARITY_THRESHOLD => {
                let before = exact_words.first().map_or(0, |word| old.exact[..word.start].chars().count());
                let after = exact_words.last().map_or(0, |word| old.exact[word.end..].chars().count());
                let span = self.widen_over_punctuation(self.span_of(&window), before, after);
                let anchor = self.anchor_at(span);
                let diff = word_diff(&old.exact, &anchor.exact);
                Recheck::Changed { anchor, similarity: window.similarity as f32, diff }
            }
            best => Recheck::Gone { best_similarity: best.map_or(0.0, |window| window.similarity as f32) },
        }
    }

    /// The old exact text's words as ids of the new text's words.
    fn pattern(&self, exact: &str, spans: &[Range<usize>]) -> Pattern {
        let mut ids = Vec::with_capacity(spans.len());
        let mut wanted = vec![0; self.vocabulary.len()];
        let mut key = String::new();
        for span in spans {
            normalise_into(&exact[span.clone()], &mut key);
            match self.vocabulary.get(key.as_str()) {
                Some(&id) => {
                    wanted[id] += 1;
                    ids.push(id);
                }
                None => ids.push(ABSENT),
            }
        }
        Pattern { ids, wanted }
    }

    /// The best alignment of the pattern to a passage near a promising place within `range`,
    /// if there is any such place.
    fn best_window(&self, pattern: &Pattern, range: Range<usize>, expected: usize) -> Option<Window> {
        let length = pattern.ids.len();
        let slack = (length / 2).max(MIN_SLACK_WORDS);
        let cells_per_candidate = MAX_ALIGNMENT_CELLS / (MAX_CANDIDATES * (length + 1));
        let band = slack.min(cells_per_candidate.saturating_sub(1) / 2).max(1);
        let mut chosen: Vec<usize> = Vec::with_capacity(MAX_CANDIDATES);
        for place in self.promising_places(pattern, range, expected) {
            if chosen.len() == MAX_CANDIDATES {
                break;
            }
            // A place this close to a chosen one lies in the region that one is aligned in.
            if chosen.iter().all(|&other| other.abs_diff(place.word) > slack / 2) {
                chosen.push(place.word);
            }
        }
        chosen
            .into_iter()
            .filter_map(|start| self.align(&pattern.ids, start, slack, band, expected))
            .reduce(|a, b| if b.better_than(&a, length) { b } else { a })
    }

    /// Starts, within `range`, of windows as long as the pattern that share enough words with
    /// it (as multisets) for a passage starting there to reach the threshold: the best place
    /// of each run of consecutive starts, best first. One pass with counts per word id, O(n)
    /// for the n words of the range, then a sort of the runs.
    ///
    /// No passage alike enough is missed: a passage of w words at similarity s keeps at least
    /// s·max(m, w) of the pattern's m words in order, at most w − m ≤ (1 − s)·w of them beyond
    /// its first m words, so the window of m words at its start shares at least
    /// (2s − 1)·max(m, w) ≥ (2s − 1)·m words with the pattern.
    fn promising_places(&self, pattern: &Pattern, range: Range<usize>, expected: usize) -> Vec<Place> {
        let length = pattern.ids.len();
        let min_shared = (((2.0 * SIMILARITY_THRESHOLD - 1.0) * length as f64).ceil() as usize).max(1);
        let Range { start, end } = range;
        let mut present = vec![0; self.vocabulary.len()];
        let mut shared = 0;
        let mut window_end = start;
        let mut places: Vec<Place> = Vec::new();
        let mut run_best: Option<Place> = None;
        for word in start..end {
            while window_end < (word + length).min(end) {
                let id = self.word_ids[window_end];
                if present[id] < pattern.wanted[id] {
                    shared += 1;
                }
                present[id] += 1;
                window_end += 1;
            }
            if shared >= min_shared {
                let here = Place { word, shared, distance: word.abs_diff(expected) };
                run_best = Some(match run_best {
                    Some(best) if best.rank() <= here.rank() => best,
                    _ => here,
                });
            } else if let Some(best) = run_best.take() {
                places.push(best);
            }
            let id = self.word_ids[word];
            present[id] -= 1;
            if present[id] < pattern.wanted[id] {
                shared -= 1;
            }
        }
        places.extend(run_best);
        places.sort_unstable_by_key(Place::rank);
        places
    }

    /// Aligns the pattern word by word to the text around the place `start`: edit distance
    /// with free ends in the text (the passage may begin and end anywhere), kept within `band`
    /// words of the diagonal through `start`. O(m · band) time, O(band) memory.
    fn align(
        &self,
        pattern: &[usize],
        start: usize,
        slack: usize,
        band: usize,
        expected: usize,
    ) -> Option<Window> {
        let region_start = start.saturating_sub(slack);
        let region_end = (start + pattern.len() + slack).min(self.word_ids.len());
        let region = &self.word_ids[region_start..region_end];
        let centre = start - region_start;
        let width = 2 * band + 1;
        // Band index k of pattern row i holds region column j = i + k + centre − band: the
        // words of the region before the cell.
        let column =
            |row: usize, k: usize| (row + k + centre).checked_sub(band).filter(|&j| j <= region.len());
        let mut previous: Vec<Cell> =
            (0..width).map(|k| column(0, k).map_or(Cell::OUTSIDE, |j| Cell { cost: 0, from: j })).collect();
        let mut current = vec![Cell::OUTSIDE; width];
        for (index, &word) in pattern.iter().enumerate() {
            let row = index + 1;
            for k in 0..width {
                current[k] = match column(row, k) {
                    None => Cell::OUTSIDE,
                    Some(0) => Cell { cost: row, from: 0 },
                    Some(j) => {
                        let diagonal = previous[k].step(usize::from(region[j - 1] != word));
                        let pattern_word_dropped =
                            previous.get(k + 1).map_or(Cell::OUTSIDE, |cell| cell.step(1));
                        let text_word_added = if k > 0 { current[k - 1].step(1) } else { Cell::OUTSIDE };
                        // On a tie the diagonal wins: a replaced word rather than one dropped and one added.
                        let mut cheapest = diagonal;
                        for other in [pattern_word_dropped, text_word_added] {
                            if other.cost < cheapest.cost {
                                cheapest = other;
                            }
                        }
                        cheapest
                    }
                };
            }
            std::mem::swap(&mut previous, &mut current);
        }
        let length = pattern.len();
        (0..width)
            .filter_map(|k| {
                let j = column(length, k)?;
                let cell = previous[k];
                let words = j.checked_sub(cell.from).filter(|&words| words > 0 && cell.cost != usize::MAX)?;
                let first_word = region_start + cell.from;
                Some(Window {
                    first_word,
                    end_word: region_start + j,
                    similarity: (1.0 - cell.cost as f64 / length.max(words) as f64).max(0.0),
                    distance: first_word.abs_diff(expected),
                })
            })
            .reduce(|a, b| if b.better_than(&a, length) { b } else { a })
    }

    /// The bytes from the window's first word to the end of its last.
    fn span_of(&self, window: &Window) -> Range<usize> {
        self.words[window.first_word].start..self.words[window.end_word - 1].end
    }

    /// Widens a span of whole words over the punctuation next to it, up to as many characters
    /// as the old exact text had around its words (an opening «, a closing ,» or ."), so that
    /// the new exact text keeps the old one's shape. Spaces and words stop it.
    fn widen_over_punctuation(&self, span: Range<usize>, before: usize, after: usize) -> Range<usize> {
        let start = self.text[..span.start]
            .char_indices()
            .rev()
            .take(before)
            .take_while(|&(_, c)| is_punctuation(c))
            .last()
            .map_or(span.start, |(at, _)| at);
        let end = self.text[span.end..]
            .char_indices()
            .take(after)
            .take_while(|&(_, c)| is_punctuation(c))
            .last()
            .map_or(span.end, |(at, c)| span.end + at + c.len_utf8());
        start..end
    }

    /// The anchor of a span of the new text, with its context taken as `anchor::locate` takes
    /// it: `CONTEXT_CHARS` code points on each side.
    fn anchor_at(&self, span: Range<usize>) -> Anchor {
        let exact = &self.text[span.clone()];
        let start = self.code_points.of_byte(self.text, span.start);
        let end = start + exact.chars().count();
        let mut prefix: Vec<char> = self.text[..span.start].chars().rev().take(CONTEXT_CHARS).collect();
        prefix.reverse();
        Anchor {
            prefix: prefix.into_iter().collect(),
            exact: exact.to_owned(),
            suffix: self.text[span.end..].chars().take(CONTEXT_CHARS).collect(),
            start: position(start),
            end: position(end),
        }
    }
}

/// A code point offset as stored. Source texts are capped (`text::MAX_CONTENT_CHARS`) far
/// below `i32::MAX`, so the saturation never happens.
fn position(code_points: usize) -> i32 {
    i32::try_from(code_points).unwrap_or(i32::MAX)
}

/// What the search for the old exact text found.
enum Exact {
    /// The occurrence the context fits best.
    Found(Range<usize>),
    /// More than `MAX_OCCURRENCES` occurrences.
    TooMany,
    Absent,
}

/// The old exact text's words as ids of the new text's words (`ABSENT` for words it lacks).
struct Pattern {
    ids: Vec<usize>,
    /// How many times the pattern holds each word of the new text's vocabulary, by id.
    wanted: Vec<usize>,
}

/// A place where a window as long as the pattern shares `shared` words with it.
#[derive(Clone, Copy)]
struct Place {
    word: usize,
    shared: usize,
    /// Words from the old position.
    distance: usize,
}

impl Place {
    /// Most words shared first, then nearest the old position, then earliest.
    fn rank(&self) -> (Reverse<usize>, usize, usize) {
        (Reverse(self.shared), self.distance, self.word)
    }
}

/// A passage of the new text aligned to the pattern: words `first_word..end_word`.
#[derive(Clone, Copy)]
struct Window {
    first_word: usize,
    end_word: usize,
    similarity: f64,
    /// Words from the old position.
    distance: usize,
}

impl Window {
    /// More alike first; then the length nearest the old passage's (a word replaced at an end
    /// counts as replaced, not as dropped); then nearest the old position.
    fn better_than(&self, other: &Self, pattern_length: usize) -> bool {
        let length_change = |window: &Self| (window.end_word - window.first_word).abs_diff(pattern_length);
        self.similarity
            .total_cmp(&other.similarity)
            .then_with(|| length_change(other).cmp(&length_change(self)))
            .then_with(|| other.distance.cmp(&self.distance))
            .is_gt()
    }
}

/// One cell of the alignment: the least edit cost so far, and the region word its passage
/// starts at.
#[derive(Clone, Copy)]
struct Cell {
    cost: usize,
    from: usize,
}

impl Cell {
    /// Outside the band or the region: never the cheapest.
    const OUTSIDE: Self = Self { cost: usize::MAX, from: 0 };

    fn step(self, cost: usize) -> Self {
        Self { cost: self.cost.saturating_add(cost), from: self.from }
    }
}

/// Converts between byte offsets and code point offsets in one text without rescanning it: the
/// byte offset of every `CODE_POINT_STRIDE`-th code point is kept, so a lookup is a binary
/// search and a walk over at most that many code points.
struct CodePoints {
    checkpoints: Vec<usize>,
}

impl CodePoints {
    fn new(text: &str) -> Self {
        Self { checkpoints: text.char_indices().step_by(CODE_POINT_STRIDE).map(|(at, _)| at).collect() }
    }

    /// The code point offset of a byte offset on a character boundary.
    fn of_byte(&self, text: &str, byte: usize) -> usize {
        let checkpoint = self.checkpoints.partition_point(|&at| at <= byte).saturating_sub(1);
        let from = self.checkpoints.get(checkpoint).copied().unwrap_or(0);
        checkpoint * CODE_POINT_STRIDE + text[from..byte].chars().count()
    }

    /// The byte offset of a code point offset; past the end, the end of the text.
    fn byte_of(&self, text: &str, code_point: usize) -> usize {
        let Some(&from) = self.checkpoints.get(code_point / CODE_POINT_STRIDE) else { return text.len() };
        text[from..]
            .char_indices()
            .nth(code_point % CODE_POINT_STRIDE)
            .map_or(text.len(), |(at, _)| from + at)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CharClass {
    /// Letters and digits, which make words.
    Letter,
    /// A character of a script written without spaces (Chinese, Japanese, Thai): a word of its own.
    Alone,
    /// A combining mark: continues the word before it.
    Mark,
    /// Spaces, punctuation, symbols, emoji.
    Between,
}

fn char_class(c: char) -> CharClass {
    match c {
        '\u{0E00}'..='\u{0E7F}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' => CharClass::Alone,
        '\u{0300}'..='\u{036F}' => CharClass::Mark,
        _ if c.is_alphanumeric() => CharClass::Letter,
        _ => CharClass::Between,
    }
}

fn is_punctuation(c: char) -> bool {
    char_class(c) == CharClass::Between && !c.is_whitespace()
}

/// The byte spans of the words of `text`, in order. Words are what passages are compared by:
/// punctuation and spacing changes do not make a passage less alike.
fn word_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (at, c) in text.char_indices() {
        match char_class(c) {
            CharClass::Letter => open = open.or(Some(at)),
            CharClass::Mark => {}
            CharClass::Alone => {
                spans.extend(open.take().map(|start| start..at));
                spans.push(at..at + c.len_utf8());
            }
            CharClass::Between => spans.extend(open.take().map(|start| start..at)),
        }
    }
    spans.extend(open.map(|start| start..text.len()));
    spans
}

/// A word's key in the vocabulary: lower-cased, so that a capital at a new sentence start is
/// the same word.
fn normalise_into(word: &str, key: &mut String) {
    key.clear();
    key.extend(word.chars().flat_map(char::to_lowercase));
}

/// How many characters `context` shares with the start of `text`.
fn common_prefix_chars(context: &str, text: &str) -> usize {
    context.chars().zip(text.chars()).take_while(|(a, b)| a == b).count()
}

/// How many characters `context` shares with the end of `text`.
fn common_suffix_chars(context: &str, text: &str) -> usize {
    context.chars().rev().zip(text.chars().rev()).take_while(|(a, b)| a == b).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::anchor::{AnchorInput, locate};
    use crate::domain::diff::WordOp;

    const ARTICLE: &str = "Talks in Geneva ended late on Tuesday. «We will not sign this deal,» the envoy \
                           said after the session. Delegates are expected to return on Monday, \
                           officials said.";
    const EXACT: &str = "We will not sign this deal";

    /// The code point offset of the `nth` occurrence (from 0) of `needle` in `text`.
    fn position_of(text: &str, needle: &str, nth: usize) -> i32 {
        let (byte, _) = text.match_indices(needle).nth(nth).expect("the needle is in the text");
        i32::try_from(text[..byte].chars().count()).unwrap()
    }

    /// The anchor `anchor::locate` makes for the `nth` occurrence of `exact`, context filled in.
    fn anchor(text: &str, exact: &str, nth: usize) -> Anchor {
        let start = u32::try_from(position_of(text, exact, nth)).unwrap();
        locate(text, exact, &AnchorInput { start: Some(start), ..AnchorInput::default() }).unwrap()
    }

    /// The text at an anchor's code point offsets.
    fn at_offsets(text: &str, anchor: &Anchor) -> String {
        let start = usize::try_from(anchor.start).unwrap();
        let end = usize::try_from(anchor.end).unwrap();
        text.chars().skip(start).take(end - start).collect()
    }

    fn assert_similarity(similarity: f32, expected: f32) {
        assert!((similarity - expected).abs() < 1e-4, "{similarity} is not {expected}");
    }

    fn ops(diff: &[WordChange]) -> Vec<(WordOp, &str)> {
        diff.iter().map(|change| (change.op, change.text.as_str())).collect()
    }

    #[test]
    fn a_removed_sentence_is_gone() {
        let old = anchor(ARTICLE, EXACT, 0);
        let new = "Talks in Geneva ended late on Tuesday. Delegates are expected to return on Monday, \
                   officials said.";
        let recheck = reanchor(&old, new);
        let Recheck::Gone { best_similarity } = recheck else { panic!("not gone: {recheck:?}") };
        assert!(f64::from(best_similarity) < SIMILARITY_THRESHOLD, "{best_similarity}");
        assert!(recheck.words_changed());
    }

    #[test]
    fn moved_paragraphs_keep_their_words_at_new_offsets() {
        let exact = "Nothing is agreed until everything is agreed";
        let old_text = "First, the budget vote.\n\nSecond: «Nothing is agreed until everything is agreed,» \
                        said the negotiator.\n\nThird, the weather.";
        let new_text = "Third, the weather.\n\nFirst, the budget vote.\n\nSecond: «Nothing is agreed until \
                        everything is agreed,» said the negotiator.";
        let old = anchor(old_text, exact, 0);
        let Recheck::Moved { anchor: moved } = reanchor(&old, new_text) else { panic!("not moved") };
        assert_eq!(moved, anchor(new_text, exact, 0));
        assert_ne!(moved.start, old.start);
        assert_eq!(at_offsets(new_text, &moved), exact);
    }

    #[test]
    fn one_changed_word_is_a_change_with_its_diff() {
        let old = anchor(ARTICLE, EXACT, 0);
        let new = ARTICLE.replace("will not sign", "will never sign");
        let Recheck::Changed { anchor: changed, similarity, diff } = reanchor(&old, &new) else {
            panic!("not changed")
        };
        assert_eq!(changed, anchor(&new, "We will never sign this deal", 0));
        assert_eq!(changed.start, old.start);
        assert_similarity(similarity, 5.0 / 6.0);
        assert_eq!(
            ops(&diff),
            [
                (WordOp::Equal, "We will "),
                (WordOp::Delete, "not"),
                (WordOp::Insert, "never"),
                (WordOp::Equal, " sign this deal")
            ]
        );
    }

    #[test]
    fn a_changed_passage_keeps_the_punctuation_around_its_words() {
        let old = anchor(ARTICLE, "«We will not sign this deal,»", 0);
        let new = ARTICLE.replace("not sign this deal,»", "never sign this deal.»");
        let Recheck::Changed { anchor: changed, similarity, .. } = reanchor(&old, &new) else {
            panic!("not changed")
        };
        assert_eq!(changed, anchor(&new, "«We will never sign this deal.»", 0));
        assert_similarity(similarity, 5.0 / 6.0);
    }

    #[test]
    fn a_changed_passage_that_moved_far_is_found_in_the_whole_text() {
        let filler = pseudo_words(300).join(" ");
        let old = anchor(ARTICLE, EXACT, 0);
        let new = format!("{filler} {}", ARTICLE.replace("will not sign", "will never sign"));
        let Recheck::Changed { anchor: changed, .. } = reanchor(&old, &new) else { panic!("not changed") };
        assert_eq!(changed, anchor(&new, "We will never sign this deal", 0));
    }

    #[test]
    fn words_left_in_place_in_a_rewritten_article_are_unchanged_and_shifted_ones_moved() {
        let old = anchor(ARTICLE, EXACT, 0);
        let rewritten = "Talks in Vienna ended late on Tuesday. «We will not sign this deal,» the envoy told \
                         reporters. A new round is planned for June.";
        let Recheck::Unchanged { anchor: kept } = reanchor(&old, rewritten) else { panic!("not unchanged") };
        assert_eq!(kept, anchor(rewritten, EXACT, 0));
        assert_eq!((kept.start, kept.end), (old.start, old.end));
        assert_ne!(kept.prefix, old.prefix);
        assert_ne!(kept.suffix, old.suffix);

        let shifted = format!("Updated at noon. {rewritten}");
        let Recheck::Moved { anchor: moved } = reanchor(&old, &shifted) else { panic!("not moved") };
        assert_eq!(moved, anchor(&shifted, EXACT, 0));
        assert_eq!(moved.start, old.start + 17);
        assert_eq!(at_offsets(&shifted, &moved), EXACT);
    }

    #[test]
    fn context_decides_between_two_occurrences_in_either_order() {
        let exact = "we will not resign";
        let old = anchor("The minister said: we will not resign. The end.", exact, 0);
        assert_eq!(old.start, 19);

        // The aide's copy is nearer the old offset, but the minister's has the context.
        let aide_first = "The aide said: we will not resign. The minister said: we will not resign. The end.";
        let Recheck::Moved { anchor: moved } = reanchor(&old, aide_first) else { panic!("not moved") };
        assert_eq!(moved.start, position_of(aide_first, exact, 1));
        assert_eq!(moved, anchor(aide_first, exact, 1));

        let minister_first =
            "The minister said: we will not resign. The aide said: we will not resign. The end.";
        let Recheck::Unchanged { anchor: kept } = reanchor(&old, minister_first) else {
            panic!("not unchanged")
        };
        assert_eq!(kept.start, 19);
        assert_eq!(kept, anchor(minister_first, exact, 0));
    }

    #[test]
    fn without_telling_context_the_occurrence_nearest_the_old_offset_wins() {
        let exact = "We shall overcome";
        let chorus = "Chorus: We shall overcome! A verse about the long march to the capital follows here. \
                      Chorus: We shall overcome!";
        let late = anchor(&format!("{}We shall overcome, they sang.", "la ".repeat(30)), exact, 0);
        assert_eq!(late.start, 90);
        let Recheck::Moved { anchor: moved } = reanchor(&late, chorus) else { panic!("not moved") };
        assert_eq!(moved.start, position_of(chorus, exact, 1));
        assert_eq!(moved.start, 93);

        let early = anchor("We shall overcome, they sang.", exact, 0);
        let Recheck::Moved { anchor: moved } = reanchor(&early, chorus) else { panic!("not moved") };
        assert_eq!(moved.start, 8);
    }

    #[test]
    fn offsets_count_code_points_in_accented_and_emoji_text() {
        let exact = "Ça ira très bien, mes amis";
        let old_text = "Le président a dit: «Ça ira très bien, mes amis» 🎉 hier soir.";
        let old = anchor(old_text, exact, 0);
        assert_eq!((old.start, old.end), (21, 47));
        // Past several of the index's checkpoints, in characters of two and four bytes.
        let new_text = format!("{}Mise à jour 🎉: {old_text}", "🎉é ".repeat(50));

        let Recheck::Moved { anchor: moved } = reanchor(&old, &new_text) else { panic!("not moved") };
        assert_eq!((moved.start, moved.end), (186, 212));
        assert_eq!(at_offsets(&new_text, &moved), exact);
        assert_eq!(moved, anchor(&new_text, exact, 0));

        let edited = new_text.replace("bien", "mal");
        let Recheck::Changed { anchor: changed, similarity, .. } = reanchor(&old, &edited) else {
            panic!("not changed")
        };
        assert_eq!(changed.exact, "Ça ira très mal, mes amis");
        assert_eq!((changed.start, changed.end), (186, 211));
        assert_eq!(at_offsets(&edited, &changed), changed.exact);
        assert_eq!(changed, anchor(&edited, "Ça ira très mal, mes amis", 0));
        assert_similarity(similarity, 5.0 / 6.0);
    }

    #[test]
    fn outcomes_serialise_with_a_tag_and_say_whether_a_verdict_went_stale() {
        let old = anchor(ARTICLE, EXACT, 0);
        let changed = reanchor(&old, &ARTICLE.replace("will not sign", "will never sign"));
        let json = serde_json::to_value(&changed).unwrap();
        assert_eq!(json["outcome"], "changed");
        assert_eq!(json["anchor"]["exact"], "We will never sign this deal");
        assert_eq!(json["diff"][1]["op"], "delete");
        assert_eq!(json["diff"][1]["text"], "not");
        assert!(changed.words_changed());

        let moved = reanchor(&old, &format!("Updated. {ARTICLE}"));
        assert_eq!(serde_json::to_value(&moved).unwrap()["outcome"], "moved");
        assert!(!moved.words_changed());
        assert!(!reanchor(&old, ARTICLE).words_changed());
    }

    #[test]
    fn words_repeated_past_the_cap_are_ambiguous_not_guessed() {
        let old = anchor("They chanted: no more war. Then they left.", "no more war", 0);
        for repeats in [MAX_OCCURRENCES, MAX_OCCURRENCES + 1, 3 * MAX_OCCURRENCES] {
            let new_text = "no more war, ".repeat(repeats);
            let recheck = reanchor(&old, &new_text);
            if repeats <= MAX_OCCURRENCES {
                assert_eq!(recheck.outcome(), Outcome::Moved, "{repeats} occurrences");
            } else {
                assert_eq!(recheck, Recheck::Ambiguous { occurrences_over: MAX_OCCURRENCES });
                assert!(recheck.words_changed());
            }
        }
    }

    /// Deterministic pseudo-words of one to four syllables.
    fn pseudo_words(count: usize) -> Vec<String> {
        const SYLLABLES: [&str; 16] =
            ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ba", "de", "fu", "go", "hi", "ja", "pe", "zo"];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        (0..count)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let syllables = 1 + (state >> 62) as usize;
                (0..syllables).map(|s| SYLLABLES[(state >> (8 * s + 20)) as usize & 15]).collect()
            })
            .collect()
    }

    /// A one-line article of `count` pseudo-words with an anchor on 8 words of every 100; its
    /// new version, edited in the second half only (a sentence inserted, then in every ten
    /// anchors one passage with a word changed and one replaced whole); and each anchor's
    /// expected outcome.
    fn synthetic(count: usize) -> (String, Vec<Anchor>, Vec<&'static str>) {
        let words = pseudo_words(count);
        let old_text = words.join(" ");
        let mut starts = Vec::with_capacity(count);
        let mut at = 0;
        for word in &words {
            starts.push(at);
            at += word.len() + 1;
        }
        let anchors_count = count / 100;
        let half = anchors_count / 2;
        let mut new_words = words.clone();
        let mut anchors = Vec::with_capacity(anchors_count);
        let mut expected = Vec::with_capacity(anchors_count);
        for k in 0..anchors_count {
            let first = k * 100 + 10;
            let exact = words[first..first + 8].join(" ");
            let start = Some(u32::try_from(starts[first]).unwrap());
            anchors
                .push(locate(&old_text, &exact, &AnchorInput { start, ..AnchorInput::default() }).unwrap());
            expected.push(match (k >= half, k % 10) {
                (false, _) => "unchanged",
                (true, 3) => {
                    new_words[first + 4] = "altered".to_owned();
                    "changed"
                }
                (true, 7) => {
                    new_words[first..first + 8].fill("void".to_owned());
                    "gone"
                }
                (true, _) => "moved",
            });
        }
        let after_insertion = new_words.split_off(half * 100 - 50);
        new_words.extend(["breaking", "news", "from", "the", "capital"].map(str::to_owned));
        new_words.extend(after_insertion);
        (new_words.join(" "), anchors, expected)
    }

    #[test]
    fn a_synthetic_article_keeps_each_anchor_in_its_class() {
        let (new_text, anchors, expected) = synthetic(5_000);
        let reanchorer = Reanchorer::new(&new_text);
        let outcomes: Vec<&str> =
            anchors.iter().map(|old| reanchorer.reanchor(old).outcome().name()).collect();
        assert_eq!(outcomes, expected);
    }
}
