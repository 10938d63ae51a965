//! Published verdicts, shared across workspaces (see the workspaces migration's policies).

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::quote::{set_similarity_threshold, similarity};
use super::review::Item;
use super::{Page, PageRequest};
use crate::db::schema::{fact_checks, workspaces};
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
}

/// A fact-check with the workspace that published it (its slug and publisher name).
pub type Published = (FactCheck, String, Option<String>);

/// What a verdict publishes.
pub struct Verdict {
    pub item: Item,
    pub review_id: Uuid,
    pub claim_reviewed: String,
    pub speaker_name: Option<String>,
    pub rating: Rating,
    pub published_at: DateTime<Utc>,
}

/// Publishes `verdict` in the transaction's workspace, replacing the item's earlier one.
pub async fn publish(conn: &mut AsyncPgConnection, verdict: Verdict) -> QueryResult<()> {
    withdraw(conn, verdict.item).await?;
    let (quote_id, claim_id) = match verdict.item {
        Item::Quote(id) => (Some(id), None),
        Item::Claim(id) => (None, Some(id)),
    };
    diesel::insert_into(fact_checks::table)
        .values((
            fact_checks::id.eq(Uuid::now_v7()),
            fact_checks::quote_id.eq(quote_id),
            fact_checks::claim_id.eq(claim_id),
            fact_checks::review_id.eq(verdict.review_id),
            fact_checks::claim_reviewed.eq(verdict.claim_reviewed),
            fact_checks::speaker_name.eq(verdict.speaker_name),
            fact_checks::rating_value.eq(verdict.rating.value),
            fact_checks::rating_label.eq(verdict.rating.label),
            fact_checks::rating_worst.eq(verdict.rating.worst),
            fact_checks::rating_best.eq(verdict.rating.best),
            fact_checks::published_at.eq(verdict.published_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Withdraws the item's published verdict, if it has one.
pub async fn withdraw(conn: &mut AsyncPgConnection, item: Item) -> QueryResult<()> {
    let query = diesel::delete(fact_checks::table).into_boxed();
    let query = match item {
        Item::Quote(id) => query.filter(fact_checks::quote_id.eq(id)),
        Item::Claim(id) => query.filter(fact_checks::claim_id.eq(id)),
    };
    query.execute(conn).await.map(drop)
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
