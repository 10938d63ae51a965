//! Speakers: who said it.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::records::{
    Saved, Submission, check_may_change, created, deleted, merge_patch, page_of, to_json, updated,
    version_to_replace, written,
};
use super::{ServiceError, ServiceResult};
use crate::db::speaker::{self, Speaker, SpeakerFields, SpeakerFilter};
use crate::db::{Page, PageRequest};
use crate::domain::audit::Entity;
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::{SpeakerDraft, SpeakerInput};
use crate::domain::{ExpectedVersion, Principal};

#[derive(Serialize)]
pub struct SpeakerView {
    id: Uuid,
    name: String,
    kind: SpeakerKind,
    description: Option<String>,
    aliases: Vec<String>,
    wikidata_qid: Option<String>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Speaker> for SpeakerView {
    fn from(row: Speaker) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            description: row.description,
            aliases: row.aliases.into_iter().flatten().collect(),
            wikidata_qid: row.wikidata_qid,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    submission: Submission<SpeakerInput>,
) -> ServiceResult<Vec<Saved<SpeakerView>>> {
    let fields = submission.check(|input| SpeakerDraft::try_from(input).map(SpeakerFields::from))?;
    conn.transaction(async move |conn| {
        let rows = speaker::insert(conn, fields.into_vec(), caller.user_id).await?;
        created(conn, &caller, Entity::Speaker, rows, SpeakerView::from, std::convert::identity).await
    })
    .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<SpeakerView>> {
    Ok(Saved::of(speaker::find(conn, id).await?, SpeakerView::from))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &SpeakerFilter,
    page: PageRequest,
) -> ServiceResult<Page<Saved<SpeakerView>>> {
    Ok(page_of(speaker::list(conn, filter, page).await?, |row| Saved::of(row, SpeakerView::from)))
}

/// A JSON Merge Patch over the speaker's fields, validated like a create.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    patch: Value,
) -> ServiceResult<Saved<SpeakerView>> {
    let current = speaker::find(conn, id).await?;
    check_may_change(&caller, current.created_by, false)?;
    let current_version = current.version;
    let before = to_json(&SpeakerView::from(current))?;
    let input: SpeakerInput = merge_patch(&before, patch)?;
    let fields = SpeakerFields::from(SpeakerDraft::try_from(input)?);
    let version = version_to_replace(&expected, current_version)?;
    conn.transaction(async move |conn| {
        let row = written(speaker::update(conn, id, version, fields).await?)?;
        updated(conn, &caller, Entity::Speaker, before, row, SpeakerView::from).await
    })
    .await
}

/// Deletes a speaker to whom no live quote or claim is attributed.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
) -> ServiceResult<()> {
    let current = speaker::find(conn, id).await?;
    check_may_change(&caller, current.created_by, false)?;
    let version = version_to_replace(&expected, current.version)?;
    match speaker::live_references(conn, id).await? {
        0 => {}
        cited => {
            return Err(ServiceError::Conflict(format!(
                "{cited} quotes and claims are attributed to this speaker; delete or reattribute them first"
            )));
        }
    }
    let before = to_json(&SpeakerView::from(current))?;
    conn.transaction(async move |conn| {
        written(speaker::soft_delete(conn, id, version).await?)?;
        deleted(conn, &caller, Entity::Speaker, id, before).await
    })
    .await
}
