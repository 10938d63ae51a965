use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::references::References;
use super::{Page, PageRequest};
use crate::db::schema::quotes;
use crate::domain::FieldError;
use crate::domain::anchor::{Anchor, anchor_record};
use crate::domain::kinds::{QuoteKind, ReviewStatus};
use crate::domain::quote::QuoteDraft;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = quotes, check_for_backend(diesel::pg::Pg))]
pub struct Quote {
    pub id: Uuid,
    pub source_id: Uuid,
    #[diesel(embed)]
    pub fields: QuoteFields,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub status: ReviewStatus,
    pub assignee_id: Option<Uuid>,
    /// The canonical quote of the utterance this is a report of (none: it is canonical).
    pub canonical_quote_id: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The language is the source's (none was given), and follows it.
    pub language_inherited: bool,
    /// Why the latest verdict no longer matches what was judged (covered fields changed since,
    /// or the source); none while it holds.
    pub stale_reasons: Option<Vec<String>>,
    pub stale_since: Option<DateTime<Utc>>,
    /// Whom the speaker, anonymous, was identified as (see `db::speaker::identify`).
    pub speaker_identified_as: Option<Uuid>,
}

impl Quote {
    pub fn anchor(&self) -> Option<Anchor> {
        let f = &self.fields;
        Anchor::from_columns(
            &f.anchor_prefix,
            &f.anchor_exact,
            &f.anchor_suffix,
            f.anchor_start,
            f.anchor_end,
        )
    }
}

/// The fields a client sets, with the anchor already checked against the source text.
/// `source_id` is set at insert only: a quote stays where it was read.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = quotes, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct QuoteFields {
    pub speaker_id: Uuid,
    pub text: String,
    pub kind: QuoteKind,
    pub anchor_prefix: Option<String>,
    pub anchor_exact: Option<String>,
    pub anchor_suffix: Option<String>,
    pub anchor_start: Option<i32>,
    pub anchor_end: Option<i32>,
    pub relayed_by: Option<String>,
    pub speaker_role: Option<String>,
    pub said_at: Option<DateTime<Utc>>,
    pub language: Option<String>,
}

impl QuoteFields {
    /// Checks the draft's references and anchors it in its source's text.
    pub fn resolve(draft: QuoteDraft, references: &References) -> Result<(Uuid, Self), FieldError> {
        let source_text = references.source_text(draft.source_id)?;
        references.check_speaker(draft.speaker_id, "/speaker_id")?;
        let anchor = anchor_record(source_text, draft.anchor_exact(), draft.anchor.as_ref(), "/text")?;
        let (prefix, exact, suffix, start, end) = Anchor::into_columns(anchor);
        Ok((
            draft.source_id,
            Self {
                speaker_id: draft.speaker_id,
                text: draft.text.into_inner(),
                kind: draft.kind,
                anchor_prefix: prefix,
                anchor_exact: exact,
                anchor_suffix: suffix,
                anchor_start: start,
                anchor_end: end,
                relayed_by: draft.relayed_by.map(|r| r.into_inner()),
                speaker_role: draft.speaker_role.map(|r| r.into_inner()),
                said_at: draft.said_at,
                language: draft.language.map(|l| l.into_inner()),
            },
        ))
    }
}

super::reviewable_filter!(
    /// A list's filters.
    QuoteFilter {
        speaker_id: Option<Uuid>,
        kind: Option<QuoteKind>,
    }
);

pub async fn insert(
    conn: &mut AsyncPgConnection,
    rows: Vec<(Uuid, QuoteFields)>,
    created_by: Uuid,
) -> QueryResult<Vec<Quote>> {
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(source_id, fields)| {
            (
                quotes::id.eq(Uuid::now_v7()),
                quotes::source_id.eq(source_id),
                quotes::created_by.eq(created_by),
                fields,
            )
        })
        .collect();
    diesel::insert_into(quotes::table).values(rows).returning(Quote::as_returning()).get_results(conn).await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &QuoteFilter,
    page: PageRequest,
) -> QueryResult<Page<Quote>> {
    let mut query = page_query(page);
    query = super::reviewable_filters!(quotes, filter, query);
    if let Some(speaker_id) = filter.speaker_id {
        query = query.filter(quotes::speaker_id.eq(speaker_id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(quotes::kind.eq(kind));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

super::versioned_queries!(quotes, Quote, Quote, QuoteFields, (Uuid, QuoteFields), QuoteFilter);

/// A quote whose wording resembles another's, with the trigram similarity (0 to 1).
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Lookalike {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub speaker_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub canonical_quote_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub text: String,
    #[diesel(sql_type = diesel::sql_types::Float)]
    pub similarity: f32,
}

/// Live quotes of `speaker` worded like `text` (trigram similarity at least
/// `min_similarity`), most alike first: a nearest-neighbour search in the speaker's part of
/// the (speaker, text) GiST index, so its cost does not grow with the table.
pub async fn lookalikes_of_speaker(
    conn: &mut AsyncPgConnection,
    text: &str,
    speaker: Uuid,
    exclude: Uuid,
    min_similarity: f32,
    limit: i64,
) -> QueryResult<Vec<Lookalike>> {
    use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
    diesel::sql_query(include_str!("sql/lookalikes_of_speaker.sql"))
        .bind::<Text, _>(text)
        .bind::<SqlUuid, _>(speaker)
        .bind::<SqlUuid, _>(exclude)
        .bind::<diesel::sql_types::Float, _>(min_similarity)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
}

diesel::define_sql_function! {
    /// pg_trgm's similarity(): shared trigrams over all trigrams, 0 to 1.
    fn similarity(a: diesel::sql_types::Text, b: diesel::sql_types::Text) -> diesel::sql_types::Float;
}

/// The threshold `%` compares against for the rest of the transaction; the index uses it to
/// prune.
pub async fn set_similarity_threshold(conn: &mut AsyncPgConnection, threshold: f32) -> QueryResult<()> {
    diesel::sql_query("SELECT set_config('pg_trgm.similarity_threshold', $1::text, true)")
        .bind::<diesel::sql_types::Float, _>(threshold)
        .execute(conn)
        .await
        .map(drop)
}

/// How alike two wordings are, by the same measure that proposes variants.
pub async fn text_similarity(conn: &mut AsyncPgConnection, a: &str, b: &str) -> QueryResult<f32> {
    diesel::select(similarity(a.to_owned(), b.to_owned())).get_result(conn).await
}

/// Live quotes by anyone worded like `text`, at least `min_similarity` alike (meant for high
/// thresholds: the GIN index then rules out nearly every row by itself).
pub async fn lookalikes_anywhere(
    conn: &mut AsyncPgConnection,
    text: &str,
    exclude: Uuid,
    min_similarity: f32,
    limit: i64,
) -> QueryResult<Vec<Lookalike>> {
    use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
    use diesel_async::AsyncConnection;
    let text = text.to_owned();
    conn.transaction(async move |conn| {
        set_similarity_threshold(conn, min_similarity).await?;
        diesel::sql_query(include_str!("sql/lookalikes_anywhere.sql"))
            .bind::<Text, _>(&text)
            .bind::<SqlUuid, _>(exclude)
            .bind::<BigInt, _>(limit)
            .load(conn)
            .await
    })
    .await
}

/// The canonical quote of `quote`'s cluster (itself when it is not a variant).
pub fn root_of(quote: &Quote) -> Uuid {
    quote.canonical_quote_id.unwrap_or(quote.id)
}

/// Most members of a cluster read at once, earliest published first: one utterance may be
/// reported thousands of times.
pub const MAX_CLUSTER_MEMBERS: i64 = 200;

/// Reports of one utterance: each quote with its source (without the source's text) and
/// speaker, earliest published first (unknown dates last, then by when they were read).
pub struct Cluster {
    pub members: Vec<(Quote, super::source::SourceListed, super::speaker::Speaker)>,
    /// More than `MAX_CLUSTER_MEMBERS` live quotes are in the cluster; the earliest are read.
    pub more: bool,
}

/// The live quotes of the cluster rooted at `root` (see `Cluster`).
pub async fn cluster(conn: &mut AsyncPgConnection, root: Uuid) -> QueryResult<Cluster> {
    use crate::db::schema::{sources, speakers};
    let mut members = quotes::table
        .inner_join(sources::table.on(sources::id.eq(quotes::source_id)))
        .inner_join(speakers::table.on(speakers::id.eq(quotes::speaker_id)))
        .filter(quotes::id.eq(root).or(quotes::canonical_quote_id.eq(root)))
        .filter(quotes::deleted_at.is_null())
        .order((sources::published_at.asc().nulls_last(), sources::retrieved_at, quotes::id))
        .limit(MAX_CLUSTER_MEMBERS + 1)
        .select((
            Quote::as_select(),
            super::source::SourceListed::as_select(),
            super::speaker::Speaker::as_select(),
        ))
        .load::<(Quote, super::source::SourceListed, super::speaker::Speaker)>(conn)
        .await?;
    let more = members.len() as i64 > MAX_CLUSTER_MEMBERS;
    members.truncate(MAX_CLUSTER_MEMBERS as usize);
    Ok(Cluster { members, more })
}

/// Links `id` (at `expected_version`) into the cluster of `root`, or out of any (`None`).
pub async fn set_canonical(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: i32,
    root: Option<Uuid>,
) -> QueryResult<Option<Quote>> {
    diesel::update(quotes::table)
        .filter(quotes::id.eq(id))
        .filter(quotes::version.eq(expected_version))
        .filter(quotes::deleted_at.is_null())
        .set((
            quotes::canonical_quote_id.eq(root),
            quotes::version.eq(quotes::version + 1),
            quotes::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Quote::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Moves every variant of `old_root` under `new_root` (two clusters merge into one).
pub async fn repoint_variants(
    conn: &mut AsyncPgConnection,
    old_root: Uuid,
    new_root: Uuid,
) -> QueryResult<usize> {
    diesel::update(quotes::table.filter(quotes::canonical_quote_id.eq(old_root)))
        .set((
            quotes::canonical_quote_id.eq(new_root),
            quotes::version.eq(quotes::version + 1),
            quotes::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
}

/// For each new quote that would repeat a live stored one (`attest_quote_same_key`: same
/// source, speaker, folded words and anchor start), its place and the stored one's id.
pub async fn same_as_stored(
    conn: &mut AsyncPgConnection,
    rows: &[(Uuid, QuoteFields)],
) -> QueryResult<Vec<super::SameAsStored>> {
    use diesel::sql_types::{Array, Integer, Nullable, Text, Uuid as SqlUuid};
    let sources: Vec<Uuid> = rows.iter().map(|(source, _)| *source).collect();
    let speakers: Vec<Uuid> = rows.iter().map(|(_, q)| q.speaker_id).collect();
    let texts: Vec<&str> = rows.iter().map(|(_, q)| q.text.as_str()).collect();
    let starts: Vec<Option<i32>> = rows.iter().map(|(_, q)| q.anchor_start).collect();
    diesel::sql_query(
        "SELECT n.item - 1 AS item, q.id
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[])
                WITH ORDINALITY AS n(source_id, speaker_id, text, anchor_start, item)
           JOIN quotes q ON q.same_key = attest_quote_same_key(n.source_id, n.speaker_id, n.text, n.anchor_start)
                        AND q.deleted_at IS NULL AND q.duplicate_of IS NULL
          ORDER BY 1",
    )
    .bind::<Array<SqlUuid>, _>(sources)
    .bind::<Array<SqlUuid>, _>(speakers)
    .bind::<Array<Text>, _>(texts)
    .bind::<Array<Nullable<Integer>>, _>(starts)
    .load(conn)
    .await
}
