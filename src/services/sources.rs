//! Sources: where words and numbers were read. A new text for a URL already stored is a new
//! version that supersedes the latest one; the text of a version never changes.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::records::{
    Saved, Submission, check_may_change, created, deleted, merge_patch, page_of, to_json, unchanged, updated,
    version_to_replace, written,
};
use super::{ServiceError, ServiceResult};
use crate::db::source::{self, NewSource, Source, SourceFields, SourceFilter};
use crate::db::{Page, PageRequest};
use crate::domain::audit::Entity;
use crate::domain::kinds::{Role, SourceKind};
use crate::domain::source::{SourceDraft, SourceInput};
use crate::domain::{ExpectedVersion, Principal};

#[derive(Serialize)]
pub struct SourceView {
    id: Uuid,
    url: String,
    canonical_url: Option<String>,
    title: Option<String>,
    publisher: Option<String>,
    author: Option<String>,
    published_at: Option<DateTime<Utc>>,
    retrieved_at: DateTime<Utc>,
    language: Option<String>,
    kind: SourceKind,
    content: Option<String>,
    content_sha256: Option<String>,
    /// The earlier snapshot of the same URL that this one supersedes.
    supersedes_id: Option<Uuid>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Source> for SourceView {
    fn from(row: Source) -> Self {
        Self {
            id: row.id,
            url: row.url,
            canonical_url: row.canonical_url,
            title: row.title,
            publisher: row.publisher,
            author: row.author,
            published_at: row.published_at,
            retrieved_at: row.retrieved_at,
            language: row.language,
            kind: row.kind,
            content: row.content,
            content_sha256: row.content_sha256,
            supersedes_id: row.supersedes_id,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The record as the audit trail keeps it: the text can be a megabyte and never changes, so
/// the trail names it by its hash (`content_sha256`), and a page of events stays small.
fn audited(mut view: Value) -> Value {
    if let Some(fields) = view.as_object_mut() {
        fields.remove("content");
    }
    view
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    submission: Submission<SourceInput>,
) -> ServiceResult<Vec<Saved<SourceView>>> {
    let drafts = submission.check(|input| SourceDraft::try_from(input).map(SourceFields::from_draft))?;
    let label_items = matches!(drafts, Submission::Batch(_));
    let mut prepared = Vec::new();
    for (i, (fields, snapshot)) in drafts.into_vec().into_iter().enumerate() {
        let latest = match &snapshot {
            Some(_) => source::latest_snapshot(conn, &fields.url).await?,
            None => None,
        };
        if let (Some(latest), Some(snapshot)) = (&latest, &snapshot)
            && latest.content_sha256.as_deref() == Some(snapshot.sha256.as_str())
        {
            let item = if label_items { format!("item {i}: ") } else { String::new() };
            return Err(ServiceError::Conflict(format!(
                "{item}this exact text of {} is already stored as source {}",
                fields.url, latest.id
            )));
        }
        prepared.push(NewSource { fields, snapshot, supersedes_id: latest.map(|l| l.id) });
    }
    conn.transaction(async move |conn| {
        let rows = source::insert(conn, prepared, caller.user_id).await?;
        created(conn, &caller, Entity::Source, rows, SourceView::from, audited).await
    })
    .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<SourceView>> {
    Ok(Saved::of(source::find(conn, id).await?, SourceView::from))
}

/// A page of sources, without their texts.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &SourceFilter,
    page: PageRequest,
) -> ServiceResult<Page<Saved<SourceView>>> {
    Ok(page_of(source::list(conn, filter, page).await?, |row| Saved::of(row, SourceView::from)))
}

/// A JSON Merge Patch over the source's fields; the text stays as it was read. Once a verdict
/// rests on a quote or claim citing the source, what ClaimReview shows of it is the editors'.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    patch: Value,
) -> ServiceResult<Saved<SourceView>> {
    let current = source::find(conn, id).await?;
    check_may_change(&caller, current.created_by, false)?;
    let before = to_json(&SourceView::from(current.clone()))?;
    let input: SourceInput = merge_patch(&before, patch)?;
    unchanged("/content", input.content == current.content)?;
    let (fields, _) = SourceFields::from_draft(SourceDraft::try_from(input)?);
    if !caller.at_least(Role::Editor)
        && let Some(field) = field_verdicts_show(&current, &fields)
        && source::has_reviewed_citations(conn, id).await?
    {
        return Err(ServiceError::Forbidden(format!(
            "{field} is shown in published verdicts on records citing this source; only an editor may change it now"
        )));
    }
    let version = version_to_replace(&expected, current.version)?;
    conn.transaction(async move |conn| {
        let row = written(source::update(conn, id, version, fields).await?)?;
        updated(conn, &caller, Entity::Source, audited(before), row, SourceView::from).await
    })
    .await
}

/// The first field that ClaimReview shows of a source (`claimreview::creative_work`) that
/// the change would alter.
fn field_verdicts_show(current: &Source, changed: &SourceFields) -> Option<&'static str> {
    [
        ("url", current.url != changed.url),
        ("title", current.title != changed.title),
        ("publisher", current.publisher != changed.publisher),
        ("author", current.author != changed.author),
        ("published_at", current.published_at != changed.published_at),
    ]
    .into_iter()
    .find_map(|(field, differs)| differs.then_some(field))
}

/// Deletes a source that no live quote or claim cites.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
) -> ServiceResult<()> {
    let current = source::find(conn, id).await?;
    check_may_change(&caller, current.created_by, false)?;
    let version = version_to_replace(&expected, current.version)?;
    match source::live_references(conn, id).await? {
        0 => {}
        cited => {
            return Err(ServiceError::Conflict(format!(
                "{cited} quotes and claims cite this source; delete them first"
            )));
        }
    }
    let before = audited(to_json(&SourceView::from(current))?);
    conn.transaction(async move |conn| {
        written(source::soft_delete(conn, id, version).await?)?;
        deleted(conn, &caller, Entity::Source, id, before).await
    })
    .await
}
