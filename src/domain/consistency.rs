//! Whether a claim's figure agrees with a figure from evidence. This only suggests: the
//! verdict on the claim stays a reviewer's.
//!
//! Both figures are brought to one base unit through a small table of unit words (below),
//! then compared by the claim's qualifier in exact decimals. Figures that cannot be put in
//! the same unit, currency or period are reported as not comparable instead of guessed at.

use bigdecimal::{BigDecimal, Zero};
use chrono::NaiveDate;
use serde::Serialize;

use super::claim::TimeReference;
use super::kinds::ClaimQualifier;
use super::review::EvidenceFigure;
use super::text::Text;

/// A claim's figure, as a claim row holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimFigure {
    pub qualifier: ClaimQualifier,
    /// The value, for every qualifier but `Range`.
    pub value: Option<BigDecimal>,
    /// The bounds, for `Range` only.
    pub lower_bound: Option<BigDecimal>,
    pub upper_bound: Option<BigDecimal>,
    pub unit: Option<String>,
    pub time: TimeReference,
}

/// The suggestion, with a sentence a reviewer can check (numbers in the shared base unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Consistency {
    Consistent { explanation: String },
    Inconsistent { explanation: String },
    NotComparable { reason: NotComparableReason, explanation: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotComparableReason {
    /// The claim lacks the value (or, for a range, a bound) its qualifier needs.
    NoClaimFigure,
    /// Different dimensions (a percentage and a count, a duration and an amount), different
    /// count nouns, or a plain number against a currency or duration it does not name.
    UnitMismatch,
    /// Two currencies: there are no exchange rates here, on purpose.
    CurrencyMismatch,
    /// A percentage against a plain number (with or without a scale word): 12% may be written
    /// 12 or 0.12, so only a person can tell whether they are the same figure.
    ScaleMismatch,
    /// Both figures are dated and their dates do not overlap.
    PeriodMismatch,
    /// A unit text longer than `MAX_UNIT_BYTES` is a sentence, not a unit, and is not read.
    UnitTooLong,
}

/// Decides whether `evidence` is consistent with `claim`. `tolerance_percent` is the
/// workspace's `figure_tolerance_percent` (0 to 100): how far an "approximately" figure may
/// be off, and how far below its value an "almost" figure may be.
pub fn check(claim: &ClaimFigure, evidence: &EvidenceFigure, tolerance_percent: &BigDecimal) -> Consistency {
    let Some(claimed) = claimed_figure(claim) else {
        let missing = if claim.qualifier == ClaimQualifier::Range { "both bounds" } else { "a value" };
        return not_comparable(
            NotComparableReason::NoClaimFigure,
            format!("the claim has no figure to compare: its qualifier needs {missing}"),
        );
    };
    let Some(claim_unit) = parse_unit(claim.unit.as_deref()) else {
        return unit_too_long("claim");
    };
    let Some(evidence_unit) = parse_unit(evidence.unit.as_ref().map(Text::as_str)) else {
        return unit_too_long("evidence");
    };
    if let Some((reason, explanation)) = mismatch(&claim_unit.dimension, &evidence_unit.dimension) {
        return not_comparable(reason, explanation);
    }
    if !periods_overlap(&claim.time, &evidence.time) {
        return not_comparable(
            NotComparableReason::PeriodMismatch,
            format!(
                "the claim's figure holds {} and the evidence's {}; the periods do not overlap",
                describe_time(&claim.time),
                describe_time(&evidence.time)
            ),
        );
    }

    // Both sides now share a dimension, so the claim's one labels every number shown.
    let in_base = |value: &BigDecimal, unit: &Unit| (value * &unit.factor).normalized();
    let shown = |value: &BigDecimal| show(value, &claim_unit.dimension);
    let found = in_base(&evidence.value, &evidence_unit);
    let (holds, relation, asserted) = match claimed {
        Claimed::Range(lower, upper) => {
            let (lower, upper) = (in_base(lower, &claim_unit), in_base(upper, &claim_unit));
            let holds = lower <= found && found <= upper;
            (holds, "between".to_owned(), format!("{} and {}", shown(&lower), shown(&upper)))
        }
        Claimed::Value(qualifier, value) => {
            let value = in_base(value, &claim_unit);
            let (holds, relation) = qualifier_holds(qualifier, &found, &value, tolerance_percent);
            (holds, relation, shown(&value))
        }
    };
    let found = shown(&found);
    if holds {
        Consistency::Consistent { explanation: format!("{found} is {relation} {asserted}") }
    } else {
        Consistency::Inconsistent { explanation: format!("{found} is not {relation} {asserted}") }
    }
}

/// With no tolerance an "almost" figure would need to be below its value and equal to it at
/// once; an "almost" claim is never exact, so it then allows this much below its value.
const ALMOST_MARGIN_PERCENT: u64 = 10;

/// The claim's figure as its qualifier reads it.
enum Claimed<'a> {
    /// One value; its qualifier is never `Range`.
    Value(ClaimQualifier, &'a BigDecimal),
    Range(&'a BigDecimal, &'a BigDecimal),
}

fn claimed_figure(claim: &ClaimFigure) -> Option<Claimed<'_>> {
    match claim.qualifier {
        ClaimQualifier::Range => {
            Some(Claimed::Range(claim.lower_bound.as_ref()?, claim.upper_bound.as_ref()?))
        }
        qualifier => claim.value.as_ref().map(|value| Claimed::Value(qualifier, value)),
    }
}

/// Whether `found` stands in the qualifier's relation to `claimed`, and that relation in words.
/// Tolerances compare `|difference| × 100` with `|claimed| × percent` so no division rounds.
fn qualifier_holds(
    qualifier: ClaimQualifier,
    found: &BigDecimal,
    claimed: &BigDecimal,
    tolerance_percent: &BigDecimal,
) -> (bool, String) {
    let hundred = BigDecimal::from(100);
    let within =
        |difference: BigDecimal, percent: &BigDecimal| difference.abs() * &hundred <= claimed.abs() * percent;
    match qualifier {
        ClaimQualifier::Approximately => (
            within(found - claimed, tolerance_percent),
            format!("within {}% of", tolerance_percent.normalized().to_plain_string()),
        ),
        ClaimQualifier::MoreThan => (found > claimed, "more than".to_owned()),
        ClaimQualifier::AtLeast => (found >= claimed, "at least".to_owned()),
        ClaimQualifier::LessThan => (found < claimed, "less than".to_owned()),
        ClaimQualifier::AtMost => (found <= claimed, "at most".to_owned()),
        ClaimQualifier::Almost => {
            let built_in = BigDecimal::from(ALMOST_MARGIN_PERCENT);
            let margin = if tolerance_percent.is_zero() { &built_in } else { tolerance_percent };
            (
                found < claimed && within(claimed - found, margin),
                format!("just under (at most {}% below)", margin.normalized().to_plain_string()),
            )
        }
        // `Range` never gets here (`claimed_figure` reads it as bounds); it shares the exact arm only
        // so that the match stays exhaustive without a panic.
        ClaimQualifier::Exact | ClaimQualifier::Range => (found == claimed, "equal to".to_owned()),
    }
}

fn not_comparable(reason: NotComparableReason, explanation: String) -> Consistency {
    Consistency::NotComparable { reason, explanation }
}

fn unit_too_long(side: &str) -> Consistency {
    not_comparable(
        NotComparableReason::UnitTooLong,
        format!("the {side}'s unit is longer than {MAX_UNIT_BYTES} bytes, so it is not read as a unit"),
    )
}

// ---- Units ----------------------------------------------------------------------------

/// Longest unit text read at all; anything longer is not a unit, and reading it would cost
/// work that grows with it.
const MAX_UNIT_BYTES: usize = 64;

/// Scale words multiply the value. Extraction already multiplies the ones it finds, so these
/// come from people typing "million" or "bn USD"; "m" and "b" are million and billion, as in
/// "$5m" and "$2.5b" (never metres or bytes), "k" is a thousand.
const SCALES: &[(&str, u64)] = &[
    ("hundred", 100),
    ("thousand", 1_000),
    ("k", 1_000),
    ("million", 1_000_000),
    ("m", 1_000_000),
    ("mn", 1_000_000),
    ("mln", 1_000_000),
    ("billion", 1_000_000_000),
    ("bn", 1_000_000_000),
    ("b", 1_000_000_000),
    ("trillion", 1_000_000_000_000),
    ("tn", 1_000_000_000_000),
];

/// Percent words; "per cent" is two words and read where the words are walked.
const PERCENT: &[&str] = &["%", "percent", "pct"];

/// ISO 4217 codes read as currencies, matched in any case.
const CURRENCY_CODES: &[&str] =
    &["USD", "EUR", "GBP", "JPY", "CHF", "CNY", "INR", "CAD", "AUD", "RUB", "BRL", "ZAR"];

/// Currency signs and names (singular; "dollars" is read as "dollar"). Extraction stores "$",
/// "€" and "£" as "dollars", "euros" and "pounds". "$" is read as USD and "¥" as yen.
const CURRENCY_NAMES: &[(&str, &str)] = &[
    ("$", "USD"),
    ("dollar", "USD"),
    ("€", "EUR"),
    ("euro", "EUR"),
    ("£", "GBP"),
    ("pound", "GBP"),
    ("¥", "JPY"),
    ("yen", "JPY"),
];

/// Durations in seconds (singular; "years" is read as "year"). A year is 365.25 days (the
/// Julian year) and a month a twelfth of it, so 18 months and 1.5 years are the same; a week
/// is 7 days. Seconds are the base because every one of these is a whole number of them.
const DURATIONS: &[(&str, u64)] = &[
    ("second", 1),
    ("minute", 60),
    ("hour", 3_600),
    ("day", 86_400),
    ("week", 604_800),
    ("month", 2_629_800),
    ("year", 31_557_600),
];

/// Signs that are words of their own even when written against another word ("$bn", "12%").
const SIGNS: [char; 5] = ['$', '€', '£', '¥', '%'];

/// What a figure measures: two figures compare only within one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dimension {
    /// No unit, or only scale words.
    Plain,
    Percent,
    /// By ISO 4217 code.
    Currency(&'static str),
    /// In seconds.
    Duration,
    /// Anything else ("people", "deaths", "dollars per day"): the words, lower-case, without a
    /// trailing plural "s". Compares only with the same words.
    Count(String),
}

/// A unit read: the dimension, and what a value in it is multiplied by to reach the base unit.
#[derive(Debug)]
struct Unit {
    dimension: Dimension,
    factor: BigDecimal,
}

/// What one word (or "per cent") of a unit text means.
#[derive(Debug, Clone, Copy)]
enum Word {
    Scale(u64),
    Measure(Measure),
    Noun,
}

/// The words that name a dimension of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Percent,
    Currency(&'static str),
    /// Seconds in one of it.
    Duration(u64),
}

/// Reads a unit text; `None` when it is too long to be a unit. Scale words combine with
/// anything ("million people", "bn USD", "$bn"). One percent, currency or duration word makes
/// the dimension; with nouns or another such word beside it ("dollars per day") the whole text
/// is a count noun, so that compound units compare only with the same words.
fn parse_unit(text: Option<&str>) -> Option<Unit> {
    let text = text.unwrap_or_default();
    if text.len() > MAX_UNIT_BYTES {
        return None;
    }
    let lower = text.to_lowercase();
    let words = words(&lower);
    let mut factor = BigDecimal::from(1);
    let mut measure: Option<Measure> = None;
    let mut compound = false;
    let mut named: Vec<&str> = Vec::new();
    let mut rest = words.as_slice();
    while let Some(&word) = rest.first() {
        let (meaning, taken) = match rest {
            ["per", "cent", ..] => (Word::Measure(Measure::Percent), 2),
            _ => (word_meaning(word), 1),
        };
        let (read, tail) = rest.split_at(taken);
        rest = tail;
        match meaning {
            Word::Scale(by) => factor *= by,
            Word::Measure(this) => {
                named.extend_from_slice(read);
                compound |= measure.is_some_and(|first| first != this);
                measure = measure.or(Some(this));
            }
            Word::Noun => {
                named.extend_from_slice(read);
                compound = true;
            }
        }
    }
    let dimension = match measure {
        _ if compound => Dimension::Count(singular(&named.join(" ")).to_owned()),
        None => Dimension::Plain,
        Some(Measure::Percent) => Dimension::Percent,
        Some(Measure::Currency(code)) => Dimension::Currency(code),
        Some(Measure::Duration(seconds)) => {
            factor *= seconds;
            Dimension::Duration
        }
    };
    Some(Unit { dimension, factor })
}

/// Splits lower-case unit text at white space and around the signs.
fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    for chunk in text.split_whitespace() {
        let mut rest = chunk;
        while let Some((at, sign)) = rest.char_indices().find(|(_, c)| SIGNS.contains(c)) {
            let after = at + sign.len_utf8();
            if at > 0 {
                words.push(&rest[..at]);
            }
            words.push(&rest[at..after]);
            rest = &rest[after..];
        }
        if !rest.is_empty() {
            words.push(rest);
        }
    }
    words
}

fn word_meaning(word: &str) -> Word {
    let singular = singular(word);
    if let Some(&(_, by)) = SCALES.iter().find(|(scale, _)| *scale == word) {
        return Word::Scale(by);
    }
    if PERCENT.contains(&word) {
        return Word::Measure(Measure::Percent);
    }
    let code = CURRENCY_CODES.iter().copied().find(|code| code.eq_ignore_ascii_case(word));
    let named = CURRENCY_NAMES.iter().find(|(name, _)| *name == singular).map(|&(_, code)| code);
    if let Some(code) = code.or(named) {
        return Word::Measure(Measure::Currency(code));
    }
    if let Some(&(_, seconds)) = DURATIONS.iter().find(|(duration, _)| *duration == singular) {
        return Word::Measure(Measure::Duration(seconds));
    }
    Word::Noun
}

/// "deaths" → "death"; "people" and a lone "s" stay as they are.
fn singular(word: &str) -> &str {
    word.strip_suffix('s').filter(|stem| !stem.is_empty()).unwrap_or(word)
}

/// Why two dimensions do not compare, or `None` when they do. A plain number takes a count
/// noun (the claim's metric usually says what is counted) but not a currency or a duration,
/// which it would have to name.
fn mismatch(claim: &Dimension, evidence: &Dimension) -> Option<(NotComparableReason, String)> {
    use Dimension::{Count, Currency, Duration, Percent, Plain};
    use NotComparableReason::{CurrencyMismatch, ScaleMismatch, UnitMismatch};
    let (reason, consequence) = match (claim, evidence) {
        (Plain | Count(_), Plain) | (Plain, Count(_)) => return None,
        (Percent, Percent) | (Duration, Duration) => return None,
        (Count(a), Count(b)) if a == b => return None,
        (Currency(a), Currency(b)) if a == b => return None,
        (Currency(_), Currency(_)) => (CurrencyMismatch, "no exchange rates are applied"),
        (Percent, Plain) | (Plain, Percent) => {
            (ScaleMismatch, "a share may be written 12% or 0.12, so a person must compare them")
        }
        _ => (UnitMismatch, "they measure different things"),
    };
    let explanation = format!(
        "the claim's figure is {} and the evidence's is {}; {consequence}",
        describe(claim),
        describe(evidence)
    );
    Some((reason, explanation))
}

fn describe(dimension: &Dimension) -> String {
    match dimension {
        Dimension::Plain => "a plain number".to_owned(),
        Dimension::Percent => "a percentage".to_owned(),
        Dimension::Currency(code) => format!("an amount in {code}"),
        Dimension::Duration => "a duration".to_owned(),
        Dimension::Count(noun) => format!("a number of {noun:?}"),
    }
}

/// A value in the base unit of `dimension`, for an explanation.
fn show(value: &BigDecimal, dimension: &Dimension) -> String {
    let number = value.normalized().to_plain_string();
    match dimension {
        Dimension::Plain | Dimension::Count(_) => number,
        Dimension::Percent => format!("{number}%"),
        Dimension::Currency(code) => format!("{number} {code}"),
        Dimension::Duration => format!("{number} seconds"),
    }
}

// ---- Periods --------------------------------------------------------------------------

/// The first and last day a figure holds for (`None` at an open end), or `None` when it is
/// undated: an undated figure is compared with any other.
fn dates(time: &TimeReference) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    match *time {
        TimeReference::Unstated => None,
        TimeReference::AsOf(date) => Some((Some(date), Some(date))),
        TimeReference::Period { start, end } => Some((start, end)),
    }
}

/// Two dated figures agree when their dates share at least one day; so two "as of" dates
/// must be the same day.
fn periods_overlap(claim: &TimeReference, evidence: &TimeReference) -> bool {
    let (Some(claim), Some(evidence)) = (dates(claim), dates(evidence)) else {
        return true;
    };
    let not_after = |start: Option<NaiveDate>, end: Option<NaiveDate>| {
        start.zip(end).is_none_or(|(start, end)| start <= end)
    };
    not_after(claim.0, evidence.1) && not_after(evidence.0, claim.1)
}

fn describe_time(time: &TimeReference) -> String {
    match *time {
        TimeReference::AsOf(date) => format!("as of {date}"),
        TimeReference::Period { start: Some(start), end: Some(end) } => format!("from {start} to {end}"),
        TimeReference::Period { start: Some(start), end: None } => format!("from {start} on"),
        TimeReference::Period { start: None, end: Some(end) } => format!("until {end}"),
        TimeReference::Unstated | TimeReference::Period { start: None, end: None } => {
            "at an unstated time".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> BigDecimal {
        text.parse().unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn unit(text: &str) -> Option<String> {
        (!text.is_empty()).then(|| text.to_owned())
    }

    fn claim(qualifier: ClaimQualifier, value: &str, unit_text: &str) -> ClaimFigure {
        ClaimFigure {
            qualifier,
            value: Some(number(value)),
            lower_bound: None,
            upper_bound: None,
            unit: unit(unit_text),
            time: TimeReference::Unstated,
        }
    }

    fn range(lower: &str, upper: &str, unit_text: &str) -> ClaimFigure {
        ClaimFigure {
            value: None,
            lower_bound: Some(number(lower)),
            upper_bound: Some(number(upper)),
            ..claim(ClaimQualifier::Range, "0", unit_text)
        }
    }

    fn evidence(value: &str, unit_text: &str) -> EvidenceFigure {
        EvidenceFigure {
            value: number(value),
            unit: unit(unit_text).map(|u| Text::label(u).unwrap()),
            time: TimeReference::Unstated,
            origin: None,
        }
    }

    /// "consistent", "inconsistent" or the not-comparable reason, as the API spells them.
    fn verdict(claim: &ClaimFigure, evidence: &EvidenceFigure, tolerance: &str) -> String {
        let json = serde_json::to_value(check(claim, evidence, &number(tolerance))).unwrap();
        json.get("reason").unwrap_or(&json["verdict"]).as_str().unwrap().to_owned()
    }

    fn explanation(claim: &ClaimFigure, evidence: &EvidenceFigure, tolerance: &str) -> String {
        match check(claim, evidence, &number(tolerance)) {
            Consistency::Consistent { explanation }
            | Consistency::Inconsistent { explanation }
            | Consistency::NotComparable { explanation, .. } => explanation,
        }
    }

    #[test]
    fn every_qualifier_holds_or_fails() {
        use ClaimQualifier::*;
        let cases = [
            // Exact: equal once normalised, whatever the tolerance.
            (claim(Exact, "312001", ""), evidence("312001", ""), "5", "consistent"),
            (claim(Exact, "312001", ""), evidence("312002", ""), "5", "inconsistent"),
            (claim(Exact, "1.50", ""), evidence("1.5", ""), "0", "consistent"),
            (claim(Exact, "2.5", "$bn"), evidence("2500", "million USD"), "0", "consistent"),
            (claim(Exact, "2.5", "bn USD"), evidence("2500000000", "dollars"), "0", "consistent"),
            (claim(Exact, "2.5", "$bn"), evidence("2400", "million USD"), "5", "inconsistent"),
            // Approximately: within the tolerance of the claim's value, bounds included.
            (claim(Approximately, "11", "million"), evidence("10.6", "million"), "5", "consistent"),
            (claim(Approximately, "11000000", ""), evidence("10.6", "million"), "5", "consistent"),
            (claim(Approximately, "11", "million"), evidence("9", "million"), "5", "inconsistent"),
            (claim(Approximately, "11000000", ""), evidence("9000000", ""), "5", "inconsistent"),
            (claim(Approximately, "11", "million people"), evidence("10600000", "people"), "5", "consistent"),
            (claim(Approximately, "100", ""), evidence("105", ""), "5", "consistent"),
            (claim(Approximately, "100", ""), evidence("95", ""), "5", "consistent"),
            (claim(Approximately, "100", ""), evidence("105.01", ""), "5", "inconsistent"),
            (claim(Approximately, "11", ""), evidence("11", ""), "0", "consistent"),
            (claim(Approximately, "11", ""), evidence("11.01", ""), "0", "inconsistent"),
            // More than and less than are strict; at least and at most include the value.
            (claim(MoreThan, "300000", "people"), evidence("312001", "people"), "5", "consistent"),
            (claim(MoreThan, "300000", "people"), evidence("290000", "people"), "5", "inconsistent"),
            (claim(MoreThan, "300000", "people"), evidence("300000", "people"), "5", "inconsistent"),
            (claim(AtLeast, "300000", ""), evidence("300000", ""), "5", "consistent"),
            (claim(AtLeast, "300000", ""), evidence("299999", ""), "5", "inconsistent"),
            (claim(AtLeast, "1.5", "years"), evidence("18", "months"), "5", "consistent"),
            (claim(AtLeast, "1.5", "years"), evidence("17", "months"), "5", "inconsistent"),
            (claim(LessThan, "100", ""), evidence("99", ""), "5", "consistent"),
            (claim(LessThan, "100", ""), evidence("100", ""), "5", "inconsistent"),
            (claim(AtMost, "100", ""), evidence("100", ""), "5", "consistent"),
            (claim(AtMost, "100", ""), evidence("101", ""), "5", "inconsistent"),
            // Almost: below the value and within the tolerance of it; 10% when the tolerance is 0.
            (claim(Almost, "6", "years"), evidence("5.8", "years"), "5", "consistent"),
            (claim(Almost, "6", "years"), evidence("5.7", "years"), "5", "consistent"),
            (claim(Almost, "6", "years"), evidence("71", "months"), "5", "consistent"),
            (claim(Almost, "6", "years"), evidence("6", "years"), "5", "inconsistent"),
            (claim(Almost, "6", "years"), evidence("5.6", "years"), "5", "inconsistent"),
            (claim(Almost, "6", "years"), evidence("5.5", "years"), "0", "consistent"),
            (claim(Almost, "6", "years"), evidence("5.3", "years"), "0", "inconsistent"),
            (claim(Almost, "6", "years"), evidence("6", "years"), "0", "inconsistent"),
            // Range: both bounds included.
            (range("10", "20", "%"), evidence("15", "%"), "5", "consistent"),
            (range("10", "20", "%"), evidence("25", "%"), "5", "inconsistent"),
            (range("10", "20", "percent"), evidence("10", "per cent"), "0", "consistent"),
            (range("10", "20", "pct"), evidence("20", "%"), "0", "consistent"),
            (range("10", "20", "%"), evidence("9.99", "percent"), "0", "inconsistent"),
            (range("1", "2", "million"), evidence("1500000", ""), "0", "consistent"),
        ];
        for (claim, evidence, tolerance, expected) in &cases {
            assert_eq!(
                verdict(claim, evidence, tolerance),
                *expected,
                "{claim:?} against {evidence:?} at {tolerance}%"
            );
        }
    }

    #[test]
    fn figures_that_do_not_compare_say_why() {
        use ClaimQualifier::*;
        let long = "x".repeat(MAX_UNIT_BYTES + 1);
        let cases = [
            (ClaimFigure { value: None, ..claim(Exact, "0", "") }, evidence("1", ""), "no_claim_figure"),
            (ClaimFigure { upper_bound: None, ..range("1", "2", "") }, evidence("1", ""), "no_claim_figure"),
            (claim(Range, "5", ""), evidence("5", ""), "no_claim_figure"),
            (claim(Exact, "12", "%"), evidence("12", "people"), "unit_mismatch"),
            (claim(Exact, "6", "years"), evidence("6", "USD"), "unit_mismatch"),
            (claim(Exact, "100", "people"), evidence("100", "deaths"), "unit_mismatch"),
            (claim(Exact, "6", ""), evidence("6", "years"), "unit_mismatch"),
            (claim(Exact, "5", "USD"), evidence("5", ""), "unit_mismatch"),
            (claim(Exact, "5", "dollars per day"), evidence("5", "dollars"), "unit_mismatch"),
            (claim(Exact, "5", "USD"), evidence("5", "EUR"), "currency_mismatch"),
            (claim(Exact, "5", "$"), evidence("5", "€"), "currency_mismatch"),
            (claim(Exact, "5", "pounds"), evidence("5", "¥"), "currency_mismatch"),
            (claim(Exact, "12", "%"), evidence("0.12", ""), "scale_mismatch"),
            (claim(Exact, "12", "million"), evidence("12", "percent"), "scale_mismatch"),
            (claim(Exact, "1", &long), evidence("1", ""), "unit_too_long"),
            (claim(Exact, "1", ""), evidence("1", &long), "unit_too_long"),
        ];
        for (claim, evidence, expected) in &cases {
            assert_eq!(verdict(claim, evidence, "5"), *expected, "{claim:?} against {evidence:?}");
        }
    }

    #[test]
    fn dated_figures_compare_only_when_their_dates_overlap() {
        let as_of = |day: &str| TimeReference::AsOf(date(day));
        let period = |start: Option<&str>, end: Option<&str>| TimeReference::Period {
            start: start.map(date),
            end: end.map(date),
        };
        let year_2023 = || period(Some("2023-01-01"), Some("2023-12-31"));
        let cases = [
            (TimeReference::Unstated, TimeReference::Unstated, "consistent"),
            (as_of("2024-01-01"), TimeReference::Unstated, "consistent"),
            (TimeReference::Unstated, year_2023(), "consistent"),
            (as_of("2024-01-01"), as_of("2024-01-01"), "consistent"),
            (as_of("2024-01-01"), as_of("2024-02-01"), "period_mismatch"),
            (year_2023(), as_of("2023-06-30"), "consistent"),
            (year_2023(), as_of("2024-03-01"), "period_mismatch"),
            (year_2023(), period(Some("2023-12-31"), Some("2024-06-30")), "consistent"),
            (period(Some("2024-01-01"), None), as_of("2030-01-01"), "consistent"),
            (period(None, Some("2022-12-31")), year_2023(), "period_mismatch"),
        ];
        for (claim_time, evidence_time, expected) in cases {
            let dated_claim = ClaimFigure { time: claim_time, ..claim(ClaimQualifier::Exact, "10", "") };
            let dated_evidence = EvidenceFigure { time: evidence_time, ..evidence("10", "") };
            assert_eq!(
                verdict(&dated_claim, &dated_evidence, "5"),
                expected,
                "{:?} against {:?}",
                dated_claim.time,
                dated_evidence.time
            );
        }
    }

    #[test]
    fn explanations_show_the_normalised_numbers() {
        use ClaimQualifier::*;
        let cases = [
            (
                claim(MoreThan, "300000", "people"),
                evidence("312001", "people"),
                "5",
                "312001 is more than 300000",
            ),
            (claim(MoreThan, "300000", ""), evidence("290000", ""), "5", "290000 is not more than 300000"),
            (
                claim(Approximately, "11", "million"),
                evidence("10.6", "million"),
                "5",
                "10600000 is within 5% of 11000000",
            ),
            (range("10", "20", "%"), evidence("25", "%"), "5", "25% is not between 10% and 20%"),
            (
                claim(Almost, "6", "years"),
                evidence("5.8", "years"),
                "0",
                "183034080 seconds is just under (at most 10% below) 189345600 seconds",
            ),
            (
                claim(Exact, "2.5", "$bn"),
                evidence("2500", "million USD"),
                "0",
                "2500000000 USD is equal to 2500000000 USD",
            ),
            (
                claim(Exact, "5", "USD"),
                evidence("5", "EUR"),
                "0",
                "the claim's figure is an amount in USD and the evidence's is an amount in EUR; \
                 no exchange rates are applied",
            ),
            (
                ClaimFigure { time: TimeReference::AsOf(date("2024-01-01")), ..claim(Exact, "1", "") },
                EvidenceFigure {
                    time: TimeReference::Period {
                        start: Some(date("2023-01-01")),
                        end: Some(date("2023-12-31")),
                    },
                    ..evidence("1", "")
                },
                "0",
                "the claim's figure holds as of 2024-01-01 and the evidence's from 2023-01-01 to 2023-12-31; \
                 the periods do not overlap",
            ),
        ];
        for (claim, evidence, tolerance, expected) in &cases {
            assert_eq!(explanation(claim, evidence, tolerance), *expected);
        }
    }

    #[test]
    fn serialises_as_a_tagged_verdict() {
        use ClaimQualifier::*;
        let consistent = check(&claim(MoreThan, "300000", ""), &evidence("312001", ""), &number("5"));
        assert_eq!(
            serde_json::to_value(consistent).unwrap(),
            serde_json::json!({"verdict": "consistent", "explanation": "312001 is more than 300000"})
        );
        let inconsistent = check(&claim(MoreThan, "300000", ""), &evidence("290000", ""), &number("5"));
        assert_eq!(serde_json::to_value(inconsistent).unwrap()["verdict"], "inconsistent");
        let currencies = check(&claim(Exact, "5", "USD"), &evidence("5", "EUR"), &number("5"));
        let json = serde_json::to_value(currencies).unwrap();
        assert_eq!(json["verdict"], "not_comparable");
        assert_eq!(json["reason"], "currency_mismatch");
        assert!(json["explanation"].as_str().is_some_and(|text| text.contains("USD")));
    }

    fn count(noun: &str) -> Dimension {
        Dimension::Count(noun.to_owned())
    }

    #[test]
    fn unit_words_read_through_the_table() {
        use Dimension::{Currency, Duration, Percent, Plain};
        let cases = [
            // No unit, and scale words alone (in any case, and combined).
            (None, Plain, "1"),
            (Some(""), Plain, "1"),
            (Some("  "), Plain, "1"),
            (Some("hundred"), Plain, "100"),
            (Some("thousand"), Plain, "1000"),
            (Some("K"), Plain, "1000"),
            (Some("Million"), Plain, "1000000"),
            (Some("m"), Plain, "1000000"),
            (Some("mn"), Plain, "1000000"),
            (Some("mln"), Plain, "1000000"),
            (Some("billion"), Plain, "1000000000"),
            (Some("BN"), Plain, "1000000000"),
            (Some("b"), Plain, "1000000000"),
            (Some("trillion"), Plain, "1000000000000"),
            (Some("tn"), Plain, "1000000000000"),
            (Some("thousand million"), Plain, "1000000000"),
            // Scale words with another unit.
            (Some("million people"), count("people"), "1000000"),
            (Some("bn USD"), Currency("USD"), "1000000000"),
            (Some("$bn"), Currency("USD"), "1000000000"),
            (Some("million years"), Duration, "31557600000000"),
            // Percent.
            (Some("%"), Percent, "1"),
            (Some("percent"), Percent, "1"),
            (Some("Per Cent"), Percent, "1"),
            (Some("pct"), Percent, "1"),
            // Currencies: signs, names, codes; the same currency twice is still that currency.
            (Some("$"), Currency("USD"), "1"),
            (Some("dollar"), Currency("USD"), "1"),
            (Some("Dollars"), Currency("USD"), "1"),
            (Some("usd"), Currency("USD"), "1"),
            (Some("$ USD"), Currency("USD"), "1"),
            (Some("€"), Currency("EUR"), "1"),
            (Some("euro"), Currency("EUR"), "1"),
            (Some("euros"), Currency("EUR"), "1"),
            (Some("£"), Currency("GBP"), "1"),
            (Some("pound"), Currency("GBP"), "1"),
            (Some("pounds"), Currency("GBP"), "1"),
            (Some("¥"), Currency("JPY"), "1"),
            (Some("yen"), Currency("JPY"), "1"),
            (Some("chf"), Currency("CHF"), "1"),
            (Some("CNY"), Currency("CNY"), "1"),
            (Some("inr"), Currency("INR"), "1"),
            (Some("CAD"), Currency("CAD"), "1"),
            (Some("aud"), Currency("AUD"), "1"),
            (Some("RUB"), Currency("RUB"), "1"),
            (Some("brl"), Currency("BRL"), "1"),
            (Some("ZAR"), Currency("ZAR"), "1"),
            // Durations, in seconds.
            (Some("second"), Duration, "1"),
            (Some("seconds"), Duration, "1"),
            (Some("minute"), Duration, "60"),
            (Some("hours"), Duration, "3600"),
            (Some("day"), Duration, "86400"),
            (Some("weeks"), Duration, "604800"),
            (Some("month"), Duration, "2629800"),
            (Some("Years"), Duration, "31557600"),
            // Count nouns: lower-case, trimmed, without a plural "s"; compounds stay whole.
            (Some("people"), count("people"), "1"),
            (Some(" Deaths "), count("death"), "1"),
            (Some("jobs"), count("job"), "1"),
            (Some("s"), count("s"), "1"),
            (Some("internally displaced people"), count("internally displaced people"), "1"),
            (Some("dollars per day"), count("dollars per day"), "1"),
            (Some("bn dollars per year"), count("dollars per year"), "1000000000"),
            (Some("USD EUR"), count("usd eur"), "1"),
        ];
        for (text, dimension, factor) in cases {
            let unit = parse_unit(text).unwrap();
            assert_eq!((&unit.dimension, &unit.factor), (&dimension, &number(factor)), "{text:?}");
        }
        assert!(parse_unit(Some(&"x".repeat(MAX_UNIT_BYTES))).is_some());
        assert!(parse_unit(Some(&"x".repeat(MAX_UNIT_BYTES + 1))).is_none());
    }

    #[test]
    fn eighteen_months_are_one_and_a_half_years() {
        let months = parse_unit(Some("months")).unwrap();
        let years = parse_unit(Some("years")).unwrap();
        assert_eq!(number("18") * months.factor, number("1.5") * years.factor);
    }
}
