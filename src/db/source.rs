use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::db::schema::sources;
use crate::domain::kinds::SourceKind;
use crate::domain::source::{Snapshot, SourceDraft};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sources, check_for_backend(diesel::pg::Pg))]
pub struct Source {
    pub id: Uuid,
    #[diesel(embed)]
    pub fields: SourceFields,
    pub content: Option<String>,
    pub content_sha256: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub supersedes_id: Option<Uuid>,
}

/// A source as a page of the list reads it: everything but its text, which may be a
/// megabyte (read it by id). A page of them stays small whatever the texts are.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sources, check_for_backend(diesel::pg::Pg))]
pub struct SourceListed {
    pub id: Uuid,
    #[diesel(embed)]
    pub fields: SourceFields,
    pub content_sha256: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub supersedes_id: Option<Uuid>,
}

impl From<SourceListed> for Source {
    fn from(s: SourceListed) -> Self {
        Self {
            id: s.id,
            fields: s.fields,
            content: None,
            content_sha256: s.content_sha256,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            deleted_at: s.deleted_at,
            created_by: s.created_by,
            supersedes_id: s.supersedes_id,
        }
    }
}

/// The fields a client sets, for inserts and updates alike. The snapshot is set once, at
/// insert: the text that was read is what quotes are anchored to.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sources, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct SourceFields {
    pub url: String,
    pub canonical_url: Option<String>,
    pub title: Option<String>,
    pub publisher: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub retrieved_at: DateTime<Utc>,
    pub language: Option<String>,
    pub kind: SourceKind,
}

impl SourceFields {
    pub fn from_draft(draft: SourceDraft) -> (Self, Option<Snapshot>) {
        let fields = Self {
            url: draft.url.into_inner(),
            canonical_url: draft.canonical_url.map(|u| u.into_inner()),
            title: draft.title.map(|t| t.into_inner()),
            publisher: draft.publisher.map(|t| t.into_inner()),
            author: draft.author.map(|t| t.into_inner()),
            published_at: draft.published_at,
            retrieved_at: draft.retrieved_at.unwrap_or_else(Utc::now),
            language: draft.language.map(|l| l.into_inner()),
            kind: draft.kind,
        };
        (fields, draft.content)
    }
}

/// A list's filters.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFilter {
    pub url: Option<String>,
    pub publisher: Option<String>,
    pub kind: Option<SourceKind>,
    pub language: Option<String>,
    pub published_from: Option<DateTime<Utc>>,
    pub published_to: Option<DateTime<Utc>>,
}

/// A source ready to insert: its fields, the text read, and the earlier snapshot of the same
/// URL that this one supersedes.
pub struct NewSource {
    pub fields: SourceFields,
    pub snapshot: Option<Snapshot>,
    pub supersedes_id: Option<Uuid>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: Vec<NewSource>,
    created_by: Uuid,
) -> QueryResult<Vec<Source>> {
    let rows: Vec<_> = rows
        .into_iter()
        .map(|new| {
            let (content, sha256) = new.snapshot.map(|s| (s.text.into_inner(), s.sha256)).unzip();
            (
                sources::id.eq(Uuid::now_v7()),
                sources::content.eq(content),
                sources::content_sha256.eq(sha256),
                sources::supersedes_id.eq(new.supersedes_id),
                sources::created_by.eq(created_by),
                new.fields,
            )
        })
        .collect();
    diesel::insert_into(sources::table).values(rows).returning(Source::as_returning()).get_results(conn).await
}

/// The latest live snapshot of `url` that has a text (read without it).
pub async fn latest_snapshot(conn: &mut AsyncPgConnection, url: &str) -> QueryResult<Option<SourceListed>> {
    sources::table
        .filter(sources::url.eq(url))
        .filter(sources::content_sha256.is_not_null())
        .filter(sources::deleted_at.is_null())
        .order((sources::retrieved_at.desc(), sources::id.desc()))
        .select(SourceListed::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every live snapshot of `url`, oldest first, without their texts.
pub async fn versions(conn: &mut AsyncPgConnection, url: &str) -> QueryResult<Vec<SourceListed>> {
    sources::table
        .filter(sources::url.eq(url))
        .filter(sources::deleted_at.is_null())
        .order((sources::retrieved_at, sources::id))
        .select(SourceListed::as_select())
        .load(conn)
        .await
}

diesel::define_sql_function! {
    fn octet_length(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Integer>;
}

/// The bytes of stored text of the live sources among `ids`, counted without reading them.
pub async fn text_bytes(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<i64> {
    let total: Option<i64> = sources::table
        .filter(sources::id.eq_any(ids))
        .filter(sources::deleted_at.is_null())
        .select(diesel::dsl::sum(octet_length(sources::content)))
        .first(conn)
        .await?;
    Ok(total.unwrap_or(0))
}

/// A live source, without its text.
pub async fn find_listed(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<SourceListed> {
    sources::table
        .find(id)
        .filter(sources::deleted_at.is_null())
        .select(SourceListed::as_select())
        .first(conn)
        .await
}

/// The live sources among `ids`.
pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Source>> {
    sources::table
        .filter(sources::id.eq_any(ids))
        .filter(sources::deleted_at.is_null())
        .select(Source::as_select())
        .load(conn)
        .await
}

/// A page of live sources matching the filter, without their texts (`SourceListed`).
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &SourceFilter,
    page: PageRequest,
) -> QueryResult<Page<Source>> {
    let mut query = page_query(page);
    if let Some(url) = &filter.url {
        query = query.filter(sources::url.eq(url));
    }
    if let Some(publisher) = &filter.publisher {
        query = query.filter(sources::publisher.eq(publisher));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(sources::kind.eq(kind));
    }
    if let Some(language) = &filter.language {
        query = query.filter(sources::language.eq(language));
    }
    if let Some(from) = filter.published_from {
        query = query.filter(sources::published_at.ge(from));
    }
    if let Some(to) = filter.published_to {
        query = query.filter(sources::published_at.lt(to));
    }
    let rows: Vec<SourceListed> = query.load(conn).await?;
    Ok(Page::from_overfetch(rows.into_iter().map(Source::from).collect(), page.limit))
}

/// Whether any live quote or claim citing the source has been reviewed (is past `unreviewed`).
pub async fn has_reviewed_citations(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    use crate::db::schema::{claims, quotes};
    use crate::domain::kinds::ReviewStatus;
    let quotes = quotes::table
        .filter(quotes::source_id.eq(id))
        .filter(quotes::deleted_at.is_null())
        .filter(quotes::status.ne(ReviewStatus::Unreviewed));
    let claims = claims::table
        .filter(claims::source_id.eq(id))
        .filter(claims::deleted_at.is_null())
        .filter(claims::status.ne(ReviewStatus::Unreviewed));
    diesel::select(
        diesel::dsl::exists(quotes.select(quotes::id)).or(diesel::dsl::exists(claims.select(claims::id))),
    )
    .get_result(conn)
    .await
}

super::versioned_queries!(
    sources,
    Source,
    Source,
    SourceFields,
    NewSource,
    SourceFilter,
    listed as SourceListed
);
