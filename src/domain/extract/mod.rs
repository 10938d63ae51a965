//! Pure text analysis (no database, no network): finds attributed quotes and numeric claims in
//! an article, with code-point offsets into it, as candidates for a person to accept.
//!
//! Attribution reads each sentence's own words (outside its quotes): the reporting verb and its
//! subject, appositions and relative clauses skipped to the head noun (`speakers`); the article's
//! cast (`discourse`) resolves pronouns, surnames, acronyms and descriptions ("the minister",
//! "the company") to the fullest name given, and keeps outlets apart as `relayed_by`.
//!
//! Cost: linear in the article's length, in time and memory. Each pass (quotation marks,
//! sentences, numbers) reads the text once; sentences and quotes are walked side by side in
//! order; speakers resolve through hash maps, looking back a bounded number of mentions; a
//! number finds its quote by binary search. A
//! sentence that never ends (a run of initials or abbreviations) is cut at
//! `MAX_SENTENCE_CHARS` outside quotation marks, a claim's statement is an excerpt of at most
//! `MAX_STATEMENT_CHARS` around its number, and at most `MAX_CANDIDATES` quotes and as many
//! claims are returned (`truncated` says when more were found).

mod discourse;
mod first_names;
pub mod numbers;
pub mod quotes;
pub mod speakers;

use serde::Serialize;

use crate::domain::kinds::{ClaimQualifier, QuoteKind, SpeakerKind};
use discourse::Discourse;
use speakers::Mention;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpeakerCandidate {
    pub name: String,
    pub kind: SpeakerKind,
    pub role: Option<String>,
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

pub(super) const DAYS: &[&str] =
    &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "St", "Gen", "Col", "Lt", "Sgt", "Prof", "No", "Jr", "Sr", "Jan", "Feb", "Mar",
    "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Gov", "Sen", "Rep", "Capt",
];
const OPENERS: &[char] = &['«', '“', '"', '‘', '‹', '„', '\''];

fn is_paragraph_break(chars: &[char], i: usize) -> bool {
    chars[i] == '\n' && chars[i + 1..].iter().take_while(|c| c.is_whitespace()).any(|c| *c == '\n')
}

fn next_word_is_day_or_zone(chars: &[char], from: usize) -> bool {
    let word: String =
        chars[from..].iter().skip_while(|c| c.is_whitespace()).take_while(|c| c.is_alphabetic()).collect();
    DAYS.contains(&word.as_str())
        || matches!(word.as_str(), "GMT" | "UTC" | "ET" | "EST" | "PT" | "CET" | "BST")
}

/// Whether the words after a quote ending in its own stop attribute it ("“It wasn't!”
/// MacTavish told supporters"): a reporting verb among the next few words.
fn attribution_follows(chars: &[char], from: usize) -> bool {
    let ahead: String = chars[from..].iter().take(80).collect();
    let words: Vec<&str> = ahead.split_whitespace().take(5).collect();
    match words.iter().position(|w| speakers::is_reporting_word(w)) {
        Some(verb) => !words[..verb].iter().any(|w| w.ends_with(['.', '!', '?'])),
        None => false,
    }
}

fn introduced_by_colon(chars: &[char], q: &quotes::Quoted) -> bool {
    chars[..q.open_mark].iter().rev().find(|c| !c.is_whitespace()) == Some(&':')
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
            // "5 p.m. Friday": a clock time's "p.m." before a day or a time zone.
            let clock = matches!(word.as_str(), "m")
                && chars[..i].ends_with(&['.', 'm'])
                && next_word_is_day_or_zone(chars, i + 1);
            // "Lt. Cmdr. Paolo Ferrante": an abbreviated title ("Prime Minister." ends a sentence).
            let abbreviated_title = word.starts_with(char::is_uppercase)
                && word.chars().count() <= 4
                && speakers::is_title(&word)
                && !matches!(
                    word.as_str(),
                    "King" | "Pope" | "Lord" | "Lady" | "Dame" | "Sir" | "Miss" | "Chair" | "Head"
                );
            let abbreviation = ABBREVIATIONS.contains(&word.as_str())
                || abbreviated_title
                || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
                || clock;
            if !abbreviation && next_starts_sentence(i + 1) {
                end = Some(i + 1);
            }
        } else if let Some(q) = closing[i]
            && matches!(chars[q.end.saturating_sub(1)], '.' | '!' | '?')
            && next_starts_sentence(i + 1)
            // "the ministry said: “….” The minister later told ...": a quote its colon
            // introduced has had its attribution.
            && (introduced_by_colon(chars, q) || !attribution_follows(chars, i + 1))
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

/// The words of `start..end`, each with the offset it starts at.
#[derive(Clone)]
struct Words {
    words: Vec<String>,
    at: Vec<usize>,
}

impl Words {
    fn of(chars: &[char], start: usize, end: usize) -> Self {
        let mut words = Self { words: Vec::new(), at: Vec::new() };
        let mut i = start;
        while i < end {
            if chars[i].is_whitespace() {
                i += 1;
                continue;
            }
            let from = i;
            while i < end && !chars[i].is_whitespace() {
                i += 1;
            }
            words.words.push(text(chars, from, i));
            words.at.push(from);
        }
        words
    }

    fn append(&mut self, other: Self) {
        self.words.extend(other.words);
        self.at.extend(other.at);
    }

    fn refs(&self) -> Vec<&str> {
        self.words.iter().map(String::as_str).collect()
    }

    /// The offset of word `i`, or `fallback` past the last.
    fn offset(&self, i: usize, fallback: usize) -> usize {
        self.at.get(i).copied().unwrap_or(fallback)
    }
}

/// The outlet that relayed words: "quoted by state television", "told Radio Costa", "said in
/// an interview with KDNV News" (an audience that is not a medium, "told the committee", is
/// not one).
fn relay(after: &str) -> Option<String> {
    // ASCII lower-casing keeps byte offsets, so `at` indexes `after` too.
    let lower = after.to_ascii_lowercase();
    for marker in [
        "quoted by ",
        "told ",
        "interview with ",
        "in remarks to ",
        "speaking to ",
        "speaking later to ",
        "speaking on ",
    ] {
        let Some(at) = lower.find(marker) else { continue };
        let phrase = after[at + marker.len()..].split([',', ';', '!', '?', ':']).next().unwrap_or_default();
        let words: Vec<&str> = phrase
            .split_whitespace()
            .take_while(|w| {
                !matches!(
                    *w,
                    "on" | "in"
                        | "at"
                        | "after"
                        | "before"
                        | "that"
                        | "outside"
                        | "during"
                        | "by"
                        | "via"
                        | "over"
                        | "from"
                        | "when"
                        | "while"
                        | "as"
                )
            })
            .collect();
        // After "told", only the listeners: "told the BBC her managers were ...".
        let words = if marker == "told " { &words[..audience_len(&words)] } else { &words[..] };
        let needs_medium = marker == "told " || marker.starts_with("speaking");
        if words.is_empty() || words.len() > 6 || (needs_medium && !speakers::is_medium(words)) {
            continue;
        }
        if let Some(outlet) = speakers::outlet(words) {
            return Some(outlet);
        }
    }
    None
}

/// Who said a quote, as the words around it give it: the noun phrase naming the speaker, an
/// apposition giving their role, the offset of the attribution, and the outlet that relayed
/// the words when the text names one.
struct Attribution {
    speaker: Vec<String>,
    role: Option<Vec<String>>,
    at: usize,
    relayed_by: Option<String>,
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

fn attribution(speaker: &[&str], role: Option<Vec<&str>>, at: usize) -> Attribution {
    Attribution { speaker: owned(speaker), role: role.map(|r| owned(&r)), at, relayed_by: None }
}

/// The attribution in the words after a quote: ", she said", ", said Lena Marchetti, a
/// spokeswoman for ...", ", Name, <long title>, told journalists", ", Radio Norte quoted him
/// as saying", or, ending the sentence, a bare name: ", Norvalia's representative, former
/// president Henrik van der Lande."
fn attribution_after(after: &Words, ends_sentence: bool) -> Option<Attribution> {
    let words = after.refs();
    let clause_end = words.iter().position(|w| w.ends_with(';')).map_or(words.len(), |i| i + 1);
    // The punctuation a closing mark leaves ("», said ...") starts nothing.
    let skip = words.iter().take_while(|w| speakers::bare(w).is_empty()).count().min(clause_end);
    let after = Words { words: after.words[skip..].to_vec(), at: after.at[skip..].to_vec() };
    let words = after.refs();
    let words = &words[..clause_end - skip];
    if let Some(found) = quoted_as_saying(&after, 0, words) {
        return Some(found);
    }
    if let Some(v) =
        (0..words.len()).find(|&i| speakers::is_speech_verb(words, i) || speakers::is_quoting_verb(words, i))
    {
        let at = after.offset(v, 0);
        let mut found = if v == 0 {
            speakers::phrase_after(&words[1..]).map(|(np, role)| match role {
                // "said the ministry's spokesman, Ali Reza": the name after the role.
                Some(name) if speakers::names_person(&name) && !speakers::names_person(&np) => {
                    attribution(&name, Some(np), at)
                }
                role => attribution(&np, role, at),
            })
        } else {
            speakers::subject_before(&words[..v]).map(|(np, role)| attribution(&np, role, at))
        }?;
        // "..., she said, according to state television": the outlet that relayed it.
        found.relayed_by = (v + 1..words.len().saturating_sub(2))
            .find(|&i| {
                speakers::bare(words[i]).eq_ignore_ascii_case("according")
                    && speakers::bare(words[i + 1]) == "to"
            })
            .and_then(|a| speakers::outlet(&words[a + 2..]));
        return Some(found);
    }
    // "“…,” according to the ministry."
    if let Some(a) = (0..words.len().saturating_sub(2)).find(|&i| {
        speakers::bare(words[i]).eq_ignore_ascii_case("according") && speakers::bare(words[i + 1]) == "to"
    }) {
        return speakers::phrase_after(&words[a + 2..])
            .map(|(np, role)| attribution(&np, role, after.offset(a, 0)));
    }
    if !ends_sentence {
        return None;
    }
    let (name, role) = speakers::verbless(words)?;
    let role: Vec<&str> = role.split_whitespace().collect();
    let name: Vec<&str> = name.split_whitespace().collect();
    Some(attribution(&name, (!role.is_empty()).then_some(role), after.offset(words.len() - 1, 0)))
}

/// "<Outlet> quoted him as saying", "he was quoted by <Outlet> as saying", "<Outlet> cited
/// her as saying": the outlet relays, the one quoted spoke. `words` are `all`'s from `from`.
fn quoted_as_saying(all: &Words, from: usize, words: &[&str]) -> Option<Attribution> {
    let quoted = |w: &&str| matches!(speakers::bare(w), "quoted" | "cited");
    if let Some(q) = words.iter().position(quoted)
        && q > 0
        && matches!(speakers::bare(words[q - 1]), "was" | "were" | "is" | "been")
    {
        // "he was quoted as saying by the daily Le Courrier": the subject spoke.
        let outlet = words[q..]
            .iter()
            .position(|w| speakers::bare(w) == "by")
            .and_then(|b| speakers::outlet(&words[q + b + 1..]));
        let mut subject = &words[..q - 1];
        while subject.last().is_some_and(|w| matches!(speakers::bare(w), "has" | "had" | "have")) {
            subject = &subject[..subject.len() - 1];
        }
        let mut found = speakers::subject_before(subject)
            .map(|(np, role)| attribution(&np, role, all.offset(from + q, 0)))?;
        found.relayed_by = outlet;
        return Some(found);
    }
    let q = words.iter().position(quoted)?;
    let r#as = words[q..].iter().take(6).position(|w| speakers::bare(w) == "as").map(|a| q + a)?;
    if r#as <= q + 1 {
        return None;
    }
    let outlet = speakers::subject_before(&words[..q]).and_then(|(np, _)| speakers::outlet(&np));
    let mut found = attribution(&words[q + 1..r#as], None, all.offset(from + q, 0));
    found.relayed_by = outlet;
    Some(found)
}

/// The attribution in the words before a quote: "Name said: «", "She told reporters, “",
/// "X explained the decision in a letter: '", "Furness put it more bluntly: '".
fn attribution_before(before: &Words) -> Option<Attribution> {
    let words = before.refs();
    // "Radio Norte quoted him as saying: «": the one quoted, relayed by the outlet.
    if words.last().is_some_and(|w| speakers::bare(w) == "saying")
        && let Some(found) = quoted_as_saying(before, 0, &words)
    {
        return Some(found);
    }
    let colon = words.last().is_some_and(|w| w.ends_with(':'));
    let verb = if colon {
        // "Asked whether she would go, Phillips replied:": the first verb with a subject.
        (1..words.len())
            .filter(|&i| speakers::is_speech_verb(&words, i) || speakers::is_framing_verb(words[i]))
            .take(MAX_VERBS_TRIED)
            .find(|&i| speakers::subject_before(&words[..i]).is_some())
    } else {
        // Nothing but an object ("reporters", "the BBC") may follow the verb.
        (0..words.len())
            .rev()
            .find(|&i| speakers::is_speech_verb(&words, i))
            .filter(|&v| words.len() - v <= 5)
    };
    match verb {
        Some(v) => {
            speaker_of_verb(&words, 0, v).map(|(np, role)| attribution(&np, role, before.offset(v, 0)))
        }
        None if colon => {
            speakers::leading_subject(&words).map(|np| attribution(&np, None, before.offset(0, 0)))
        }
        None => None,
    }
}

/// The person a sentence without a reporting verb is about, when it opens with them: "Ana
/// Ruiz was blunt", "The union's leader, Ana Ruiz, disagreed", "She was defiant".
fn introduced_person(words: &[&str]) -> Option<Mention> {
    let v = own_verb(words, 1, words.len().min(speakers::MAX_SUBJECT_WORDS))?;
    if (0..words.len()).any(|i| speakers::is_speech_verb(words, i)) {
        return None;
    }
    let (subject, _) = speakers::subject_before(&words[..v])?;
    match speakers::noun_phrase(&subject)? {
        mention @ (Mention::Pronoun { feminine: Some(_) }
        | Mention::Named { kind: SpeakerKind::Person, .. }) => Some(mention),
        _ => None,
    }
}

/// The sentence's own verb among `words[from..to]`, which its subject comes before: the first
/// auxiliary or past form in lower case ("Ana Ruiz was blunt", "Mark Lowe disagreed, ...").
fn own_verb(words: &[&str], from: usize, to: usize) -> Option<usize> {
    (from..to).find(|&i| {
        let word = speakers::bare(words[i]);
        word.starts_with(char::is_lowercase) && (speakers::is_auxiliary(word) || word.ends_with("ed"))
    })
}

/// The speaker of a partial quote: the subject of the sentence's reporting or framing verb
/// ("An official with X said they aimed to discuss «...»", "X called the cuts «painful»").
/// Of two clauses ("X said that ..., while Y warned that «...»"), the one the quote is in.
fn attribution_of_partial(before: &Words, from: usize) -> Option<Attribution> {
    let words = before.refs();
    if let Some(found) = quoted_as_saying(before, from, &words[from..]) {
        return Some(found);
    }
    let clause = (from + 1..words.len()).rev().find(|&i| opens_contrast(&words, i)).map_or(from, |c| c + 1);
    let v = (clause..words.len())
        .find(|&i| speakers::is_speech_verb(&words, i) || speakers::is_framing_verb(words[i]))?;
    speaker_of_verb(&words, clause, v).map(|(np, role)| attribution(&np, role, before.offset(v, 0)))
}

/// Where the subject of the reporting verb at `v` starts, from `from`: "The Kremlin, she
/// said, saw ..." between the commas around the verb.
fn subject_start(words: &[&str], from: usize, v: usize) -> usize {
    words[v]
        .ends_with(',')
        .then(|| (from..v).rev().take(5).find(|&i| words[i].ends_with(',')))
        .flatten()
        .filter(|&comma| comma + 1 < v)
        .map_or(from, |comma| comma + 1)
}

/// The speaker of the reporting verb at `v`: set off after it by commas inside the
/// reporter's sentence ("It is, says Dr Amara Singh, ..."), else its subject from `from`.
fn speaker_of_verb<'a>(
    words: &[&'a str],
    from: usize,
    v: usize,
) -> Option<(Vec<&'a str>, Option<Vec<&'a str>>)> {
    let inverted = v > from && words[v - 1].ends_with(',') && !words[v].ends_with(',');
    if inverted
        && let Some(comma) = words[v + 1..].iter().take(12).position(|w| w.ends_with(','))
        && let Some(found) = speakers::phrase_after(&words[v + 1..=v + 1 + comma])
    {
        return Some(found);
    }
    let start = subject_start(words, from, v);
    speakers::subject_before(&words[start..v])
        .or_else(|| (start > from).then(|| speakers::subject_before(&words[from..v])).flatten())
}

/// ", while" or ", whereas" at `i` (never the first word): a clause with a subject of its own.
fn opens_contrast(words: &[&str], i: usize) -> bool {
    matches!(speakers::bare(words[i]), "while" | "whereas") && words[i - 1].ends_with(',')
}

/// The speaker an attribution names, resolved against the article's cast.
fn resolve(cast: &mut Discourse, found: &Attribution) -> Option<SpeakerCandidate> {
    let np: Vec<&str> = found.speaker.iter().map(String::as_str).collect();
    let mut mention = speakers::noun_phrase(&np)?;
    if let (
        Mention::Named { role: role @ None, kind: SpeakerKind::Person | SpeakerKind::Organisation, .. },
        Some(apposition),
    ) = (&mut mention, &found.role)
    {
        let words: Vec<&str> = apposition.iter().map(String::as_str).collect();
        let skip = usize::from(
            words.first().is_some_and(|w| matches!(w.to_lowercase().as_str(), "a" | "an" | "the")),
        );
        let text = words[skip..].join(" ");
        let text = text.trim_end_matches([',', '.', ':']).trim();
        *role = (!text.is_empty()).then(|| text.to_owned());
    }
    if let Some(outlet) = &found.relayed_by {
        cast.outlet(outlet);
    }
    cast.speaker(mention, found.at)
}

/// A quote is partial when it sits inside the reporter's own sentence: after a word, and not
/// a sentence of its own (one starting with a capital and ending as sentences end).
fn is_partial(chars: &[char], q: &quotes::Quoted) -> bool {
    let previous = chars[..q.open_mark].iter().rev().find(|c| !c.is_whitespace());
    let after_word = previous.is_some_and(|c| c.is_alphanumeric());
    let sentence = chars[q.start].is_uppercase() && matches!(chars[q.end - 1], '.' | '!' | '?' | ',' | '…');
    after_word && !sentence
}

/// Words that may follow a reporting verb before what it reports, or end a sentence after
/// it: "said on Monday", "said in a study published on Wednesday".
fn is_scene(word: &str) -> bool {
    let word = speakers::bare(word).to_lowercase();
    DAYS.iter().any(|d| d.eq_ignore_ascii_case(&word))
        || matches!(
            word.as_str(),
            "on" | "in"
                | "at"
                | "late"
                | "early"
                | "last"
                | "this"
                | "yesterday"
                | "today"
                | "tonight"
                | "overnight"
                | "during"
                | "after"
                | "before"
                | "by"
                | "from"
                | "via"
                | "earlier"
                | "later"
                | "when"
                | "while"
                | "outside"
                | "inside"
                | "near"
        )
}

/// Nouns of listeners an article names: "told the court", "told a rally".
const AUDIENCE_NOUNS: &[&str] = &[
    "court",
    "jury",
    "committee",
    "hearing",
    "panel",
    "tribunal",
    "conference",
    "briefing",
    "rally",
    "meeting",
    "inquiry",
    "senate",
    "commons",
    "assembly",
    "council",
    "crowd",
    "audience",
    "lawmakers",
    "reporters",
];

/// How many words name the listeners after "told" when no "that" follows: "reporters", "the
/// court", "a news conference", "the BBC", "Radio Norte".
fn audience_len(words: &[&str]) -> usize {
    if words.first().is_some_and(|w| is_audience(w)) {
        return 1;
    }
    if let Some(noun) =
        words.iter().take(4).position(|w| AUDIENCE_NOUNS.contains(&speakers::bare(w).to_lowercase().as_str()))
    {
        return noun + 1;
    }
    // "the BBC", "Radio Norte", "the state broadcaster ORT": the longest named medium.
    (1..=words.len().min(5))
        .rev()
        .find(|&k| {
            let last = words[k - 1];
            (last.starts_with(char::is_uppercase) || speakers::is_medium(&[last]))
                && speakers::is_medium(&words[..k])
        })
        .unwrap_or(0)
}

/// Listeners a reporting verb names before what it reports: "told reporters that".
fn is_audience(word: &str) -> bool {
    matches!(
        speakers::bare(word).to_lowercase().as_str(),
        "reporters"
            | "journalists"
            | "supporters"
            | "lawmakers"
            | "parliament"
            | "delegates"
            | "residents"
            | "staff"
    )
}

/// Reporting verbs of one sentence tried for the report it makes: a sentence of nothing but
/// verbs must cost no more than a few.
const MAX_VERBS_TRIED: usize = 8;

/// Reported speech in a sentence without quotation marks: "<Subject> said [on Monday]
/// [that] <clause>", "<Subject> told <audience> that <clause>", "<clause>, <Subject> said."
/// Gives the words naming the speaker and the clause's character span.
fn indirect(
    words: &Words,
    from: usize,
    sentence_end: usize,
    chars: &[char],
) -> Option<(Attribution, usize, usize)> {
    let refs = words.refs();
    (from + 1..refs.len())
        .filter(|&v| speakers::is_speech_verb(&refs, v))
        .take(MAX_VERBS_TRIED)
        .find_map(|v| reported_by(words, &refs, from, v, sentence_end, chars))
        .or_else(|| according_to(words, &refs, from, sentence_end, chars))
        .or_else(|| stated_intention(words, &refs, from, sentence_end, chars))
        .or_else(|| relayed_report(words, &refs, from, sentence_end, chars))
        .or_else(|| reported_by_participle(words, &refs, from, sentence_end, chars))
}

/// Participles by which a sentence's subject goes on to report: "rejected the findings,
/// adding that the cuts were to blame", "disagreed, telling the BBC the cuts were to blame".
const REPORTING_PARTICIPLES: &[&str] =
    &["saying", "adding", "telling", "warning", "arguing", "insisting", "noting", "stressing", "claiming"];

/// "<Subject> <verb>ed ..., <participle> [<audience>] [that] <report>.": the report is the
/// subject's words, relayed by the audience when it is an outlet.
fn reported_by_participle(
    words: &Words,
    refs: &[&str],
    from: usize,
    sentence_end: usize,
    chars: &[char],
) -> Option<(Attribution, usize, usize)> {
    let p = (from + 2..refs.len())
        .find(|&i| refs[i - 1].ends_with(',') && REPORTING_PARTICIPLES.contains(&speakers::bare(refs[i])))?;
    let telling = speakers::bare(refs[p]) == "telling";
    let audience = if telling { audience_len(&refs[p + 1..]) } else { 0 };
    if telling && audience == 0 {
        return None;
    }
    let mut first = p + 1 + audience;
    let that = refs.get(first).is_some_and(|w| *w == "that");
    first += usize::from(that);
    if !long_enough_to_report(refs.len().saturating_sub(first), that) {
        return None;
    }
    let v = own_verb(refs, from + 1, p)?;
    let (np, role) = speakers::subject_before(&refs[from..v])?;
    let clause_end = sentence_end - trailing_stop(chars, sentence_end);
    let start = words.offset(first, clause_end);
    let mut found = attribution(&np, role, words.offset(p, 0));
    found.relayed_by =
        (audience > 0).then(|| relay(&format!("told {}", refs[p + 1..=p + audience].join(" ")))).flatten();
    (start < clause_end).then_some((found, start, clause_end))
}

/// What an outlet relays without quotation marks: "Radio Norte quoted him as saying the talks
/// would resume", "he was quoted by Interfax as saying that ...", "<clause>, state media quoted
/// her as saying."
fn relayed_report(
    words: &Words,
    refs: &[&str],
    from: usize,
    sentence_end: usize,
    chars: &[char],
) -> Option<(Attribution, usize, usize)> {
    let saying =
        (from + 2..refs.len()).find(|&i| speakers::bare(refs[i]) == "saying" && refs[i - 1] == "as")?;
    let clause_end = sentence_end - trailing_stop(chars, sentence_end);
    let first = saying + 1 + usize::from(refs.get(saying + 1).is_some_and(|w| *w == "that"));
    if refs.len() >= first + 3 {
        let found = quoted_as_saying(words, from, &refs[from..=saying])?;
        let start = words.offset(first, clause_end);
        return (start < clause_end).then_some((found, start, clause_end));
    }
    // The clause before the outlet, when the sentence ends with "as saying".
    let comma = (from..saying).rev().find(|&i| refs[i].ends_with(','))?;
    if refs.len() != saying + 1 || comma < from + 2 {
        return None;
    }
    let found = quoted_as_saying(words, comma + 1, &refs[comma + 1..=saying])?;
    let end = words.offset(comma, 0) + refs[comma].chars().count() - 1;
    Some((found, words.offset(from, 0), end))
}

/// Nouns of what someone means to do, reported with a verb of saying: "voiced its intention
/// to hold talks", "expressed hope that the talks would succeed".
const INTENTIONS: &[&str] = &["intention", "intent", "readiness", "willingness", "determination", "hope"];

/// "<Subject> voiced (its) intention to <report>.": the infinitive or the clause is what was
/// said.
fn stated_intention(
    words: &Words,
    refs: &[&str],
    from: usize,
    sentence_end: usize,
    chars: &[char],
) -> Option<(Attribution, usize, usize)> {
    let v = (from + 1..refs.len()).find(|&i| {
        matches!(
            speakers::bare(refs[i]),
            "voiced" | "expressed" | "stated" | "declared" | "signalled" | "signaled"
        )
    })?;
    let possessive =
        usize::from(refs.get(v + 1).is_some_and(|w| matches!(*w, "its" | "his" | "her" | "their" | "the")));
    let noun = v + 1 + possessive;
    if !refs.get(noun).is_some_and(|w| INTENTIONS.contains(w)) {
        return None;
    }
    let first = noun + 1 + usize::from(refs.get(noun + 1).is_some_and(|w| matches!(*w, "to" | "that")));
    let clause_end = sentence_end - trailing_stop(chars, sentence_end);
    let start = words.offset(first, clause_end);
    if refs.len() < first + 2 || start >= clause_end {
        return None;
    }
    let (np, role) = speakers::subject_before(&refs[from..v])?;
    Some((attribution(&np, role, words.offset(v, 0)), start, clause_end))
}

/// "According to the directorate, <clause>." and "<clause>, according to the directorate."
fn according_to(
    words: &Words,
    refs: &[&str],
    from: usize,
    sentence_end: usize,
    chars: &[char],
) -> Option<(Attribution, usize, usize)> {
    let a = (from..refs.len().saturating_sub(2)).find(|&i| {
        speakers::bare(refs[i]).eq_ignore_ascii_case("according") && speakers::bare(refs[i + 1]) == "to"
    })?;
    let clause_end = sentence_end - trailing_stop(chars, sentence_end);
    // "according to figures published on Wednesday": a document, not a speaker.
    let source: Vec<String> = refs[a + 2..]
        .iter()
        .take(6)
        .map(|w| speakers::bare(w).to_lowercase())
        .take_while(|w| !matches!(w.as_str(), "on" | "in" | "by" | "from" | "at"))
        .collect();
    // "figures published on Monday", "finance ministry projections": the last word tells a
    // document from "the statistics office".
    let is_document = |w: &String| {
        matches!(
            w.as_str(),
            "figures"
                | "data"
                | "statistics"
                | "estimates"
                | "documents"
                | "records"
                | "report"
                | "study"
                | "survey"
                | "poll"
                | "analysis"
                | "calculations"
                | "sources"
                | "results"
                | "tallies"
                | "returns"
                | "projections"
                | "forecasts"
                | "filings"
        )
    };
    let last_document = source.iter().rposition(is_document);
    let last_body = source.iter().rposition(|w| speakers::is_organisation_word(w));
    let document = last_document.is_some_and(|d| last_body.is_none_or(|b| d > b));
    if document {
        return None;
    }
    if a == from {
        // The source runs to the first comma.
        let mut comma = (a + 2..refs.len()).find(|&i| refs[i].ends_with(','))?;
        // "According to Lise Harrow, an analyst at Dunmore Securities, ...": past the apposition.
        if refs.get(comma + 1).is_some_and(|w| matches!(speakers::bare(w), "a" | "an" | "the")) {
            comma = (comma + 1..refs.len()).find(|&i| refs[i].ends_with(',')).unwrap_or(comma);
        }
        let (source, role) = speakers::subject_before(&refs[a + 2..=comma])?;
        let start = words.offset(comma + 1, clause_end);
        return (refs.len() - comma > 3 && start < clause_end)
            .then(|| (attribution(&source, role, words.offset(a, 0)), start, clause_end));
    }
    if a > from && refs[a - 1].ends_with(',') && refs.len() - a <= 10 {
        let start = words.offset(from, 0);
        let end = words.offset(a - 1, 0) + refs[a - 1].chars().count() - 1;
        return Some((attribution(&refs[a + 2..], None, words.offset(a, 0)), start, end));
    }
    None
}

/// How many characters at the end of a sentence close it: its stop and the spaces around.
fn trailing_stop(chars: &[char], sentence_end: usize) -> usize {
    chars[..sentence_end].iter().rev().take_while(|c| matches!(c, '.' | '!' | ' ' | '\n')).count()
}

/// Whether `words` words after a reporting verb can be what it reports: two after "that"
/// ("warned that obstacles remained"), else three, so that "said on Monday" reports nothing.
fn long_enough_to_report(words: usize, after_that: bool) -> bool {
    words >= if after_that { 2 } else { 3 }
}

/// The reported speech of the verb at `v`, if that verb reports any.
fn reported_by(
    words: &Words,
    refs: &[&str],
    from: usize,
    v: usize,
    sentence_end: usize,
    chars: &[char],
) -> Option<(Attribution, usize, usize)> {
    // "according to United Nations estimates": a noun after "according to", not a verb.
    if refs[v.saturating_sub(4).max(from)..v]
        .iter()
        .any(|w| speakers::bare(w).eq_ignore_ascii_case("according"))
    {
        return None;
    }
    // "conceded defeat", "announced a plan": verbs that also take a plain object report only
    // a clause ("announced that ...", "warned it would ...").
    let reports_anything =
        matches!(speakers::bare(refs[v]), "said" | "says" | "say" | "told" | "tells" | "added" | "adds");
    let opens_clause = |w: &&str| {
        matches!(
            speakers::bare(w).to_lowercase().as_str(),
            "that" | "it" | "he" | "she" | "they" | "we" | "there"
        )
    };
    // "predicted the result would stand": a subject, then a finite verb of its own.
    let finite_soon = refs[v + 1..].iter().take(5).take_while(|w| !w.ends_with(',')).any(|w| {
        matches!(
            speakers::bare(w),
            "would"
                | "will"
                | "could"
                | "can"
                | "had"
                | "has"
                | "have"
                | "was"
                | "were"
                | "is"
                | "are"
                | "should"
                | "might"
                | "may"
                | "must"
        )
    });
    // "warned that", "warned it would", "warned on Tuesday that".
    let clause_follows = finite_soon
        || refs.get(v + 1).is_some_and(opens_clause)
        || (refs.get(v + 1).is_some_and(|w| is_scene(w))
            && refs[v + 1..].iter().take(8).any(|w| *w == "that"));
    let at = words.offset(v, 0);
    let clause_end = sentence_end - trailing_stop(chars, sentence_end);
    let told = matches!(speakers::bare(refs[v]), "told" | "tells");
    // "<clause>, X told parliament on Tuesday.": the audience, then the scene.
    let audience = if told {
        // "told reporters the bridge would reopen": listeners it knows end where they end.
        Some(audience_len(&refs[v + 1..])).filter(|&known| known > 0).unwrap_or_else(|| {
            refs[v + 1..].iter().take(5).take_while(|w| !is_scene(w) && **w != "that").count()
        })
    } else {
        0
    };
    let after = &refs[v + 1 + audience..];
    let qualified =
        after.len() > 1 && matches!((after[0], after[1]), ("at", "least" | "most") | ("up", "to"));
    // "said at a news conference outside the school just after 2:15 p.m." sets a scene,
    // however long; "said on Monday its profit rose 12% in the first quarter" reports.
    let gathering = after.len() > 2
        && matches!(after[0], "at" | "in" | "during")
        && after[1..4.min(after.len())].iter().any(|w| {
            matches!(
                speakers::bare(w),
                "conference"
                    | "briefing"
                    | "meeting"
                    | "rally"
                    | "hearing"
                    | "statement"
                    | "interview"
                    | "ceremony"
                    | "session"
                    | "summit"
            )
        });
    // "said on Monday, as hospitals ...", "said on Monday, leaving it ...": what follows the
    // scene's comma is the reporter's, so the report came before the verb.
    let scene_then_comma =
        after.first().is_some_and(|w| is_scene(w)) && after.iter().take(4).any(|w| w.ends_with(','));
    // "said in a statement it had lost ...": a clause after the scene.
    let clause_after_scene = after.iter().take(7).any(opens_clause);
    let reported_after = !scene_then_comma
        && ((after.len() > 8 && !gathering)
            || clause_after_scene
            || qualified
            || !after.first().is_none_or(|w| is_scene(w))
            || after.contains(&"that")
            || (told && refs.len() == v + 1 + audience && audience > 3));
    // "<clause>, said Ana Ruiz, the chief negotiator." (not "X, who ..., said she would").
    let relative_before =
        (from..v).rev().skip(1).take_while(|&i| !refs[i].ends_with(',')).last().is_some_and(|i| {
            matches!(speakers::bare(refs[i]).to_lowercase().as_str(), "who" | "which" | "whose" | "where")
        });
    // "..., Borealis Metals, announced Tuesday.": a day is no name.
    let names_after = refs.get(v + 1).is_some_and(|w| {
        w.starts_with(char::is_uppercase)
            && !matches!(speakers::bare(w), "He" | "She" | "It" | "They" | "We" | "I")
            && !is_scene(w)
    });
    if v > from && refs[v - 1].ends_with(',') && !told && names_after && !relative_before && after.len() <= 10
    {
        let (np, role) = speakers::phrase_after(after)?;
        let start = words.offset(from, 0);
        let end = words.offset(v - 1, 0) + refs[v - 1].chars().count() - 1;
        return Some((attribution(&np, role, at), start, end));
    }
    if !reported_after {
        // "<clause>, the ministry said on Tuesday." (not "By Sunday evening, police said at
        // least 3,000 people ...": a scene, then what was said).
        // "..., Judith Ormsby, has said.": the auxiliary goes with the verb.
        let verb_start = if v > from + 1 && matches!(speakers::bare(refs[v - 1]), "has" | "have" | "had") {
            v - 1
        } else {
            v
        };
        let named_commas: Vec<usize> =
            speakers::commas_inside_names(&refs[from..verb_start]).into_iter().map(|i| i + from).collect();
        let clause_comma = |i: &usize| refs[*i].ends_with(',') && !named_commas.contains(i);
        let mut comma = (from..verb_start).rev().find(clause_comma)?;
        // "..., his lawyer, Irina Dobre, said on Friday.": the subject and its apposition.
        if comma + 1 == verb_start {
            comma = (from..comma).rev().find(clause_comma)?;
            comma = (from..comma).rev().find(clause_comma).filter(|&c| verb_start - c <= 12).unwrap_or(comma);
        }
        let subject = &refs[comma + 1..verb_start];
        if subject.is_empty() || subject.len() > 12 || is_scene(subject[0]) || comma - from < 3 {
            return None;
        }
        let (np, role) = speakers::subject_before(subject)?;
        let start = words.offset(from, 0);
        let end = words.offset(comma, 0) + refs[comma].chars().count() - 1;
        return Some((attribution(&np, role, at), start, end));
    }
    if !reports_anything && !clause_follows {
        return None;
    }
    let (np, role) = speakers::subject_before(&refs[subject_start(refs, from, v)..v])?;
    let mut next = v + 1;
    // "pointed out that": the verb's particle.
    if refs.get(next).is_some_and(|w| *w == "out") {
        next += 1;
    }
    if matches!(speakers::bare(refs[v]), "told" | "tells") {
        // The audience runs to "that", or is one of the usual listeners.
        match refs[next..].iter().take(8).position(|w| *w == "that") {
            Some(that) => next += that,
            None => match audience_len(&refs[next..]) {
                0 => return None,
                audience => next += audience,
            },
        }
    }
    // "said on Monday that", "said in a statement it had": the scene before the clause goes.
    if refs.get(next).is_some_and(|w| is_scene(w)) {
        if let Some(that) = refs[next..].iter().take(8).position(|w| *w == "that") {
            next += that;
        } else if let Some(pronoun) =
            refs[next..].iter().take(7).position(|w| matches!(*w, "it" | "he" | "she" | "they" | "we"))
        {
            next += pronoun;
        }
    }
    while next < refs.len() && next < v + 6 {
        let word = speakers::bare(refs[next]).to_lowercase();
        if word == "on" || DAYS.iter().any(|d| d.eq_ignore_ascii_case(&word)) {
            next += 1;
        } else {
            break;
        }
    }
    let that = refs.get(next).is_some_and(|w| *w == "that");
    next += usize::from(that);
    if !long_enough_to_report(refs.len() - next, that) {
        return None;
    }
    let start = words.offset(next, 0);
    (start < clause_end).then(|| (attribution(&np, role, at), start, clause_end))
}

/// Verbs in the past that go on from a reporting verb's subject, after ", but" or ", and",
/// when their subject is not repeated: "said the talks would resume, but gave no date".
const SUBJECTLESS_CONTINUATIONS: &[&str] =
    &["gave", "did", "declined", "refused", "offered", "provided", "stopped"];

/// The parts of a reported clause that are reported speech: "<A>, adding that <B>" is two,
/// and what its subject did next ("<A>, but gave no date") none.
fn reported_parts(chars: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let clause = Words::of(chars, start, end);
    let refs = clause.refs();
    let comma_end = |i: usize| clause.at[i] + refs[i].chars().count() - 1;
    for i in 1..refs.len().saturating_sub(1) {
        if !refs[i - 1].ends_with(',') {
            continue;
        }
        let word = speakers::bare(refs[i]);
        if word == "adding"
            && let Some(next) = added_report(&refs, i)
        {
            return vec![(start, comma_end(i - 1)), (clause.at[next], end)];
        }
        if matches!(word, "but" | "and") && SUBJECTLESS_CONTINUATIONS.contains(&speakers::bare(refs[i + 1])) {
            return vec![(start, comma_end(i - 1))];
        }
    }
    vec![(start, end)]
}

/// Where the report after ", adding [that]" (the word at `adding`) starts, when it is long
/// enough to be one.
fn added_report(refs: &[&str], adding: usize) -> Option<usize> {
    let next = adding + 1 + usize::from(refs.get(adding + 1).is_some_and(|w| *w == "that"));
    (refs.len() >= next + 3).then_some(next)
}

/// The clause a quote's speaker goes on to report in the same sentence: "... «a verdict
/// without a trial» and said he would appeal to the tribunal."
fn reported_after_quote(after: &Words, chars: &[char], sentence_end: usize) -> Option<(usize, usize)> {
    let refs = after.refs();
    let end = sentence_end - trailing_stop(chars, sentence_end);
    // "“…,” he told reporters, adding that Warsaw would host ...".
    if let Some(adding) = refs.iter().position(|w| speakers::bare(w) == "adding")
        && adding > 0
        && refs[adding - 1].ends_with(',')
    {
        let start = added_report(&refs, adding).map(|next| after.offset(next, end));
        return start.filter(|&start| start < end).map(|start| (start, end));
    }
    let and = refs.iter().position(|w| !speakers::bare(w).is_empty())?;
    if !matches!(speakers::bare(refs[and]), "and" | "but") {
        return None;
    }
    let adverb = refs.get(and + 1).is_some_and(|w| matches!(speakers::bare(w), "also" | "later" | "then"));
    let verb = and + 1 + usize::from(adverb);
    // "and said he would appeal", "but cautioned that his country could not ...".
    let says =
        refs.get(verb).is_some_and(|w| matches!(speakers::bare(w), "said" | "says" | "added" | "adds"));
    let reports_clause = refs.get(verb).is_some_and(|w| speakers::is_reporting_word(w))
        && refs.get(verb + 1).is_some_and(|w| *w == "that");
    if !says && !reports_clause {
        return None;
    }
    let that = refs.get(verb + 1).is_some_and(|w| *w == "that");
    let next = verb + 1 + usize::from(that);
    if !long_enough_to_report(refs.len().saturating_sub(next), that) {
        return None;
    }
    let start = after.offset(next, 0);
    (start < end).then_some((start, end))
}

/// The clause a partial quote's speaker reports before framing the quote: "said he would
/// raise the closure next week and called the vote 'a betrayal'".
fn reported_before_quote(before: &Words) -> Option<(usize, usize, usize)> {
    let refs = before.refs();
    let v = (0..refs.len()).find(|&i| speakers::is_speech_verb(&refs, i))?;
    if !matches!(speakers::bare(refs[v]), "said" | "says" | "added" | "adds") {
        return None;
    }
    // "... and called the vote «...»", "..., while Y warned that «...»".
    let and = (v + 1..refs.len().saturating_sub(1)).find(|&i| {
        (refs[i] == "and" && speakers::is_framing_verb(refs[i + 1])) || opens_contrast(&refs, i)
    })?;
    // "said on Monday that ...": the scene is not the report.
    let that = refs[v + 1..and].iter().take(8).position(|w| *w == "that").map(|t| v + 1 + t);
    let first = match that {
        Some(t) if refs.get(v + 1).is_some_and(|w| is_scene(w) || *w == "that") => t + 1,
        _ => v + 1,
    };
    if and < first + 3 {
        return None;
    }
    let last = refs[and - 1];
    let end = before.offset(and - 1, 0) + last.trim_end_matches([',', ';']).chars().count();
    Some((before.offset(first, 0), end, v))
}

/// Where a sentence's own words begin: after the dateline of an article's first sentence
/// ("PORT SAREVO, March 4 (Meridian Wire) — ").
fn after_dateline(words: &Words, first_sentence: bool) -> usize {
    if !first_sentence {
        return 0;
    }
    words
        .words
        .iter()
        .take(15)
        .position(|w| matches!(w.as_str(), "—" | "–" | "--" | "-"))
        .map_or(0, |i| i + 1)
}

/// Characters around a number read for its metric.
const MAX_METRIC_CHARS: usize = 200;

/// Words that end the phrase before a number without being what it measures: "Grain exports
/// from Valdoria fell to 1.2 million tonnes" measures "Grain exports from Valdoria".
const METRIC_TRAILERS: &[&str] = &[
    "to",
    "by",
    "at",
    "of",
    "from",
    "was",
    "were",
    "is",
    "are",
    "be",
    "been",
    "has",
    "have",
    "had",
    "fell",
    "rose",
    "reached",
    "hit",
    "cost",
    "costs",
    "totalled",
    "totaled",
    "stood",
    "grew",
    "dropped",
    "climbed",
    "jumped",
    "increased",
    "decreased",
    "raised",
    "raises",
    "cut",
    "lost",
    "won",
    "paid",
    "spent",
    "received",
    "put",
    "the",
    "a",
    "an",
    "with",
    "for",
    "in",
    "on",
    "and",
    "its",
    "their",
    "his",
    "her",
    "than",
    "up",
    "down",
    "against",
    "after",
    "before",
    "about",
    "around",
    "nearly",
    "almost",
    "some",
    "over",
    "under",
];

/// What a number measures: the things it counts ("trapped miners"), a share or measure of
/// something ("percent of the vote"), or what its clause says before it ("Grain exports
/// from Valdoria").
fn metric(chars: &[char], number: &numbers::Number, s_start: usize, s_end: usize) -> String {
    if let Some(from) = number.counted_from {
        return text(chars, from, number.end);
    }
    let unit = number.unit.clone().unwrap_or_default();
    let after: String = chars[number.end.min(s_end)..s_end].iter().take(MAX_METRIC_CHARS).collect();
    let after = after.split([',', '.', ';', ':', '»', '”', '"']).next().unwrap_or_default().trim();
    if let Some(of) = after.strip_prefix("of ") {
        let of: Vec<&str> = of.split_whitespace().take(5).collect();
        return format!("{unit} of {}", of.join(" ")).trim().to_owned();
    }
    let before: String =
        chars[s_start.max(number.start.saturating_sub(MAX_METRIC_CHARS))..number.start].iter().collect();
    let before = before.rsplit([',', ';', ':', '(', '«', '“', '"']).next().unwrap_or_default();
    let mut words: Vec<&str> = before.split_whitespace().collect();
    // Only what follows another figure of the clause is this one's.
    if let Some(figure) = words.iter().rposition(|w| w.chars().any(|c| c.is_ascii_digit())) {
        words.drain(..=figure);
    }
    while words.last().is_some_and(|w| METRIC_TRAILERS.contains(&w.to_lowercase().as_str())) {
        words.pop();
    }
    while words.first().is_some_and(|w| METRIC_TRAILERS.contains(&w.to_lowercase().as_str())) {
        words.remove(0);
    }
    let phrase = words[words.len().saturating_sub(6)..].join(" ");
    if phrase.is_empty() { unit } else { phrase }
}

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

/// Where clauses of a sentence meet: after a comma or semicolon, before "and" or "but".
fn clause_breaks(chars: &[char], (start, end): (usize, usize)) -> Vec<usize> {
    (start..end)
        .filter(|&i| {
            let spaced = chars.get(i + 1).is_some_and(|c| c.is_whitespace());
            let rest = &chars[i + 1..end];
            (matches!(chars[i], ',' | ';') && spaced)
                || (chars[i] == ' '
                    && (rest.starts_with(&['a', 'n', 'd', ' ']) || rest.starts_with(&['b', 'u', 't', ' '])))
        })
        .collect()
}

/// The clause of `sentence` holding the number at `number`, between the numbers before and
/// after it: several figures in one sentence each get their own statement.
fn clause_of(
    chars: &[char],
    sentence: (usize, usize),
    breaks: &[usize],
    number: (usize, usize),
    previous_end: usize,
    next_start: usize,
) -> (usize, usize) {
    let start =
        breaks.iter().rev().find(|&&b| b < number.0 && b >= previous_end).map_or(sentence.0, |&b| b + 1);
    let end = breaks.iter().find(|&&b| b >= number.1 && b < next_start).copied().unwrap_or(sentence.1);
    let start = start + chars[start..end].iter().take_while(|c| c.is_whitespace()).count();
    let end = end - chars[start..end].iter().rev().take_while(|c| c.is_whitespace()).count();
    (start, end.max(start))
}

/// The last sentence with quotes: a quote after it in the same paragraph, or reopening it in
/// the next, continues it.
struct LastQuoted {
    paragraph: usize,
    close_mark: Option<usize>,
    speaker: Option<SpeakerCandidate>,
    relayed_by: Option<String>,
}

/// Whether a sentence points back at words quoted before it: "That was Leon Varga", "The
/// account came from ...", "Those were the words of ...", "..., recalled those seconds".
fn points_back(words: &[&str]) -> bool {
    opens_pointing_back(words)
        || (0..words.len()).any(|i| {
            speakers::is_speech_verb(words, i)
                || matches!(
                    speakers::bare(words[i]).to_lowercase().as_str(),
                    "account" | "words" | "recalled" | "remembered" | "recounted" | "described"
                )
        })
}

/// "That was ...", "Those were the words of ...", "So said ...".
fn opens_pointing_back(words: &[&str]) -> bool {
    words.first().is_some_and(|w| {
        matches!(
            speakers::bare(w).to_lowercase().as_str(),
            "that" | "those" | "this" | "these" | "such" | "so"
        )
    })
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
    let mut cast = Discourse::default();
    let mut extraction = Extraction::default();
    let breaks: Vec<usize> = (0..chars.len()).filter(|&i| is_paragraph_break(&chars, i)).collect();
    let paragraph_of = |at: usize| breaks.partition_point(|&b| b < at);
    // Quotes with no attribution of their own wait for the next attributed quote of their
    // paragraph; a quote continuing the previous one (same paragraph, or reopened after a
    // paragraph break) takes its speaker.
    let mut pending: Vec<usize> = Vec::new();
    let mut previous: Option<LastQuoted> = None;
    let mut last_speaker: Option<SpeakerCandidate> = None;
    // "Diallo-Kanté said:" ending a sentence: who speaks in the quote that follows.
    let mut announced: Option<SpeakerCandidate> = None;
    // Quotes and sentences are both in text order: one index walks the quotes.
    let mut next_quote = 0;
    for (n, &(s_start, s_end)) in spans.iter().enumerate() {
        while next_quote < quoted.len() && quoted[next_quote].open_mark < s_start {
            next_quote += 1;
        }
        let in_sentence: Vec<&quotes::Quoted> =
            quoted[next_quote..].iter().take_while(|q| q.open_mark < s_end).collect();
        if extraction.quotes.len() > MAX_CANDIDATES {
            break;
        }
        cast.next_sentence();
        let paragraph = paragraph_of(s_start);
        // The sentence's own words, around its quotes: before the first, between, after the last.
        let close_of = |q: &quotes::Quoted| q.close_mark.map_or(q.end, |m| m + 1).min(s_end);
        let before = Words::of(&chars, s_start, in_sentence.first().map_or(s_end, |q| q.open_mark));
        let between: Vec<Words> = in_sentence
            .windows(2)
            .map(|pair| Words::of(&chars, close_of(pair[0]), pair[1].open_mark))
            .collect();
        let after = in_sentence.last().map(|q| Words::of(&chars, close_of(q), s_end));
        let mut own = before.clone();
        for words in between.iter().chain(&after) {
            own.append(words.clone());
        }
        // "LARKSPUR FALLS — ": a dateline's place is nobody in the cast.
        let dateline = after_dateline(&before, n == 0);
        cast.notice(&own.refs()[dateline..], &own.at[dateline..]);
        // What the words before the sentence's first quote report, read at most once.
        let report = std::cell::OnceCell::new();
        let report_before = || report.get_or_init(|| indirect(&before, dateline, s_end, &chars));
        // Quotes of a paragraph that never said whose they are: the person the next paragraph
        // opens with when it points back at them ("That's how Leanne Kowalchuk, 51, described
        // ...", "The account came from ..."), else the last speaker. A person named after the
        // next paragraph's own quote ("“…,” said Dana Kessler") speaks that quote, and one
        // who does something else ("Gov. Beau Fontenot signed an order and said he would ...")
        // is news of their own.
        // In the quotes' own paragraph, only a sentence that opens by pointing back ("That was
        // the message from Ana Ruiz") names their speaker.
        let next_paragraph =
            pending.first().is_some_and(|&p| paragraph_of(extraction.quotes[p].start) != paragraph);
        let pointed_at_here = !next_paragraph
            && !pending.is_empty()
            && in_sentence.is_empty()
            && opens_pointing_back(&before.refs());
        if next_paragraph || pointed_at_here {
            let points_back = points_back(&before.refs()) && report_before().is_none();
            let opener =
                points_back.then(|| speakers::leading_person(&before.refs())).flatten().and_then(|np| {
                    cast.speaker(Mention::Named { name: np, kind: SpeakerKind::Person, role: None }, s_start)
                });
            let speaker = if next_paragraph { opener.or_else(|| last_speaker.clone()) } else { opener };
            if speaker.is_some() || next_paragraph {
                for p in pending.drain(..) {
                    extraction.quotes[p].speaker = speaker.clone();
                    extraction.quotes[p].confidence = if speaker.is_some() { 0.5 } else { 0.2 };
                }
            }
        }

        if in_sentence.is_empty() {
            let quote_follows_here = spans.get(n + 1).is_some_and(|&(next, _)| {
                paragraph_of(next) == paragraph && quoted.get(next_quote).is_some_and(|q| q.open_mark == next)
            });
            announced = before
                .words
                .last()
                .filter(|w| w.ends_with(':'))
                .and_then(|_| attribution_before(&before))
                .and_then(|found| resolve(&mut cast, &found))
                .or_else(|| {
                    // "Ana Ruiz was blunt. “This offer is an insult.”": the person the sentence
                    // is about speaks the quote that follows it.
                    quote_follows_here
                        .then(|| introduced_person(&before.refs()[dateline..]))
                        .flatten()
                        .and_then(|mention| cast.speaker(mention, s_start))
                });
            if let Some((found, start, end)) = report_before()
                && let Some(speaker) = resolve(&mut cast, found)
            {
                let relayed_by = found
                    .relayed_by
                    .as_deref()
                    .map(|outlet| cast.outlet(outlet))
                    .or_else(|| relay(&text(&chars, s_start, s_end)));
                for (start, end) in reported_parts(&chars, *start, *end) {
                    let clause = text(&chars, start, end);
                    if let Some(pronoun) = clause.split_whitespace().next() {
                        cast.hint_by_pronoun(&speaker, pronoun);
                    }
                    extraction.quotes.push(QuoteCandidate {
                        text: clause,
                        kind: QuoteKind::Indirect,
                        start,
                        end,
                        relayed_by: relayed_by.clone(),
                        speaker: Some(speaker.clone()),
                        confidence: 0.6,
                    });
                }
                last_speaker = Some(speaker);
            }
            continue;
        }
        let partial = in_sentence.iter().any(|q| is_partial(&chars, q));
        // A partial quote is the words of its sentence's subject; others are attributed after
        // the quote, between its parts, or before it: the first attribution naming someone.
        let candidates = partial
            .then(|| attribution_of_partial(&before, dateline))
            .into_iter()
            .chain(between.iter().map(|words| attribution_after(words, false)))
            .chain([
                after.as_ref().and_then(|words| attribution_after(words, true)),
                attribution_before(&before),
            ])
            .flatten();
        let mut found = None;
        let mut speaker = None;
        for candidate in candidates {
            if let Some(named) = resolve(&mut cast, &candidate) {
                speaker = Some(named);
                found = Some(candidate);
                break;
            }
        }
        let mut confidence = if speaker.is_some() { 0.9 } else { 0.4 };
        let last = in_sentence[in_sentence.len() - 1];
        let continues = previous.as_ref().is_some_and(
            |LastQuoted { paragraph: paragraph_before, close_mark: close, .. }| {
                *paragraph_before == paragraph || (close.is_none() && *paragraph_before + 1 == paragraph)
            },
        );
        if speaker.is_none()
            && let Some(announcer) = announced.take()
        {
            speaker = Some(announcer);
            confidence = 0.8;
        }
        announced = None;
        let mut carried_relay = None;
        if speaker.is_none() && continues {
            speaker = previous.as_ref().and_then(|last| last.speaker.clone());
            carried_relay = previous.as_ref().and_then(|last| last.relayed_by.clone());
            confidence = 0.7;
        }
        let relayed_by = found
            .and_then(|found| found.relayed_by)
            .or(carried_relay)
            .or_else(|| between.iter().find_map(|words| relay(&words.words.join(" "))))
            .or_else(|| after.as_ref().and_then(|words| relay(&words.words.join(" "))))
            .or_else(|| relay(&before.words.join(" ")))
            .map(|outlet| cast.outlet(&outlet));
        let first_speaker = speaker.clone();
        for (k, q) in in_sentence.iter().enumerate() {
            let partial = is_partial(&chars, q);
            // "X called the plan «a disgrace», while Y defended it as «necessary»": a later
            // partial quote may have a subject of its own.
            if partial
                && k > 0
                && let Some(own) =
                    attribution_of_partial(&between[k - 1], 0).and_then(|found| resolve(&mut cast, &found))
            {
                speaker = Some(own);
            }
            extraction.quotes.push(QuoteCandidate {
                text: text(&chars, q.start, q.end),
                kind: if partial { QuoteKind::Partial } else { QuoteKind::Direct },
                start: q.start,
                end: q.end,
                speaker: speaker.clone(),
                relayed_by: relayed_by.clone(),
                confidence,
            });
        }
        let index = extraction.quotes.len() - in_sentence.len();
        // "X called the decision «a verdict» and said he would appeal": the report after;
        // "X said he would raise it and called the vote 'a betrayal'": the report before.
        // The report before is its own verb's subject's ("X said ..., while Y warned «...»").
        let report = match after.as_ref().and_then(|after| reported_after_quote(after, &chars, s_end)) {
            Some(span) => Some((span, speaker.clone())),
            None => partial.then(|| reported_before_quote(&before)).flatten().map(|(start, end, v)| {
                let refs = before.refs();
                let own = speakers::subject_before(&refs[dateline.min(v)..v])
                    .and_then(|(np, role)| resolve(&mut cast, &attribution(&np, role, before.offset(v, 0))));
                ((start, end), own.or_else(|| first_speaker.clone()))
            }),
        };
        if let Some(((start, end), Some(reporter))) = report {
            extraction.quotes.push(QuoteCandidate {
                text: text(&chars, start, end),
                kind: QuoteKind::Indirect,
                start,
                end,
                speaker: Some(reporter),
                relayed_by: None,
                confidence: 0.6,
            });
        }
        if speaker.is_some() {
            for p in pending.drain(..) {
                extraction.quotes[p].speaker = first_speaker.clone();
                extraction.quotes[p].confidence = 0.7;
            }
            last_speaker = speaker.clone();
        } else {
            pending.extend(index..extraction.quotes.len());
        }
        previous = Some(LastQuoted { paragraph, close_mark: last.close_mark, speaker, relayed_by });
    }
    for p in pending {
        extraction.quotes[p].speaker = last_speaker.clone();
        extraction.quotes[p].confidence = if last_speaker.is_some() { 0.5 } else { 0.2 };
    }
    extraction.quotes.sort_by_key(|q| q.start);
    extraction.truncated = extraction.quotes.len() > MAX_CANDIDATES;
    extraction.quotes.truncate(MAX_CANDIDATES);

    let numbers = numbers::find(&chars);
    extraction.truncated |= numbers.len() > MAX_CANDIDATES;
    let numbers: Vec<numbers::Number> = numbers.into_iter().take(MAX_CANDIDATES).collect();
    let mut clause_breaks_of: Option<((usize, usize), Vec<usize>)> = None;
    for (i, number) in numbers.iter().enumerate() {
        let sentence = sentence_of(number.start);
        let previous_end =
            i.checked_sub(1).map(|p| &numbers[p]).filter(|p| p.start >= sentence.0).map_or(0, |p| p.end);
        let next_start = numbers.get(i + 1).filter(|n| n.start < sentence.1).map_or(usize::MAX, |n| n.start);
        let span = if previous_end == 0 && next_start == usize::MAX {
            sentence
        } else {
            if clause_breaks_of.as_ref().is_none_or(|(s, _)| *s != sentence) {
                clause_breaks_of = Some((sentence, clause_breaks(&chars, sentence)));
            }
            let breaks = clause_breaks_of.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default();
            clause_of(&chars, sentence, breaks, (number.start, number.end), previous_end, next_start)
        };
        let (s_start, s_end) = statement_around(span, number.start, number.end);
        let metric = metric(&chars, number, s_start, s_end);
        // Quotes do not overlap: only the last one starting at or before the number can hold it.
        let claimant = extraction.quotes[..extraction.quotes.partition_point(|q| q.start <= number.start)]
            .last()
            .filter(|q| number.end <= q.end)
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
            unit: number.unit.clone(),
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

    /// The quotes found in `article`, each with its speaker, are `expected`.
    #[track_caller]
    fn assert_speakers(article: &str, expected: &[(&str, &str)]) {
        let found = extract(article);
        let quotes: Vec<(&str, &str)> = found.quotes.iter().map(|q| (q.text.as_str(), speaker(q))).collect();
        assert_eq!(quotes, expected, "{found:?}");
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
    fn a_sentence_pointing_back_names_the_quote_before_it_in_its_paragraph() {
        let found =
            extract("Mark Stone spoke first. \"We will win.\" That was the message from Ana Ruiz on Monday.");
        assert_eq!(found.quotes.iter().map(speaker).collect::<Vec<_>>(), ["Ana Ruiz"], "{found:?}");
    }

    #[test]
    fn a_paragraph_of_only_a_quote_goes_on_with_the_quote_before() {
        let found = extract(
            "“We have 140 miles of old pipe,” Marcus Oyelaran, director of the water department, said.\n\n\
             “That math does not work.”\n\n\
             “We had nurses carrying water,” said Dana Kessler, a spokeswoman for the hospital.",
        );
        let speakers: Vec<&str> = found.quotes.iter().map(speaker).collect();
        assert_eq!(speakers, ["Marcus Oyelaran", "Marcus Oyelaran", "Dana Kessler"]);
    }

    #[test]
    fn an_outlet_with_a_name_like_a_persons_is_no_antecedent() {
        let found = extract(
            "Dr Hélène Batista runs the clinic. « We are seeing whole families », \
             the daily L'Écho de Saint-Aubin quoted her as saying.",
        );
        assert_eq!(speaker(&found.quotes[0]), "Hélène Batista");
        assert_eq!(found.quotes[0].relayed_by.as_deref(), Some("L'Écho de Saint-Aubin"));
    }

    #[test]
    fn descriptions_and_pronouns_find_who_was_meant() {
        let found = extract(
            "Prosecuting, Ruth Adeyemi told the court that the money was never repaid. \
             ‘He treated it as his own’, the prosecutor said.\n\n\
             Niamh O’Dowd addressed the students. Her deputy, Tadhg Mulvey, read out the list. \
             ‘Every one of those names is somebody’s future’, she said.\n\n\
             Workers will strike on Thursday, the Union of Metal, Electrical and Transport Workers said.",
        );
        let quotes: Vec<(&str, &str)> = found.quotes.iter().map(|q| (q.text.as_str(), speaker(q))).collect();
        assert_eq!(
            quotes,
            [
                ("the money was never repaid", "Ruth Adeyemi"),
                ("He treated it as his own", "Ruth Adeyemi"),
                ("Every one of those names is somebody’s future", "Niamh O’Dowd"),
                ("Workers will strike on Thursday", "Union of Metal, Electrical and Transport Workers"),
            ]
        );
    }

    #[test]
    fn titles_abbreviated_or_not_at_a_sentence_end() {
        let found =
            extract("“We are close,” said the Prime Minister. “We are not,” said Lt. Cmdr. Paolo Ferrante.");
        let speakers: Vec<&str> = found.quotes.iter().map(speaker).collect();
        assert_eq!(speakers, ["Prime Minister", "Paolo Ferrante"], "{found:?}");
    }

    #[test]
    fn numbers_in_quotes_belong_to_the_speaker() {
        let found = extract("“More than 300,000 people have been killed,” said Geir Larsen, the envoy.");
        assert_eq!(found.claims.len(), 1);
        assert_eq!(found.claims[0].value, "300000");
        assert_eq!(found.claims[0].claimant.as_ref().map(|s| s.name.as_str()), Some("Geir Larsen"));
        assert_eq!(found.claims[0].metric, "people");
    }

    #[test]
    fn given_names_places_and_clauses_tell_who_a_later_mention_means() {
        assert_speakers(
            "Tomasz Wierzba stood beside Karen Oduya at the gate. \u{201c}We were never told,\u{201d} she said.\n\n\
             Ferrywoman Greta Salo met union members outside the Harbour Exchange in Tallin. \
             \u{201c}The boats stay in,\u{201d} she said. She called the plan \u{201c}a betrayal\u{201d}.\n\n\
             Dr Imre Falk, who examined the hull, said the welds had failed. \
             \u{201c}They were never inspected,\u{201d} the surveyor told the inquiry.\n\n\
             The Harbour Exchange building was closed. \u{201c}We are closed,\u{201d} it said.\n\n\
             Paul Smith and his wife Jane run the bakery. \u{201c}We are thrilled,\u{201d} she said.",
            &[
                ("We were never told,", "Karen Oduya"),
                ("The boats stay in,", "Greta Salo"),
                ("a betrayal", "Greta Salo"),
                ("the welds had failed", "Imre Falk"),
                ("They were never inspected,", "Imre Falk"),
                ("We are closed,", "Harbour Exchange"),
                ("We are thrilled,", "Jane"),
            ],
        );
    }

    #[test]
    fn a_one_word_name_no_one_bears_is_the_body_a_later_description_or_it_means() {
        assert_speakers(
            "Halsey Airport was closed. Northair flight NA417 to Corrano turned back, and 4 people were \
             hurt, the airline said.",
            &[("Northair flight NA417 to Corrano turned back, and 4 people were hurt", "Northair")],
        );
        assert_speakers(
            "The Trade Council met on Monday. Kordex, which employs 3,000 people, reported a loss. \
             \"Trading was difficult,\" it said.",
            &[("Trading was difficult,", "Kordex")],
        );
        assert_speakers(
            "\"We need a striker,\" Rovenna said in a statement. The club said it expects him to play.",
            &[("We need a striker,", "Rovenna"), ("it expects him to play", "Rovenna")],
        );
        // A surname a pronoun speaks of is a person's; an opening noun or participle is no name.
        assert_speakers(
            "Asked whether she would resign, Phillips replied: \"No.\" \"We regret this,\" the company said.",
            &[("No.", "Phillips"), ("We regret this,", "company")],
        );
        assert_speakers(
            "Relatives waited outside. Shares in Velmar fell. \"It was a tragedy,\" the insurer said.",
            &[("It was a tragedy,", "insurer")],
        );
    }

    #[test]
    fn a_clause_opening_the_sentence_neither_speaks_nor_is_the_pronoun() {
        assert_speakers(
            "Former minister Alan Grey gave evidence on Tuesday. Asked by counsel Hugo Keith KC \
             whether he had read the report, he replied: \"I did not.\"",
            &[("I did not.", "Alan Grey")],
        );
        assert_speakers(
            "Mayor Ruth Allan faced the council. Pressed by councillor Tom Reid about the cost, she \
             said the budget would hold.",
            &[("the budget would hold", "Ruth Allan")],
        );
        assert_speakers(
            "Ruth Allan met Tom Reid. When Reid arrived, he said: \"We will pay.\"",
            &[("We will pay.", "Tom Reid")],
        );
    }

    #[test]
    fn a_group_at_a_named_body_is_that_bodys() {
        assert_speakers(
            "Most of the coral has bleached, according to researchers at the University of Port Aldis. \
             \"Prices will rise,\" said analysts at Nordbank Capital. \
             The plan is \"dead in the water\", according to analysts at Nordbank. \
             Doctors at the Royal Infirmary said the ward was full. \
             \"It was chaos,\" said witnesses at the scene.",
            &[
                ("Most of the coral has bleached", "researchers at the University of Port Aldis"),
                ("Prices will rise,", "analysts at Nordbank Capital"),
                ("dead in the water", "analysts at Nordbank"),
                ("the ward was full", "Doctors at the Royal Infirmary"),
                ("It was chaos,", "witnesses"),
            ],
        );
    }

    #[test]
    fn a_reported_clause_ends_where_its_subject_goes_on() {
        assert_speakers(
            "The ministry said the plan was sound, adding that costs would fall. \
             The envoy said the next round would take place in early November, but gave no date. \
             Ana Ruiz said the firm had lost money, but did not say how much.",
            &[
                ("the plan was sound", "ministry"),
                ("costs would fall", "ministry"),
                ("the next round would take place in early November", "envoy"),
                ("the firm had lost money", "Ana Ruiz"),
            ],
        );
        // A subject of its own after "but" keeps the clause whole.
        assert_speakers(
            "Ana Ruiz said the firm had lost money, but the bank would help.",
            &[("the firm had lost money, but the bank would help", "Ana Ruiz")],
        );
    }

    #[test]
    fn how_a_quote_was_spoken_attributes_it() {
        assert_speakers(
            "Then came Tomas Lind, the opposition leader, who had waited two hours to speak.\n\n\
             \"This is a sad day,\" he began. \"I am not a robot,\" joked Ana Ruiz.",
            &[("This is a sad day,", "Tomas Lind"), ("I am not a robot,", "Ana Ruiz")],
        );
        // Far from the quote, such a verb is the sentence's own ("began the session").
        assert_speakers(
            "\"We are ready,\" said Ana Ruiz. \"Good,\" the chair of the session that began on Monday \
             and ended late said.",
            &[("We are ready,", "Ana Ruiz"), ("Good,", "chair of the session")],
        );
    }

    #[test]
    fn a_name_set_before_a_bodys_description_names_it() {
        assert_speakers(
            "Halvard Line reported a profit. Velmar, the Oslo-based shipping firm, lost $2bn. \
             \"We will recover,\" it said. The company said it would cut 300 jobs.",
            &[("We will recover,", "Velmar"), ("it would cut 300 jobs", "Velmar")],
        );
    }

    #[test]
    fn the_answer_to_a_question_is_not_its_askers() {
        assert_speakers(
            "Ann Reyes, the head of the agency, appeared before the committee. Panel chair Olu Bako \
             asked whether the agency had been warned. \"Yes,\" she replied.",
            &[("whether the agency had been warned", "Olu Bako"), ("Yes,", "Ann Reyes")],
        );
        assert_speakers(
            "Mayor Joan Pike faced reporters. Councillor Sam Otieno, who chairs the finance committee, \
             asked if the budget would be cut. \"Not this year,\" she answered.",
            &[("if the budget would be cut", "Sam Otieno"), ("Not this year,", "Joan Pike")],
        );
        // With no one else to mean, the pronoun is who asked.
        assert_speakers(
            "Sam Otieno asked if the budget would be cut. \"Not this year, I hope,\" he said.",
            &[("if the budget would be cut", "Sam Otieno"), ("Not this year, I hope,", "Sam Otieno")],
        );
    }

    #[test]
    fn where_someone_is_from_describes_the_person_last_named() {
        assert_speakers(
            "The coach, Marc Duval, was furious. \"Unacceptable,\" the Frenchman said.\n\n\
             Ana Ruiz won the final in straight sets. \"I am so proud,\" the Colombian told reporters.\n\n\
             Tom Hale lost to Ilse Smit. \"I was lucky,\" the Dutchwoman said.\n\n\
             Hospital chief Dr Sam Patel warned of delays. His colleague, Nurse Joy Akande, disagreed. \
             \"We are coping,\" Akande said.",
            &[
                ("Unacceptable,", "Marc Duval"),
                ("I am so proud,", "Ana Ruiz"),
                ("I was lucky,", "Ilse Smit"),
                ("We are coping,", "Joy Akande"),
            ],
        );
    }

    #[test]
    fn a_participle_after_the_verb_reports_the_subjects_words() {
        assert_speakers(
            "Her predecessor, Mark Lowe, disagreed, telling the BBC the cuts were to blame.\n\n\
             The ministry dismissed the claims on Monday, adding that the data was old.\n\n\
             The river burst its banks, flooding 300 homes.",
            &[("the cuts were to blame", "Mark Lowe"), ("the data was old", "ministry")],
        );
        let found = extract("Mark Lowe disagreed, telling the BBC the cuts were to blame.");
        assert_eq!(found.quotes[0].relayed_by.as_deref(), Some("BBC"));
    }

    #[test]
    fn constructions_of_wire_copy_probed_beyond_the_corpus() {
        assert_speakers(
            "In a statement, the ministry said: \"We are reviewing the report.\" The minister later told \
             parliament the report was flawed. Asked whether she would resign, Phillips replied: \
             \"Absolutely not.\"\n\n\
             The company, which employs 4,000 people, denied the claims. It said its record was \"second to none\".\n\n\
             Peter Hall was angry. \"Nobody came,\" he told Reuters. Officials told reporters the bridge would reopen. \
             It has not disclosed how much it raised. Smith revealed that the club had received an offer.\n\n\
             Opposition leader Jan Novak called the plan \"a disgrace\", while Finance Minister Eva Kral defended it \
             as \"necessary\".\n\n\
             \"Both sides are playing for time,\" said Tatiana Stanovaya. The Kremlin, she said, saw no reason to \
             compromise.\n\n\
             The foreign minister said on Monday that peace talks would resume next week, while the envoy warned \
             that any deal depended on \"realities on the ground\".\n\n\
             Radoslaw Sikorski backed the plan. \"We stand with you,\" he told reporters, adding that Warsaw would \
             host a donor conference.",
            &[
                ("We are reviewing the report.", "ministry"),
                ("the report was flawed", "minister"),
                ("Absolutely not.", "Phillips"),
                ("second to none", "company"),
                ("Nobody came,", "Peter Hall"),
                ("the bridge would reopen", "officials"),
                ("the club had received an offer", "Smith"),
                ("a disgrace", "Jan Novak"),
                ("necessary", "Eva Kral"),
                ("Both sides are playing for time,", "Tatiana Stanovaya"),
                ("saw no reason to compromise", "Tatiana Stanovaya"),
                ("peace talks would resume next week", "foreign minister"),
                ("realities on the ground", "envoy"),
                ("We stand with you,", "Radoslaw Sikorski"),
                ("Warsaw would host a donor conference", "Radoslaw Sikorski"),
            ],
        );
    }

    #[test]
    fn an_occupation_or_title_before_a_given_name_is_the_role_a_description_uses() {
        assert_speakers(
            "Judge Ellen Park sentenced Mark Dale. \"You showed no remorse,\" the judge told him.\n\n\
             Mark Dale was sentenced by Judge Ellen Park. \"It is done,\" she told him.\n\n\
             Biathlete Malin Aasvik-Torre denied doping. \"I am clean,\" the biathlete said.",
            &[
                ("You showed no remorse,", "Ellen Park"),
                ("It is done,", "Ellen Park"),
                ("I am clean,", "Malin Aasvik-Torre"),
            ],
        );
    }

    #[test]
    fn an_unnamed_speaker_or_a_document_is_someone_named_or_described_before() {
        assert_speakers(
            "Maria Lopez resigned on Friday. A spokeswoman for the ministry said the post would be filled.\n\n\
             \"We are grateful,\" she added.\n\n\
             Maria Lopez left. A police spokesman declined to comment. \"We do not discuss that,\" he said.\n\n\
             The ministry issued a statement. \"The situation is under control,\" the statement said.\n\n\
             Mark Stone leads the opposition. \"It will fail,\" the 58-year-old said. The 58-year-old said that \
             the plan would fail.",
            &[
                ("the post would be filled", "spokeswoman for the ministry"),
                ("We are grateful,", "spokeswoman for the ministry"),
                ("We do not discuss that,", "police spokesman"),
                ("The situation is under control,", "ministry"),
                ("It will fail,", "Mark Stone"),
                ("the plan would fail", "Mark Stone"),
            ],
        );
    }

    #[test]
    fn what_an_outlet_quotes_someone_as_saying_is_theirs() {
        let found = extract(
            "Viktor Hale visited the front. He was quoted by Interfax as saying the line would \"hold at any cost\". \
             The newspaper Kommersant cited him as saying that the army \"will hold\".\n\n\
             Radio Norte quoted him as saying the talks would resume next week.\n\n\
             The ferry would sail on Friday, state media quoted Hale as saying.\n\n\
             He was quoted by the daily Postimees as saying that he had other duties.\n\n\
             Interfax quoted him as saying: \"The port stays open.\"",
        );
        let quotes: Vec<(&str, &str, Option<&str>)> =
            found.quotes.iter().map(|q| (q.text.as_str(), speaker(q), q.relayed_by.as_deref())).collect();
        assert_eq!(
            quotes,
            [
                ("hold at any cost", "Viktor Hale", Some("Interfax")),
                ("will hold", "Viktor Hale", Some("Kommersant")),
                ("the talks would resume next week", "Viktor Hale", Some("Radio Norte")),
                ("The ferry would sail on Friday", "Viktor Hale", Some("state media")),
                ("he had other duties", "Viktor Hale", Some("Postimees")),
                ("The port stays open.", "Viktor Hale", Some("Interfax")),
            ],
            "{found:?}"
        );
    }

    #[test]
    fn the_body_a_role_is_held_at_is_what_its_generic_description_means() {
        assert_speakers(
            "Ana Ruiz, the chief executive of Skyline, apologised. \"We let passengers down,\" the airline boss said.\n\n\
             Northair chief executive Lena Ortiz apologised. \"We are sorry,\" the airline said in a statement.",
            &[("We let passengers down,", "Ana Ruiz"), ("We are sorry,", "Northair")],
        );
    }

    #[test]
    fn a_name_before_a_role_and_its_holder_is_where_the_role_is_held() {
        assert_speakers(
            "White House press secretary Mary Jones spoke first. She said the president \"remains confident\".\n\n\
             Harbour Line chief executive Tom Reed was next. \"We are sorry,\" he said.",
            &[("remains confident", "Mary Jones"), ("We are sorry,", "Tom Reed")],
        );
    }

    #[test]
    fn the_person_a_sentence_is_about_speaks_the_quote_after_it() {
        assert_speakers(
            "The union's general secretary, Ana Ruiz, was blunt. \"This offer is an insult.\"\n\n\
             The bridge was closed. \"It was chaos.\" Peskov disagreed.\n\n\
             Tom Reed arrived at nine. \"It was late,\" said one witness.",
            &[
                ("This offer is an insult.", "Ana Ruiz"),
                ("It was chaos.", "Ana Ruiz"),
                ("It was late,", "witness"),
            ],
        );
    }

    #[test]
    fn a_participle_phrase_after_the_subject_names_no_one() {
        assert_speakers(
            "The report, published by the Institute for Fiscal Studies, said taxes would rise next year.\n\n\
             The alliance, led by Saudi Arabia, said in a statement it would keep the cuts.\n\n\
             Recording her conclusion, coroner Ffion Wade said she would write to the council.",
            &[
                ("taxes would rise next year", "report"),
                ("it would keep the cuts", "alliance"),
                ("she would write to the council", "Ffion Wade"),
            ],
        );
    }

    #[test]
    fn whose_statement_it_is_speaks_it() {
        assert_speakers(
            "The family's statement read: \"He was a loving father.\"",
            &[("He was a loving father.", "family")],
        );
    }

    #[test]
    fn a_pronoun_takes_someone_known_to_be_of_its_gender_first() {
        assert_speakers(
            "Kovac was speaking after Prime Minister Ilse Warnke dismissed the remarks. \"That is nonsense,\" she said.",
            &[("That is nonsense,", "Ilse Warnke")],
        );
    }

    #[test]
    fn a_speaker_set_off_by_commas_speaks_the_quote() {
        assert_speakers(
            "It is, says Dr Amara Singh, \"a perfect storm\".\n\n\
             Maria Lopez met the envoy. The Kremlin, she said, saw \"no reason\" to change course.",
            &[("a perfect storm", "Amara Singh"), ("no reason", "Maria Lopez")],
        );
    }

    #[test]
    fn two_words_after_that_are_a_report() {
        assert_speakers(
            "Tom Reed called the deal \"a disgrace\", but warned that obstacles remained.\n\n\
             Ana Ruiz said that prices rose. She spoke on Monday.",
            &[("a disgrace", "Tom Reed"), ("obstacles remained", "Tom Reed"), ("prices rose", "Ana Ruiz")],
        );
    }

    #[test]
    fn the_verb_after_an_apposition_is_no_description_and_an_age_names_whose_it_is() {
        assert_speakers(
            "Kavran's chief negotiator, Idris Tahir, met UN mediator Clara Lind. \"We are close,\" the negotiator \
             said. \"Very close,\" the mediator said.\n\n\
             Tomas Vidal, 24, scored twice. Coach Ana Ruiz praised him. \"I just did my job,\" the 24-year-old said.",
            &[
                ("We are close,", "Idris Tahir"),
                ("Very close,", "Clara Lind"),
                ("I just did my job,", "Tomas Vidal"),
            ],
        );
    }

    #[test]
    fn a_role_noun_finds_whoever_its_synonym_described() {
        assert_speakers(
            "The veteran diplomat Hamid Qasemi, 71, led the talks. \"Patience is everything,\" the envoy said.\n\n\
             Detective Inspector Sarah Cole led the search. \"We will find him,\" the officer said.",
            &[("Patience is everything,", "Hamid Qasemi"), ("We will find him,", "Sarah Cole")],
        );
    }

    #[test]
    fn where_an_officer_serves_is_not_part_of_their_name() {
        assert_speakers(
            "Superintendent Ray Ford of Essex Police said officers were \"keeping an open mind\".\n\n\
             The President of the European Commission said the plan would pass.",
            &[
                ("keeping an open mind", "Ray Ford"),
                ("the plan would pass", "President of the European Commission"),
            ],
        );
    }

    #[test]
    fn an_intention_voiced_is_reported_speech() {
        assert_speakers(
            "The leadership of the Northern Alliance voiced its intention to hold talks next month. \
             Ana Ruiz expressed hope that the talks would succeed. Ana Ruiz voiced no opinion on it.",
            &[
                ("hold talks next month", "leadership of the Northern Alliance"),
                ("the talks would succeed", "Ana Ruiz"),
            ],
        );
    }

    #[test]
    fn a_name_is_given_as_written_after_an_opening_adverb() {
        let found = extract("\"We will win,\" said John F. Kelly. Later Kelly said the vote was close.");
        assert_eq!(
            found.quotes.iter().map(speaker).collect::<Vec<_>>(),
            ["John F. Kelly", "John F. Kelly"],
            "{found:?}"
        );
    }

    #[test]
    fn a_body_described_by_kind_and_place_is_what_it_and_the_office_mean() {
        assert_speakers(
            "Ana Ruiz heads the Tarvanian statistics office. \"Inflation is rising,\" the office said.\n\n\
             The central bank of Tarvania raised rates. \"Prices will ease,\" it said.\n\n\
             Kordex Mining denied it. It acknowledged that deliveries to the Vellstadt transport authority would be delayed.",
            &[
                ("Inflation is rising,", "Tarvanian statistics office"),
                ("Prices will ease,", "central bank of Tarvania"),
                ("deliveries to the Vellstadt transport authority would be delayed", "Kordex Mining"),
            ],
        );
    }
}
