//! The article's cast: everyone and everything it names, in the order it names them, so that
//! a later "he", "the minister", "Ostrander" or "the company" resolves to the fullest name the
//! article gave.

use std::collections::HashMap;

use super::SpeakerCandidate;
use super::first_names;
use super::speakers::{self, Mention, RunKind};
use crate::domain::kinds::SpeakerKind;

/// How far back a pronoun or a description looks, in mentions: an article's speakers are
/// named again within a few paragraphs, and the walk stays linear in the text.
const LOOKBACK: usize = 400;

struct Entity {
    name: String,
    kind: SpeakerKind,
    role: Option<String>,
    /// Lower-case words a description may use for it: "minister", "ministry", "federation".
    heads: Vec<String>,
    feminine: Option<bool>,
    /// What the given name suggests, when nothing the article said of them tells.
    feminine_by_name: Option<bool>,
    /// Named as the outlet that relayed words: never a speaker by description.
    outlet: bool,
    /// Stems of the words around a person's namings ("Prosecuting, Ruth Adeyemi", "X, whose
    /// cabinet portfolio covers ..."): what "the prosecutor" or "the cabinet member" may mean
    /// when no role was given in those words.
    context: Vec<String>,
    /// Introduced by what they do rather than a role ("X, who runs the Health Board,"): what
    /// a later "the chief executive" most likely means.
    described_by_clause: bool,
    /// "Tomas Vidal, 24,": what a later "the 24-year-old" means.
    age: Option<String>,
}

/// Most stems kept of the words around one entity's namings.
const MAX_CONTEXT_STEMS: usize = 24;

/// The most lower-case words a role written between two names may have.
const MAX_ROLE_WORDS: usize = 3;

/// Most words of an apposition looked through for the verb after it ("Olu Bako, who chairs
/// the panel, asked").
const MAX_APPOSITION_WORDS: usize = 12;

/// The first letters of a word, by which "prosecutor" meets "prosecuting": words shorter than
/// that say too little.
fn stem(word: &str) -> Option<String> {
    let word = speakers::bare(word).to_lowercase();
    (word.chars().count() >= 5).then(|| word.chars().take(5).collect())
}

/// First words of organisations' names that do not name one alone.
const GENERIC_FIRST_WORDS: &[&str] = &[
    "national",
    "international",
    "federal",
    "state",
    "regional",
    "united",
    "central",
    "european",
    "world",
    "global",
    "general",
    "royal",
    "public",
    "new",
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "the",
    "pan-african",
    "american",
    "british",
    "french",
];

/// Heads of public bodies and institutions, which "the company" or "the airline" never
/// describes.
const PUBLIC_BODIES: &[&str] = &[
    "ministry",
    "government",
    "police",
    "council",
    "court",
    "commission",
    "committee",
    "agency",
    "army",
    "military",
    "parliament",
    "union",
    "federation",
    "association",
    "party",
    "office",
    "department",
    "authority",
    "directorate",
    "constabulary",
    "regulator",
    "senate",
    "assembly",
    "airport",
    "hospital",
    "prison",
    "museum",
    "university",
    "college",
];

/// What a union may be called by name.
const LABOUR_BODIES: &[&str] =
    &["association", "federation", "guild", "confederation", "syndicate", "workers"];

/// Generic heads that describe businesses.
const COMMERCIAL: &[&str] = &[
    "company",
    "firm",
    "operator",
    "carrier",
    "airline",
    "business",
    "manufacturer",
    "insurer",
    "lender",
    "utility",
];

/// Heads of the state's own bodies, which "the group" or "the organisation" never describes.
const STATE_BODIES: &[&str] = &[
    "ministry",
    "government",
    "police",
    "court",
    "army",
    "military",
    "parliament",
    "senate",
    "council",
    "commission",
    "department",
    "office",
    "authority",
    "directorate",
    "constabulary",
    "regulator",
];

/// Words a description of an organisation may add: "the central bank" for the Bank of Norvia.
const DESCRIPTIVE_OF_BODIES: &[&str] = &[
    "central",
    "national",
    "state",
    "federal",
    "regional",
    "local",
    "governing",
    "ruling",
    "main",
    "largest",
    "rival",
    "parent",
    "state-owned",
    "public",
    "private",
    "city",
    "county",
    "provincial",
];

/// Roles of those who head something: what "the boss" may mean.
const BOSSES: &[&str] = &[
    "chief",
    "executive",
    "head",
    "director",
    "leader",
    "president",
    "chairman",
    "chairwoman",
    "ceo",
    "manager",
];

/// Role nouns news copy uses in turn for one person: "the veteran diplomat X" is "the envoy".
const ROLE_SYNONYMS: &[&[&str]] = &[
    &["envoy", "diplomat", "ambassador", "emissary"],
    &["lawmaker", "legislator", "parliamentarian", "mp"],
    &["doctor", "physician", "surgeon", "medic"],
    &["officer", "detective", "inspector", "constable"],
];

/// The role nouns that may stand for `word` ("envoy" → "diplomat", ...), itself included.
fn same_role(word: &str) -> &'static [&'static str] {
    ROLE_SYNONYMS.iter().find(|group| group.contains(&word)).copied().unwrap_or_default()
}

/// Words a description of a person may add to the role it names.
const DESCRIPTIVE: &[&str] =
    &["former", "new", "outgoing", "incoming", "acting", "interim", "veteran", "embattled", "beleaguered"];

/// One naming of an entity: in which sentence, at which offset of the article.
#[derive(Clone, Copy)]
struct Naming {
    entity: usize,
    sentence: usize,
    at: usize,
    /// Named as someone's ("Her deputy, Tadhg Mulvey"): the gender of that someone, whom a
    /// later "she" means rather than the deputy.
    belongs_to: Option<bool>,
    /// Named as who asked, in the clause opening the sentence ("Asked by counsel Hugo Keith
    /// whether he had read it, he replied"): not whom that sentence's "he" means.
    asking: bool,
    /// Named as who asks the sentence's question ("Panel chair Olu Bako asked whether ..."):
    /// not whom the answer's "she replied" in the next sentence means, when someone else fits.
    questioner: bool,
}

#[derive(Default)]
pub struct Discourse {
    entities: Vec<Entity>,
    /// Folded names, and the trailing words of people's names ("meulen", "van der meulen").
    by_name: HashMap<String, usize>,
    namings: Vec<Naming>,
    /// One-word names that no given name, title or role tells as a person's ("Northair flight
    /// NA417"), each with its offset: what a later "the airline" may mean.
    unclassified: Vec<(String, usize)>,
    sentence: usize,
}

const MASCULINE: &[&str] = &[
    "mr",
    "sir",
    "lord",
    "king",
    "prince",
    "father",
    "spokesman",
    "chairman",
    "councilman",
    "he",
    "him",
    "his",
];
const FEMININE: &[&str] = &[
    "mrs",
    "ms",
    "miss",
    "dame",
    "lady",
    "queen",
    "princess",
    "spokeswoman",
    "chairwoman",
    "councilwoman",
    "she",
    "her",
    "woman",
];

/// Titles that say nothing of what a person does.
const COURTESY_TITLES: &[&str] = &["dr", "mr", "mrs", "ms", "miss", "mx", "sir", "dame"];

/// "Dr", "Ms": a role that no description ("the pathologist") can contradict.
fn is_courtesy_title(role: &str) -> bool {
    role.split_whitespace().all(|w| COURTESY_TITLES.contains(&speakers::bare(w).to_lowercase().as_str()))
}

/// "The company," "The state utility", "The Tarvanian statistics office", "The central bank
/// of Tarvania": a sentence opening with an organisation described by its kind, in at most
/// three words (the first may be a proper adjective), and the place it is of.
fn described_organisation<'a, 'w>(words: &'a [&'w str]) -> Option<&'a [&'w str]> {
    if !words.first()?.eq_ignore_ascii_case("the") {
        return None;
    }
    let kind_words = words[1..]
        .iter()
        .take(3)
        .enumerate()
        .take_while(|(i, w)| w.starts_with(char::is_lowercase) || (*i == 0 && !w.ends_with([',', '.'])))
        .count();
    let head = (1..=kind_words).find(|&n| {
        let head = speakers::bare(words[n]);
        !speakers::modifies_noun(words, n + 1)
            && (speakers::is_organisation_word(head) || speakers::is_generic_organisation(head))
    })?;
    let place = match words.get(head + 1..head + 3) {
        Some([of, place])
            if *of == "of" && !words[head].ends_with(',') && place.starts_with(char::is_uppercase) =>
        {
            2 + words[head + 3..].iter().take(4).take_while(|w| w.starts_with(char::is_uppercase)).count()
        }
        _ => 0,
    };
    Some(&words[..=head + place])
}

/// "A spokeswoman for the ministry declined ...", "The woman, 34, said ...": a sentence
/// opening with someone unnamed whose description tells their gender, up to its verb.
fn described_person<'a, 'w>(words: &'a [&'w str]) -> Option<&'a [&'w str]> {
    if !matches!(speakers::bare(words.first()?).to_lowercase().as_str(), "a" | "an" | "the") {
        return None;
    }
    gender_of(&words[1..words.len().min(3)].join(" "))?;
    let verb = (2..words.len().min(9)).find(|&i| {
        let word = speakers::bare(words[i]).to_lowercase();
        words[i].starts_with(char::is_lowercase)
            && (word.ends_with("ed") || speakers::is_reporting_word(&word) || speakers::is_auxiliary(&word))
    })?;
    let phrase = &words[..verb];
    // "The woman, 34, said": the apposition is no part of who she is.
    let first_comma = phrase.iter().position(|w| w.ends_with(',')).map_or(phrase.len(), |c| c + 1);
    Some(&phrase[..first_comma])
}

fn fold(name: &str) -> String {
    name.split_whitespace().map(|w| speakers::bare(w).to_lowercase()).collect::<Vec<_>>().join(" ")
}

fn gender_of(words: &str) -> Option<bool> {
    words.split_whitespace().map(|w| speakers::bare(w).to_lowercase()).find_map(|w| {
        if FEMININE.contains(&w.as_str()) {
            Some(true)
        } else if MASCULINE.contains(&w.as_str()) {
            Some(false)
        } else {
            None
        }
    })
}

impl Discourse {
    /// The next sentence begins: pronouns look back sentence by sentence.
    pub fn next_sentence(&mut self) {
        self.sentence += 1;
    }

    /// Records the names in a sentence's own words (not its quotes), each at its offset, so
    /// that later mentions can resolve to them.
    pub fn notice(&mut self, words: &[&str], offsets: &[usize]) {
        // "The company, which employs 4,000 people, denied the claims. It said ...": a subject
        // described rather than named is what the next "it" means, as is a body described with
        // its place's adjective anywhere ("heads the Tarvanian statistics office").
        let described_here = (0..words.len()).filter(|&i| {
            i == 0
                || (words[i] == "the" && words.get(i + 1).is_some_and(|w| w.starts_with(char::is_uppercase)))
        });
        // "Velmar, the Oslo-based shipping firm,": a body first met as a description set after
        // a name, by the word where the description starts (in order).
        let mut apposed: Vec<(usize, usize)> = Vec::new();
        for (i, phrase) in described_here.filter_map(|i| described_organisation(&words[i..]).map(|p| (i, p)))
        {
            if let Some(
                mention @ (Mention::Description { .. }
                | Mention::Named { kind: SpeakerKind::Organisation, .. }),
            ) = speakers::noun_phrase(phrase)
            {
                let known = self.entities.len();
                self.speaker(mention, offsets[i]);
                if self.entities.len() > known && i > 0 && words[i - 1].ends_with(',') {
                    apposed.push((i, known));
                }
            }
        }
        // "A spokeswoman for the ministry declined to comment. “…,” she said."
        if let Some(phrase) = described_person(words)
            && let Some(mention) = speakers::noun_phrase(phrase)
        {
            self.speaker(mention, offsets[0]);
        }
        for run in speakers::name_runs(words) {
            let at = offsets[run.start];
            let acronym = words.get(run.end).map(|w| w.trim_end_matches([',', '.', ';'])).and_then(|w| {
                let inner = w.strip_prefix('(')?.strip_suffix(')')?;
                (inner.len() >= 2 && inner.chars().all(|c| c.is_uppercase())).then(|| inner.to_lowercase())
            });
            let known = match run.kind {
                RunKind::Organisation => self.organisation_named(&run.name),
                _ => self.by_name.get(&fold(&run.name)).copied(),
            };
            let apposition = (run.kind == RunKind::Person)
                .then(|| role_after(words, run.end))
                .flatten()
                .or_else(|| role_before(words, run.start));
            // "Northair chief executive Ana Ruiz", "White House press secretary Mary Jones": a
            // name before a role held by the person named next is where the role is held.
            let holds_role = if run.name.contains(' ') {
                holds_role_of_next(words, run.end)
            } else {
                first_names::gender_of_given_name(&run.name).is_none()
                    && words
                        .get(run.end)
                        .is_some_and(|w| w.starts_with(char::is_lowercase) && speakers::is_title(w))
            };
            // A one-word name no given name marks, before the body's description.
            let described = apposed.binary_search_by_key(&run.end, |&(i, _)| i).ok().map(|k| apposed[k].1);
            let entity = match (run.kind, known, described) {
                (_, Some(entity), _) => entity,
                (RunKind::Person, None, _) if holds_role => {
                    self.add(run.name, SpeakerKind::Organisation, None)
                }
                // "his wife Jane": a given name alone names someone too, as does a surname that a
                // pronoun speaks of ("Asked whether she would resign, Phillips replied").
                (RunKind::Person, None, _)
                    if run.name.split_whitespace().count() >= 2
                        || first_names::gender_of_given_name(&run.name).is_some()
                        || pronoun_before(words, run.start).is_some() =>
                {
                    self.add(run.name, SpeakerKind::Person, run.title)
                }
                (RunKind::Organisation, None, _) => self.add(run.name, SpeakerKind::Organisation, None),
                (RunKind::Person, None, Some(entity)) => {
                    self.name_described(entity, run.name);
                    entity
                }
                (RunKind::Person, None, None) => {
                    if opens_as_unclassified_subject(words, run.start, run.end) {
                        self.unclassified.push((run.name, at));
                    }
                    continue;
                }
                (RunKind::Place, None, _) => continue,
            };
            if run.kind == RunKind::Person {
                self.remember_context(entity, words, run.start, run.end);
                if let Some(age) = age_after(words, run.end) {
                    self.entities[entity].age.get_or_insert(age);
                }
            }
            let belongs_to = possessor_before(words, run.start);
            let asking = run.start < asking_clause_end(words);
            let questioner = asks_question(words, run.end);
            self.namings.push(Naming { entity, sentence: self.sentence, at, belongs_to, asking, questioner });
            // "His deputy, Samira Dadayeva, signed as he asked": his, not hers.
            if run.kind == RunKind::Person
                && let Some(feminine) = pronoun_after(words, run.end)
                    .or_else(|| pronoun_before(words, run.start))
                    .filter(|&f| belongs_to != Some(f))
            {
                self.entities[entity].feminine.get_or_insert(feminine);
            }
            if let Some(acronym) = acronym {
                self.by_name.entry(acronym).or_insert(entity);
            }
            if let Some(role) = apposition {
                self.give_role(entity, role);
            }
        }
    }

    /// The speaker a mention at offset `at` names, recorded as named there.
    pub fn speaker(&mut self, mention: Mention, at: usize) -> Option<SpeakerCandidate> {
        let entity = match mention {
            Mention::Pronoun { feminine: Some(feminine) } => {
                let entity = self.antecedent(Some(feminine), at)?;
                self.entities[entity].feminine.get_or_insert(feminine);
                entity
            }
            Mention::Pronoun { feminine: None } => {
                // "Kordex, which employs 3,000 people, ...": the body named last, by name alone or not.
                let named = self.last_organisation(at);
                self.unclassified_organisation(named.map(|n| n.at), at).or(named.map(|n| n.entity))?
            }
            // "the 45-year-old": the person of that age, else the person last named.
            Mention::Description { ref words } if words.last().is_some_and(|w| w.ends_with("-year-old")) => {
                let age = words.last().and_then(|w| w.strip_suffix("-year-old")).unwrap_or_default();
                self.of_age(age, at).or_else(|| self.antecedent(None, at))?
            }
            // "Marc Duval was furious. “…,” the Frenchman said": the person last named, of the
            // gender the noun tells ("Dutchwoman").
            Mention::Description { ref words } if words.len() == 1 && speakers::is_demonym(&words[0]) => {
                let feminine = (words[0].ends_with("man")).then(|| words[0].ends_with("woman"));
                self.antecedent(feminine, at)?
            }
            // "The ministry issued a statement. “…,” the statement said": its writer's words.
            Mention::Description { words }
                if words.len() == 1
                    && speakers::is_document_noun(&words[0])
                    && let Some(writer) = self
                        .last_organisation(at)
                        .map(|n| n.entity)
                        .or_else(|| self.antecedent(None, at)) =>
            {
                writer
            }
            Mention::Description { words } => {
                let found = self.described(&words).or_else(|| self.described_around(&words)).or_else(|| {
                    let generic = words.last().is_some_and(|head| speakers::is_generic_organisation(head));
                    generic.then(|| self.unclassified_organisation(None, at)).flatten()
                });
                match found {
                    Some(entity) => entity,
                    None => {
                        let head = words.last()?;
                        let kind = if speakers::is_organisation_word(head) {
                            SpeakerKind::Organisation
                        } else {
                            SpeakerKind::Anonymous
                        };
                        let name = words.join(" ");
                        let role = (kind == SpeakerKind::Anonymous).then(|| name.clone());
                        self.find_or_add(name, kind, role)
                    }
                }
            }
            Mention::Named { name, kind, role } => self.find_or_add(name, kind, role),
        };
        self.named(entity, at);
        Some(self.candidate(entity))
    }

    /// Marks a name as an outlet (one that relayed the words of others), and gives its full
    /// name when the article gave one before ("the Advertiser" → "Holmebridge Advertiser").
    pub fn outlet(&mut self, name: &str) -> String {
        // "L'Écho de Saint-Aubin" may have been noticed as a person's name.
        match self.organisation_named(name).or_else(|| self.by_name.get(&fold(name)).copied()) {
            Some(entity) => {
                self.entities[entity].outlet = true;
                self.entities[entity].name.clone()
            }
            None => name.to_owned(),
        }
    }

    /// The organisation a name (or its last words: "the Advertiser") names.
    fn organisation_named(&self, name: &str) -> Option<usize> {
        let folded = fold(name);
        let suffix = format!(" {folded}");
        self.by_name.get(&folded).copied().or_else(|| {
            let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
            recent.iter().rev().map(|n| n.entity).find(|&e| {
                self.entities[e].kind == SpeakerKind::Organisation
                    && fold(&self.entities[e].name).ends_with(&suffix)
            })
        })
    }

    /// What the pronoun opening a speaker's reported clause tells of them: "she said she would
    /// ..." a woman, "Petrolis says it expects ..." an organisation (a one-word name: "Ana Ruiz
    /// said it was unclear" is a person's "it").
    pub fn hint_by_pronoun(&mut self, speaker: &SpeakerCandidate, pronoun: &str) {
        let Some(&entity) = self.by_name.get(&fold(&speaker.name)) else { return };
        if speakers::bare(pronoun).eq_ignore_ascii_case("it") {
            let e = &mut self.entities[entity];
            if e.kind == SpeakerKind::Person && !e.name.contains(' ') {
                e.kind = SpeakerKind::Organisation;
            }
        } else if speakers::is_personal_pronoun(pronoun)
            && let Some(feminine) = gender_of(pronoun)
        {
            self.entities[entity].feminine.get_or_insert(feminine);
        }
    }

    fn candidate(&self, entity: usize) -> SpeakerCandidate {
        let e = &self.entities[entity];
        SpeakerCandidate { name: e.name.clone(), kind: e.kind, role: e.role.clone() }
    }

    fn named(&mut self, entity: usize, at: usize) {
        // Reporting the question of someone who asks it leaves them who asked.
        let questioner = self
            .namings
            .iter()
            .rev()
            .take(LOOKBACK)
            .take_while(|n| n.sentence == self.sentence)
            .any(|n| n.entity == entity && n.questioner);
        self.namings.push(Naming {
            entity,
            sentence: self.sentence,
            at,
            belongs_to: None,
            asking: false,
            questioner,
        });
    }

    /// Names the body a description met first ("the Oslo-based shipping firm") by the name it
    /// was set after ("Velmar"): later descriptions and "it" mean it by that name.
    fn name_described(&mut self, entity: usize, name: String) {
        self.by_name.insert(fold(&name), entity);
        let e = &mut self.entities[entity];
        e.kind = SpeakerKind::Organisation;
        e.name = name;
    }

    fn find_or_add(&mut self, name: String, kind: SpeakerKind, role: Option<String>) -> usize {
        match self.by_name.get(&fold(&name)) {
            Some(&entity) => {
                if let Some(role) = role {
                    self.give_role(entity, role);
                }
                entity
            }
            None => self.add(name, kind, role),
        }
    }

    /// A person's role, when the article gives one and none was known.
    fn give_role(&mut self, entity: usize, role: String) {
        let e = &mut self.entities[entity];
        if e.role.is_none() && matches!(e.kind, SpeakerKind::Person | SpeakerKind::Organisation) {
            e.heads.extend(heads_of(&role));
            e.feminine = e.feminine.or_else(|| gender_of(&role));
            e.role = Some(role);
        }
    }

    fn add(&mut self, name: String, kind: SpeakerKind, role: Option<String>) -> usize {
        let entity = self.entities.len();
        let mut heads = heads_of(role.as_deref().unwrap_or_default());
        if kind != SpeakerKind::Person {
            heads.extend(heads_of(&name));
        }
        let feminine = role.as_deref().and_then(gender_of);
        let feminine_by_name = (kind == SpeakerKind::Person)
            .then(|| name.split_whitespace().next().and_then(first_names::gender_of_given_name))
            .flatten();
        let folded = fold(&name);
        let words: Vec<&str> = folded.split(' ').collect();
        if kind == SpeakerKind::Person {
            for from in 1..words.len() {
                self.by_name.entry(words[from..].join(" ")).or_insert(entity);
            }
        } else if kind == SpeakerKind::Organisation
            && words.len() > 1
            && !speakers::is_organisation_word(words[0])
            && !GENERIC_FIRST_WORDS.contains(&words[0])
        {
            // "Halvard" for "Halvard Line", "Cordillera" for "Cordillera Air".
            self.by_name.entry(words[0].to_owned()).or_insert(entity);
        }
        self.by_name.insert(folded, entity);
        self.entities.push(Entity {
            name,
            kind,
            role,
            heads,
            feminine,
            feminine_by_name,
            outlet: false,
            context: Vec::new(),
            described_by_clause: false,
            age: None,
        });
        entity
    }

    /// The person a pronoun at `at` refers to: the first person named earlier in its own
    /// sentence, else the first named in the nearest sentence before that names one (the
    /// subject comes first), of the pronoun's gender when that is known.
    fn antecedent(&self, feminine: Option<bool>, at: usize) -> Option<usize> {
        self.antecedent_answering(feminine, at, true)
            .or_else(|| self.antecedent_answering(feminine, at, false))
    }

    /// The antecedent, passing over (when `answering`) who asked the previous sentence's
    /// question: the words that follow a question are its answer.
    fn antecedent_answering(&self, feminine: Option<bool>, at: usize, answering: bool) -> Option<usize> {
        let fits = |n: &Naming| {
            let e = &self.entities[n.entity];
            // "A spokeswoman for the ministry said ... “…,” she added": someone unnamed whose
            // description tells the pronoun's gender.
            let unnamed_of_gender =
                e.kind == SpeakerKind::Anonymous && feminine.is_some() && e.feminine == feminine;
            (e.kind == SpeakerKind::Person || unnamed_of_gender)
                && !e.outlet
                && n.at < at
                && e.feminine.or(e.feminine_by_name).zip(feminine).is_none_or(|(e, f)| e == f)
                && n.belongs_to.zip(feminine).is_none_or(|(owner, f)| owner != f)
                && !(n.asking && n.sentence == self.sentence)
                && !(answering && n.questioner && n.sentence + 1 == self.sentence)
        };
        // Someone known to be of the pronoun's gender comes before someone whose gender is
        // unknown: "Kovac spoke after Ilse Warnke dismissed the remarks. “…,” she said".
        let known_gender = |n: &Naming| {
            let e = &self.entities[n.entity];
            feminine.is_some() && e.feminine.or(e.feminine_by_name) == feminine
        };
        let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
        let mut sentence = None;
        let mut chosen: Option<&Naming> = None;
        for naming in recent.iter().rev() {
            if sentence.is_some_and(|s| s != naming.sentence) {
                break;
            }
            if fits(naming) {
                sentence = Some(naming.sentence);
                let better = chosen.is_none_or(|c| {
                    (known_gender(naming), std::cmp::Reverse(naming.at))
                        > (known_gender(c), std::cmp::Reverse(c.at))
                });
                if better {
                    chosen = Some(naming);
                }
            }
        }
        chosen.map(|n| n.entity)
    }

    /// The person named before `at` whose age the article gave as `age`.
    fn of_age(&self, age: &str, at: usize) -> Option<usize> {
        let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
        recent
            .iter()
            .rev()
            .filter(|n| n.at < at)
            .map(|n| n.entity)
            .find(|&e| self.entities[e].age.as_deref() == Some(age))
    }

    /// Up to three words before a person's name, and the apposition after it.
    fn remember_context(&mut self, entity: usize, words: &[&str], start: usize, end: usize) {
        let before = &words[start.saturating_sub(3)..start];
        // "Idris Tahir, met UN mediator Clara Lind": a comma closing an apposition before the
        // verb opens none.
        let opens_apposition = |w: &str| {
            let w = speakers::bare(w).to_lowercase();
            !w.starts_with(char::is_lowercase)
                || speakers::is_title(&w)
                || matches!(
                    w.as_str(),
                    "a" | "an" | "the" | "his" | "her" | "its" | "their" | "who" | "whose"
                )
        };
        let apposition =
            if words[end - 1].ends_with(',') && words.get(end).is_some_and(|w| opens_apposition(w)) {
                &words[end..words.len().min(end + 10)]
            } else {
                &[]
            };
        if apposition
            .first()
            .is_some_and(|w| matches!(speakers::bare(w).to_lowercase().as_str(), "who" | "whose"))
        {
            self.entities[entity].described_by_clause = true;
        }
        let context = &mut self.entities[entity].context;
        for stem in before.iter().chain(apposition).filter_map(|w| stem(w)) {
            if context.len() < MAX_CONTEXT_STEMS && !context.contains(&stem) {
                context.push(stem);
            }
        }
    }

    /// The person last named with words like a description's around them, when no role says
    /// it: "the prosecutor" for "Prosecuting, Ruth Adeyemi told the court".
    fn described_around(&self, words: &[String]) -> Option<usize> {
        if speakers::is_organisation_word(words.last()?) {
            return None;
        }
        let stems: Vec<String> = words
            .iter()
            .filter(|w| !DESCRIPTIVE.contains(&w.as_str()))
            .flat_map(|w| same_role(w).iter().copied().chain([w.as_str()]))
            .filter_map(stem)
            .collect();
        let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
        let person = |entity: &usize| {
            let e = &self.entities[*entity];
            e.kind == SpeakerKind::Person && !e.outlet
        };
        let mut people = recent.iter().rev().map(|n| n.entity).filter(person);
        people
            .clone()
            .find(|&entity| self.entities[entity].context.iter().any(|c| stems.contains(c)))
            // "the superintendent" for "X, who has led the district since 2019,", whom no role
            // names.
            .or_else(|| {
                people.find(|&entity| {
                    let e = &self.entities[entity];
                    e.described_by_clause && e.role.as_deref().is_none_or(is_courtesy_title)
                })
            })
    }

    /// The organisation or group named last before offset `at`: what "it" or "they" said.
    fn last_organisation(&self, at: usize) -> Option<Naming> {
        let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
        recent.iter().rev().filter(|n| n.at < at).copied().find(|n| {
            let e = &self.entities[n.entity];
            matches!(e.kind, SpeakerKind::Organisation | SpeakerKind::Group) && !e.outlet
        })
    }

    /// "Northair flight NA417 turned back ... the airline said", "Rovenna said in a statement.
    /// The club said ...", "Kordex, which employs 3,000 people, ... it said": an organisation
    /// described by its kind or by "it", when none was named as one, is the last one-word name
    /// that nothing told as a person's (named after offset `after`), now known as an organisation.
    fn unclassified_organisation(&mut self, after: Option<usize>, at: usize) -> Option<usize> {
        let between = |named_at: usize| named_at < at && after.is_none_or(|after| named_at > after);
        let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
        let person = recent.iter().rev().filter(|n| between(n.at)).find(|n| {
            let e = &self.entities[n.entity];
            e.kind == SpeakerKind::Person
                && !e.name.contains(' ')
                && e.feminine.or(e.feminine_by_name).is_none()
                && e.role.is_none()
        });
        let person = person.map(|n| (n.entity, n.at));
        // A name noticed before it was known as someone's is theirs.
        let bare = self.unclassified[self.unclassified.len().saturating_sub(LOOKBACK)..]
            .iter()
            .rev()
            .find(|(name, named_at)| between(*named_at) && !self.by_name.contains_key(&fold(name)));
        match (person, bare) {
            (Some((entity, named_at)), bare) if bare.is_none_or(|(_, b)| *b < named_at) => {
                self.entities[entity].kind = SpeakerKind::Organisation;
                Some(entity)
            }
            (_, Some((name, _))) => {
                let name = name.clone();
                Some(self.add(name, SpeakerKind::Organisation, None))
            }
            _ => None,
        }
    }

    /// The entity a description ("the minister", "the company") refers to: the last named
    /// with that role or kind.
    fn described(&self, words: &[String]) -> Option<usize> {
        let head = words.last()?;
        let organisation = speakers::is_organisation_word(head) || speakers::is_generic_organisation(head);
        let recent = &self.namings[self.namings.len().saturating_sub(LOOKBACK)..];
        let matching = |generic: bool| {
            recent.iter().rev().map(|n| n.entity).find(|&entity| {
                let e = &self.entities[entity];
                // "the company" is no ministry; "the group" may be an association, not a court.
                let excluded: &[&str] =
                    if COMMERCIAL.contains(&head.as_str()) { PUBLIC_BODIES } else { STATE_BODIES };
                let of_kind = (e.kind == SpeakerKind::Organisation) == organisation
                    && !e.outlet
                    && !(generic && e.heads.iter().any(|h| excluded.contains(&h.as_str())));
                // "the former president", "the central bank": a description may say more than
                // the role or name it refers by.
                let said = |w: &String| {
                    e.heads.contains(w)
                        || if organisation {
                            DESCRIPTIVE_OF_BODIES.contains(&w.as_str())
                        } else {
                            // "the airline boss", "the club's manager": the body they work for.
                            DESCRIPTIVE.contains(&w.as_str())
                                || speakers::is_generic_organisation(w)
                                || speakers::is_organisation_word(w)
                        }
                };
                // "the union" for a workers' association or federation; "the boss" for whoever
                // heads something.
                let named_by = |h: &String| {
                    e.heads.contains(h)
                        || same_role(h).iter().any(|r| e.heads.iter().any(|w| w == r))
                        || (h == "union" && e.heads.iter().any(|w| LABOUR_BODIES.contains(&w.as_str())))
                        || (h == "boss" && e.heads.iter().any(|w| BOSSES.contains(&w.as_str())))
                };
                of_kind && (generic || (named_by(head) && words.iter().all(|w| named_by(w) || said(w))))
            })
        };
        matching(false).or_else(|| speakers::is_generic_organisation(head).then(|| matching(true)).flatten())
    }
}

/// The words after a name run ending at `end` are a role in lower case held by the person
/// named next: "chief executive Ana Ruiz", "press secretary Mary Jones".
fn holds_role_of_next(words: &[&str], end: usize) -> bool {
    let plain = |w: &&str| w.chars().all(|c| c.is_alphabetic() || c == '-');
    let role = words[end..]
        .iter()
        .take(MAX_ROLE_WORDS)
        .take_while(|w| w.starts_with(char::is_lowercase) && plain(w))
        .count();
    role > 0
        && plain(&words[end - 1])
        && words[end..end + role].iter().any(|w| speakers::is_title(w))
        && words.get(end + role).is_some_and(|w| w.starts_with(char::is_uppercase))
}

/// "Tomas Vidal, 24,", "Tomas Vidal (24)": the age given right after a name.
fn age_after(words: &[&str], end: usize) -> Option<String> {
    let next = words.get(end)?;
    let set_off = words[end - 1].ends_with(',') || next.starts_with('(');
    let age = next.trim_start_matches('(').trim_end_matches([',', ')', '.']);
    (set_off && (1..=3).contains(&age.len()) && age.chars().all(|c| c.is_ascii_digit()))
        .then(|| age.to_owned())
}

/// "Bruno Castellane, chief executive of Halvard Line, ...": the role a comma sets after a
/// name, up to the next comma.
fn role_after(words: &[&str], end: usize) -> Option<String> {
    if !words[end - 1].ends_with(',') {
        return None;
    }
    let role = &words[end..words.len().min(end + 10)];
    let len = role.iter().position(|w| w.ends_with([',', '.', ';'])).map(|i| i + 1)?;
    let first = speakers::bare(role.first()?).to_lowercase();
    let starts_role = matches!(first.as_str(), "a" | "an" | "the") || speakers::is_title(&first);
    starts_role.then(|| speakers::bare(&role[..len].join(" ")).to_owned())
}

/// "the region's health commissioner, Ilona Brandt": the role a comma sets before a name,
/// from its last article.
fn role_before(words: &[&str], start: usize) -> Option<String> {
    let comma = start.checked_sub(1).filter(|&c| words[c].ends_with(','))?;
    let segment_start =
        words[..comma].iter().rposition(|w| w.ends_with([',', '.', ';', ':'])).map_or(0, |i| i + 1);
    let article = (segment_start..=comma).rev().find(|&i| {
        matches!(
            speakers::bare(words[i]).to_lowercase().as_str(),
            "the" | "a" | "an" | "its" | "his" | "her" | "their"
        )
    })?;
    let role = &words[article + 1..=comma];
    (role.len() <= 6 && role.iter().all(|w| !w.starts_with(char::is_uppercase) || speakers::is_title(w)))
        .then(|| speakers::bare(&role.join(" ")).to_owned())
}

/// "Her deputy, Tadhg Mulvey", "His neighbour, 81-year-old Virgil Haskett": the gender of
/// the possessive that opens the apposition before a name.
fn possessor_before(words: &[&str], start: usize) -> Option<bool> {
    let comma = (start.saturating_sub(2)..start).rev().find(|&i| words[i].ends_with(','))?;
    if words[comma + 1..start].iter().any(|w| w.ends_with(',')) {
        return None;
    }
    let opening = words[..comma].iter().rposition(|w| w.ends_with([',', '.', ';', ':'])).map_or(0, |i| i + 1);
    match speakers::bare(words[opening]).to_lowercase().as_str() {
        "her" => Some(true),
        "his" => Some(false),
        _ => None,
    }
}

/// "Tamika Rowe, who said she ...": a subject pronoun soon after a name, before anyone else is
/// named, tells its gender (a possessive, "described his conduct", is often someone else's).
fn pronoun_after(words: &[&str], end: usize) -> Option<bool> {
    // "Amundsen's wife said she ...": the pronoun is the wife's.
    if speakers::bare(words[end - 1]).ends_with("'s") || speakers::bare(words[end - 1]).ends_with("’s") {
        return None;
    }
    words[end..].iter().take(6).take_while(|w| !speakers::bare(w).starts_with(char::is_uppercase)).find_map(
        |w| match speakers::bare(w).to_lowercase().as_str() {
            "he" | "himself" => Some(false),
            "she" | "herself" => Some(true),
            _ => None,
        },
    )
}

/// "Northair flight NA417 turned back", "Kordex, which employs 3,000 people, reported": a
/// one-word name opening the sentence as its subject, which may be an organisation's. Not a
/// participle ("Asked whether"), a noun of an opening phrase ("Shares in"), a pronoun, a group
/// ("Relatives") or a code ("NA417"); a name elsewhere in the sentence is as often a place.
fn opens_as_unclassified_subject(words: &[&str], start: usize, end: usize) -> bool {
    let name = speakers::bare(words[start]);
    start == 0
        && end == 1
        && name.chars().all(|c| c.is_alphabetic() || c == '-')
        && !name.ends_with("ed")
        && !name.ends_with("ing")
        && !words.get(end).is_some_and(|w| matches!(*w, "in" | "of" | "at" | "from"))
        && matches!(speakers::noun_phrase(&[name]), Some(Mention::Named { kind: SpeakerKind::Person, .. }))
}

/// "Asked by counsel Hugo Keith whether ..., he replied", "Pressed by X about the cost,": where
/// the clause opening the sentence with its questioner ends (0 when there is none).
fn asking_clause_end(words: &[&str]) -> usize {
    match words {
        [participle, by, ..] if participle.to_lowercase().ends_with("ed") && *by == "by" => {
            words.iter().position(|w| w.ends_with(',')).map_or(0, |comma| comma + 1)
        }
        _ => 0,
    }
}

/// "Olu Bako asked whether ...", "Olu Bako, the panel's chair, asked if ...": the name ending
/// at `end` is the subject of a question its sentence reports.
fn asks_question(words: &[&str], end: usize) -> bool {
    let verb = if words[end - 1].ends_with(',') {
        words[end..]
            .iter()
            .take(MAX_APPOSITION_WORDS)
            .position(|w| w.ends_with(','))
            .map_or(words.len(), |c| end + c + 1)
    } else {
        end
    };
    words.get(verb).is_some_and(|w| *w == "asked")
        && words.get(verb + 1).is_some_and(|w| {
            matches!(speakers::bare(w), "whether" | "if" | "why" | "how" | "what" | "when" | "who")
        })
}

/// "Asked whether she would resign, Phillips replied": a clause opening the sentence that
/// speaks of its subject by pronoun before naming them, and names no one else.
fn pronoun_before(words: &[&str], start: usize) -> Option<bool> {
    if start == 0
        || !words[start - 1].ends_with(',')
        || words[1..start].iter().any(|w| speakers::bare(w).starts_with(char::is_uppercase))
    {
        return None;
    }
    words[..start].iter().find_map(|w| match speakers::bare(w).to_lowercase().as_str() {
        "he" | "himself" => Some(false),
        "she" | "herself" => Some(true),
        _ => None,
    })
}

/// The lower-case content words of a role or name.
fn heads_of(phrase: &str) -> Vec<String> {
    phrase
        .split_whitespace()
        .map(|w| speakers::bare(w).to_lowercase())
        .filter(|w| {
            !w.is_empty() && !matches!(w.as_str(), "of" | "for" | "the" | "a" | "an" | "and" | "with")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_offsets(text: &str) -> (Vec<&str>, Vec<usize>) {
        let words: Vec<&str> = text.split_whitespace().collect();
        let offsets = (0..words.len()).map(|i| i * 10).collect();
        (words, offsets)
    }

    fn name(s: Option<SpeakerCandidate>) -> String {
        s.map(|s| s.name).unwrap_or_default()
    }

    #[test]
    fn pronouns_surnames_and_descriptions() {
        let mut d = Discourse::default();
        let (w, o) = at_offsets(
            "Agriculture Minister Pavel Ostrander dismissed the complaints from the Valdorian Federation of Grain Exporters.",
        );
        d.notice(&w, &o);
        d.next_sentence();
        assert_eq!(name(d.speaker(Mention::Pronoun { feminine: Some(false) }, 1_000)), "Pavel Ostrander");
        assert_eq!(
            name(d.speaker(
                Mention::Named { name: "Ostrander".into(), kind: SpeakerKind::Person, role: None },
                1_010
            )),
            "Pavel Ostrander"
        );
        assert_eq!(
            name(d.speaker(Mention::Description { words: vec!["minister".into()] }, 1_020)),
            "Pavel Ostrander"
        );
        assert_eq!(
            name(d.speaker(Mention::Description { words: vec!["federation".into()] }, 1_030)),
            "Valdorian Federation of Grain Exporters"
        );
        // No woman was named: "she" is nobody yet.
        assert_eq!(name(d.speaker(Mention::Pronoun { feminine: Some(true) }, 1_040)), "");
    }
}
