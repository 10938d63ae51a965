//! From article to records: extraction candidates for a stored source, and accepting the
//! chosen ones as quotes and claims (anchors checked like any other), all or nothing.

use std::collections::HashMap;

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::claims::ClaimView;
use super::matches::{self, ClaimSaid, MatchView};
use super::quotes::QuoteView;
use super::records::{self, Record, Submission};
use super::speakers::SpeakerView;
use super::{ServiceError, ServiceResult, cpu};
use crate::db::transaction;
use crate::db::{source, speaker};
use crate::domain::Principal;
use crate::domain::anchor::{Anchor, AnchorInput, CONTEXT_CHARS};
use crate::domain::claim::ClaimInput;
use crate::domain::decimal::DecimalText;
use crate::domain::extract::{self, ClaimCandidate, QuoteCandidate};
use crate::domain::kinds::{ClaimQualifier, QuoteKind, SpeakerKind};
use crate::domain::quote::QuoteInput;
use crate::domain::speaker::SpeakerInput;

/// Most candidates accepted in one request.
const MAX_ACCEPT: usize = 1000;

/// Most quotes, and most claims, of one proposal whose matches are looked up: each is one
/// trigram search over every workspace's fact-checks.
pub const MAX_MATCHED_CANDIDATES: usize = 100;

/// The anchor of `start..end` in `chars`, with the usual context.
fn anchor(chars: &[char], start: usize, end: usize) -> Anchor {
    Anchor {
        prefix: chars[start.saturating_sub(CONTEXT_CHARS)..start].iter().collect(),
        exact: chars[start..end].iter().collect(),
        suffix: chars[end..(end + CONTEXT_CHARS).min(chars.len())].iter().collect(),
        start: start as i32,
        end: end as i32,
    }
}

#[derive(Serialize)]
pub struct QuoteProposal {
    #[serde(flatten)]
    candidate: QuoteCandidate,
    anchor: Anchor,
    /// Published verdicts on the same words by the same speaker (by any of their names); none
    /// when not looked up (past `MAX_MATCHED_CANDIDATES`).
    matches: Option<Vec<MatchView>>,
}

#[derive(Serialize)]
pub struct ClaimProposal {
    #[serde(flatten)]
    candidate: ClaimCandidate,
    anchor: Anchor,
    /// Published verdicts on the same figure or on a statement worded alike; none when not
    /// looked up (past `MAX_MATCHED_CANDIDATES`).
    matches: Option<Vec<MatchView>>,
}

#[derive(Serialize)]
pub struct Proposals {
    quotes: Vec<QuoteProposal>,
    claims: Vec<ClaimProposal>,
    /// More candidates were found than are returned (`extract::MAX_CANDIDATES` of each kind).
    truncated: bool,
    /// More than `MAX_MATCHED_CANDIDATES` quotes or claims: the rest have no matches looked up.
    matches_truncated: bool,
}

async fn source_text(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<String> {
    source::find(conn, id)
        .await?
        .content
        .ok_or_else(|| ServiceError::Conflict("the source has no stored text to extract from".into()))
}

/// Candidates found in the source's text, each with what was already fact-checked like it;
/// nothing is stored.
pub async fn propose(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Proposals> {
    let text = source_text(conn, id).await?;
    let mut proposals = cpu::run(move || {
        let chars: Vec<char> = text.chars().collect();
        let found = extract::extract(&text);
        Proposals {
            quotes: found
                .quotes
                .into_iter()
                .map(|q| QuoteProposal {
                    anchor: anchor(&chars, q.start, q.end),
                    candidate: q,
                    matches: None,
                })
                .collect(),
            claims: found
                .claims
                .into_iter()
                .map(|c| ClaimProposal {
                    anchor: anchor(&chars, c.statement_start, c.statement_end),
                    candidate: c,
                    matches: None,
                })
                .collect(),
            truncated: found.truncated,
            matches_truncated: false,
        }
    })
    .await?;
    // An article names the same few speakers again and again: their names are read once.
    let mut names_of: HashMap<String, Vec<String>> = HashMap::new();
    proposals.matches_truncated =
        proposals.quotes.len() > MAX_MATCHED_CANDIDATES || proposals.claims.len() > MAX_MATCHED_CANDIDATES;
    for proposal in proposals.quotes.iter_mut().take(MAX_MATCHED_CANDIDATES) {
        let Some(speaker) = &proposal.candidate.speaker else {
            proposal.matches = Some(Vec::new());
            continue;
        };
        let names = match names_of.get(&speaker.name) {
            Some(names) => names.clone(),
            None => {
                let names = speaker::names_of_named(conn, &speaker.name).await?;
                names_of.insert(speaker.name.clone(), names.clone());
                names
            }
        };
        proposal.matches = Some(matches::for_quote(conn, None, &proposal.candidate.text, names).await?);
    }
    let tolerance = matches::figure_tolerance(conn).await?;
    for proposal in proposals.claims.iter_mut().take(MAX_MATCHED_CANDIDATES) {
        let candidate = &proposal.candidate;
        let value = candidate.value.parse::<BigDecimal>().ok();
        let said = ClaimSaid {
            statement: &candidate.statement,
            metric: &candidate.metric,
            unit: candidate.unit.as_deref(),
            value: value.as_ref(),
        };
        proposal.matches = Some(matches::for_claim(conn, None, said, &tolerance).await?);
    }
    Ok(proposals)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeakerChoice {
    /// An existing speaker; or else `name` and `kind` (found by name, or created).
    id: Option<Uuid>,
    name: Option<String>,
    kind: Option<SpeakerKind>,
    role: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedQuote {
    text: String,
    kind: QuoteKind,
    #[serde(deserialize_with = "crate::domain::integral")]
    start: u32,
    /// As proposed; when given, it must be where `text` ends.
    #[serde(default, deserialize_with = "crate::domain::integral_option")]
    end: Option<u32>,
    speaker: Option<SpeakerChoice>,
    relayed_by: Option<String>,
    /// What a proposal carries for the person choosing (`confidence`, `anchor`, `matches`):
    /// taken as sent, so that a proposal can be accepted unchanged.
    #[serde(default, rename = "confidence")]
    _confidence: IgnoredAny,
    #[serde(default, rename = "anchor")]
    _anchor: IgnoredAny,
    #[serde(default, rename = "matches")]
    _matches: IgnoredAny,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedClaim {
    statement: String,
    #[serde(deserialize_with = "crate::domain::integral")]
    statement_start: u32,
    /// As proposed; when given, it must be where `statement` ends.
    #[serde(default, deserialize_with = "crate::domain::integral_option")]
    statement_end: Option<u32>,
    /// Where the number is, as proposed: inside the statement.
    #[serde(default, deserialize_with = "crate::domain::integral_option")]
    start: Option<u32>,
    #[serde(default, deserialize_with = "crate::domain::integral_option")]
    end: Option<u32>,
    value: DecimalText,
    qualifier: ClaimQualifier,
    unit: Option<String>,
    metric: String,
    claimant: Option<SpeakerChoice>,
    /// When and where the figure holds, as the person accepting reads it.
    as_of: Option<NaiveDate>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    place: Option<String>,
    /// What a proposal carries for the person choosing (`confidence`, `anchor`, `matches`):
    /// taken as sent, so that a proposal can be accepted unchanged.
    #[serde(default, rename = "confidence")]
    _confidence: IgnoredAny,
    #[serde(default, rename = "anchor")]
    _anchor: IgnoredAny,
    #[serde(default, rename = "matches")]
    _matches: IgnoredAny,
}

/// The candidates chosen: a proposal as `propose` returned it (or edited, or cut down).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    #[serde(default)]
    pub quotes: Vec<AcceptedQuote>,
    #[serde(default)]
    pub claims: Vec<AcceptedClaim>,
    #[serde(default, rename = "truncated")]
    _truncated: IgnoredAny,
    #[serde(default, rename = "matches_truncated")]
    _matches_truncated: IgnoredAny,
}

/// Checks that offsets a proposal carried agree with the text chosen: `end` is where
/// `text`, starting at `start`, ends.
fn check_end(text: &str, start: u32, end: Option<u32>, pointer: String) -> ServiceResult<()> {
    let ends_at = start as usize + text.chars().count();
    match end {
        Some(end) if end as usize != ends_at => Err(ServiceError::validation(
            pointer,
            format!("the text starting at {start} ends at {ends_at}, not {end}"),
        )),
        _ => Ok(()),
    }
}

impl AcceptedClaim {
    /// The number's offsets, when given, lie inside the statement.
    fn check_offsets(&self, i: usize) -> ServiceResult<()> {
        check_end(
            &self.statement,
            self.statement_start,
            self.statement_end,
            format!("/claims/{i}/statement_end"),
        )?;
        let statement_end = self.statement_start as usize + self.statement.chars().count();
        let inside = |at: u32| (self.statement_start as usize..=statement_end).contains(&(at as usize));
        for (field, at) in [("start", self.start), ("end", self.end)] {
            if let Some(at) = at.filter(|at| !inside(*at)) {
                return Err(ServiceError::validation(
                    format!("/claims/{i}/{field}"),
                    format!("{at} is outside the statement ({}..{statement_end})", self.statement_start),
                ));
            }
        }
        if let (Some(start), Some(end)) = (self.start, self.end)
            && start > end
        {
            return Err(ServiceError::validation(format!("/claims/{i}/end"), "must not be before start"));
        }
        Ok(())
    }
}

#[derive(Serialize)]
pub struct Accepted {
    quotes: Vec<QuoteView>,
    claims: Vec<ClaimView>,
    /// Candidates left out because they are already stored: `item` is the candidate's place
    /// in `quotes` or `claims` of the acceptance.
    skipped: Skipped,
    /// Speakers named by no stored one's name or alias, created, each with the stored speakers
    /// named alike (`similar`): suggestions to merge, never merged unasked.
    speakers_created: Vec<SpeakerView>,
}

#[derive(Serialize)]
struct Skipped {
    quotes: Vec<records::Skipped>,
    claims: Vec<records::Skipped>,
}

/// The speakers an acceptance from source `source_id` named, as resolved so far, and those it
/// created.
struct Speakers {
    source_id: Uuid,
    /// By kind and name as written (trimmed, any case): one speaker per name in an acceptance.
    named: HashMap<(SpeakerKind, String), Uuid>,
    created: Vec<SpeakerView>,
}

impl Speakers {
    /// The speaker to attribute to: the one named by id; else one this acceptance named so
    /// already; else a live one of that kind with that name or alias (without case or accents),
    /// an anonymous one only if credited in this source ("a Western diplomat" in another report
    /// is someone else); else a new one, which comes back with the stored speakers named alike, for a person to
    /// merge if they are the same.
    async fn resolve(
        &mut self,
        conn: &mut AsyncPgConnection,
        caller: Principal,
        choice: &SpeakerChoice,
        pointer: &str,
    ) -> ServiceResult<Uuid> {
        if let Some(id) = choice.id {
            return Ok(id);
        }
        let (Some(name), Some(kind)) = (&choice.name, choice.kind) else {
            return Err(ServiceError::validation(pointer, "give the speaker's id, or its name and kind"));
        };
        let key = (kind, name.trim().to_lowercase());
        if let Some(&id) = self.named.get(&key) {
            return Ok(id);
        }
        let stored = match kind {
            SpeakerKind::Anonymous => speaker::find_anonymous_in_source(conn, name, self.source_id).await?,
            _ => speaker::find_by_identity(conn, name, kind).await?,
        };
        let id = match stored {
            Some(found) => found.id,
            None => self.create(conn, caller, name, kind, choice, pointer).await?,
        };
        self.named.insert(key, id);
        Ok(id)
    }

    async fn create(
        &mut self,
        conn: &mut AsyncPgConnection,
        caller: Principal,
        name: &str,
        kind: SpeakerKind,
        choice: &SpeakerChoice,
        pointer: &str,
    ) -> ServiceResult<Uuid> {
        let input = SpeakerInput {
            name: name.to_owned(),
            kind,
            description: choice.role.clone(),
            aliases: Vec::new(),
            wikidata_qid: None,
        };
        let created = records::create::<SpeakerView>(conn, caller, Submission::One(input))
            .await
            .map_err(|error| repointed(error, "", pointer))?;
        let saved = created
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::internal("a speaker insert returned no row"))?;
        self.created.push(saved.view);
        Ok(saved.id)
    }
}

/// Stores the chosen candidates as quotes and claims, all or nothing. Each is checked like
/// any other record: its anchor must match the source's text.
pub async fn accept(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    source_id: Uuid,
    acceptance: Acceptance,
) -> ServiceResult<Accepted> {
    if acceptance.quotes.len() + acceptance.claims.len() > MAX_ACCEPT {
        return Err(ServiceError::validation("", format!("accept at most {MAX_ACCEPT} candidates at once")));
    }
    source_text(conn, source_id).await?;
    transaction::atomically(conn, async move |conn| {
        let mut speakers = Speakers { source_id, named: HashMap::new(), created: Vec::new() };
        let mut quote_inputs = Vec::new();
        for (i, q) in acceptance.quotes.into_iter().enumerate() {
            check_end(&q.text, q.start, q.end, format!("/quotes/{i}/end"))?;
            let pointer = format!("/quotes/{i}/speaker");
            let Some(choice) = &q.speaker else {
                return Err(ServiceError::validation(
                    pointer,
                    "no speaker was found: name one before accepting",
                ));
            };
            let speaker_id = speakers.resolve(conn, caller, choice, &pointer).await?;
            let exact = (q.kind == QuoteKind::Indirect).then(|| q.text.clone());
            quote_inputs.push(QuoteInput {
                source_id,
                speaker_id,
                text: q.text,
                kind: q.kind,
                anchor: Some(AnchorInput { exact, start: Some(q.start), ..AnchorInput::default() }),
                relayed_by: q.relayed_by,
                speaker_role: choice.role.clone(),
                said_at: None,
                language: None,
            });
        }
        let mut claim_inputs = Vec::new();
        for (i, c) in acceptance.claims.into_iter().enumerate() {
            c.check_offsets(i)?;
            let claimant_id = match &c.claimant {
                Some(choice) => {
                    Some(speakers.resolve(conn, caller, choice, &format!("/claims/{i}/claimant")).await?)
                }
                None => None,
            };
            claim_inputs.push(ClaimInput {
                source_id,
                claimant_id,
                statement: c.statement,
                metric: c.metric,
                qualifier: c.qualifier,
                value: Some(c.value),
                lower_bound: None,
                upper_bound: None,
                unit: c.unit,
                as_of: c.as_of,
                period_start: c.period_start,
                period_end: c.period_end,
                place: c.place,
                claimant_role: c.claimant.as_ref().and_then(|choice| choice.role.clone()),
                anchor: Some(AnchorInput { start: Some(c.statement_start), ..AnchorInput::default() }),
                language: None,
            });
        }
        let (quotes, skipped_quotes) =
            create_accepted::<QuoteView>(conn, caller, quote_inputs, "/quotes").await?;
        let (claims, skipped_claims) =
            create_accepted::<ClaimView>(conn, caller, claim_inputs, "/claims").await?;
        Ok(Accepted {
            quotes,
            claims,
            skipped: Skipped { quotes: skipped_quotes, claims: skipped_claims },
            speakers_created: speakers.created,
        })
    })
    .await
}

/// Stores the records made from accepted candidates but those already stored (none: nothing
/// to do); errors point at them under `pointer`.
async fn create_accepted<K: Record>(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    inputs: Vec<K::Input>,
    pointer: &str,
) -> ServiceResult<(Vec<K>, Vec<records::Skipped>)> {
    if inputs.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let (created, skipped) = records::create_new::<K>(conn, caller, inputs)
        .await
        .map_err(|error| repointed(error, "/items", pointer))?;
    Ok((created.into_iter().map(|saved| saved.view).collect(), skipped))
}

/// Errors about the records made from the candidates, pointed at from the acceptance: a
/// batch's `/items/N` is `/quotes/N` or `/claims/N` here, and a new speaker's fields are
/// under the candidate that named it.
fn repointed(error: ServiceError, from: &str, to: &str) -> ServiceError {
    match error {
        ServiceError::Validation(errors) => ServiceError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    if let Some(rest) = e.pointer.strip_prefix(from) {
                        e.pointer = format!("{to}{rest}");
                    }
                    e
                })
                .collect(),
        ),
        other => other,
    }
}
