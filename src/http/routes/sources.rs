//! `/sources`: where words and numbers were read.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::common::each_item;
use super::resource::Resource;
use crate::db::source::{self, NewSource, Source, SourceFields, SourceFilter};
use crate::db::{Page, PageRequest};
use crate::domain::kinds::SourceKind;
use crate::domain::source::{SourceDraft, SourceInput};
use crate::http::error::ApiError;
use crate::http::extractors::page_request;

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

pub struct Sources;

impl Resource for Sources {
    const COLLECTION: &'static str = "sources";
    const ENTITY: &'static str = "source";
    const READ_ONLY: &'static [&'static str] =
        &["id", "content_sha256", "supersedes_id", "version", "created_at", "updated_at", "created_by"];
    /// The snapshot is what quotes are anchored to; a different text is a different source.
    const FIXED: &'static [&'static str] = &["content"];

    type Row = Source;
    type View = SourceView;
    type Input = SourceInput;
    type Fields = NewSource;
    type Query = SourceFilter;

    /// A new text for a URL already stored becomes a new version that supersedes the
    /// latest one; the very same text again is refused as a duplicate.
    async fn prepare(
        conn: &mut AsyncPgConnection,
        inputs: Vec<SourceInput>,
        batch: bool,
        updating: Option<Uuid>,
    ) -> Result<Vec<NewSource>, ApiError> {
        let drafts =
            each_item(inputs, batch, |input| SourceDraft::try_from(input).map(SourceFields::from_draft))?;
        let mut prepared = Vec::with_capacity(drafts.len());
        for (i, (fields, snapshot)) in drafts.into_iter().enumerate() {
            let latest = match (&snapshot, updating) {
                (Some(_), None) => source::latest_snapshot(conn, &fields.url).await?,
                _ => None,
            };
            if let (Some(latest), Some(snapshot)) = (&latest, &snapshot)
                && latest.content_sha256.as_deref() == Some(snapshot.sha256.as_str())
            {
                let item = if batch { format!("item {i}: ") } else { String::new() };
                return Err(ApiError::Conflict(format!(
                    "{item}this exact text of {} is already stored as source {}",
                    fields.url, latest.id
                )));
            }
            let supersedes_id = latest.map(|l| l.id);
            prepared.push(NewSource { fields, snapshot, supersedes_id });
        }
        Ok(prepared)
    }

    async fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<Self::Fields>,
        created_by: Uuid,
    ) -> QueryResult<Vec<Source>> {
        source::insert(conn, rows, created_by).await
    }

    async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Source> {
        source::find(conn, id).await
    }

    fn page(query: &SourceFilter) -> Result<PageRequest, ApiError> {
        page_request(query.limit, query.cursor.as_deref(), query.sort.as_deref())
    }

    async fn list(
        conn: &mut AsyncPgConnection,
        query: &SourceFilter,
        page: PageRequest,
    ) -> Result<Page<Source>, ApiError> {
        Ok(source::list(conn, query, page).await?)
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        new: NewSource,
    ) -> QueryResult<Option<Source>> {
        source::update(conn, id, version, new.fields).await
    }

    async fn soft_delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
    ) -> QueryResult<Option<Source>> {
        source::soft_delete(conn, id, version).await
    }

    /// The text can be a megabyte, and never changes: the trail keeps its hash
    /// (`content_sha256`), so that a page of events stays small.
    fn audited(mut view: serde_json::Value) -> serde_json::Value {
        if let Some(fields) = view.as_object_mut() {
            fields.remove("content");
        }
        view
    }

    /// What ClaimReview shows of a source (`claimreview::creative_work`), once anything citing
    /// it is reviewed.
    async fn fields_verdicts_show(
        conn: &mut AsyncPgConnection,
        id: Uuid,
    ) -> QueryResult<&'static [&'static str]> {
        const SHOWN: &[&str] = &["url", "title", "publisher", "author", "published_at"];
        Ok(if source::has_reviewed_citations(conn, id).await? { SHOWN } else { &[] })
    }

    async fn check_deletable(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
        match source::live_references(conn, id).await? {
            0 => Ok(()),
            cited => Err(ApiError::Conflict(format!(
                "{cited} quotes and claims cite this source; delete them first"
            ))),
        }
    }
}
