//! `/sources`: where words and numbers were read.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::{each_item, page_request};
use super::resource::Resource;
use crate::domain::kinds::SourceKind;
use crate::domain::source::{Snapshot, SourceDraft, SourceInput};
use crate::error::ApiError;
use crate::models::Page;
use crate::models::source::{self, Source, SourceFields, SourceFilter};

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
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceQuery {
    url: Option<String>,
    publisher: Option<String>,
    kind: Option<SourceKind>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub struct Sources;

impl Resource for Sources {
    const COLLECTION: &'static str = "sources";
    const ENTITY: &'static str = "source";
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "content_sha256",
        "version",
        "created_at",
        "updated_at",
        "created_by",
    ];
    /// The snapshot is what quotes are anchored to; a different text is a different source.
    const FIXED: &'static [&'static str] = &["content"];

    type Row = Source;
    type View = SourceView;
    type Input = SourceInput;
    type Fields = (SourceFields, Option<Snapshot>);
    type Query = SourceQuery;

    async fn prepare(
        _: &mut AsyncPgConnection,
        inputs: Vec<SourceInput>,
        batch: bool,
    ) -> Result<Vec<Self::Fields>, ApiError> {
        each_item(inputs, batch, |input| {
            SourceDraft::try_from(input).map(SourceFields::from_draft)
        })
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

    async fn list(
        conn: &mut AsyncPgConnection,
        query: SourceQuery,
    ) -> Result<Page<Source>, ApiError> {
        let page = page_request(query.limit, query.cursor.as_deref())?;
        let filter = SourceFilter {
            url: query.url,
            publisher: query.publisher,
            kind: query.kind,
        };
        Ok(source::list(conn, &filter, page).await?)
    }

    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        (fields, _): Self::Fields,
    ) -> QueryResult<Option<Source>> {
        source::update(conn, id, version, fields).await
    }

    async fn soft_delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
    ) -> QueryResult<Option<Source>> {
        source::soft_delete(conn, id, version).await
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
