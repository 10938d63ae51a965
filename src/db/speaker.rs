use chrono::{DateTime, Utc};
use diesel::dsl::{AsExprOf, sql};
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::db::schema::speakers;
use crate::domain::kinds::SpeakerKind;
use crate::domain::speaker::{NameQuery, SpeakerDraft};

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
    /// Any of the speaker's names (name or alias), without case or accents, exactly or alike
    /// (`lookup`): the best matches first, in one page.
    pub q: Option<NameQuery>,
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
    if let Some(q) = &filter.q {
        // Ranked, not in id order: the best `limit` matches, a page of their own.
        return Ok(Page { rows: lookup(conn, q.as_str(), filter.kind, page.limit).await?, has_more: false });
    }
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

/// A live speaker of this kind one of whose names (name or alias) is `name`, folded: the one
/// so named first, then the oldest.
pub async fn find_by_identity(
    conn: &mut AsyncPgConnection,
    name: &str,
    kind: SpeakerKind,
) -> QueryResult<Option<Speaker>> {
    speakers::table
        .filter(named_folded(name))
        .filter(speakers::kind.eq(kind))
        .filter(speakers::deleted_at.is_null())
        .order((speakers::name_key.eq(super::lower(name.to_owned())).desc(), speakers::id))
        .select(Speaker::as_select())
        .first(conn)
        .await
        .optional()
}

/// Live speakers (of `kind`, if given) any of whose names is like `q`, at most `limit`: those
/// with a name equal to it once folded first, then those whose names hold words alike (trigram
/// word similarity of at least pg_trgm's `word_similarity_threshold`, 0.6 by default), the
/// most alike first.
pub async fn lookup(
    conn: &mut AsyncPgConnection,
    q: &str,
    kind: Option<SpeakerKind>,
    limit: i64,
) -> QueryResult<Vec<Speaker>> {
    let alike = || sql::<Bool>("attest_fold(").bind::<Text, _>(q.to_owned()).sql(") <% identity_key");
    let similarity =
        sql::<Float>("word_similarity(attest_fold(").bind::<Text, _>(q.to_owned()).sql("), identity_key)");
    let mut query = speakers::table
        .filter(named_folded(q).or(alike()))
        .filter(speakers::deleted_at.is_null())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(speakers::kind.eq(kind));
    }
    query
        .order((named_folded(q).desc(), similarity.desc(), speakers::id))
        .limit(limit)
        .select(Speaker::as_select())
        .load(conn)
        .await
}

/// Whether one of a speaker's folded names is `name`, folded (`attest_fold`): through the
/// `identity_names` index.
fn named_folded(name: &str) -> SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, AsExprOf<String, Text>>> {
    sql::<Bool>("identity_names @> ARRAY[attest_fold(").bind::<Text, _>(name.to_owned()).sql(")]")
}

/// A live or deleted speaker's names and aliases, folded as lookups compare them.
pub async fn identity_names(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<String>> {
    speakers::table.find(id).select(speakers::identity_names).first(conn).await
}
