//! Numeric claims: numbers in digits, with separators and scale words ("1.5 million",
//! "$2bn"), their qualifier ("more than", "almost") and the thing counted. Counts spelled in
//! words ("two fire stations", "at least three weeks") are news style for incidental numbers,
//! not figures to check: they are not proposed.

use std::str::FromStr;

use bigdecimal::BigDecimal;

use crate::domain::kinds::ClaimQualifier;

/// A number found in the text, with what it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// Code-point offsets of the whole expression, qualifier included.
    pub start: usize,
    pub end: usize,
    pub value: BigDecimal,
    pub qualifier: ClaimQualifier,
    pub unit: Option<String>,
    /// Where the counted noun phrase starts ("11 trapped miners" → "trapped miners"), when the
    /// unit is a thing counted rather than a measure, money or a share.
    pub counted_from: Option<usize>,
}

/// A word of the text, with its code-point offsets.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    start: usize,
    end: usize,
}

/// Words and single punctuation marks; `12,000`, `1.5bn`, `$2` and `45-year-old` stay whole.
fn tokenize(chars: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_alphanumeric() || matches!(c, '$' | '€' | '£') {
            i += 1;
            while i < chars.len() {
                let c = chars[i];
                let joins = matches!(c, ',' | '.' | '-' | '\'' | '’')
                    && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
                    && chars[i - 1].is_alphanumeric()
                    && (c != ',' || chars[i - 1].is_ascii_digit());
                if c.is_alphanumeric() || joins {
                    i += 1;
                } else {
                    break;
                }
            }
        } else {
            i += 1;
        }
        tokens.push(Token { text: chars[start..i].iter().collect(), start, end: i });
    }
    tokens
}

pub(super) const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn scale(word: &str) -> Option<u64> {
    match word.to_lowercase().as_str() {
        "hundred" => Some(100),
        "thousand" => Some(1_000),
        "million" | "mln" => Some(1_000_000),
        "billion" | "bn" => Some(1_000_000_000),
        "trillion" => Some(1_000_000_000_000),
        _ => None,
    }
}

/// Longest numeral read as a number: longer runs of digits are identifiers, not counts, and
/// parsing a huge one would cost more than the rest of the text.
const MAX_NUMERAL_CHARS: usize = 60;

/// `12,000`, `1.5`, `300000.5`: digits with optional thousands separators and decimals.
fn digits_value(text: &str) -> Option<BigDecimal> {
    if text.len() > MAX_NUMERAL_CHARS {
        return None;
    }
    let valid_grouping = match text.split_once('.') {
        Some((int, frac)) => groups_ok(int) && frac.chars().all(|c| c.is_ascii_digit()) && !frac.is_empty(),
        None => groups_ok(text),
    };
    if !valid_grouping {
        return None;
    }
    BigDecimal::from_str(&text.replace(',', "")).ok()
}

fn groups_ok(int: &str) -> bool {
    let groups: Vec<&str> = int.split(',').collect();
    !groups[0].is_empty()
        && groups[0].len() <= if groups.len() > 1 { 3 } else { usize::MAX }
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// The qualifier the words before a number give it, and how many words that took.
fn qualifier_before(tokens: &[Token], at: usize) -> (ClaimQualifier, usize) {
    // "at least another 6 weeks", "up to a further 200": the qualifier before the extra word.
    let extra = at.checked_sub(1).is_some_and(|p| {
        matches!(tokens[p].text.to_lowercase().as_str(), "another" | "further" | "additional" | "extra")
    });
    let skip = if extra {
        1 + usize::from(at >= 2 && matches!(tokens[at - 2].text.to_lowercase().as_str(), "a" | "an"))
    } else {
        0
    };
    let (qualifier, words) = qualifier_right_before(tokens, at - skip);
    if extra && words == 0 { (qualifier, 0) } else { (qualifier, words + skip) }
}

fn qualifier_right_before(tokens: &[Token], at: usize) -> (ClaimQualifier, usize) {
    let word = |back: usize| {
        at.checked_sub(back).and_then(|i| tokens.get(i)).map(|t| t.text.to_lowercase()).unwrap_or_default()
    };
    let (one, two) = (word(1), format!("{} {}", word(2), word(1)));
    let three = format!("{} {}", word(3), two);
    match three.as_str() {
        "no more than" | "as many as" | "as much as" => return (ClaimQualifier::AtMost, 3),
        _ => {}
    }
    match two.as_str() {
        "more than" | "upwards of" | "just over" => return (ClaimQualifier::MoreThan, 2),
        "at least" => return (ClaimQualifier::AtLeast, 2),
        "less than" | "fewer than" => return (ClaimQualifier::LessThan, 2),
        "up to" | "at most" => return (ClaimQualifier::AtMost, 2),
        "close to" | "just under" | "just shy" => return (ClaimQualifier::Almost, 2),
        "an estimated" => return (ClaimQualifier::Approximately, 2),
        _ => {}
    }
    // "handed over £23,500", "took over 3 stores": the verb's particle, not a floor.
    let phrasal = matches!(
        word(2).as_str(),
        "hand"
            | "hands"
            | "handed"
            | "handing"
            | "turn"
            | "turned"
            | "take"
            | "took"
            | "taken"
            | "sign"
            | "signed"
            | "pass"
            | "passed"
            | "give"
            | "gave"
            | "given"
            | "paid"
            | "pay"
    );
    match one.as_str() {
        "over" if phrasal => (ClaimQualifier::Exact, 0),
        "over" => (ClaimQualifier::MoreThan, 1),
        "under" => (ClaimQualifier::LessThan, 1),
        "almost" | "nearly" => (ClaimQualifier::Almost, 1),
        "about" | "around" | "roughly" | "some" | "approximately" | "approx" | "estimated" => {
            (ClaimQualifier::Approximately, 1)
        }
        _ => (ClaimQualifier::Exact, 0),
    }
}

/// Plurals that do not end in "s".
const IRREGULAR_PLURALS: &[&str] = &[
    "people",
    "children",
    "men",
    "women",
    "police",
    "staff",
    "personnel",
    "cattle",
    "sheep",
    "feet",
    "fish",
    "aircraft",
    "species",
    "crew",
    "livestock",
];

/// Units of time: "over 11 weeks" spans them.
const TIME_UNITS: &[&str] = &["seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades"];

/// Units of measure and time, which head their phrase.
const MEASURES: &[&str] = &[
    "seconds",
    "minutes",
    "hours",
    "days",
    "weeks",
    "months",
    "years",
    "decades",
    "people",
    "tonnes",
    "tons",
    "metres",
    "meters",
    "kilometres",
    "kilometers",
    "miles",
    "kilograms",
    "litres",
    "liters",
    "degrees",
    "dollars",
    "euros",
    "pounds",
    "hectares",
    "acres",
    "votes",
];

/// "miners", "metres", "people": a plural noun (not "gas", "bus", "crisis").
fn is_plural(word: &str) -> bool {
    IRREGULAR_PLURALS.contains(&word)
        || (word.len() > 3
            && word.ends_with('s')
            && !["ss", "us", "is", "as"].iter().any(|e| word.ends_with(e)))
}

/// The counted noun after a number (and its scale word), lower-cased: the first plural of the
/// next few words, and of a compound the last ("11 trapped miners", "40 gas sensors",
/// "412 confirmed measles cases", "6 A320 jets"), else the word right after.
fn unit_at(tokens: &[Token], at: usize) -> Option<(String, usize)> {
    let token = tokens.get(at)?;
    let text = token.text.to_lowercase();
    match text.as_str() {
        "%" | "percent" => return Some(("percent".into(), at)),
        "percentage" if tokens.get(at + 1).is_some_and(|t| t.text.eq_ignore_ascii_case("points")) => {
            return Some(("percentage points".into(), at + 1));
        }
        "per" if tokens.get(at + 1).is_some_and(|t| t.text.eq_ignore_ascii_case("cent")) => {
            return Some(("percent".into(), at + 1));
        }
        _ => {}
    }
    let is_code = |w: &str| w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(char::is_alphabetic);
    if !is_content_word(&text) && !is_code(&text) {
        return None;
    }
    // "17 current and former athletes", "1,100 contract and permanent workers": modifiers
    // joined by "and" or "or" before the noun.
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut i = at;
    while words.len() < 4 {
        let Some(word) = tokens.get(i).map(|t| t.text.to_lowercase()) else { break };
        if is_content_word(&word) || is_code(&word) {
            words.push((i, word));
        } else if !matches!(word.as_str(), "and" | "or") || words.is_empty() {
            break;
        }
        i += 1;
    }
    let Some(first) = words.iter().position(|(_, w)| is_plural(w)) else {
        return is_content_word(&text).then_some((text, at));
    };
    // "measles cases", not "months knows": a measure is not a modifier.
    let measure = MEASURES.contains(&words[first].1.as_str());
    let last = if measure {
        first
    } else {
        first + words[first..].iter().skip(1).take_while(|(_, w)| is_plural(w)).count()
    };
    let (i, unit) = words[last].clone();
    Some((unit, i))
}

/// "MAX" of "737 MAX 8": a model's letters in capitals, before its number.
fn is_model_code(previous: Option<&Token>) -> bool {
    previous.is_some_and(|p| p.text.len() >= 2 && p.text.chars().all(|c| c.is_ascii_uppercase()))
}

/// "12 meetings", "17 votes": a lower-case plural noun counted from `at`.
fn counts_plural(tokens: &[Token], at: usize) -> bool {
    tokens.get(at).is_some_and(|t| t.text.starts_with(char::is_lowercase))
        && unit_at(tokens, at).is_some_and(|(unit, _)| is_plural(&unit))
}

fn is_content_word(text: &str) -> bool {
    let is_word = text.chars().next().is_some_and(char::is_alphabetic)
        && text.chars().all(|c| c.is_alphabetic() || c == '-');
    let function_word = matches!(
        text,
        "of" | "and"
            | "or"
            | "to"
            | "in"
            | "on"
            | "at"
            | "by"
            | "for"
            | "the"
            | "a"
            | "an"
            | "was"
            | "were"
            | "is"
            | "are"
            | "had"
            | "have"
            | "has"
            | "said"
            | "says"
            | "from"
            | "with"
            | "than"
            | "as"
            | "after"
            | "before"
            | "ahead"
            | "below"
            | "above"
            | "over"
            | "under"
            | "into"
            | "without"
            | "per"
            | "each"
            | "since"
            | "until"
            | "when"
            | "while"
            | "who"
            | "which"
            | "that"
            | "this"
            | "will"
            | "would"
            | "could"
            | "can"
            | "be"
            | "been"
    );
    is_word && !function_word
}

/// Months as datelines abbreviate them: "Dec. 6", "Sept. 5".
const MONTH_ABBREVIATIONS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"];

/// Words after a number that make it a clock time: "11 p.m.", "19 GMT".
const CLOCK_WORDS: [&str; 12] =
    ["a.m", "p.m", "am", "pm", "gmt", "utc", "bst", "cet", "est", "edt", "pst", "hrs"];

/// Nouns a number identifies rather than counts: "routes 1, 4 and 12", "page 5".
const IDENTIFIED_NOUNS: &[&str] = &[
    "route",
    "routes",
    "flight",
    "flights",
    "line",
    "lines",
    "page",
    "pages",
    "section",
    "article",
    "articles",
    "room",
    "gate",
    "gates",
    "platform",
    "platforms",
    "ward",
    "wards",
    "station",
    "berth",
    "bus",
    "number",
    "no",
    "camp",
    "block",
    "terminal",
    "terminals",
    "channel",
    "highway",
    "exit",
    "road",
    "level",
    "phase",
    "stage",
    "chapter",
    "district",
    "zone",
    "lot",
    "item",
    "unit",
    "units",
    "tower",
    "floor",
    "pier",
    "dock",
    "runway",
    "seat",
    "row",
    "table",
    "figure",
    "paragraph",
    "clause",
    "amendment",
    "resolution",
    "shaft",
    "reactor",
    "case",
    "file",
    "code",
    "box",
    "apartment",
    "flat",
    "suite",
    "episode",
    "round",
    "week",
    "marker",
    "milepost",
    "junction",
    "junctions",
];

fn is_month(token: Option<&Token>) -> bool {
    token.is_some_and(|t| MONTHS.contains(&t.text.to_lowercase().as_str()))
}

/// "Dec. 6": an abbreviated month, its dot a token of its own.
fn after_month_abbreviation(tokens: &[Token], at: usize) -> bool {
    let previous = |back: usize| at.checked_sub(back).map(|i| tokens[i].text.to_lowercase());
    let word = if previous(1).as_deref() == Some(".") { previous(2) } else { previous(1) };
    word.is_some_and(|w| MONTH_ABBREVIATIONS.contains(&w.as_str()))
}

/// Every numeric claim in the text.
pub fn find(chars: &[char]) -> Vec<Number> {
    let tokens = tokenize(chars);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let lower = token.text.to_lowercase();
        // The numeral itself: digits (maybe with a currency sign or a scale suffix) or words.
        let (currency, body) = match lower.chars().next() {
            Some('$') => (Some("dollars"), &lower[1..]),
            Some('€') => (Some("euros"), &lower['€'.len_utf8()..]),
            Some('£') => (Some("pounds"), &lower['£'.len_utf8()..]),
            _ => (None, lower.as_str()),
        };
        let suffix_scale = ["bn", "m", "k"].iter().find_map(|s| {
            body.strip_suffix(s)
                .filter(|b| b.chars().last().is_some_and(|c| c.is_ascii_digit()))
                .map(|b| (b, *s))
        });
        let (numeral, mut multiplier) = match suffix_scale {
            Some((digits, "bn")) => (digits, 1_000_000_000u64),
            Some((digits, "m")) => (digits, 1_000_000),
            Some((digits, _)) => (digits, 1_000),
            None => (body, 1),
        };
        // "41C": degrees, the scale's letter attached.
        let (numeral, degrees) = match numeral.strip_suffix(['c', 'f']) {
            Some(digits)
                if token.text.ends_with(['C', 'F']) && digits.chars().all(|c| c.is_ascii_digit()) =>
            {
                (digits, true)
            }
            _ => (numeral, false),
        };
        let value =
            numeral.starts_with(|c: char| c.is_ascii_digit()).then(|| digits_value(numeral)).flatten();
        let Some(mut number) = value else {
            i += 1;
            continue;
        };
        // Not facts: years, dates, times, ages written as "45-year-old", parts of names.
        let next = tokens.get(i + 1);
        let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
        let is_year = numeral.len() == 4
            && !numeral.contains([',', '.'])
            && (1800..=2100).contains(&numeral.parse::<u32>().unwrap_or(0));
        let is_date = is_month(next) || is_month(previous) || after_month_abbreviation(&tokens, i);
        let word_after = |k: usize| tokens.get(i + k).map(|t| t.text.to_lowercase());
        // "at 6 in the morning", "10 o'clock": an hour in words.
        let hour_in_words = (word_after(1).as_deref() == Some("in")
            && word_after(2).as_deref() == Some("the")
            && matches!(word_after(3).as_deref(), Some("morning" | "afternoon" | "evening")))
            || matches!(word_after(1).as_deref(), Some("o'clock" | "o’clock"));
        let is_time = next
            .is_some_and(|t| t.text == ":" || CLOCK_WORDS.contains(&t.text.to_lowercase().as_str()))
            || previous.is_some_and(|t| t.text == ":")
            || hour_in_words
            || (word_after(1).as_deref() == Some("local") && word_after(2).as_deref() == Some("time"));
        // "won 3 - 1", "lost 21 to 14": a match's score, either side of it.
        let is_digits =
            |at: usize| tokens.get(at).is_some_and(|t| t.text.starts_with(|c: char| c.is_ascii_digit()));
        let joins_score =
            |at: usize| tokens.get(at).is_some_and(|t| matches!(t.text.as_str(), "-" | "–" | "to"));
        let scores = |at: usize| {
            at.checked_sub(1).is_some_and(|p| {
                matches!(
                    tokens[p].text.to_lowercase().as_str(),
                    "won" | "lost" | "beat" | "drew" | "led" | "trailed" | "leading" | "trailing"
                )
            })
        };
        let is_score = (scores(i) && joins_score(i + 1) && is_digits(i + 2))
            || (i >= 2 && joins_score(i - 1) && is_digits(i - 2) && scores(i - 2));
        // "routes 1, 4 and 12": the noun's number, and the numbers listed after it.
        let identifies = |at: usize| {
            at.checked_sub(1).is_some_and(|p| IDENTIFIED_NOUNS.contains(&tokens[p].text.as_str()))
        };
        let mut listed = i;
        while listed >= 2
            && matches!(tokens[listed - 1].text.as_str(), "," | "and" | "or")
            && tokens[listed - 2].text.starts_with(|c: char| c.is_ascii_digit())
        {
            listed -= 2;
        }
        let is_identifier = identifies(i) || (listed != i && identifies(listed));
        let attached_letters = numeral.chars().any(char::is_alphabetic)
            && suffix_scale.is_none()
            && currency.is_none()
            && !numeral.chars().all(char::is_alphabetic);
        let in_name = previous.is_some_and(|p| {
            p.text.chars().next().is_some_and(char::is_uppercase)
                && p.text.len() > 1
                && !matches!(
                    p.text.as_str(),
                    "More"
                        | "Some"
                        | "About"
                        | "Almost"
                        | "Nearly"
                        | "Over"
                        | "Up"
                        | "At"
                        | "Around"
                        | "Roughly"
                        | "Less"
                        | "Fewer"
                        | "Under"
                        | "An"
                )
        }) && numeral.starts_with(|c: char| c.is_ascii_digit())
            && currency.is_none()
            // "Robichaud-Diaz 17 votes ahead": a count of a lower-case plural, not a code.
            // "737 MAX 8 jets": a model's code, whatever it counts.
            && (!counts_plural(&tokens, i + 1) || is_model_code(previous));
        // "van der Heyde, 61, told", "aged 47": an age.
        let age = (i >= 2
            && tokens[i - 1].text == ","
            && tokens[i - 2].text.starts_with(char::is_uppercase)
            && next.is_some_and(|t| t.text == ","))
            || previous.is_some_and(|p| p.text.eq_ignore_ascii_case("aged"))
            // "He was 34 years old".
            || (matches!(word_after(1).as_deref(), Some("years" | "year"))
                && word_after(2).as_deref() == Some("old"));
        // "by calling 311", "dial 0800 ...": a number to call, whatever it is.
        let phoned = previous.is_some_and(|p| {
            matches!(
                p.text.to_lowercase().as_str(),
                "call"
                    | "calling"
                    | "called"
                    | "phoned"
                    | "dial"
                    | "dialled"
                    | "dialed"
                    | "dialling"
                    | "dialing"
                    | "ring"
                    | "ringing"
                    | "text"
                    | "texting"
            )
        }) && !counts_plural(&tokens, i + 1);
        // "a 911 caller", "999 response times": an emergency line ("called 12 meetings" counts).
        let emergency = phoned
            || (matches!(numeral, "911" | "999" | "111" | "112" | "000")
                && (previous
                    .is_some_and(|p| matches!(p.text.to_lowercase().as_str(), "on" | "or" | "a" | "the"))
                    || next.is_some_and(|t| {
                        matches!(
                            t.text.to_lowercase().as_str(),
                            "caller" | "callers" | "call" | "calls" | "line" | "operator" | "if" | "response"
                        )
                    })));
        // "020 7946 0000", "No. 10": numbers that name, not count.
        let code = (numeral.len() > 1 && numeral.starts_with('0') && !numeral.starts_with("0."))
            || previous.is_some_and(|p| p.text.starts_with(|c: char| c.is_ascii_digit()))
            || (previous.is_some_and(|p| p.text == ".")
                && i >= 2
                && tokens[i - 2].text.eq_ignore_ascii_case("no"));
        // "between 200 and 300": a range, which one figure cannot hold.
        let in_range = previous.is_some_and(|p| p.text.eq_ignore_ascii_case("between"))
            || (i >= 3
                && tokens[i - 1].text == "and"
                && tokens[i - 3].text.eq_ignore_ascii_case("between")
                && tokens[i - 2].text.starts_with(|c: char| c.is_ascii_digit()));
        // "its 2024 accounts", "the 2023 general election": a year, not a count.
        let year_of = previous.is_some_and(|p| {
            matches!(
                p.text.to_lowercase().as_str(),
                "the" | "its" | "his" | "her" | "their" | "this" | "last" | "next" | "our"
            )
        }) || !unit_at(&tokens, i + 1).is_some_and(|(unit, _)| is_plural(&unit));
        if (is_year && currency.is_none() && year_of)
            || is_date
            || is_time
            || attached_letters
            || lower.contains("-year-old")
            || in_name
            || age
            || emergency
            || code
            || in_range
            || is_identifier
            || is_score
        {
            i += 1;
            continue;
        }
        // Scale words: "1.5 million", "2 billion".
        let mut j = i + 1;
        while let Some(factor) = tokens.get(j).and_then(|t| scale(&t.text)) {
            multiplier = multiplier.saturating_mul(factor);
            j += 1;
        }
        number *= BigDecimal::from(multiplier);
        let (mut qualifier, qualifier_words) = qualifier_before(&tokens, i);
        let mut first = i - qualifier_words;
        let (unit, last) = match currency {
            Some(currency) => (Some(currency.to_owned()), j - 1),
            None if degrees => (Some("degrees".to_owned()), j - 1),
            None => match unit_at(&tokens, j) {
                Some((unit, at)) => (Some(unit), at),
                None => (None, j - 1),
            },
        };
        // "over 11 weeks": a span of time, not a floor.
        if qualifier_words == 1
            && tokens[first].text.eq_ignore_ascii_case("over")
            && unit.as_deref().is_some_and(|u| TIME_UNITS.contains(&u))
        {
            qualifier = ClaimQualifier::Exact;
            first = i;
        }
        let counted = currency.is_none()
            && unit.as_deref().is_some_and(|u| u != "percent" && !MEASURES.contains(&u))
            && last >= j;
        found.push(Number {
            start: tokens[first].start,
            end: tokens[last.min(tokens.len() - 1)].end,
            value: number.normalized(),
            qualifier,
            unit,
            counted_from: counted.then(|| tokens[j].start),
        });
        i = j;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(text: &str) -> Vec<(String, ClaimQualifier, Option<String>)> {
        let chars: Vec<char> = text.chars().collect();
        find(&chars).into_iter().map(|n| (n.value.to_plain_string(), n.qualifier, n.unit)).collect()
    }

    fn claim(value: &str, qualifier: ClaimQualifier, unit: &str) -> (String, ClaimQualifier, Option<String>) {
        (value.into(), qualifier, Some(unit.into()))
    }

    #[test]
    fn digits_scales_and_qualifiers() {
        use ClaimQualifier::*;
        assert_eq!(
            claims(
                "More than 12,000 homes have lost power and 1.5 million people were told to stay indoors."
            ),
            [claim("12000", MoreThan, "homes"), claim("1500000", Exact, "people")]
        );
        assert_eq!(claims("in almost 4 years of drought"), [claim("4", Almost, "years")]);
        assert_eq!(
            claims("It cost $2 million, or 1.5bn euros"),
            [claim("2000000", Exact, "dollars"), claim("1500000000", Exact, "euros")]
        );
        assert_eq!(
            claims("at least 12 boats and up to 30% of fields"),
            [claim("12", AtLeast, "boats"), claim("30", AtMost, "percent")]
        );
        assert_eq!(claims("two fire stations, at least a dozen boats and the past two years"), []);
        assert_eq!(
            claims("412 confirmed measles cases and 6 A320 jets"),
            [claim("412", Exact, "cases"), claim("6", Exact, "jets")]
        );
        assert_eq!(
            claims("some 300 families, three hundred others"),
            [claim("300", Approximately, "families")]
        );
        assert_eq!(
            claims("over 11 weeks, 41C"),
            [claim("11", Exact, "weeks"), claim("41", Exact, "degrees")]
        );
        assert_eq!(claims("at least another 6 weeks"), [claim("6", AtLeast, "weeks")]);
    }

    #[test]
    fn dates_years_times_ages_and_names_are_not_claims() {
        assert!(
            claims("The truce was signed on 14 March 2026 at 10:30 by the 45-year-old leader on Route 66.")
                .is_empty()
        );
        assert!(claims("the G20 summit and COVID-19").is_empty());
        assert_eq!(claims("she handed over £23,500"), [claim("23500", ClaimQualifier::Exact, "pounds")]);
        assert_eq!(
            claims("17 current and former athletes"),
            [claim("17", ClaimQualifier::Exact, "athletes")]
        );
        assert!(claims("nurses at 6 in the morning, or by 10 o'clock at the latest").is_empty());
        assert!(claims("by calling 311 or texting 4040; 999 response times were not affected").is_empty());
        assert_eq!(
            claims("one caller spent 40 minutes calling 311"),
            [claim("40", ClaimQualifier::Exact, "minutes")]
        );
        assert!(claims("Residents called 911; she dialled 112. The driver was 34 years old.").is_empty());
        assert!(claims("Lanes were shut between junction 9 and junction 11.").is_empty());
        assert_eq!(
            claims("The council called 12 meetings."),
            [claim("12", ClaimQualifier::Exact, "meetings")]
        );
        assert!(claims("The team won 3 - 1, then lost 21 to 14 at home.").is_empty());
        assert!(claims("The 737 MAX 8 jets left at 19.30 local time.").is_empty());
        assert_eq!(
            claims("Turnout fell 21 to 14 percent.")[1],
            claim("14", ClaimQualifier::Exact, "percent")
        );
    }
}
