//! Who is speaking: the patterns reporters use to attribute words, read from the text
//! around a quote or a reporting verb.

use crate::domain::kinds::SpeakerKind;

/// A speaker as the text names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerMention {
    /// "Ana Ruiz", "senior European official", "foreign ministry".
    pub name: String,
    pub kind: SpeakerKind,
    /// An apposition: "the ministry's chief negotiator".
    pub role: Option<String>,
}

/// Verbs that report speech, in the forms attribution uses.
pub const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "added",
    "adds",
    "told",
    "tells",
    "stated",
    "states",
    "declared",
    "declares",
    "insisted",
    "insists",
    "warned",
    "warns",
    "explained",
    "explains",
    "noted",
    "notes",
    "asked",
    "asks",
    "replied",
    "replies",
    "argued",
    "argues",
    "wrote",
    "writes",
    "continued",
    "continues",
    "stressed",
    "stresses",
    "announced",
    "announces",
    "claimed",
    "claims",
    "recalled",
    "recalls",
    "acknowledged",
    "acknowledges",
    "conceded",
    "concedes",
    "admitted",
    "admits",
    "urged",
    "urges",
];

const PRONOUNS: &[&str] = &["he", "she", "they", "He", "She", "They"];
const ARTICLES: &[&str] = &["a", "an", "the", "one", "A", "An", "The", "One"];
/// Titles that precede a name and are not part of it.
const TITLES: &[&str] = &[
    "President",
    "Prime",
    "Minister",
    "Foreign",
    "Defence",
    "Defense",
    "Interior",
    "Finance",
    "Health",
    "Secretary",
    "General",
    "Secretary-General",
    "Mayor",
    "Governor",
    "Senator",
    "Deputy",
    "Dr",
    "Dr.",
    "Mr",
    "Mr.",
    "Mrs",
    "Mrs.",
    "Ms",
    "Ms.",
    "Chief",
    "Commander",
    "Ambassador",
    "Spokesman",
    "Spokeswoman",
    "Envoy",
    "Judge",
    "Colonel",
    "Captain",
    "General",
    "Professor",
    "Prof.",
    "Sheikh",
    "King",
    "Queen",
    "Pope",
    "Chancellor",
    "Vice",
    "Special",
    "UN",
    "EU",
    "U.N.",
    "Police",
    "Army",
    "Opposition",
    "Leader",
    "Director",
    "CEO",
    "Economy",
    "Trade",
    "Energy",
    "Environment",
    "Agriculture",
    "Justice",
    "Transport",
    "Labour",
    "Labor",
];
/// Nouns that make a lower-case phrase an organisation rather than a person.
const ORGANISATIONS: &[&str] = &[
    "ministry",
    "authority",
    "government",
    "army",
    "police",
    "company",
    "council",
    "agency",
    "committee",
    "commission",
    "office",
    "department",
    "embassy",
    "military",
    "party",
    "union",
    "court",
    "organisation",
    "organization",
    "bank",
    "group",
    "federation",
    "coalition",
    "administration",
    "presidency",
    "service",
    "institute",
    "association",
    "board",
    "network",
    "utility",
    "operator",
    "firm",
    "airline",
    "navy",
    "coastguard",
    "regulator",
    "secretariat",
    "palace",
    "kremlin",
    "pentagon",
    "parliament",
    "cabinet",
];

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn trim_word(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '’' && c != '\'' && c != '.')
        .trim_end_matches('.')
}

/// Classifies a noun phrase that names a speaker, dropping articles and titles.
pub fn mention(phrase: &str) -> Option<SpeakerMention> {
    let phrase = phrase.trim().trim_matches(|c: char| c == ',' || c == ':' || c.is_whitespace());
    let words: Vec<&str> = phrase.split_whitespace().map(trim_word).filter(|w| !w.is_empty()).collect();
    let first = *words.first()?;
    if words.len() > 8 || words.iter().any(|w| SPEECH_VERBS.contains(&w.to_lowercase().as_str())) {
        return None;
    }
    let article = ARTICLES.contains(&first);
    let rest: Vec<&str> = if article { words[1..].to_vec() } else { words.clone() };
    if rest.is_empty() {
        return None;
    }
    let all_capitalised = rest.iter().all(|w| {
        is_capitalised(w)
            || matches!(*w, "de" | "van" | "von" | "al" | "bin" | "da" | "del" | "la" | "le" | "of")
    });
    let last_lower = rest.last().map(|w| w.to_lowercase()).unwrap_or_default();
    let is_org = ORGANISATIONS.contains(&last_lower.as_str())
        || (all_capitalised && rest.iter().any(|w| ORGANISATIONS.contains(&w.to_lowercase().as_str())));
    if is_org {
        return Some(SpeakerMention { name: rest.join(" "), kind: SpeakerKind::Organisation, role: None });
    }
    if all_capitalised && !article {
        let name: Vec<&str> = rest.iter().copied().skip_while(|w| TITLES.contains(w)).collect();
        let name = if name.is_empty() { rest.clone() } else { name };
        return Some(SpeakerMention { name: name.join(" "), kind: SpeakerKind::Person, role: None });
    }
    // "a senior European official", "the delegate": someone the report does not name.
    if article
        || rest.iter().all(|w| w.chars().all(|c| c.is_lowercase() || !c.is_alphabetic()) || is_capitalised(w))
    {
        return Some(SpeakerMention {
            name: rest.join(" "),
            kind: SpeakerKind::Anonymous,
            role: Some(rest.join(" ")),
        });
    }
    None
}

pub fn is_pronoun(word: &str) -> bool {
    PRONOUNS.contains(&word)
}

/// Reads a subject with an apposition either way round: "Ana Ruiz, the ministry's chief
/// negotiator," and "the ministry's chief negotiator, Ana Ruiz,". Leading phrases that are not
/// speakers ("By Sunday evening, police") are dropped.
pub fn with_apposition(phrase: &str) -> Option<SpeakerMention> {
    let parts: Vec<&str> = phrase.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let person =
        |part: &str| mention(part).filter(|m| m.kind == SpeakerKind::Person && !starts_with_article(part));
    let role = |part: &str| {
        let part = part.trim_start_matches("the ").trim_start_matches("a ").trim_start_matches("an ");
        (!part.starts_with("who ")).then(|| part.to_owned())
    };
    match parts.as_slice() {
        [] => None,
        [only] => mention(only),
        [first, second, ..] => {
            if let Some(mut name) = person(first) {
                name.role = role(second);
                Some(name)
            } else if let Some(mut name) = person(second) {
                name.role = role(first);
                Some(name)
            } else {
                parts.last().and_then(|last| mention(last))
            }
        }
    }
}

fn starts_with_article(phrase: &str) -> bool {
    phrase.split_whitespace().next().is_some_and(|w| ARTICLES.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roles_and_organisations() {
        let ruiz = with_apposition("Ana Ruiz, the ministry's chief negotiator,").unwrap();
        assert_eq!(
            (ruiz.name.as_str(), ruiz.kind, ruiz.role.as_deref()),
            ("Ana Ruiz", SpeakerKind::Person, Some("ministry's chief negotiator"))
        );
        assert_eq!(mention("Foreign Minister Ana Ruiz").unwrap().name, "Ana Ruiz");
        let diplomat = mention("a senior European official").unwrap();
        assert_eq!(
            (diplomat.name.as_str(), diplomat.kind),
            ("senior European official", SpeakerKind::Anonymous)
        );
        let ministry = mention("The foreign ministry").unwrap();
        assert_eq!((ministry.name.as_str(), ministry.kind), ("foreign ministry", SpeakerKind::Organisation));
        assert_eq!(mention("the World Health Organization").unwrap().kind, SpeakerKind::Organisation);
    }
}
