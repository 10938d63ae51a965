//! Published verdicts, shared across workspaces (see the workspaces migration's policies).

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::quote::{set_similarity_threshold, similarity};
use super::review::Item;
use super::{Page, PageRequest};
use crate::db::schema::{fact_check_corrections, fact_checks, workspaces};
use crate::domain::review::Rating;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = fact_checks, check_for_backend(diesel::pg::Pg))]
pub struct FactCheck {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub quote_id: Option<Uuid>,
    pub claim_id: Option<Uuid>,
    pub review_id: Uuid,
    pub claim_reviewed: String,
    pub speaker_name: Option<String>,
    pub rating_value: i16,
    pub rating_label: String,
    pub rating_worst: i16,
    pub rating_best: i16,
    pub published_at: DateTime<Utc>,
    pub headline: Option<String>,
    pub summary: Option<String>,
    pub article_url: Option<String>,
    pub language: Option<String>,
    pub authors: Vec<String>,
    pub published_by: Option<Uuid>,
    pub modified_at: Option<DateTime<Utc>>,
    /// `published`, `unpublished` or `retracted`.
    pub state: String,
    pub notice: Option<String>,
    pub version: i32,
}

impl FactCheck {
    pub fn is_published(&self) -> bool {
        self.state == PUBLISHED
    }
}

pub const PUBLISHED: &str = "published";

/// A fact-check with the workspace that published it (its slug and publisher name).
pub type Published = (FactCheck, String, Option<String>);

/// What a signed-off verdict judged, as a publication keeps it.
pub struct Verdict {
    pub review_id: Uuid,
    pub claim_reviewed: String,
    pub speaker_name: Option<String>,
    pub rating: Rating,
}

/// What an editor publishes, or publishes again after a correction.
pub struct Publication<'a> {
    pub verdict: Verdict,
    pub headline: &'a str,
    pub summary: &'a str,
    pub article_url: &'a str,
    pub language: &'a str,
    pub authors: &'a [String],
    pub by: Uuid,
}

/// The item's fact-check in any state, of the transaction's workspace or one the caller may
/// read.
pub async fn of_item(conn: &mut AsyncPgConnection, item: Item) -> QueryResult<Option<FactCheck>> {
    let query = fact_checks::table.select(FactCheck::as_select()).into_boxed();
    let query = match item {
        Item::Quote(id) => query.filter(fact_checks::quote_id.eq(id)),
        Item::Claim(id) => query.filter(fact_checks::claim_id.eq(id)),
    };
    query.first(conn).await.optional()
}

/// The columns a publication writes, when first published and whenever published again.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = fact_checks, treat_none_as_null = true)]
struct Written<'a> {
    review_id: Uuid,
    claim_reviewed: String,
    speaker_name: Option<String>,
    rating_value: i16,
    rating_label: String,
    rating_worst: i16,
    rating_best: i16,
    headline: &'a str,
    summary: &'a str,
    article_url: &'a str,
    language: &'a str,
    authors: &'a [String],
    published_by: Uuid,
}

impl<'a> From<Publication<'a>> for Written<'a> {
    fn from(publication: Publication<'a>) -> Self {
        let Publication { verdict, headline, summary, article_url, language, authors, by } = publication;
        Self {
            review_id: verdict.review_id,
            claim_reviewed: verdict.claim_reviewed,
            speaker_name: verdict.speaker_name,
            rating_value: verdict.rating.value,
            rating_label: verdict.rating.label,
            rating_worst: verdict.rating.worst,
            rating_best: verdict.rating.best,
            headline,
            summary,
            article_url,
            language,
            authors,
            published_by: by,
        }
    }
}

/// Publishes `publication` of `item` in the transaction's workspace.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    item: Item,
    publication: Publication<'_>,
) -> QueryResult<FactCheck> {
    let (quote_id, claim_id) = item.columns();
    diesel::insert_into(fact_checks::table)
        .values((
            fact_checks::id.eq(Uuid::now_v7()),
            fact_checks::quote_id.eq(quote_id),
            fact_checks::claim_id.eq(claim_id),
            fact_checks::published_at.eq(diesel::dsl::now),
            Written::from(publication),
        ))
        .returning(FactCheck::as_returning())
        .get_result(conn)
        .await
}

/// Rewrites fact-check `id`, at `version`, with `publication` (a correction, or publishing
/// again what was unpublished): published, modified now. `None` if the version moved on.
pub async fn republish(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    publication: Publication<'_>,
) -> QueryResult<Option<FactCheck>> {
    diesel::update(fact_checks::table.filter(fact_checks::id.eq(id)).filter(fact_checks::version.eq(version)))
        .set((
            Written::from(publication),
            fact_checks::modified_at.eq(diesel::dsl::now),
            fact_checks::state.eq(PUBLISHED),
            fact_checks::notice.eq(None::<String>),
            fact_checks::version.eq(version + 1),
        ))
        .returning(FactCheck::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Takes fact-check `id`, at `version`, down to `state` with a public `notice`. `None` if
/// the version moved on.
pub async fn take_down(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    state: &str,
    notice: &str,
) -> QueryResult<Option<FactCheck>> {
    diesel::update(fact_checks::table.filter(fact_checks::id.eq(id)).filter(fact_checks::version.eq(version)))
        .set((
            fact_checks::state.eq(state),
            fact_checks::notice.eq(notice),
            fact_checks::modified_at.eq(diesel::dsl::now),
            fact_checks::version.eq(version + 1),
        ))
        .returning(FactCheck::as_returning())
        .get_result(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = fact_check_corrections, check_for_backend(diesel::pg::Pg))]
pub struct Correction {
    pub note: String,
    pub corrected_by: Uuid,
    pub corrected_at: DateTime<Utc>,
}

pub async fn add_correction(
    conn: &mut AsyncPgConnection,
    fact_check: Uuid,
    note: &str,
    by: Uuid,
) -> QueryResult<()> {
    diesel::insert_into(fact_check_corrections::table)
        .values((
            fact_check_corrections::id.eq(Uuid::now_v7()),
            fact_check_corrections::fact_check_id.eq(fact_check),
            fact_check_corrections::note.eq(note),
            fact_check_corrections::corrected_by.eq(by),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Most corrections a document lists: the latest ones.
pub const MAX_CORRECTIONS_SHOWN: i64 = 50;

/// The fact-check's latest corrections, oldest first.
pub async fn corrections(conn: &mut AsyncPgConnection, fact_check: Uuid) -> QueryResult<Vec<Correction>> {
    let mut latest: Vec<Correction> = fact_check_corrections::table
        .filter(fact_check_corrections::fact_check_id.eq(fact_check))
        .order((fact_check_corrections::corrected_at.desc(), fact_check_corrections::id.desc()))
        .limit(MAX_CORRECTIONS_SHOWN)
        .select(Correction::as_select())
        .load(conn)
        .await?;
    latest.reverse();
    Ok(latest)
}

/// A fact-check of the feed, and when it last changed.
#[derive(Debug, Clone, QueryableByName)]
pub struct Changed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    /// `quote` or `claim`, and its id.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub item_type: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub item_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub changed_at: DateTime<Utc>,
}

impl Changed {
    pub fn item(&self) -> Item {
        match self.item_type.as_str() {
            "quote" => Item::Quote(self.item_id),
            _ => Item::Claim(self.item_id),
        }
    }
}

/// The workspace's published fact-checks published or corrected at or after `since`, in that
/// order, after the page's key `(changed_at, id)`.
pub async fn changed_since(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
    page: PageRequest<(DateTime<Utc>, Uuid)>,
) -> QueryResult<Page<Changed>> {
    use diesel::sql_types::{BigInt, Nullable, Timestamptz};
    let rows = diesel::sql_query(include_str!("sql/published_since.sql"))
        .bind::<Timestamptz, _>(since)
        .bind::<Nullable<Timestamptz>, _>(page.after.map(|a| a.0))
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(page.after.map(|a| a.1))
        .bind::<BigInt, _>(page.limit + 1)
        .load(conn)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit))
}

/// Every fact-check the connection may read (see the policy: signed-in callers read every
/// workspace's; anonymous readers those of workspaces that publish publicly), newest first.
pub async fn list(conn: &mut AsyncPgConnection, page: PageRequest) -> QueryResult<Page<Published>> {
    let mut query = fact_checks::table
        .inner_join(workspaces::table.on(workspaces::id.eq(fact_checks::workspace_id)))
        .select((FactCheck::as_select(), workspaces::slug, workspaces::publisher_name))
        .order(fact_checks::id.desc())
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(before) = page.after {
        query = query.filter(fact_checks::id.lt(before));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

diesel::define_sql_function! {
    /// Fact-checks of any workspace worded like `wording` (the migration that defines it says
    /// why it is a function); read through the policy, the caller keeps those it may read.
    #[sql_name = "attest_fact_checks_worded_like"]
    fn attest_fact_checks_worded_like(wording: diesel::sql_types::Text) -> diesel::sql_types::Uuid;
}

diesel::define_sql_function! {
    /// Fact-checks of any workspace by a speaker of one of the folded `names`, worded like
    /// `wording`, found through the index on both; read through the policy, as above.
    #[sql_name = "attest_fact_checks_of_speakers_worded_like"]
    fn attest_fact_checks_of_speakers_worded_like(
        names: diesel::sql_types::Array<diesel::sql_types::Text>,
        wording: diesel::sql_types::Text,
    ) -> diesel::sql_types::Uuid;
}

diesel::define_sql_function! {
    fn abs(number: diesel::sql_types::Nullable<diesel::sql_types::Numeric>) -> diesel::sql_types::Nullable<diesel::sql_types::Numeric>;
}

/// Which fact-checks a search for lookalikes leaves out, or keeps to.
#[derive(Debug, Default)]
pub struct Among {
    /// Not those of this workspace.
    pub not_in_workspace: Option<Uuid>,
    /// Not this item's own.
    pub not_of: Option<Item>,
    /// Only those of a speaker with one of these folded names.
    pub speaker_named: Option<Vec<String>>,
}

/// Fact-checks of any workspace on words like `text` (trigram similarity of at least
/// `threshold`, through the trigram index), most alike first, at most `limit`, with how alike.
pub async fn worded_like(
    conn: &mut AsyncPgConnection,
    text: &str,
    among: Among,
    threshold: f32,
    limit: i64,
) -> QueryResult<Vec<(Published, f32)>> {
    use diesel::IntoSql as _;
    set_similarity_threshold(conn, threshold).await?;
    let text = text.to_owned().into_sql::<diesel::sql_types::Text>();
    let mut query = fact_checks::table
        .inner_join(workspaces::table.on(workspaces::id.eq(fact_checks::workspace_id)))
        .filter(fact_checks::state.eq(PUBLISHED))
        .into_boxed();
    query = match among.speaker_named {
        Some(names) => query.filter(
            fact_checks::id
                .eq_any(diesel::select(attest_fact_checks_of_speakers_worded_like(names, text.clone()))),
        ),
        None => {
            query.filter(fact_checks::id.eq_any(diesel::select(attest_fact_checks_worded_like(text.clone()))))
        }
    };
    if let Some(here) = among.not_in_workspace {
        query = query.filter(fact_checks::workspace_id.ne(here));
    }
    match among.not_of {
        Some(Item::Quote(id)) => query = query.filter(fact_checks::quote_id.is_distinct_from(id)),
        Some(Item::Claim(id)) => query = query.filter(fact_checks::claim_id.is_distinct_from(id)),
        None => {}
    }
    let found: Vec<(FactCheck, String, Option<String>, f32)> = query
        .order((similarity(fact_checks::claim_reviewed, text.clone()).desc(), fact_checks::id))
        .limit(limit)
        .select((
            FactCheck::as_select(),
            workspaces::slug,
            workspaces::publisher_name,
            similarity(fact_checks::claim_reviewed, text),
        ))
        .load(conn)
        .await?;
    Ok(found.into_iter().map(|(row, slug, publisher, alike)| ((row, slug, publisher), alike)).collect())
}

/// A claim's figure, as figure matches look for it.
pub struct Figure<'a> {
    pub metric: &'a str,
    pub unit: Option<&'a str>,
    pub value: &'a BigDecimal,
    /// How far another value may be, in percent of this one.
    pub tolerance_percent: &'a BigDecimal,
}

/// Fact-checks of this workspace's live claims of the same metric (any case) and unit whose
/// value is within the tolerance, the nearest first, but `except`'s own, with each value.
pub async fn with_figure(
    conn: &mut AsyncPgConnection,
    figure: Figure<'_>,
    except: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<(Published, Option<BigDecimal>)>> {
    use crate::db::schema::claims;
    let reach = (figure.value.abs() * figure.tolerance_percent) / BigDecimal::from(100);
    let (low, high) = (figure.value - &reach, figure.value + &reach);
    let mut query = fact_checks::table
        .inner_join(claims::table.on(fact_checks::claim_id.eq(claims::id.nullable())))
        .inner_join(workspaces::table.on(workspaces::id.eq(fact_checks::workspace_id)))
        .filter(claims::metric_key.eq(super::lower(figure.metric.to_owned())))
        .filter(claims::unit.is_not_distinct_from(figure.unit.map(str::to_owned)))
        .filter(claims::value.between(low, high))
        .filter(claims::deleted_at.is_null())
        .filter(fact_checks::state.eq(PUBLISHED))
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(claims::id.ne(except));
    }
    let found: Vec<(FactCheck, String, Option<String>, Option<BigDecimal>)> = query
        .order((abs(claims::value - figure.value.clone()), claims::id))
        .limit(limit)
        .select((FactCheck::as_select(), workspaces::slug, workspaces::publisher_name, claims::value))
        .load(conn)
        .await?;
    Ok(found.into_iter().map(|(row, slug, publisher, value)| ((row, slug, publisher), value)).collect())
}

/// What `GET /claims:search` looks for; every part optional (but not all of them).
pub struct Search<'a> {
    pub query: Option<&'a str>,
    pub language: Option<&'a str>,
    pub site: Option<&'a str>,
    pub since: Option<DateTime<Utc>>,
}

/// Most matching fact-checks ranked by one search: the newest that match.
pub const MAX_SEARCH_RANKED: i32 = 1000;

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Double)]
    rank: f64,
}

/// A page of published fact-checks the caller may read matching `search`, best first (of the
/// newest `MAX_SEARCH_RANKED` that match), after the key `(rank, id)`, each with its rank.
pub async fn search(
    conn: &mut AsyncPgConnection,
    search: Search<'_>,
    page: PageRequest<(f64, Uuid)>,
) -> QueryResult<Page<(Published, f64)>> {
    use diesel::sql_types::{Double, Integer, Nullable, Text, Timestamptz};
    let ranked: Vec<Ranked> =
        diesel::sql_query("SELECT id, rank FROM attest_fact_checks_search($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind::<Nullable<Text>, _>(search.query)
            .bind::<Nullable<Text>, _>(search.language)
            .bind::<Nullable<Text>, _>(search.site)
            .bind::<Nullable<Timestamptz>, _>(search.since)
            .bind::<Nullable<Double>, _>(page.after.map(|a| a.0))
            .bind::<Nullable<diesel::sql_types::Uuid>, _>(page.after.map(|a| a.1))
            .bind::<Integer, _>(i32::try_from(page.limit + 1).unwrap_or(i32::MAX))
            .bind::<Integer, _>(MAX_SEARCH_RANKED)
            .load(conn)
            .await?;
    let ids: Vec<Uuid> = ranked.iter().map(|r| r.id).collect();
    let rows: Vec<(FactCheck, String, Option<String>)> = fact_checks::table
        .inner_join(workspaces::table.on(workspaces::id.eq(fact_checks::workspace_id)))
        .filter(fact_checks::id.eq_any(&ids))
        .select((FactCheck::as_select(), workspaces::slug, workspaces::publisher_name))
        .load(conn)
        .await?;
    let mut by_id: std::collections::HashMap<Uuid, Published> =
        rows.into_iter().map(|published| (published.0.id, published)).collect();
    let found =
        ranked.into_iter().filter_map(|r| by_id.remove(&r.id).map(|published| (published, r.rank))).collect();
    Ok(Page::from_overfetch(found, page.limit))
}
