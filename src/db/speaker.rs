use chrono::{DateTime, Utc};
use diesel::dsl::{AsExprOf, sql};
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Float, Text};
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
    /// The named speaker this one, anonymous, was identified as; by whom, when, and why.
    pub identified_as: Option<Uuid>,
    pub identified_by: Option<Uuid>,
    pub identified_at: Option<DateTime<Utc>>,
    pub identification_evidence: Option<String>,
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

/// A live anonymous speaker one of whose names is `name`, folded, credited with a live quote
/// or claim in source `source_id`: the same unnamed person within one report. The oldest.
pub async fn find_anonymous_in_source(
    conn: &mut AsyncPgConnection,
    name: &str,
    source_id: Uuid,
) -> QueryResult<Option<Speaker>> {
    use crate::db::schema::{claims, quotes};
    let quoted = quotes::table
        .filter(quotes::speaker_id.eq(speakers::id))
        .filter(quotes::source_id.eq(source_id))
        .filter(quotes::deleted_at.is_null());
    let claimed = claims::table
        .filter(claims::claimant_id.eq(speakers::id.nullable()))
        .filter(claims::source_id.eq(source_id))
        .filter(claims::deleted_at.is_null());
    speakers::table
        .filter(named_folded(name))
        .filter(speakers::kind.eq(SpeakerKind::Anonymous))
        .filter(speakers::deleted_at.is_null())
        .filter(diesel::dsl::exists(quoted).or(diesel::dsl::exists(claimed)))
        .order(speakers::id)
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

/// The names, folded, of whoever `name` may be: the name itself, and every name and alias of
/// the live speakers (not anonymous) so named.
pub async fn names_of_named(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Vec<String>> {
    diesel::select(
        sql::<Array<Text>>("ARRAY(SELECT attest_fold(")
            .bind::<Text, _>(name.to_owned())
            .sql(
                ") UNION SELECT unnest(identity_names) FROM speakers
                  WHERE kind <> 'anonymous' AND deleted_at IS NULL AND identity_names @> ARRAY[attest_fold(",
            )
            .bind::<Text, _>(name.to_owned())
            .sql(")])"),
    )
    .get_result(conn)
    .await
}

/// The names of speakers `ids`, live or not.
pub async fn names(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, String)>> {
    speakers::table.filter(speakers::id.eq_any(ids)).select((speakers::id, speakers::name)).load(conn).await
}

/// A live or deleted speaker's names and aliases, folded as lookups compare them.
pub async fn identity_names(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Vec<String>> {
    speakers::table.find(id).select(speakers::identity_names).first(conn).await
}

/// Who an anonymous speaker is, as an editor decided.
pub struct Identification<'a> {
    pub speaker_id: Uuid,
    pub decided_by: Uuid,
    pub evidence: &'a str,
}

/// Sets (or, with none, withdraws) the identification of live speaker `id` at `version`; the
/// new row, or none if it changed since.
pub async fn identify(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    identification: Option<Identification<'_>>,
) -> QueryResult<Option<Speaker>> {
    diesel::update(speakers::table)
        .filter(speakers::id.eq(id))
        .filter(speakers::version.eq(version))
        .filter(speakers::deleted_at.is_null())
        .set((
            speakers::identified_as.eq(identification.as_ref().map(|i| i.speaker_id)),
            speakers::identified_by.eq(identification.as_ref().map(|i| i.decided_by)),
            speakers::identified_at.eq(identification.as_ref().map(|_| Utc::now())),
            speakers::identification_evidence.eq(identification.as_ref().map(|i| i.evidence.to_owned())),
            speakers::version.eq(speakers::version + 1),
            speakers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Speaker::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The live quotes and claims attributed to `speaker` now carry its identification (each a
/// new version): the ids of those whose identification changed.
pub async fn identify_records(
    conn: &mut AsyncPgConnection,
    speaker: Uuid,
    identified_as: Option<Uuid>,
) -> QueryResult<(Vec<Uuid>, Vec<Uuid>)> {
    use crate::db::schema::{claims, quotes};
    let quotes = diesel::update(quotes::table)
        .filter(quotes::speaker_id.eq(speaker))
        .filter(quotes::deleted_at.is_null())
        .filter(quotes::speaker_identified_as.is_distinct_from(identified_as))
        .set((
            quotes::speaker_identified_as.eq(identified_as),
            quotes::version.eq(quotes::version + 1),
            quotes::updated_at.eq(diesel::dsl::now),
        ))
        .returning(quotes::id)
        .get_results(conn)
        .await?;
    let claims = diesel::update(claims::table)
        .filter(claims::claimant_id.eq(speaker))
        .filter(claims::deleted_at.is_null())
        .filter(claims::claimant_identified_as.is_distinct_from(identified_as))
        .set((
            claims::claimant_identified_as.eq(identified_as),
            claims::version.eq(claims::version + 1),
            claims::updated_at.eq(diesel::dsl::now),
        ))
        .returning(claims::id)
        .get_results(conn)
        .await?;
    Ok((quotes, claims))
}

/// For each new speaker that another live one already is, its place and that one's id: one of
/// the stored speaker's names (name or alias) is the new one's name, folded, and both are of the
/// same kind. Namesakes are told apart by different Wikidata ids or descriptions; anonymous
/// speakers ("a Western diplomat") are never the same by name.
pub async fn same_as_stored(
    conn: &mut AsyncPgConnection,
    rows: &[SpeakerFields],
) -> QueryResult<Vec<super::SameAsStored>> {
    use diesel::sql_types::{Array, Nullable};
    let names: Vec<&str> = rows.iter().map(|s| s.name.as_str()).collect();
    let kinds: Vec<SpeakerKind> = rows.iter().map(|s| s.kind).collect();
    let qids: Vec<Option<&str>> = rows.iter().map(|s| s.wikidata_qid.as_deref()).collect();
    let descriptions: Vec<Option<&str>> = rows.iter().map(|s| s.description.as_deref()).collect();
    diesel::sql_query(
        "SELECT DISTINCT ON (n.item) n.item - 1 AS item, s.id
           FROM unnest($1::text[], $2::speaker_kind[], $3::text[], $4::text[])
                WITH ORDINALITY AS n(name, kind, qid, description, item)
           JOIN speakers s ON s.identity_names @> ARRAY[attest_fold(n.name)] AND s.kind = n.kind
                          AND s.deleted_at IS NULL
          WHERE n.kind <> 'anonymous'
            AND NOT coalesce(n.qid <> s.wikidata_qid, false)
            AND NOT coalesce(attest_fold(n.description) <> attest_fold(s.description), false)
          ORDER BY n.item, s.id",
    )
    .bind::<Array<Text>, _>(names)
    .bind::<Array<crate::domain::kinds::sql::SpeakerKind>, _>(kinds)
    .bind::<Array<Nullable<Text>>, _>(qids)
    .bind::<Array<Nullable<Text>>, _>(descriptions)
    .load(conn)
    .await
}
