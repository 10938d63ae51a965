use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::db::schema::speakers;
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::SpeakerDraft;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = speakers, check_for_backend(diesel::pg::Pg))]
pub struct Speaker {
    pub id: Uuid,
    #[diesel(embed)]
    pub fields: SpeakerFields,
    /// Never holds NULL elements (a CHECK constraint); PostgreSQL arrays just can't say so.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
}

/// The fields a client sets, for inserts and updates alike.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = speakers, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct SpeakerFields {
    pub name: String,
    pub kind: SpeakerKind,
    pub description: Option<String>,
    /// Nullable elements in the column's type; the API never stores or shows a null one.
    pub aliases: Vec<Option<String>>,
    pub wikidata_qid: Option<String>,
}

impl From<SpeakerDraft> for SpeakerFields {
    fn from(draft: SpeakerDraft) -> Self {
        Self {
            name: draft.name.into_inner(),
            kind: draft.kind,
            description: draft.description.map(|d| d.into_inner()),
            aliases: draft.aliases.into_iter().map(|a| Some(a.into_inner())).collect(),
            wikidata_qid: draft.wikidata_qid.map(|q| q.into_inner()),
        }
    }
}

/// A list's filters.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeakerFilter {
    /// Case-insensitive prefix of the name.
    pub name: Option<String>,
    pub kind: Option<SpeakerKind>,
    pub wikidata_qid: Option<String>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: Vec<SpeakerFields>,
    created_by: Uuid,
) -> QueryResult<Vec<Speaker>> {
    let rows: Vec<_> = rows
        .into_iter()
        .map(|fields| (speakers::id.eq(Uuid::now_v7()), speakers::created_by.eq(created_by), fields))
        .collect();
    diesel::insert_into(speakers::table)
        .values(rows)
        .returning(Speaker::as_returning())
        .get_results(conn)
        .await
}

/// The ids among `ids` that name live speakers.
pub async fn live_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    speakers::table
        .filter(speakers::id.eq_any(ids))
        .filter(speakers::deleted_at.is_null())
        .select(speakers::id)
        .load(conn)
        .await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &SpeakerFilter,
    page: PageRequest,
) -> QueryResult<Page<Speaker>> {
    let mut query = page_query(page);
    if let Some(name) = &filter.name {
        let pattern = format!("{}%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        query = query.filter(speakers::name.ilike(pattern));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(speakers::kind.eq(kind));
    }
    if let Some(qid) = &filter.wikidata_qid {
        query = query.filter(speakers::wikidata_qid.eq(qid));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

super::versioned_queries!(speakers, Speaker, Speaker, SpeakerFields, SpeakerFields, SpeakerFilter);

/// A live speaker with exactly this name (any case) and kind, the oldest if several.
pub async fn find_by_name(
    conn: &mut AsyncPgConnection,
    name: &str,
    kind: SpeakerKind,
) -> QueryResult<Option<Speaker>> {
    speakers::table
        .filter(speakers::name_key.eq(super::lower(name.to_owned())))
        .filter(speakers::kind.eq(kind))
        .filter(speakers::deleted_at.is_null())
        .order(speakers::id)
        .select(Speaker::as_select())
        .first(conn)
        .await
        .optional()
}
