//! Speakers: who said it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use std::collections::HashSet;

use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};

use super::records::{
    Changed, Checked, Conn, Record, Saved, Submission, to_json, version_to_replace, written,
};
use super::{ServiceError, ServiceResult};
use crate::db::references::{Cited, live_citations};
use crate::db::speaker::{self, Identification, Speaker, SpeakerFields};
use crate::db::speaker_merge::{self, SpeakerMerge};
use crate::db::transaction;
use crate::db::{SameAsStored, Versioned, audit};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::{IdentificationDraft, IdentificationInput, SpeakerDraft, SpeakerInput};
use crate::domain::{ExpectedVersion, Principal};

impl Record for SpeakerView {
    type Row = Speaker;
    type Input = SpeakerInput;

    async fn check(_: &mut Conn, inputs: Submission<SpeakerInput>) -> Checked<Self> {
        inputs.check(|input| SpeakerDraft::try_from(input).map(SpeakerFields::from))
    }

    async fn change(_: &mut Conn, _: &Principal, current: &Speaker, input: SpeakerInput) -> Changed<Self> {
        let draft = SpeakerDraft::try_from(input)?;
        if current.identified_as.is_some() && draft.kind != SpeakerKind::Anonymous {
            return Err(ServiceError::validation(
                "/kind",
                "an identified speaker stays anonymous: withdraw its identification first",
            ));
        }
        Ok(SpeakerFields::from(draft))
    }

    async fn same_as_stored(conn: &mut Conn, rows: &[SpeakerFields]) -> ServiceResult<Vec<SameAsStored>> {
        Ok(speaker::same_as_stored(conn, rows).await?)
    }

    /// Alone, a new speaker comes back with the stored ones named alike: the same person,
    /// perhaps, for a person to decide (and merge), never merged unasked.
    async fn created(conn: &mut Conn, _: &Principal, saved: &mut [Saved<Self>]) -> ServiceResult<()> {
        if let [one] = saved {
            one.view.similar = Some(similar(conn, &one.view.name, one.view.kind, one.id).await?);
        }
        Ok(())
    }

    async fn moved_to(conn: &mut Conn, id: Uuid) -> ServiceResult<Option<Uuid>> {
        Ok(speaker_merge::merged_into(conn, id).await?)
    }

    async fn check_delete(conn: &mut Conn, id: Uuid) -> ServiceResult<()> {
        match live_citations(conn, Cited::Speaker(id)).await? {
            0 => Ok(()),
            cited => Err(ServiceError::Conflict(format!(
                "{cited} quotes and claims are attributed to this speaker; delete or reattribute them first"
            ))),
        }
    }
}

#[derive(Serialize)]
pub struct SpeakerView {
    id: Uuid,
    name: String,
    kind: SpeakerKind,
    description: Option<String>,
    aliases: Vec<String>,
    wikidata_qid: Option<String>,
    /// For an anonymous speaker, the named one it was identified as: who decided, and why.
    identified_as: Option<IdentificationView>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Stored speakers of the same kind named alike (`GET /speakers?q=`): in the answer to a
    /// create of one speaker.
    #[serde(skip_serializing_if = "Option::is_none")]
    similar: Option<Vec<SpeakerView>>,
}

#[derive(Serialize)]
pub struct IdentificationView {
    speaker_id: Uuid,
    decided_by: Uuid,
    decided_at: DateTime<Utc>,
    evidence: String,
}

impl IdentificationView {
    /// The identification a speaker row holds, if whole.
    pub fn of(row: &Speaker) -> Option<Self> {
        Some(Self {
            speaker_id: row.identified_as?,
            decided_by: row.identified_by?,
            decided_at: row.identified_at?,
            evidence: row.identification_evidence.clone()?,
        })
    }
}

impl From<Speaker> for SpeakerView {
    fn from(row: Speaker) -> Self {
        let identified_as = IdentificationView::of(&row);
        Self {
            id: row.id,
            name: row.fields.name,
            kind: row.fields.kind,
            description: row.fields.description,
            aliases: row.fields.aliases.into_iter().flatten().collect(),
            wikidata_qid: row.fields.wikidata_qid,
            identified_as,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            similar: None,
        }
    }
}

/// Speakers suggested as the same as a new one: live, of its kind, named alike, but itself.
const MAX_SIMILAR: i64 = 5;

/// The stored speakers of `kind` named like `name`, the most alike first, but `except`.
pub async fn similar(
    conn: &mut AsyncPgConnection,
    name: &str,
    kind: SpeakerKind,
    except: Uuid,
) -> ServiceResult<Vec<SpeakerView>> {
    let found = speaker::lookup(conn, name, Some(kind), MAX_SIMILAR + 1).await?;
    Ok(found
        .into_iter()
        .filter(|s| s.id != except)
        .take(MAX_SIMILAR as usize)
        .map(SpeakerView::from)
        .collect())
}

/// A merge as the API shows it: who went into whom, what moved, and the survivor as it is now.
#[derive(Serialize)]
pub struct MergeView {
    id: Uuid,
    merged_id: Uuid,
    survivor_id: Uuid,
    moved_quotes: usize,
    moved_claims: usize,
    /// Moved records that repeat one of the survivor's, marked its duplicates.
    made_duplicates: usize,
    aliases_added: Vec<String>,
    merged_by: Uuid,
    merged_at: DateTime<Utc>,
    undone_by: Option<Uuid>,
    undone_at: Option<DateTime<Utc>>,
    survivor: SpeakerView,
}

impl MergeView {
    pub fn id(&self) -> Uuid {
        self.id
    }

    fn of(merge: SpeakerMerge, survivor: Speaker) -> Self {
        Self {
            id: merge.id,
            merged_id: merge.merged_id,
            survivor_id: merge.survivor_id,
            moved_quotes: merge.moved_quotes.len(),
            moved_claims: merge.moved_claims.len(),
            made_duplicates: merge.made_duplicates.len(),
            aliases_added: merge.aliases_added,
            merged_by: merge.merged_by,
            merged_at: merge.merged_at,
            undone_by: merge.undone_by,
            undone_at: merge.undone_at,
            survivor: SpeakerView::from(survivor),
        }
    }
}

/// Merges speaker `merged_id` (at the version its merger read) into `survivor_id`, in one
/// audited transaction: every live quote and claim of the merged speaker moves to the
/// survivor, the survivor gains its names as aliases, and the merged speaker is retired,
/// pointing at the survivor. Verdicts on the moved records go stale (their speaker changed),
/// as for any change of speaker.
pub async fn merge(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    merged_id: Uuid,
    expected: ExpectedVersion,
    survivor_id: Uuid,
) -> ServiceResult<MergeView> {
    let merged = Speaker::find(conn, merged_id).await?;
    if merged_id == survivor_id {
        return Err(ServiceError::validation("/into", "a speaker cannot be merged into itself"));
    }
    let survivor = Speaker::find(conn, survivor_id).await.map_err(|error| match error {
        diesel::result::Error::NotFound => {
            ServiceError::validation("/into", format!("no live speaker {survivor_id}"))
        }
        other => other.into(),
    })?;
    let version = version_to_replace(&expected, merged.version)?;
    transaction::atomically(conn, async move |conn| {
        let quotes = speaker_merge::move_quotes(conn, merged_id, survivor_id).await?;
        let claims = speaker_merge::move_claims(conn, merged_id, survivor_id).await?;
        let added = new_aliases(&survivor, &merged);
        let mut fields = survivor.fields.clone();
        fields.aliases.extend(added.iter().cloned().map(Some));
        let survivor_after = written(Speaker::update(conn, survivor_id, survivor.version, fields).await?)?;
        let merged_version = written(speaker_merge::retire(conn, merged_id, version, survivor_id).await?)?;
        let record = SpeakerMerge {
            id: Uuid::now_v7(),
            merged_id,
            survivor_id,
            made_duplicates: [quotes.made_duplicates, claims.made_duplicates].concat(),
            moved_quotes: quotes.ids,
            moved_claims: claims.ids,
            aliases_added: added,
            merged_by: caller.user_id,
            merged_at: Utc::now(),
            undone_by: None,
            undone_at: None,
        };
        speaker_merge::insert(conn, &record).await?;
        let mut events = vec![
            AuditEvent::new(
                Entity::Speaker,
                merged_id,
                Action::Merge {
                    before: to_json(&SpeakerView::from(merged))?,
                    after: json!({ "merged_into": survivor_id, "merge_id": record.id, "version": merged_version }),
                },
            ),
            AuditEvent::new(
                Entity::Speaker,
                survivor_id,
                Action::Update {
                    before: to_json(&SpeakerView::from(survivor))?,
                    after: to_json(&SpeakerView::from(survivor_after.clone()))?,
                },
            ),
        ];
        events.extend(reattributed(&record, merged_id, survivor_id, &record.moved_quotes, &record.moved_claims));
        audit::append_all(conn, Some(&caller), events).await?;
        Ok(MergeView::of(record, survivor_after))
    })
    .await
}

/// Undoes a merge: the records it moved that are still the survivor's go back, the duplicates
/// it marked are freed, the aliases it added leave the survivor, and the merged speaker is live
/// again. Verdicts made stale by the merge stay stale: a reviewer re-affirms them.
pub async fn undo_merge(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    merge_id: Uuid,
) -> ServiceResult<MergeView> {
    let merge = speaker_merge::find(conn, merge_id).await?;
    if merge.undone_at.is_some() {
        return Err(ServiceError::Conflict("this merge was undone already".into()));
    }
    let survivor = Speaker::find(conn, merge.survivor_id).await.map_err(|error| match error {
        diesel::result::Error::NotFound => {
            ServiceError::Conflict("the survivor was merged or deleted since; undo that first".into())
        }
        other => other.into(),
    })?;
    transaction::atomically(conn, async move |conn| {
        if !speaker_merge::mark_undone(conn, merge.id, caller.user_id).await? {
            return Err(ServiceError::Conflict("this merge was undone already".into()));
        }
        let merged_version = speaker_merge::reinstate(conn, merge.merged_id).await?;
        let (quotes, claims) = speaker_merge::move_back(conn, &merge).await?;
        let mut fields = survivor.fields.clone();
        fields.aliases.retain(|alias| alias.as_ref().is_none_or(|alias| !merge.aliases_added.contains(alias)));
        let survivor_after = written(Speaker::update(conn, survivor.id, survivor.version, fields).await?)?;
        let merged = Speaker::find(conn, merge.merged_id).await?;
        let mut events = vec![
            AuditEvent::new(
                Entity::Speaker,
                merge.merged_id,
                Action::UndoMerge {
                    before: json!({ "merged_into": merge.survivor_id, "merge_id": merge.id, "version": merged_version - 1 }),
                    after: to_json(&SpeakerView::from(merged))?,
                },
            ),
            AuditEvent::new(
                Entity::Speaker,
                survivor.id,
                Action::Update {
                    before: to_json(&SpeakerView::from(survivor))?,
                    after: to_json(&SpeakerView::from(survivor_after.clone()))?,
                },
            ),
        ];
        events.extend(reattributed(&merge, merge.survivor_id, merge.merged_id, &quotes, &claims));
        audit::append_all(conn, Some(&caller), events).await?;
        let undone = speaker_merge::find(conn, merge.id).await?;
        Ok(MergeView::of(undone, survivor_after))
    })
    .await
}

/// The merged speaker's name and aliases that none of the survivor's names already is (any
/// case), each once.
fn new_aliases(survivor: &Speaker, merged: &Speaker) -> Vec<String> {
    let names = |speaker: &Speaker| -> Vec<String> {
        std::iter::once(speaker.fields.name.clone())
            .chain(speaker.fields.aliases.iter().flatten().cloned())
            .collect()
    };
    let mut known: HashSet<String> = names(survivor).iter().map(|name| name.to_lowercase()).collect();
    names(merged).into_iter().filter(|name| known.insert(name.to_lowercase())).collect()
}

/// One audit event per record a merge (or its undoing) moved from speaker `from` to `to`.
fn reattributed(
    merge: &SpeakerMerge,
    from: Uuid,
    to: Uuid,
    quotes: &[Uuid],
    claims: &[Uuid],
) -> Vec<AuditEvent> {
    let state = |field: &str, speaker: Uuid| -> Value { json!({ field: speaker, "merge_id": merge.id }) };
    quotes
        .iter()
        .map(|&id| (Entity::Quote, "speaker_id", id))
        .chain(claims.iter().map(|&id| (Entity::Claim, "claimant_id", id)))
        .map(|(entity, field, id)| {
            AuditEvent::new(
                entity,
                id,
                Action::Update { before: state(field, from), after: state(field, to) },
            )
        })
        .collect()
}

/// Identifies anonymous speaker `id` (at the version its editor read) as a named one, with the
/// evidence; with none, withdraws its identification. One audited transaction: the speaker, and
/// each of its live quotes and claims, which carry the identification.
pub async fn identify(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    identification: Option<IdentificationInput>,
) -> ServiceResult<Saved<SpeakerView>> {
    let anonymous = Speaker::find(conn, id).await?;
    if anonymous.fields.kind != SpeakerKind::Anonymous {
        return Err(ServiceError::Conflict("only an anonymous speaker is identified as another".into()));
    }
    let version = version_to_replace(&expected, anonymous.version)?;
    let identification = match identification {
        Some(input) => Some(identified_as(conn, id, input).await?),
        None if anonymous.identified_as.is_none() => {
            return Err(ServiceError::Conflict("this speaker is not identified".into()));
        }
        None => None,
    };
    transaction::atomically(conn, async move |conn| {
        let decided = identification.as_ref().map(|(speaker_id, evidence)| Identification {
            speaker_id: *speaker_id,
            decided_by: caller.user_id,
            evidence: evidence.as_str(),
        });
        let after = written(speaker::identify(conn, id, version, decided).await?)?;
        let (quotes, claims) = speaker::identify_records(conn, id, after.identified_as).await?;
        let mut events = vec![AuditEvent::new(
            Entity::Speaker,
            id,
            Action::Identify {
                before: to_json(&SpeakerView::from(anonymous.clone()))?,
                after: to_json(&SpeakerView::from(after.clone()))?,
            },
        )];
        let state =
            |field: &str, speaker: Option<Uuid>| -> Value { json!({ field: speaker, "speaker_id": id }) };
        let records = quotes
            .iter()
            .map(|&record| (Entity::Quote, "speaker_identified_as", record))
            .chain(claims.iter().map(|&record| (Entity::Claim, "claimant_identified_as", record)));
        events.extend(records.map(|(entity, field, record)| {
            AuditEvent::new(
                entity,
                record,
                Action::Update {
                    before: state(field, anonymous.identified_as),
                    after: state(field, after.identified_as),
                },
            )
        }));
        audit::append_all(conn, Some(&caller), events).await?;
        Ok(Saved::of(after, SpeakerView::from))
    })
    .await
}

/// The named speaker an identification points at, checked, with its evidence.
async fn identified_as(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    input: IdentificationInput,
) -> ServiceResult<(Uuid, String)> {
    let draft = IdentificationDraft::try_from(input)?;
    if draft.speaker_id == id {
        return Err(ServiceError::validation("/speaker_id", "a speaker is not identified as itself"));
    }
    let named = Speaker::find(conn, draft.speaker_id).await.map_err(|error| match error {
        diesel::result::Error::NotFound => {
            ServiceError::validation("/speaker_id", format!("no live speaker {}", draft.speaker_id))
        }
        other => other.into(),
    })?;
    if named.fields.kind == SpeakerKind::Anonymous {
        return Err(ServiceError::validation("/speaker_id", "must name a speaker who is not anonymous"));
    }
    Ok((named.id, draft.evidence.into_inner()))
}
