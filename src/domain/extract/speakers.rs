//! Who is speaking, read from the words around a quote or a reporting verb: the reporting
//! verb, the subject it has (appositions and relative clauses skipped to the head), and what
//! kind of noun phrase names the speaker (a name, a role, an organisation, a pronoun).

use super::first_names;
use crate::domain::kinds::SpeakerKind;

/// Verbs that report speech, in the forms attribution uses.
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "added",
    "adds",
    "told",
    "tells",
    "stated",
    "declared",
    "declares",
    "insisted",
    "insists",
    "warned",
    "warns",
    "warn",
    "explained",
    "explains",
    "noted",
    "asked",
    "replied",
    "replies",
    "answered",
    "responded",
    "retorted",
    "argued",
    "argues",
    "wrote",
    "writes",
    "continued",
    "stressed",
    "stresses",
    "announced",
    "announces",
    "claimed",
    "recalled",
    "acknowledged",
    "acknowledges",
    "conceded",
    "concedes",
    "admitted",
    "admits",
    "urged",
    "urges",
    "estimated",
    "confirmed",
    "confirms",
    "predicted",
    "predicts",
    "reported",
    "maintained",
    "maintains",
    "contended",
    "suggested",
    "suggests",
    "denied",
    "denies",
    "complained",
    "complains",
    "cautioned",
    "pointed",
    "deny",
    "stressed",
    "revealed",
    "reveals",
    "disclosed",
    "reiterated",
    "reiterates",
    "emphasised",
    "emphasized",
    "alleged",
    "alleges",
    "testified",
    "indicated",
    "signalled",
    "signaled",
    "remarked",
    "countered",
    "lamented",
];

/// Forms that are as often nouns ("the claims", "member states"): verbs only when a clause,
/// a pronoun or nothing follows them.
const AMBIGUOUS_VERBS: &[&str] = &["states", "claims", "notes", "estimates", "reports", "continues"];

/// Verbs that frame a partial quote as someone's words: "called the cuts «painful»".
const FRAMING_VERBS: &[&str] = &[
    "called",
    "calls",
    "described",
    "describes",
    "voiced",
    "voices",
    "termed",
    "branded",
    "labelled",
    "labeled",
    "dismissed",
    "promised",
    "pledged",
    "vowed",
    "denounced",
    "praised",
    "accused",
    "defended",
    "hailed",
    "condemned",
    "criticised",
    "criticized",
];

const PERSONAL_PRONOUNS: &[&str] = &["he", "she", "him", "her"];
const ARTICLES: &[&str] = &["a", "an", "the", "one"];
const DETERMINERS: &[&str] =
    &["a", "an", "the", "its", "his", "her", "their", "our", "this", "that", "these", "those", "of", "in"];

/// Words that start a clause of their own: the subject of a reporting verb comes after them
/// ("and", "but" and "so" only after a comma).
const SUBORDINATORS: &[&str] = &[
    "after", "when", "as", "because", "while", "although", "though", "since", "before", "until", "if",
    "whereas", "and", "but", "so",
];

/// First words of a phrase that sets the scene rather than naming a speaker.
const SCENE_WORDS: &[&str] = &[
    "at",
    "on",
    "in",
    "by",
    "after",
    "before",
    "during",
    "back",
    "upstream",
    "downstream",
    "meanwhile",
    "however",
    "earlier",
    "later",
    "separately",
    "from",
    "for",
    "with",
    "under",
    "over",
    "also",
    "elsewhere",
    "today",
    "yesterday",
    "overnight",
    "then",
    "speaking",
    "asked",
    "outside",
    "inside",
    "in",
    "still",
    "now",
];

/// Words that end the noun phrase naming a speaker after its verb ("said X on Monday").
const PHRASE_ENDS: &[&str] = &[
    "on",
    "in",
    "at",
    "after",
    "before",
    "when",
    "during",
    "adding",
    "according",
    "told",
    "to",
    "from",
    "by",
    "while",
    "as",
    "outside",
    "via",
    "late",
    "early",
    "last",
    "this",
    "who",
    "which",
];

/// Nouns that introduce a business by its name: "carmaker Volta", "retailer Brandt".
const COMPANY_NOUNS: &[&str] = &[
    "maker",
    "carmaker",
    "firm",
    "company",
    "group",
    "carrier",
    "operator",
    "giant",
    "retailer",
    "manufacturer",
    "producer",
    "lender",
    "insurer",
    "airline",
    "broadcaster",
    "conglomerate",
    "supplier",
    "contractor",
    "developer",
    "chain",
    "brand",
    "miner",
    "builder",
    "shipper",
    "exporter",
    "importer",
    "distributor",
];

/// Portfolios of ministers and commissioners: "Secretary of State for Health", "High
/// Commissioner for Refugees".
const PORTFOLIOS: &[&str] = &[
    "health",
    "defence",
    "defense",
    "foreign",
    "interior",
    "finance",
    "refugees",
    "affairs",
    "state",
    "justice",
    "education",
    "transport",
    "energy",
    "environment",
    "agriculture",
    "trade",
    "economy",
    "labour",
    "labor",
    "culture",
    "housing",
    "home",
    "security",
    "development",
    "high",
    "un",
    "eu",
];

/// Letters after a name: "Gareth Pryce-Vaughan MP".
const POST_NOMINALS: &[&str] =
    &["mp", "mep", "msp", "qc", "kc", "phd", "jr", "sr", "obe", "mbe", "cbe", "esq"];

/// Words capitalised only because a sentence starts with them: "Neighbouring Ostria said".
/// Adverbs that open a sentence before its subject: "Later Kelly said ...".
const OPENING_ADVERBS: &[&str] =
    &["later", "earlier", "separately", "afterwards", "instead", "finally", "meanwhile", "however"];

const SENTENCE_OPENERS: &[&str] = &[
    "neighbouring",
    "neighboring",
    "local",
    "several",
    "many",
    "some",
    "most",
    "other",
    "both",
    "each",
    "every",
    "all",
    "few",
    "senior",
    "rival",
    "but",
    "and",
    "yet",
    "still",
    "also",
    // "His Kolvati counterpart", "On Friday night": a possessive or a preposition capitalised
    // at a sentence's start is no part of a name.
    "his",
    "her",
    "its",
    "their",
    "our",
    "my",
    "on",
    "in",
    "at",
    "by",
    "for",
    "from",
    "after",
    "before",
    "during",
    "since",
    "until",
    // "When Reid left,": a conjunction opening a clause of its own.
    "when",
    "while",
    "as",
    "although",
    "though",
    "because",
    "if",
    "once",
    "whereas",
];

/// Leading words that count or quantify a group rather than name it: "two diplomats".
const QUANTIFIERS: &[&str] = &[
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "several",
    "some",
    "many",
    "few",
    "other",
    "both",
    "dozens",
    "hundreds",
    "thousands",
];

/// Name particles: lower-case words inside a personal name ("Ingrid van der Meulen").
const PARTICLES: &[&str] = &[
    "de", "van", "der", "den", "von", "al", "el", "bin", "ibn", "da", "del", "della", "di", "du", "la", "le",
    "ní", "nic", "mac", "y", "dos", "das", "ter", "ten", "zu", "bint", "abu",
];

/// Words that join the capitalised words of an organisation's name.
const CONNECTORS: &[&str] = &["of", "for", "and", "the", "&"];

/// Titles and role words that precede a name and are not part of it.
const TITLES: &[&str] = &[
    "president",
    "prime",
    "minister",
    "secretary",
    "secretary-general",
    "general",
    "mayor",
    "governor",
    "senator",
    "deputy",
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "sir",
    "dame",
    "lord",
    "lady",
    "chief",
    "commander",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "envoy",
    "judge",
    "justice",
    "colonel",
    "col",
    "captain",
    "capt",
    "lieutenant",
    "lt",
    "sergeant",
    "sgt",
    "major",
    "admiral",
    "marshal",
    "professor",
    "prof",
    "sheikh",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "bishop",
    "archbishop",
    "rabbi",
    "imam",
    "father",
    "chancellor",
    "vice",
    "councillor",
    "cllr",
    "councilor",
    "councilmember",
    "councilman",
    "councilwoman",
    "alderman",
    "commissioner",
    "superintendent",
    "inspector",
    "detective",
    "constable",
    "manager",
    "director",
    "director-general",
    "chairman",
    "chairwoman",
    "chair",
    "ceo",
    "coach",
    "rep",
    "sen",
    "gov",
    "gen",
    "attorney",
    "prosecutor",
    "leader",
    "speaker",
    "representative",
    "delegate",
    "candidate",
    "glaciologist",
    "executive",
    "officer",
    "premier",
    "cmdr",
    "commodore",
    "sheriff",
    "dc",
    "ds",
    "pc",
    "insp",
    "supt",
    "economist",
    "analyst",
    "mp",
    "rev",
    "reverend",
    "hon",
    "rt",
    "nurse",
    "pastor",
    "mep",
    "mla",
    "msp",
    "congressman",
    "congresswoman",
    "assemblyman",
    "assemblywoman",
];

/// Nouns that make a phrase an organisation.
const ORGANISATION_WORDS: &[&str] = &[
    "ministry",
    "authority",
    "authorities",
    "government",
    "army",
    "police",
    "company",
    "council",
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
    "institution",
    "association",
    "board",
    "utility",
    "operator",
    "firm",
    "airline",
    "airlines",
    "airways",
    "air",
    "navy",
    "coastguard",
    "regulator",
    "secretariat",
    "palace",
    "kremlin",
    "pentagon",
    "parliament",
    "cabinet",
    "trust",
    "university",
    "college",
    "assembly",
    "front",
    "league",
    "club",
    "corporation",
    "corp",
    "inc",
    "ltd",
    "plc",
    "foundation",
    "fund",
    "society",
    "alliance",
    "movement",
    "crescent",
    "cross",
    "mission",
    "delegation",
    "consortium",
    "bureau",
    "directorate",
    "registry",
    "observatory",
    "programme",
    "program",
    "coal",
    "buses",
    "rail",
    "railways",
    "force",
    "forces",
    "guard",
    "team",
    "campaign",
    "list",
    "senate",
    "congress",
    "chamber",
    "tribunal",
    "carrier",
    "insurer",
    "lender",
    "water",
    "power",
    "electric",
    "telecom",
    "airport",
    "hospital",
    "prison",
    "museum",
    "confederation",
    "foods",
    "holdings",
    "industries",
    "partners",
    "ventures",
    "systems",
    "motors",
    "logistics",
    "shipping",
    "pharmaceuticals",
    "technologies",
    "enterprises",
    "investments",
    "resources",
    "mining",
    "steel",
    "mills",
    "friends",
    "directorate",
    "constabulary",
    "chamber",
    "line",
    "centre",
    "center",
    "hôpital",
    "clinique",
    "klinik",
    "université",
    "universidad",
    "universität",
    "banque",
    "banco",
    "ministère",
    "ministerio",
    "société",
    "groupe",
    "gruppo",
];

/// A definite description with one of these heads ("the company") names the organisation
/// the article last spoke of, whatever its name.
const GENERIC_ORGANISATIONS: &[&str] = &[
    "company",
    "firm",
    "airline",
    "carrier",
    "operator",
    "group",
    "club",
    "organisation",
    "organization",
    "body",
    "utility",
    "broadcaster",
    "insurer",
    "lender",
    "charity",
    "manufacturer",
    "business",
];

/// Last words of place names, and first words of many.
const PLACE_LAST_WORDS: &[&str] = &[
    "station",
    "lane",
    "street",
    "road",
    "avenue",
    "square",
    "bridge",
    "gap",
    "crossing",
    "river",
    "mountains",
    "lake",
    "bay",
    "coast",
    "island",
    "islands",
    "valley",
    "district",
    "province",
    "region",
    "county",
    "city",
    "town",
    "village",
    "harbour",
    "harbor",
    "terminal",
    "pit",
    "coalfield",
    "field",
    "site",
    "hall",
    "building",
    "camp",
    "stadium",
    "park",
    "highway",
    "motorway",
    "gauge",
    "dam",
    "reservoir",
    "ward",
    "sea",
    "ocean",
    "gulf",
    "strait",
    "peninsula",
    "desert",
    "forest",
    "state",
    "republic",
    "kingdom",
    "emirates",
    "basin",
    "falls",
    "springs",
    "heights",
    "hills",
    "creek",
    "beach",
    "canyon",
    "junction",
    "quay",
    "wharf",
    "airfield",
    "plaza",
];
const PLACE_FIRST_WORDS: &[&str] = &[
    "port", "saint", "sainte", "san", "santa", "st", "lake", "mount", "cape", "fort", "puerto", "punta",
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "upper", "lower",
];

/// Plural nouns for unnamed groups: "Prosecutors say ...".
const GROUPS: &[&str] = &[
    "officials",
    "prosecutors",
    "residents",
    "witnesses",
    "analysts",
    "experts",
    "doctors",
    "investigators",
    "organisers",
    "organizers",
    "critics",
    "campaigners",
    "activists",
    "rescuers",
    "lawyers",
    "officers",
    "sources",
    "diplomats",
    "economists",
    "scientists",
    "researchers",
    "police",
    "authorities",
    "agencies",
    "traders",
    "unions",
    "protesters",
    "protestors",
    "villagers",
    "farmers",
    "workers",
    "locals",
    "observers",
    "monitors",
    "relatives",
    "families",
    "passengers",
    "survivors",
    "neighbours",
    "neighbors",
    "students",
    "parents",
    "nurses",
    "employees",
    "fans",
    "voters",
    "commuters",
    "people",
    "forecasters",
    "economists",
    "bankers",
    "investors",
];

/// A word or phrase without the punctuation around it (inner hyphens, apostrophes and dots
/// stay, and a plural's possessive: "Miners'").
pub fn bare(word: &str) -> &str {
    let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
    let start = trimmed.as_ptr() as usize - word.as_ptr() as usize;
    let rest = &word[start + trimmed.len()..];
    match rest.chars().next() {
        Some(mark @ ('\'' | '’')) if trimmed.ends_with('s') => {
            &word[start..start + trimmed.len() + mark.len_utf8()]
        }
        _ => trimmed,
    }
}

fn lower(word: &str) -> String {
    bare(word).to_lowercase()
}

/// A word followed by a comma, colon or the like ends a phrase.
fn ends_phrase(word: &str) -> bool {
    word.ends_with([',', ';', ':', '(', ')']) || word.ends_with(['—', '–'])
}

fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&lower(word).as_str())
}

/// "Ostrander", "al-Kattani", "Ní": a word that can be part of a name.
fn is_capitalised(word: &str) -> bool {
    let word = bare(word);
    word.chars().next().is_some_and(char::is_uppercase)
        || word.split_once('-').is_some_and(|(particle, rest)| {
            PARTICLES.contains(&particle) && rest.chars().next().is_some_and(char::is_uppercase)
        })
}

/// "F.", "Dr.": an initial or an abbreviated title, whose dot ends no phrase.
fn is_initial(word: &str) -> bool {
    let word = word.trim_end_matches('.');
    (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
        || TITLES.contains(&word.to_lowercase().as_str())
}

/// "Norvalia’s", "Verdance's": a possessive is not part of the name after it.
fn is_possessive(word: &str) -> bool {
    let word = bare(word);
    word.ends_with("’s") || word.ends_with("'s")
}

pub fn is_personal_pronoun(word: &str) -> bool {
    PERSONAL_PRONOUNS.contains(&lower(word).as_str())
}

/// Whether `words[i]` is a reporting verb here.
pub fn is_speech_verb(words: &[&str], i: usize) -> bool {
    let word = lower(words[i]);
    let previous = i.checked_sub(1).map(|p| lower(words[p])).unwrap_or_default();
    // "It is, says Dr Singh, ...": a comma ends the clause the auxiliary was in.
    let passive = !(i > 0 && words[i - 1].ends_with(','))
        && matches!(previous.as_str(), "to" | "be" | "been" | "being" | "was" | "were" | "is" | "are");
    // "It has not disclosed how much ...": what was not said reports nothing.
    let negated = matches!(previous.as_str(), "not" | "never")
        || previous.ends_with("n't")
        || previous.ends_with("n’t");
    // "3 said they would": a count; "the 58-year-old said": someone.
    let counted = i > 0
        && !words[i - 1].ends_with(',')
        && previous.chars().any(|c| c.is_ascii_digit())
        && !previous.ends_with("-year-old");
    if counted || negated || DETERMINERS.contains(&previous.as_str()) || passive {
        return false;
    }
    if SPEECH_VERBS.contains(&word.as_str()) {
        return true;
    }
    AMBIGUOUS_VERBS.contains(&word.as_str())
        && words.get(i + 1).is_none_or(|next| {
            matches!(lower(next).as_str(), "that" | "it" | "he" | "she" | "they" | "we" | "on")
        })
}

/// Verbs that say how a quote was spoken, reporting only the quote they follow: "“…,” he
/// began", "joked Ana Ruiz".
const QUOTING_VERBS: &[&str] = &[
    "began",
    "joked",
    "quipped",
    "shouted",
    "laughed",
    "sighed",
    "snapped",
    "mused",
    "interjected",
    "concluded",
];

/// Whether `words[i]`, in the words after a quote, says how it was spoken: right after a
/// pronoun or a short name ("he began", "Ana Ruiz joked"), or before the speaker.
pub fn is_quoting_verb(words: &[&str], i: usize) -> bool {
    i <= MAX_QUOTING_SUBJECT_WORDS && QUOTING_VERBS.contains(&lower(words[i]).as_str())
}

/// Most words of the subject before a verb of `QUOTING_VERBS`.
const MAX_QUOTING_SUBJECT_WORDS: usize = 4;

/// Whether a word is a reporting verb, wherever it stands.
pub fn is_reporting_word(word: &str) -> bool {
    SPEECH_VERBS.contains(&lower(word).as_str())
}

pub fn is_framing_verb(word: &str) -> bool {
    FRAMING_VERBS.contains(&lower(word).as_str())
}

/// The kind of thing a run of capitalised words names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Person,
    Organisation,
    Place,
}

/// A run of name words in a phrase: `words[start..end]`, titles and articles dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRun {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub kind: RunKind,
    /// Title words before the name, inside the run ("Energy Minister").
    pub title: Option<String>,
}

/// The runs of capitalised words (with name particles, and connectors inside organisation
/// names) in `words`, in order.
pub fn name_runs(words: &[&str]) -> Vec<NameRun> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // A name starts with no possessive ("Wendt's mother, Tammy Wendt"), though it may end
        // with one.
        let starts = (is_capitalised(words[i]) && !is_possessive(words[i]))
            || (is_particle(words[i]) && !ends_phrase(words[i]) && leads_to_capital(words, i));
        if !starts || bare(words[i]).is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        // A possessive ends its name ("Prime Minister Elin Sorvald's pension reform") unless
        // an organisation's own word follows: "the Brandt County Sheriff's Office".
        let possessive_ends = |at: usize| {
            is_possessive(words[at - 1])
                && !(is_capitalised(words[at]) && is_organisation_word(&lower(words[at])))
        };
        while end < words.len()
            && !ends_phrase(words[end - 1])
            && !possessive_ends(end)
            && (!words[end - 1].ends_with('.') || is_initial(words[end - 1]))
        {
            let w = words[end];
            let connects = w == "&"
                || (CONNECTORS.contains(&lower(w).as_str())
                    && names_organisation(words, start, end)
                    && !titled_person(&words[start..end]));
            let numeral = bare(w).chars().all(|c| c.is_ascii_digit());
            let joins = !w.starts_with('(')
                && (is_capitalised(w)
                    || ((is_particle(w) || connects || numeral) && leads_to_capital(words, end)));
            if !joins {
                break;
            }
            end += 1;
        }
        // "the Union of Metal, Electrical and Transport Workers": a list of capitalised words
        // with "and" before its last goes on an organisation's name past its comma.
        if end < words.len() && words[end - 1].ends_with(',') && names_organisation(words, start, end) {
            let list = words[end..]
                .iter()
                .take(6)
                .take_while(|w| !w.starts_with('(') && (is_capitalised(w) || matches!(**w, "and" | "&")))
                .count();
            let and = words[end..end + list].iter().position(|w| matches!(*w, "and" | "&"));
            if and.is_some_and(|a| a > 0 && a + 1 < list) {
                end += list;
            }
        }
        // An honorific's dot ("Dr.") does not end the name.
        while end < words.len()
            && words[end - 1].ends_with('.')
            && TITLES.contains(&lower(words[end - 1]).as_str())
        {
            end += 1;
        }
        if let Some(mut run) = classify_run(words, start, end) {
            // "rail-vehicle maker Kessler-Brandt": a business named after what it is.
            if start > 0
                && run.kind == RunKind::Person
                && COMPANY_NOUNS.contains(&lower(words[start - 1]).as_str())
            {
                run.kind = RunKind::Organisation;
            }
            // "a teacher in Porto Vell": after a preposition of place, a name is a place.
            let locative = start > 0
                && matches!(
                    lower(words[start - 1]).as_str(),
                    "in" | "at" | "near" | "outside" | "across" | "into" | "towards"
                );
            if locative && run.kind == RunKind::Person && run.title.is_none() {
                run.kind = RunKind::Place;
            }
            // "Dev Okonjo-Price of Labour Forward": what a person is of is no person.
            let of_person = start > 1
                && lower(words[start - 1]) == "of"
                && runs.last().is_some_and(|r: &NameRun| r.end == start - 1 && r.kind == RunKind::Person);
            if of_person && run.kind == RunKind::Person {
                run.kind = RunKind::Organisation;
            }
            runs.push(run);
        }
        i = end;
    }
    runs
}

/// "Superintendent Ray Ford", "Ray Ford": a title or a given name and no organisation's word,
/// so that "of Essex Police" after it says where they serve.
fn titled_person(run: &[&str]) -> bool {
    let named =
        run.iter().any(|w| is_capitalised(w) && !is_title(w) && !ARTICLES.contains(&lower(w).as_str()));
    named
        && !run.iter().any(|w| is_organisation_word(&lower(w)))
        && run.iter().any(|w| is_title(w) || first_names::gender_of_given_name(bare(w)).is_some())
}

/// The run `start..end`, or the capitalised words after it, name an organisation: "of" and
/// "and" join "Federation of Grain Exporters and Shippers", not two people.
fn names_organisation(words: &[&str], start: usize, end: usize) -> bool {
    let ahead = words[end + 1..]
        .iter()
        .take(5)
        .take_while(|w| is_capitalised(w) || CONNECTORS.contains(&lower(w).as_str()));
    words[start..end].iter().chain(ahead).any(|w| is_organisation_word(&lower(w)))
}

/// A particle or connector at `i` is followed, within two words, by a capitalised one.
fn leads_to_capital(words: &[&str], i: usize) -> bool {
    words[i + 1..]
        .iter()
        .take(2)
        .take_while(|w| !ends_phrase(w) || is_capitalised(w))
        .any(|w| is_capitalised(w) && !is_possessive(w))
        && !ends_phrase(words[i])
}

fn classify_run(words: &[&str], start: usize, end: usize) -> Option<NameRun> {
    // Inner commas stay: "Union of Metal, Electrical and Transport Workers".
    let last = end - start - 1;
    let mut run: Vec<&str> = words[start..end]
        .iter()
        .enumerate()
        .map(|(i, w)| {
            // "John F. Kelly": an initial keeps its dot, as the name is written.
            let initial = w.len() == 2 && w.ends_with('.') && w.starts_with(char::is_uppercase);
            if i < last && (initial || (w.ends_with(',') && bare(w).len() + 1 == w.len())) {
                *w
            } else {
                bare(w)
            }
        })
        .collect();
    if let Some(last) = run.last_mut() {
        *last = last.strip_suffix("’s").or_else(|| last.strip_suffix("'s")).unwrap_or(last);
    }
    // "Mum-of-two Leanne Fairclough": a description, not part of the name.
    let mut start = start;
    if run.len() > 2 && run[0].contains("-of-") {
        run.remove(0);
        start += 1;
    }
    // "Biathlete Malin Aasvik-Torre" opening a sentence: the capital is the sentence's, and
    // the word before a given name is what she does.
    let mut occupation = None;
    if start == 0
        && run.len() > 2
        && first_names::gender_of_given_name(run[0]).is_none()
        && first_names::gender_of_given_name(run[1]).is_some()
        && !is_title(run[0])
        && !is_particle(run[0])
    {
        occupation = Some(run.remove(0).to_lowercase());
        start += 1;
    }
    let mut after_the = false;
    while run.first().is_some_and(|w| {
        let w = w.to_lowercase();
        ARTICLES.contains(&w.as_str())
            || SENTENCE_OPENERS.contains(&w.as_str())
            || OPENING_ADVERBS.contains(&w.as_str())
            || QUANTIFIERS.contains(&w.as_str())
    }) {
        after_the = run[0].eq_ignore_ascii_case("the");
        run.remove(0);
        start += 1;
    }
    after_the |= start > 0 && words[start - 1].eq_ignore_ascii_case("the");
    while run.last().is_some_and(|w| {
        CONNECTORS.contains(&w.to_lowercase().as_str())
            || is_particle(w)
            || POST_NOMINALS.contains(&w.to_lowercase().as_str())
    }) {
        run.pop();
    }
    // "Friday", "March": a day or a month is no one's name.
    if run.is_empty() || run.iter().all(|w| is_day_or_month(w)) {
        return None;
    }
    // "Health Miriam Okafor-Lane" (after "Secretary of State for"): the portfolio is no name.
    let mut portfolio = Vec::new();
    while run.len() > 2 && PORTFOLIOS.contains(&run[0].to_lowercase().as_str()) {
        portfolio.push(run.remove(0));
    }
    let lowered: Vec<String> = run.iter().map(|w| w.to_lowercase()).collect();
    // "UN High Commissioner": a title with no name is nobody's name.
    if lowered.iter().all(|w| {
        TITLES.contains(&w.as_str())
            || PORTFOLIOS.contains(&w.as_str())
            || w.len() <= 3
                && w.chars().all(char::is_alphabetic)
                && run.iter().any(|r| r.chars().all(char::is_uppercase))
    }) && lowered.iter().any(|w| TITLES.contains(&w.as_str()))
    {
        return None;
    }
    let surname_last = surname_after_given_name(&run);
    let is_org_word = |w: &String| is_organisation_word(w);
    let is_place_word = |w: &String| PLACE_LAST_WORDS.contains(&w.as_str());
    // A title followed by plain name words: "Energy Minister Faisal bin Rashid al-Hamdani".
    if let Some(t) = lowered.iter().rposition(|w| TITLES.contains(&w.trim_end_matches('.')))
        && t + 1 < run.len()
        && !lowered[t + 1..].iter().any(|w| is_org_word(w) || (is_place_word(w) && !surname_last))
    {
        return Some(NameRun {
            start,
            end,
            name: run[t + 1..].join(" "),
            kind: RunKind::Person,
            title: Some(portfolio.iter().chain(&run[..=t]).copied().collect::<Vec<_>>().join(" ")),
        });
    }
    let kind = if lowered.iter().any(is_org_word) {
        RunKind::Organisation
    } else if (lowered.last().is_some_and(is_place_word) && !surname_last)
        || (run.len() > 1 && PLACE_FIRST_WORDS.contains(&lowered[0].as_str()))
    {
        RunKind::Place
    } else if run.iter().any(|w| w.chars().all(|c| c.is_ascii_digit()))
        || (words[end - 1].ends_with(char::is_alphanumeric)
            && words
                .get(end)
                .is_some_and(|w| !bare(w).is_empty() && bare(w).chars().all(|c| c.is_ascii_digit())))
    {
        // "Terminal 3", "Steelworkers Local 7104": no one's name has a number in it.
        RunKind::Place
    } else if after_the && modifies_noun(words, end) {
        // "the Cerro Blanco mine", "the Vellstadt transport authority": a name used as a word
        // for a thing names no one.
        RunKind::Place
    } else if after_the {
        // "outside the Grand Lyceum", "the Ardnashee Philharmonic": no one's name takes "the".
        RunKind::Organisation
    } else {
        RunKind::Person
    };
    let title = occupation.filter(|_| kind == RunKind::Person);
    Some(NameRun { start, end, name: run.join(" "), kind, title })
}

/// Place words that are also common surnames.
const SURNAMES_LIKE_PLACES: &[&str] = &["hall", "park", "ward", "lane", "field", "lake", "forest"];

/// "Peter Hall", "Judge Ellen Park": a given name, then a surname that is also a place word.
fn surname_after_given_name(run: &[&str]) -> bool {
    matches!(run, [.., given, surname]
        if first_names::gender_of_given_name(given).is_some()
            && SURNAMES_LIKE_PLACES.contains(&lower(surname).as_str()))
}

/// Words after a name that do not make it a modifier of a noun.
const AUXILIARIES: &[&str] = &[
    "is", "was", "were", "are", "has", "have", "had", "will", "would", "could", "can", "may", "might",
    "should", "must", "did", "does", "do",
];

pub fn is_auxiliary(word: &str) -> bool {
    AUXILIARIES.contains(&word)
}

/// The word after a name run ending at `end` is a common noun that the name modifies: lower
/// case, and no preposition, conjunction or verb that a name as subject or object is followed by.
pub fn modifies_noun(words: &[&str], end: usize) -> bool {
    if words[end - 1].ends_with(|c: char| !c.is_alphanumeric()) {
        return false;
    }
    words.get(end).is_some_and(|next| {
        let next = lower(next);
        next.chars().next().is_some_and(char::is_lowercase)
            && !next.ends_with("ed")
            && ![SPEECH_VERBS, PHRASE_ENDS, SCENE_WORDS, SUBORDINATORS, CONNECTORS, AUXILIARIES]
                .iter()
                .any(|list| list.contains(&next.as_str()))
    })
}

fn is_day_or_month(word: &str) -> bool {
    let word = lower(word);
    super::DAYS.iter().any(|d| d.eq_ignore_ascii_case(&word))
        || super::numbers::MONTHS.contains(&word.as_str())
}

/// How a noun phrase names a speaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// "he", "her": someone named before; "it", "they" (`feminine` none): an organisation or
    /// group named before.
    Pronoun { feminine: Option<bool> },
    /// "the minister", "the company": someone named before, by role or kind.
    Description { words: Vec<String> },
    /// A name, a role or an organisation as the text gives it.
    Named { name: String, kind: SpeakerKind, role: Option<String> },
}

/// The words after a leading article, as one phrase without the punctuation around it.
fn without_article(words: &[&str]) -> String {
    let skip = usize::from(words.first().is_some_and(|w| ARTICLES.contains(&lower(w).as_str())));
    bare(&words[skip..].join(" ")).to_owned()
}

/// Classifies a noun phrase that names a speaker: "Union leader Galym Sadykov", "the
/// ministry", "An official with the Federation of Hospital Nurses", "she".
pub fn noun_phrase(phrase: &[&str]) -> Option<Mention> {
    let mut words: Vec<&str> =
        phrase.iter().copied().filter(|w| !bare(w).is_empty() && !matches!(*w, "—" | "–" | "-")).collect();
    // "And", "Later Kelly said": what opens the sentence before its subject.
    while words.len() > 1
        && words.first().is_some_and(|w| {
            matches!(lower(w).as_str(), "and" | "but" | "so" | "then")
                || (w.starts_with(char::is_uppercase) && OPENING_ADVERBS.contains(&lower(w).as_str()))
        })
    {
        words.remove(0);
    }
    // "He also", "the minister later": adverbs between subject and verb.
    while words.len() > 1
        && words.last().is_some_and(|w| {
            matches!(
                lower(w).as_str(),
                "also"
                    | "later"
                    | "then"
                    | "again"
                    | "further"
                    | "previously"
                    | "earlier"
                    | "separately"
                    | "now"
                    | "still"
                    | "had"
                    | "has"
                    | "have"
            )
        })
    {
        words.pop();
    }
    // "the Office of Rail Standards (ORS)": the name, not its acronym.
    if words.len() > 1 && words.last().is_some_and(|w| w.starts_with('(')) {
        words.pop();
    }
    if words.is_empty() || words.len() > 14 {
        return None;
    }
    if words.len() == 1 && is_personal_pronoun(words[0]) {
        return Some(Mention::Pronoun { feminine: Some(matches!(lower(words[0]).as_str(), "she" | "her")) });
    }
    if words.len() == 1 && matches!(lower(words[0]).as_str(), "it" | "they") {
        return Some(Mention::Pronoun { feminine: None });
    }
    // "the WFC": an acronym names an organisation.
    let acronym = |w: &str| bare(w).len() >= 2 && bare(w).chars().all(|c| c.is_uppercase() || c == '.');
    if (words.len() == 1 && acronym(words[0]))
        || (words.len() == 2 && lower(words[0]) == "the" && acronym(words[1]))
    {
        let name = bare(words[words.len() - 1]).to_owned();
        return Some(Mention::Named { name, kind: SpeakerKind::Organisation, role: None });
    }
    // "a teacher ... who gave her name only as Leyla": the name; other relative clauses go.
    if let Some(r) =
        words.iter().position(|w| matches!(lower(w).as_str(), "who" | "which" | "whose" | "that"))
    {
        let named = (r..words.len().saturating_sub(1)).find(|&i| {
            matches!(lower(words[i]).as_str(), "as" | "named" | "called") && is_capitalised(words[i + 1])
        });
        if let Some(at) = named {
            let runs = name_runs(&words[at + 1..]);
            if let Some(run) = runs.first() {
                return Some(Mention::Named {
                    name: run.name.clone(),
                    kind: SpeakerKind::Person,
                    role: Some(without_article(&words[..r])),
                });
            }
        }
        words.truncate(r);
        if words.is_empty() {
            return None;
        }
    }
    // "the islands' Ministry of Marine Resources": whose it is goes; the name stays.
    if let Some(p) = words.iter().position(|w| w.ends_with("s'") || w.ends_with("s’") || is_possessive(w))
        && p + 1 < words.len()
        && !is_capitalised(words[p])
        && name_runs(&words[p + 1..])
            .first()
            .is_some_and(|r| r.start == 0 && r.end == words.len() - p - 1 && r.kind == RunKind::Organisation)
    {
        return noun_phrase(&words[p + 1..]);
    }
    // "two diplomats", "several residents": the group, not its count.
    while words.len() > 1
        && QUANTIFIERS.contains(&lower(words[0]).as_str())
        && GROUPS.contains(&lower(words[words.len() - 1]).as_str())
    {
        words.remove(0);
    }
    // "A statement from the X", "a letter by Y": who wrote it.
    let skip = usize::from(words.first().is_some_and(|w| ARTICLES.contains(&lower(w).as_str())));
    if words.len() > skip + 2
        && is_document_noun(words[skip])
        && matches!(lower(words[skip + 1]).as_str(), "from" | "by" | "of")
    {
        return noun_phrase(&words[skip + 2..]);
    }
    // "Prosecutors", "Relatives gathered at the terminal": the group.
    let qualified = |w: &str| is_capitalised(w) || ARTICLES.contains(&lower(w).as_str()) || lower(w) == "of";
    if GROUPS.contains(&lower(words[0]).as_str()) && words.get(1).is_none_or(|w| !qualified(w)) {
        // "researchers at the University of Port Aldis": the group of that body.
        if words.len() > 2 && lower(words[1]) == "at" && at_named_body(&words[2..]) {
            return Some(Mention::Named {
                name: without_article(&words),
                kind: SpeakerKind::Group,
                role: None,
            });
        }
        return Some(Mention::Named { name: lower(words[0]), kind: SpeakerKind::Group, role: None });
    }
    // "mediators", "negotiators": a lone plural of people by what they do is a group.
    if words.len() == 1 && is_agent_plural(words[0]) {
        return Some(Mention::Named { name: lower(words[0]), kind: SpeakerKind::Group, role: None });
    }
    // "has", "also": a lone lower-case word that names nobody.
    if words.len() == 1 && !is_capitalised(words[0]) && !is_organisation_word(&lower(words[0])) {
        return None;
    }
    let runs = name_runs(&words);
    let first_lower = lower(words[0]);
    let head_at = words
        .iter()
        .position(|w| matches!(lower(w).as_str(), "with" | "for" | "of" | "from" | "at" | "to"))
        .unwrap_or(words.len());
    // A role of an organisation: "an official with the X", "the leadership of the Y".
    let starts_lower =
        words.get(usize::from(ARTICLES.contains(&first_lower.as_str()))).is_some_and(|w| !is_capitalised(w));
    // "A witness at the terminal": where they were is not who they are.
    let names_body = words[head_at.min(words.len())..].iter().any(|w| is_capitalised(w));
    if starts_lower
        && head_at < words.len()
        && !names_body
        && matches!(lower(words[head_at]).as_str(), "at" | "from")
    {
        words.truncate(head_at);
        return noun_phrase(&words);
    }
    if starts_lower && head_at < words.len() && head_at > 0 {
        let head = lower(words[head_at - 1]);
        let kind =
            if is_organisation_word(&head) { SpeakerKind::Organisation } else { SpeakerKind::Anonymous };
        let name = without_article(&words);
        return Some(Mention::Named {
            role: (kind == SpeakerKind::Anonymous).then(|| name.clone()),
            name,
            kind,
        });
    }
    // "the Frenchman", "the Briton": someone named before, by where they are from.
    if let [the, demonym] = words.as_slice()
        && lower(the) == "the"
        && is_capitalised(demonym)
        && is_demonym(&lower(demonym))
    {
        return Some(Mention::Description { words: vec![lower(demonym)] });
    }
    // "Deputy Foreign Minister Ilian Pavek of Karvonia": the person, not their country.
    if runs.len() >= 2
        && runs[0].kind == RunKind::Person
        && runs[0].start == 0
        && matches!(lower(words[runs[0].end.min(words.len() - 1)]).as_str(), "of" | "from" | "in" | "at")
    {
        let run = &runs[0];
        return Some(Mention::Named {
            name: run.name.clone(),
            kind: SpeakerKind::Person,
            role: run.title.clone(),
        });
    }
    if let Some(run) = runs.last().filter(|r| r.end == words.len() && r.kind != RunKind::Place) {
        let before = without_article(&words[..run.start]);
        let role = [before, run.title.clone().unwrap_or_default()].join(" ");
        let role = (!role.trim().is_empty()).then(|| role.trim().to_owned());
        return Some(match run.kind {
            RunKind::Organisation => {
                Mention::Named { name: run.name.clone(), kind: SpeakerKind::Organisation, role: None }
            }
            _ => Mention::Named { name: run.name.clone(), kind: SpeakerKind::Person, role },
        });
    }
    let all_lower = words[1..].iter().all(|w| !is_capitalised(w));
    let name = without_article(&words);
    let last = lower(words[words.len() - 1]);
    if first_lower == "the" && all_lower && words.len() <= 4 {
        return Some(Mention::Description { words: words[1..].iter().map(|w| lower(w)).collect() });
    }
    let kind = if is_organisation_word(&last) && !GROUPS.contains(&last.as_str()) {
        SpeakerKind::Organisation
    } else if GROUPS.contains(&last.as_str()) {
        SpeakerKind::Group
    } else if runs.len() == 1 && runs[0].start == 0 && runs[0].end == words.len() {
        SpeakerKind::Person
    } else {
        SpeakerKind::Anonymous
    };
    let name = if kind == SpeakerKind::Group && words.len() == 1 { name.to_lowercase() } else { name };
    Some(Mention::Named { role: (kind == SpeakerKind::Anonymous).then(|| name.clone()), name, kind })
}

/// "Nordbank", "the University of Port Aldis": the whole of `words` is one name, after an
/// article at most.
fn at_named_body(words: &[&str]) -> bool {
    let skip = usize::from(lower(words[0]) == "the");
    let runs = name_runs(&words[skip..]);
    runs.len() == 1
        && runs[0].start == 0
        && runs[0].end == words.len() - skip
        && runs[0].kind != RunKind::Place
}

/// Most words before a reporting verb read for its subject.
pub const MAX_SUBJECT_WORDS: usize = 40;

/// The subject phrase and its apposition, from the words before a reporting verb:
/// "..., Ana Ruiz, the chief negotiator," → "Ana Ruiz" with the role "the chief negotiator".
/// Clauses before the subject's own ("..., and aid agencies warn"), scene-setting phrases
/// ("Back at the crossing,") and relative clauses (", who heads ...,") are skipped.
pub fn subject_before<'a>(words: &[&'a str]) -> Option<(Vec<&'a str>, Option<Vec<&'a str>>)> {
    // A subject and its appositions are a few dozen words at most.
    let words = &words[words.len().saturating_sub(MAX_SUBJECT_WORDS)..];
    let words: Vec<&'a str> =
        words.iter().copied().filter(|w| !bare(w).is_empty() || matches!(*w, "—" | "–" | "--")).collect();
    // "... signed by Interior Minister Davit Kalandia, who described it as": the person the
    // relative pronoun right before the verb stands for.
    if let [.., last_named, who] = words.as_slice()
        && lower(who) == "who"
        && last_named.ends_with(',')
    {
        let named = &words[..words.len() - 1];
        if let Some(run) =
            name_runs(named).into_iter().last().filter(|r| r.end == named.len() && r.kind == RunKind::Person)
        {
            return Some((named[run.start..run.end].to_vec(), None));
        }
    }
    // "Gov. Beau Fontenot signed an emergency order ... and said": the sentence's subject.
    if words.len() > 2
        && matches!(lower(words[words.len() - 1]).as_str(), "and" | "but")
        && !words[words.len() - 2].ends_with(',')
        && let Some(subject) = leading_subject(&words).filter(|s| s.len() < words.len() - 2)
    {
        return Some((subject, None));
    }
    // Words of a relative clause (", who has governed ... since 2019,") start no clause.
    let mut relative = vec![false; words.len()];
    let mut inside = false;
    for (i, w) in words.iter().enumerate() {
        // ", who heads ...," and "an official who asked not to be named because ...".
        let after_comma = i > 0 && words[i - 1].ends_with(',');
        if i > 0
            && (matches!(lower(w).as_str(), "who" | "which" | "whose" | "whom")
                || (after_comma && lower(w) == "where"))
        {
            inside = true;
        }
        relative[i] = inside;
        if w.ends_with(',') {
            inside = false;
        }
    }
    let from = words
        .iter()
        .enumerate()
        .rev()
        .filter(|(i, _)| !relative[*i])
        .find(|(i, w)| {
            w.ends_with([';', ':'])
                || matches!(**w, "—" | "–" | "--")
                || (SUBORDINATORS.contains(&lower(w).as_str())
                    && !is_capitalised(w)
                    && (!matches!(lower(w).as_str(), "and" | "but" | "so")
                        || (*i > 0 && words[*i - 1].ends_with(','))))
        })
        .map_or(0, |(i, _)| i + 1);
    let words = &words[from..];
    if words.is_empty() {
        return None;
    }
    let mut segments: Vec<&[&str]> = Vec::new();
    let mut start = 0;
    let named_commas = commas_inside_names(words);
    for (i, w) in words.iter().enumerate() {
        if w.ends_with(',') && !named_commas.contains(&i) {
            segments.push(&words[start..=i]);
            start = i + 1;
        }
    }
    if start < words.len() {
        segments.push(&words[start..]);
    }
    // ", who is chief executive of Kelbridge Health Trust,": a role, though a clause.
    let relative_role = segments.iter().find_map(|s| {
        let is = s.len() > 2 && lower(s[0]) == "who" && matches!(lower(s[1]).as_str(), "is" | "was");
        is.then(|| s[2..].to_vec())
    });
    segments.retain(|s| {
        let first = lower(s[0]);
        !matches!(first.as_str(), "who" | "which" | "whose" | "whom" | "where")
            && !s.iter().all(|w| bare(w).chars().all(|c| c.is_ascii_digit()))
    });
    // "Sentencing, Judge Howard Tate ...", "Prosecuting, ...", "Pressed by X about the cost,",
    // "When Reid left,": a participle or a clause of its own sets the scene.
    let scene = |s: &[&str]| {
        let first = lower(s[0]);
        SCENE_WORDS.contains(&first.as_str())
            || (s.len() == 1 && first.ends_with("ing"))
            || (first.ends_with("ed") && s.get(1).is_some_and(|w| w.starts_with(char::is_lowercase)))
            || (SUBORDINATORS.contains(&first.as_str()) && !matches!(first.as_str(), "and" | "but" | "so"))
    };
    while segments.len() > 1 && scene(segments[0]) {
        segments.remove(0);
    }
    let subject = *segments.first()?;
    if words.len() > 30 || subject.len() > 14 {
        return None;
    }
    if segments.len() >= 2 {
        if names_person(segments[0]) {
            return Some((segments[0].to_vec(), Some(segments[1].to_vec())));
        }
        // "The report, published by the Institute for Fiscal Studies,", "The alliance, led by
        // Saudi Arabia,": a participle's phrase names no one.
        let opens_name = |s: &[&str]| {
            let first = lower(s[0]);
            !(s[0].starts_with(char::is_lowercase)
                && (first.ends_with("ed")
                    || matches!(first.as_str(), "run" | "held" | "known" | "written" | "made" | "built")))
        };
        if let Some(person) = segments[1..].iter().find(|s| opens_name(s) && names_person(s)) {
            return Some((person.to_vec(), Some(segments[0].to_vec())));
        }
        // "The mine's owner, Arslan Coal,": the name, not the role.
        let names_nothing = name_runs(segments[0]).is_empty();
        let named_in = |s: &[&str]| {
            matches!(
                noun_phrase(s),
                Some(Mention::Named { kind: SpeakerKind::Person | SpeakerKind::Organisation, .. })
            )
        };
        if names_nothing
            && opens_name(segments[1])
            && !name_runs(segments[1]).is_empty()
            && named_in(segments[1])
        {
            return Some((segments[1].to_vec(), Some(segments[0].to_vec())));
        }
    }
    Some((subject.to_vec(), relative_role))
}

/// Where a comma sits inside a name ("the Union of Metal, Electrical and Transport Workers"):
/// the indexes of those words.
pub fn commas_inside_names(words: &[&str]) -> Vec<usize> {
    name_runs(words)
        .iter()
        .flat_map(|run| (run.start..run.end - 1).filter(|&i| words[i].ends_with(',')))
        .collect()
}

/// The subject a sentence opens with, for a quote it introduces with a colon and no reporting
/// verb: "Furness put it more bluntly: '", "Quintanilla's reply was blunt: “", "Her
/// message was clear: «", "The senator read out the conclusions: «".
pub fn leading_subject<'a>(words: &[&'a str]) -> Option<Vec<&'a str>> {
    let first = *words.first()?;
    match lower(first).as_str() {
        "his" => return Some(vec!["he"]),
        "her" => return Some(vec!["she"]),
        "its" | "their" => return Some(vec!["it"]),
        _ => {}
    }
    if is_possessive(first) {
        let name = bare(first);
        return Some(vec![name.trim_end_matches("’s").trim_end_matches("'s")]);
    }
    if ARTICLES.contains(&lower(first).as_str()) {
        let second = *words.get(1)?;
        // "The family's statement read:": the family.
        if is_possessive(second) && !is_capitalised(second) {
            return Some(vec![first, bare(second).trim_end_matches("’s").trim_end_matches("'s")]);
        }
        if !is_capitalised(second) {
            return Some(words[..2].to_vec());
        }
        // "The Rev. Alison Threlfall, whose parish ...,": the name after the article.
        let run = name_runs(words).into_iter().next().filter(|r| r.start <= 1 && r.kind != RunKind::Place)?;
        return Some(words[1..run.end].to_vec());
    }
    let runs = name_runs(words);
    let run = runs.first().filter(|r| r.start == 0 && r.kind != RunKind::Place)?;
    Some(words[..run.end].to_vec())
}

/// The first person a sentence names within its first words, titles dropped.
pub fn leading_person(words: &[&str]) -> Option<String> {
    let opening = &words[..words.len().min(10)];
    name_runs(opening)
        .into_iter()
        .find(|r| r.kind == RunKind::Person && r.name.split_whitespace().count() >= 2)
        .map(|r| r.name)
}

/// The phrase naming the speaker right after a verb: "said Lena Marchetti, a spokeswoman
/// for the Port Sarevo Authority" → the name, and the apposition as role.
pub fn phrase_after<'a>(words: &[&'a str]) -> Option<(Vec<&'a str>, Option<Vec<&'a str>>)> {
    let mut end = 0;
    // "said a statement from the Arts Board": who wrote it follows "from".
    // "said analysts at Nordbank Capital": the group of a body named after "at" goes on.
    let group_at_body = |end: usize| {
        lower(words[end]) == "at"
            && end > 0
            && GROUPS.contains(&lower(words[end - 1]).as_str())
            && words.get(end + 1).is_some_and(|w| is_capitalised(w) || lower(w) == "the")
    };
    let ends_here = |end: usize| {
        PHRASE_ENDS.contains(&lower(words[end]).as_str())
            && !(matches!(lower(words[end]).as_str(), "from" | "by")
                && end > 0
                && is_document_noun(words[end - 1]))
            && !group_at_body(end)
    };
    let named_commas = commas_inside_names(words);
    while end < words.len() && !ends_here(end) {
        end += 1;
        let clause_comma = ends_phrase(words[end - 1]) && !named_commas.contains(&(end - 1));
        if clause_comma || (words[end - 1].ends_with('.') && !is_initial(words[end - 1])) {
            break;
        }
    }
    if end == 0 {
        return None;
    }
    let role_start = end;
    let mut role_end = role_start;
    let apposition =
        words.get(role_start).is_some_and(|w| ARTICLES.contains(&lower(w).as_str()) || is_capitalised(w));
    if ends_phrase(words[end - 1]) && apposition {
        while role_end < words.len() {
            role_end += 1;
            if ends_phrase(words[role_end - 1]) || words[role_end - 1].ends_with('.') {
                break;
            }
        }
    }
    let role = (role_end > role_start).then(|| words[role_start..role_end].to_vec());
    Some((words[..end].to_vec(), role))
}

/// What speaks for its writer: "a statement from the X", "a letter by Y".
pub fn is_document_noun(word: &str) -> bool {
    matches!(
        lower(word).as_str(),
        "statement" | "letter" | "post" | "message" | "communique" | "release" | "note"
    )
}

/// A lower-case plural naming people by what they do: "mediators", "pharmacists", "civilians".
fn is_agent_plural(word: &str) -> bool {
    let word = bare(word);
    word.len() > 5
        && word.chars().all(|c| c.is_ascii_lowercase())
        && ["ers", "ors", "ists", "ians", "ants", "ents"].iter().any(|ending| word.ends_with(ending))
}

/// Whether a phrase is a person's name (titles allowed): "Ali Reza", "Dr. Ana Ruiz".
pub fn names_person(words: &[&str]) -> bool {
    !words.first().is_some_and(|w| ARTICLES.contains(&lower(w).as_str()))
        && matches!(noun_phrase(words), Some(Mention::Named { kind: SpeakerKind::Person, .. }))
}

/// A speaker named with no verb at all, as in lists of reactions: "..., Norvalia's
/// representative, former president Henrik van der Lande." → the name and what precedes it.
pub fn verbless(words: &[&str]) -> Option<(String, String)> {
    if words.is_empty() || words.len() > 20 {
        return None;
    }
    let runs = name_runs(words);
    // "Archbishop Didier Rasolofo of Port-Vallon.": where they are from may follow the name.
    let from_place = |end: usize| {
        words.get(end).is_some_and(|w| matches!(lower(w).as_str(), "of" | "from"))
            && words.len() - end <= 4
            && words[end + 1..].iter().all(|w| is_capitalised(w) || is_particle(w))
    };
    let run = runs.iter().find(|r| {
        r.kind == RunKind::Person
            && r.name.split_whitespace().count() >= 2
            && (r.end == words.len() || ends_phrase(words[r.end - 1]) || from_place(r.end))
    })?;
    Some((run.name.clone(), without_article(&words[..run.start])))
}

/// The outlet a phrase names: its proper name if it ends in one ("the state news agency
/// Miravel Press" → "Miravel Press"), else the phrase ("state media").
pub fn outlet(words: &[&str]) -> Option<String> {
    let runs = name_runs(words);
    // "the state broadcaster ORT", "news agency Tarko later": the name in the phrase.
    if let Some(run) = runs.last() {
        // "Kanal 3", "Channel 4": a channel's number is part of its name.
        let number = words
            .get(run.end)
            .map(|w| bare(w))
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()));
        return Some(match number {
            Some(number) => format!("{} {number}", run.name),
            None => run.name.clone(),
        });
    }
    let phrase = without_article(words);
    (!phrase.is_empty() && words.len() <= 6).then_some(phrase)
}

/// Words that make a name a news outlet's.
const MEDIA_WORDS: &[&str] = &[
    "clarion",
    "bulletin",
    "register",
    "radio",
    "television",
    "tv",
    "news",
    "press",
    "agency",
    "times",
    "post",
    "journal",
    "daily",
    "advertiser",
    "echo",
    "broadcaster",
    "newspaper",
    "magazine",
    "channel",
    "gazette",
    "herald",
    "tribune",
    "wire",
    "network",
    "media",
    "courier",
    "courrier",
    "chronicle",
    "telegraph",
    "guardian",
    "observer",
    "express",
    "monitor",
    "weekly",
    "ledger",
    "standard",
    "dispatch",
    "sentinel",
    "inquirer",
    "mirror",
    "examiner",
    "broadcasting",
    "reuters",
    "bbc",
    "afp",
    "ap",
];

/// Whether a phrase names a news outlet: "Radio Costa", "the state broadcaster ORT", "the BBC".
pub fn is_medium(words: &[&str]) -> bool {
    let gathering =
        words.iter().any(|w| matches!(lower(w).as_str(), "conference" | "briefing" | "meeting" | "session"));
    let named_medium = words.iter().any(|w| {
        let b = bare(w);
        MEDIA_WORDS.contains(&b.to_lowercase().as_str())
            || (b.len() >= 2 && b.len() <= 5 && b.chars().all(|c| c.is_ascii_uppercase()))
    });
    !gathering && (named_medium || words.first().is_some_and(|w| lower(w) == "state"))
}

/// Nouns that make a phrase an organisation, news outlets' among them.
pub fn is_organisation_word(word: &str) -> bool {
    ORGANISATION_WORDS.contains(&word) || MEDIA_WORDS.contains(&word)
}

pub fn is_generic_organisation(word: &str) -> bool {
    GENERIC_ORGANISATIONS.contains(&word)
}

/// "frenchman", "briton", "kenyan" (in lower case): a noun for someone from a country.
pub fn is_demonym(word: &str) -> bool {
    // "the Chairman" is a role, described by what they do.
    !is_organisation_word(word)
        && !TITLES.contains(&word)
        && (word.ends_with("man")
            || word.ends_with("ian")
            || matches!(word, "briton" | "scot" | "dane" | "swede" | "finn" | "pole" | "spaniard" | "kenyan"))
}

pub fn is_title(word: &str) -> bool {
    TITLES.contains(&lower(word).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn numbers_affiliations_and_foreign_bodies_are_no_people() {
        let kinds = |s: &str| -> Vec<(String, RunKind)> {
            name_runs(&ws(s)).into_iter().map(|r| (r.name, r.kind)).collect()
        };
        assert_eq!(
            kinds("Denis Archambault, president of Steelworkers Local 7104, waited."),
            [("Denis Archambault".into(), RunKind::Person), ("Steelworkers Local".into(), RunKind::Place)]
        );
        assert_eq!(
            kinds("Dev Okonjo-Price of Labour Forward met staff of Hôpital Saint-Fulbert near Carver Falls."),
            [
                ("Dev Okonjo-Price".into(), RunKind::Person),
                ("Labour Forward".into(), RunKind::Organisation),
                ("Hôpital Saint-Fulbert".into(), RunKind::Organisation),
                ("Carver Falls".into(), RunKind::Place)
            ]
        );
    }

    fn named(s: &str) -> (String, SpeakerKind) {
        match noun_phrase(&ws(s)).unwrap() {
            Mention::Named { name, kind, .. } => (name, kind),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_roles_and_organisations() {
        assert_eq!(
            named("Agriculture Minister Pavel Ostrander"),
            ("Pavel Ostrander".into(), SpeakerKind::Person)
        );
        assert_eq!(named("Union leader Galym Sadykov"), ("Galym Sadykov".into(), SpeakerKind::Person));
        assert_eq!(
            named("the Brandt County Sheriff's Office"),
            ("Brandt County Sheriff's Office".into(), SpeakerKind::Organisation)
        );
        assert_eq!(
            named("The Friends of Saltmere Pier"),
            ("Friends of Saltmere Pier".into(), SpeakerKind::Organisation)
        );
        assert_eq!(
            named("An official with the Federation of Hospital Nurses"),
            ("official with the Federation of Hospital Nurses".into(), SpeakerKind::Anonymous)
        );
        assert_eq!(
            named("The Karabel Miners' Union"),
            ("Karabel Miners' Union".into(), SpeakerKind::Organisation)
        );
        assert_eq!(
            named("The Belarian interior ministry"),
            ("Belarian interior ministry".into(), SpeakerKind::Organisation)
        );
        assert_eq!(
            named("a senior European official"),
            ("senior European official".into(), SpeakerKind::Anonymous)
        );
        assert_eq!(named("Prosecutors"), ("prosecutors".into(), SpeakerKind::Group));
        assert_eq!(
            named("a teacher from the town of Dunmar who gave her name only as Leyla"),
            ("Leyla".into(), SpeakerKind::Person)
        );
        assert_eq!(
            noun_phrase(&ws("the minister")),
            Some(Mention::Description { words: vec!["minister".into()] })
        );
        assert_eq!(noun_phrase(&ws("she")), Some(Mention::Pronoun { feminine: Some(true) }));
    }

    #[test]
    fn subjects_skip_appositions_relative_clauses_and_scene_setting() {
        let subject = |s: &str| subject_before(&ws(s)).map(|(np, _)| np.join(" "));
        assert_eq!(
            subject(
                "Bronwyn Ellery-Shaw, who chairs the Hallowmere branch of the United Road Transport Union,"
            ),
            Some("Bronwyn Ellery-Shaw,".into())
        );
        assert_eq!(subject("Its regional director, Amira El-Masri,"), Some("Amira El-Masri,".into()));
        assert_eq!(
            subject("Thousands of people have spent a night in the open, and aid agencies"),
            Some("aid agencies".into())
        );
        assert_eq!(subject("Back at the crossing, a teacher"), Some("a teacher".into()));
        assert_eq!(subject("van der Heyde, 61,"), Some("van der Heyde,".into()));
        assert_eq!(
            subject("The pact was signed for the city by Mayor Ines Aalto, who"),
            Some("Mayor Ines Aalto,".into())
        );
        let group =
            |name: &str| Some(Mention::Named { name: name.into(), kind: SpeakerKind::Group, role: None });
        assert_eq!(noun_phrase(&ws("mediators")), group("mediators"));
        assert_eq!(noun_phrase(&ws("pharmacists,")), group("pharmacists"));
        assert_eq!(noun_phrase(&ws("meanwhile")), None);
    }

    #[test]
    fn speakers_without_a_verb() {
        assert_eq!(
            verbless(&ws("Norvalia’s representative, former president Henrik van der Lande.")),
            Some(("Henrik van der Lande".into(), "Norvalia’s representative, former president".into()))
        );
        assert_eq!(
            verbless(&ws("trust chairwoman Aoife Ní Bhriain.")).map(|(n, _)| n),
            Some("Aoife Ní Bhriain".into())
        );
        assert_eq!(verbless(&ws("with barley and wheat accounting for the rest.")), None);
    }
}
