//! Word-level diffs: of a quote's wording against its first appearance, of two versions of a
//! source, of an anchored passage that changed.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// How long one word diff may refine before it settles for a coarser, still correct, answer.
pub const WORD_DIFF_BUDGET: Duration = Duration::from_millis(200);

/// One piece of a word-level diff: words kept, inserted or deleted, with the spaces between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordChange {
    pub op: WordOp,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordOp {
    Equal,
    Insert,
    Delete,
}

/// The word-level changes from `old` to `new`, adjacent pieces of one kind merged. Words and
/// the spaces between them are the units, so a changed word reads as one deletion and one
/// insertion. Refined for at most `WORD_DIFF_BUDGET`; see `word_diff_until`.
pub fn word_diff(old: &str, new: &str) -> Vec<WordChange> {
    word_diff_until(old, new, Instant::now() + WORD_DIFF_BUDGET)
}

/// `word_diff`, refined until `deadline` (several diffs may share one budget).
///
/// Cost, for texts of N and M words with D differences: cutting and hashing the words is
/// linear; Myers' algorithm is O((N + M)·D), little for versions of one text and quadratic for
/// unrelated ones, so at the deadline it stops refining and reports what is left as deleted and
/// inserted whole: still a correct diff, a coarser one. Time: the budget plus O(N + M).
pub fn word_diff_until(old: &str, new: &str, deadline: Instant) -> Vec<WordChange> {
    let mut changes: Vec<WordChange> = Vec::new();
    for change in TextDiff::configure().deadline(deadline).diff_words(old, new).iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => WordOp::Equal,
            ChangeTag::Delete => WordOp::Delete,
            ChangeTag::Insert => WordOp::Insert,
        };
        match changes.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => changes.push(WordChange { op, text: change.value().to_owned() }),
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_are_by_word() {
        let parts = word_diff("We will not sign this deal", "We will never sign this deal");
        let ops: Vec<(WordOp, &str)> = parts.iter().map(|p| (p.op, p.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (WordOp::Equal, "We will "),
                (WordOp::Delete, "not"),
                (WordOp::Insert, "never"),
                (WordOp::Equal, " sign this deal")
            ]
        );
        assert_eq!(word_diff("same", "same").len(), 1);
    }

    #[test]
    fn a_long_diff_stays_correct_when_it_stops_refining() {
        let old = words(3_000).join(" ");
        let new = words(3_100)[100..].join(" ");
        let side = |changes: &[WordChange], left_out: WordOp| -> String {
            changes.iter().filter(|change| change.op != left_out).map(|change| change.text.as_str()).collect()
        };
        // A deadline already past: the coarsest diff. Then a refined one.
        for changes in [word_diff_until(&old, &new, Instant::now()), word_diff(&old, &new)] {
            assert_eq!(side(changes.as_slice(), WordOp::Insert), old);
            assert_eq!(side(changes.as_slice(), WordOp::Delete), new);
        }
    }

    /// Distinct words, numbered.
    fn words(count: usize) -> Vec<String> {
        (0..count).map(|n| format!("w{n}")).collect()
    }
}
