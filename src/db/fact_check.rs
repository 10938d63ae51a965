//! Published verdicts, shared across workspaces (see the workspaces migration's policies).

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

/// Fact-checks published by other workspaces on words like `text` (trigram similarity of at
/// least `threshold`, through the trigram index), most alike first, at most `limit`.
pub async fn elsewhere_like(
    conn: &mut AsyncPgConnection,
    here: Uuid,
    text: &str,
    threshold: f32,
    limit: i64,
) -> QueryResult<Vec<Published>> {
    use diesel::IntoSql as _;
    set_similarity_threshold(conn, threshold).await?;
    let text = text.to_owned().into_sql::<diesel::sql_types::Text>();
    fact_checks::table
        .inner_join(workspaces::table.on(workspaces::id.eq(fact_checks::workspace_id)))
        .filter(fact_checks::workspace_id.ne(here))
        .filter(fact_checks::id.eq_any(diesel::select(attest_fact_checks_worded_like(text.clone()))))
        .order((similarity(fact_checks::claim_reviewed, text).desc(), fact_checks::id))
        .limit(limit)
        .select((FactCheck::as_select(), workspaces::slug, workspaces::publisher_name))
        .load(conn)
        .await
}
