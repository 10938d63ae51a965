//! Sources: where words and numbers were read. A new text for a URL already stored is a new
//! version that supersedes the latest one; the text of a version never changes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::rechecks::{self, NewVersion, RecheckSummary};
use super::records::{Changed, Checked, Conn, Record, Saved, Submission, unchanged};
use super::{ServiceError, ServiceResult};
use crate::db::references::{Cited, live_citations};
use crate::db::source::{self, NewSource, Source, SourceFields};
use crate::db::stale::{self, SOURCE_REASON};
use crate::domain::Principal;
use crate::domain::kinds::{Role, SourceKind};
use crate::domain::source::{SourceDraft, SourceInput};

impl Record for SourceView {
    type Row = Source;
    type Input = SourceInput;

    /// A new text for a URL already stored supersedes its latest version; the very same text
    /// again is refused as a duplicate.
    async fn check(conn: &mut Conn, inputs: Submission<SourceInput>) -> Checked<Self> {
        let drafts = inputs.check(|input| SourceDraft::try_from(input).map(SourceFields::from_draft))?;
        let label_items = matches!(drafts, Submission::Batch(_));
        let mut checked = Vec::new();
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
            checked.push(NewSource { fields, snapshot, supersedes_id: latest.map(|l| l.id) });
        }
        let mut earlier = Vec::new();
        for new in checked.iter().filter(|new| new.supersedes_id.is_some()) {
            earlier.extend(rechecks::earlier_versions(conn, &new.fields.url, None).await?);
        }
        rechecks::check_size(conn, &earlier).await?;
        Ok(if label_items { Submission::Batch(checked) } else { Submission::One(checked.remove(0)) })
    }

    /// The text stays as it was read. Once a verdict rests on a quote or claim citing the
    /// source, what ClaimReview shows of it is the editors' to change.
    async fn change(
        conn: &mut Conn,
        caller: &Principal,
        current: &Source,
        input: SourceInput,
    ) -> Changed<Self> {
        unchanged("/content", input.content == current.content)?;
        let (fields, _) = SourceFields::from_draft(SourceDraft::try_from(input)?);
        if !caller.at_least(Role::Editor)
            && let Some(field) = field_verdicts_show(current, &fields)
            && source::has_reviewed_citations(conn, current.id).await?
        {
            return Err(ServiceError::Forbidden(format!(
                "{field} is shown in published verdicts on records citing this source; only an editor may change it now"
            )));
        }
        Ok(fields)
    }

    /// A new version re-checks the quotes and claims anchored in the versions before it, and
    /// says how they fared.
    async fn created(conn: &mut Conn, caller: &Principal, saved: &mut [Saved<Self>]) -> ServiceResult<()> {
        let mut versions = Vec::new();
        for new in saved.iter() {
            if let (Some(supersedes_id), Some(text)) = (new.view.supersedes_id, &new.view.content) {
                let earlier = rechecks::earlier_versions(conn, &new.view.url, Some(new.id)).await?;
                versions.push(NewVersion { id: new.id, supersedes_id, earlier, text: text.clone() });
            }
        }
        if versions.is_empty() {
            return Ok(());
        }
        let mut summaries = rechecks::recheck_new_versions(conn, caller, versions).await?;
        for new in saved {
            new.view.recheck = summaries.remove(&new.id);
        }
        Ok(())
    }

    /// What ClaimReview shows of the source changed: the verdicts resting on it went stale
    /// (the `sources_stale_verdicts` trigger marks them); each gets its audit event.
    async fn updated(conn: &mut Conn, caller: &Principal, id: Uuid) -> ServiceResult<()> {
        let quotes = stale::marked_by_source_change(conn, "quotes", id).await?;
        let claims = stale::marked_by_source_change(conn, "claims", id).await?;
        rechecks::audit_stale(
            conn,
            caller,
            &quotes,
            &claims,
            |_| json!({ "reason": SOURCE_REASON, "source_id": id }),
        )
        .await
    }

    async fn check_delete(conn: &mut Conn, id: Uuid) -> ServiceResult<()> {
        match live_citations(conn, Cited::Source(id)).await? {
            0 => Ok(()),
            cited => Err(ServiceError::Conflict(format!(
                "{cited} quotes and claims cite this source; delete them first"
            ))),
        }
    }

    /// The text can be a megabyte and never changes: the trail names it by its hash
    /// (`content_sha256`), so that a page of events stays small. A re-check is not the
    /// source's: it is stored on its own (`GET /sources/{id}/recheck`).
    fn audited(mut view: Value) -> Value {
        if let Some(fields) = view.as_object_mut() {
            fields.remove("content");
            fields.remove("recheck");
        }
        view
    }
}

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
    /// How the quotes and claims anchored in the superseded snapshot fared in this one's
    /// text: in the answer to the create that stored it.
    #[serde(skip_serializing_if = "Option::is_none")]
    recheck: Option<RecheckSummary>,
    created_by: Option<Uuid>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Source> for SourceView {
    fn from(row: Source) -> Self {
        Self {
            id: row.id,
            url: row.fields.url,
            canonical_url: row.fields.canonical_url,
            title: row.fields.title,
            publisher: row.fields.publisher,
            author: row.fields.author,
            published_at: row.fields.published_at,
            retrieved_at: row.fields.retrieved_at,
            language: row.fields.language,
            kind: row.fields.kind,
            content: row.content,
            content_sha256: row.content_sha256,
            supersedes_id: row.supersedes_id,
            recheck: None,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The first field that ClaimReview shows of a source (`claimreview::creative_work`) that
/// the change would alter.
fn field_verdicts_show(current: &Source, changed: &SourceFields) -> Option<&'static str> {
    [
        ("url", current.fields.url != changed.url),
        ("title", current.fields.title != changed.title),
        ("publisher", current.fields.publisher != changed.publisher),
        ("author", current.fields.author != changed.author),
        ("published_at", current.fields.published_at != changed.published_at),
    ]
    .into_iter()
    .find_map(|(field, differs)| differs.then_some(field))
}
