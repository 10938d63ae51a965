//! Provenance: where a quote first appeared, who relayed it, how its wording drifted, and
//! which snapshots of a source exist.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::claimreview::FactCheckView;
use super::quotes::QuoteView;
use super::records::{Saved, version_to_replace, written};
use super::{ServiceError, ServiceResult, cpu};
use crate::db::quote::{self, Quote};
use crate::db::transaction;
use crate::db::{audit, source, speaker};
use crate::domain::audit::{Action, AuditEvent, Entity, QuoteCluster};
use crate::domain::diff::{WordChange, word_diff_until};
use crate::domain::{ExpectedVersion, Principal};

/// Similarity from which another quote of the same speaker is proposed as a variant.
pub const VARIANT_SIMILARITY: f32 = 0.5;
/// Similarity from which the same words from another speaker are flagged.
pub const MISATTRIBUTION_SIMILARITY: f32 = 0.8;
const MAX_PROPOSALS: i64 = 20;

#[derive(Serialize)]
pub struct LookalikeView {
    id: Uuid,
    speaker_id: Uuid,
    canonical_quote_id: Option<Uuid>,
    text: String,
    similarity: f32,
}

impl From<quote::Lookalike> for LookalikeView {
    fn from(l: quote::Lookalike) -> Self {
        Self {
            id: l.id,
            speaker_id: l.speaker_id,
            canonical_quote_id: l.canonical_quote_id,
            text: l.text,
            similarity: l.similarity,
        }
    }
}

/// Quotes of the same speaker worded like this one, outside its cluster: candidates for a
/// reviewer to confirm as variants.
pub async fn similar(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Vec<LookalikeView>> {
    let current = quote::find(conn, id).await?;
    let root = quote::root_of(&current);
    let found = quote::lookalikes_of_speaker(
        conn,
        &current.fields.text,
        current.fields.speaker_id,
        current.id,
        VARIANT_SIMILARITY,
        MAX_PROPOSALS,
    )
    .await?
    .into_iter()
    .filter(|l| l.id != root && l.canonical_quote_id != Some(root))
    .map(LookalikeView::from)
    .collect();
    Ok(found)
}

/// Moves the quote into the cluster of `root` (none: out of its cluster), audited.
async fn record_link(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    current: Quote,
    version: i32,
    root: Option<Uuid>,
) -> ServiceResult<Saved<QuoteView>> {
    transaction::atomically(conn, async move |conn| {
        // A root that joins another cluster brings its variants along.
        if let Some(root) = root.filter(|_| current.canonical_quote_id.is_none()) {
            quote::repoint_variants(conn, current.id, root).await?;
        }
        let updated = written(quote::set_canonical(conn, current.id, version, root).await?)?;
        let before =
            QuoteCluster { canonical_quote_id: current.canonical_quote_id, version: current.version };
        let after = QuoteCluster { canonical_quote_id: updated.canonical_quote_id, version: updated.version };
        let action = match root {
            Some(_) => Action::LinkVariant { before, after },
            None => Action::UnlinkVariant { before, after },
        };
        audit::append(conn, Some(&caller), AuditEvent::new(Entity::Quote, current.id, action)).await?;
        Ok(Saved::of(updated, QuoteView::from))
    })
    .await
}

/// A reviewer confirms that the quote reports the same utterance as `canonical_id` (any
/// quote of the cluster to join).
pub async fn link_variant(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    canonical_id: Uuid,
) -> ServiceResult<Saved<QuoteView>> {
    let current = quote::find(conn, id).await?;
    let version = version_to_replace(&expected, current.version)?;
    let target = quote::find(conn, canonical_id)
        .await
        .map_err(|_| ServiceError::validation("/canonical_id", "no such quote"))?;
    let root = quote::root_of(&target);
    if root == current.id || Some(root) == current.canonical_quote_id {
        return Err(ServiceError::Conflict("the quotes are already in one cluster".into()));
    }
    // Only wordings alike enough to be proposed may be linked: a cluster's diffs and its
    // misattribution check assume its members report one utterance.
    let alike = quote::text_similarity(conn, &current.fields.text, &target.fields.text).await?;
    if alike < VARIANT_SIMILARITY {
        return Err(ServiceError::validation(
            "/canonical_id",
            format!(
                "the two wordings are {alike:.2} alike; a variant must be at least {VARIANT_SIMILARITY} alike (GET /quotes/{}/similar lists candidates)",
                current.id
            ),
        ));
    }
    record_link(conn, caller, current, version, Some(root)).await
}

/// A reviewer splits the quote out of its cluster.
pub async fn unlink_variant(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
) -> ServiceResult<Saved<QuoteView>> {
    let current = quote::find(conn, id).await?;
    let version = version_to_replace(&expected, current.version)?;
    if current.canonical_quote_id.is_none() {
        return Err(ServiceError::Conflict(
            "this quote is the canonical one of its cluster; unlink its variants instead".into(),
        ));
    }
    record_link(conn, caller, current, version, None).await
}

/// How long the diffs of one provenance answer may take together. Past it, the diff
/// algorithm stops refining and reports what is left as deleted and inserted whole: still a
/// correct diff, only a coarser one.
const DIFF_BUDGET: Duration = Duration::from_millis(200);

#[derive(Serialize)]
pub struct SourceSummary {
    id: Uuid,
    url: String,
    title: Option<String>,
    publisher: Option<String>,
    published_at: Option<DateTime<Utc>>,
    retrieved_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct Appearance {
    quote_id: Uuid,
    text: String,
    speaker_id: Uuid,
    speaker_name: String,
    /// For a speaker anonymous in this report, whom an editor identified them as.
    speaker_identified_as: Option<IdentifiedSpeaker>,
    source: SourceSummary,
    /// Who carried the words to this outlet: its publisher, then the outlet it quoted.
    relay_chain: Vec<String>,
    /// Word-level changes from the first appearance's wording.
    diff_from_first: Vec<WordChange>,
}

/// The named speaker an anonymous one was identified as: who decided, when, on what evidence.
#[derive(Serialize)]
pub struct IdentifiedSpeaker {
    speaker_id: Uuid,
    speaker_name: String,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
    evidence: Option<String>,
}

#[derive(Serialize)]
pub struct Provenance {
    canonical_quote_id: Uuid,
    first_appearance: Uuid,
    /// Every report of the utterance, earliest published first (at most
    /// `quote::MAX_CLUSTER_MEMBERS`).
    appearances: Vec<Appearance>,
    /// More reports exist than `appearances` holds; they are the latest ones.
    truncated: bool,
    /// The same words attributed to different speakers, within the cluster or outside it.
    misattribution: Option<Misattribution>,
    /// Verdicts other workspaces published on the same words (never their drafts).
    published_elsewhere: Vec<FactCheckView>,
}

#[derive(Serialize)]
pub struct Misattribution {
    speakers_in_cluster: Vec<Uuid>,
    lookalikes_by_other_speakers: Vec<LookalikeView>,
}

/// Where the quote's utterance first appeared, every report of it, and whether other
/// speakers are credited with the same words.
pub async fn provenance(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Provenance> {
    let current = quote::find(conn, id).await?;
    let root = quote::root_of(&current);
    let quote::Cluster { members, more } = quote::cluster(conn, root).await?;
    let first_text = members.first().map(|(q, _, _)| q.fields.text.clone()).unwrap_or_default();
    let first_appearance = members.first().map_or(current.id, |(q, _, _)| q.id);
    let speakers: BTreeSet<Uuid> = members.iter().map(|(q, _, _)| q.fields.speaker_id).collect();
    let in_cluster: BTreeSet<Uuid> = members.iter().map(|(q, _, _)| q.id).collect();
    let lookalikes: Vec<LookalikeView> =
        quote::lookalikes_anywhere(conn, &first_text, root, MISATTRIBUTION_SIMILARITY, MAX_PROPOSALS)
            .await?
            .into_iter()
            .filter(|l| !in_cluster.contains(&l.id) && !speakers.contains(&l.speaker_id))
            .map(LookalikeView::from)
            .collect();
    let misattribution = (speakers.len() > 1 || !lookalikes.is_empty()).then(|| Misattribution {
        speakers_in_cluster: speakers.iter().copied().collect(),
        lookalikes_by_other_speakers: lookalikes,
    });
    let published_elsewhere = super::claimreview::published_elsewhere(conn, &first_text).await?;
    let identified: Vec<Uuid> = members.iter().filter_map(|(_, _, speaker)| speaker.identified_as).collect();
    let identified_names: HashMap<Uuid, String> =
        speaker::names(conn, &identified).await?.into_iter().collect();
    let appearances = cpu::run(move || appearances(members, &identified_names, &first_text)).await?;
    Ok(Provenance {
        canonical_quote_id: root,
        first_appearance,
        appearances,
        truncated: more,
        misattribution,
        published_elsewhere,
    })
}

/// Each member of the cluster with its diff from the first wording: CPU work, run off the
/// async workers under one time budget.
fn appearances(
    members: Vec<(Quote, source::SourceListed, speaker::Speaker)>,
    identified_names: &HashMap<Uuid, String>,
    first_text: &str,
) -> Vec<Appearance> {
    let deadline = Instant::now() + DIFF_BUDGET;
    members
        .into_iter()
        .map(|(quote, source, speaker)| Appearance {
            relay_chain: source
                .fields
                .publisher
                .iter()
                .chain(quote.fields.relayed_by.iter())
                .cloned()
                .collect(),
            diff_from_first: word_diff_until(first_text, &quote.fields.text, deadline),
            quote_id: quote.id,
            text: quote.fields.text,
            speaker_identified_as: speaker.identified_as.map(|id| IdentifiedSpeaker {
                speaker_id: id,
                speaker_name: identified_names.get(&id).cloned().unwrap_or_default(),
                decided_by: speaker.identified_by,
                decided_at: speaker.identified_at,
                evidence: speaker.identification_evidence.clone(),
            }),
            speaker_id: speaker.id,
            speaker_name: speaker.fields.name,
            source: SourceSummary {
                id: source.id,
                url: source.fields.url,
                title: source.fields.title,
                publisher: source.fields.publisher,
                published_at: source.fields.published_at,
                retrieved_at: source.fields.retrieved_at,
            },
        })
        .collect()
}

#[derive(Serialize)]
pub struct SourceVersion {
    id: Uuid,
    content_sha256: Option<String>,
    retrieved_at: DateTime<Utc>,
    supersedes_id: Option<Uuid>,
}

/// Every stored snapshot of the source's URL, oldest first.
pub async fn source_versions(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Vec<SourceVersion>> {
    let current = source::find(conn, id).await?;
    let versions = source::versions(conn, &current.fields.url)
        .await?
        .into_iter()
        .map(|s| SourceVersion {
            id: s.id,
            content_sha256: s.content_sha256,
            retrieved_at: s.fields.retrieved_at,
            supersedes_id: s.supersedes_id,
        })
        .collect();
    Ok(versions)
}

/// The word-level changes between two snapshots of sources.
#[derive(Serialize)]
pub struct SourceDiff {
    from_id: Uuid,
    to_id: Uuid,
    changes: Vec<WordChange>,
}

/// The word-level changes from source `against`'s text to source `id`'s, refined for at most
/// the diff budget, on the CPU pool: two texts of up to a million characters each.
pub async fn source_diff(conn: &mut AsyncPgConnection, id: Uuid, against: Uuid) -> ServiceResult<SourceDiff> {
    let to = source::find(conn, id).await?;
    let from = match source::find_many(conn, &[against]).await?.pop() {
        Some(from) => from,
        None => return Err(ServiceError::validation("/against", format!("no source {against}"))),
    };
    let (from_text, to_text) = (from.content.unwrap_or_default(), to.content.unwrap_or_default());
    let changes =
        cpu::run(move || word_diff_until(&from_text, &to_text, Instant::now() + DIFF_BUDGET)).await?;
    Ok(SourceDiff { from_id: against, to_id: id, changes })
}
