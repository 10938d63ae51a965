//! Anchor re-checks: where each quote and claim anchored in a source's earlier version stands
//! in the text of the version that superseded it (`domain::reanchor`), one row each.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::review::Item;
use super::{Page, PageRequest};
use crate::db::schema::anchor_rechecks;
use crate::domain::anchor::Anchor;

/// A live quote or claim anchored in one of the earlier versions.
pub struct Anchored {
    pub item: Item,
    pub source_id: Uuid,
    pub anchor: Anchor,
}

#[derive(QueryableByName)]
struct AnchoredRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    source_id: Uuid,
    #[diesel(sql_type = Text)]
    anchor_prefix: String,
    #[diesel(sql_type = Text)]
    anchor_exact: String,
    #[diesel(sql_type = Text)]
    anchor_suffix: String,
    #[diesel(sql_type = Integer)]
    anchor_start: i32,
    #[diesel(sql_type = Integer)]
    anchor_end: i32,
}

/// The live quotes and claims anchored in the sources `ids` (an anchor is all five columns or
/// none), in id order.
const ANCHORED: &str = "
    SELECT 'quote' AS kind, id, source_id, anchor_prefix, anchor_exact, anchor_suffix, anchor_start, anchor_end
      FROM quotes WHERE source_id = ANY($1) AND deleted_at IS NULL AND anchor_exact IS NOT NULL
    UNION ALL
    SELECT 'claim', id, source_id, anchor_prefix, anchor_exact, anchor_suffix, anchor_start, anchor_end
      FROM claims WHERE source_id = ANY($1) AND deleted_at IS NULL AND anchor_exact IS NOT NULL
    ORDER BY id";

pub async fn anchored(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Anchored>> {
    let rows: Vec<AnchoredRow> =
        diesel::sql_query(ANCHORED).bind::<Array<SqlUuid>, _>(ids).load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|row| Anchored {
            item: if row.kind == "quote" { Item::Quote(row.id) } else { Item::Claim(row.id) },
            source_id: row.source_id,
            anchor: Anchor {
                prefix: row.anchor_prefix,
                exact: row.anchor_exact,
                suffix: row.anchor_suffix,
                start: row.anchor_start,
                end: row.anchor_end,
            },
        })
        .collect())
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// How many live quotes and claims are anchored in the sources `ids`, counted without
/// reading them.
pub async fn count_anchored(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<i64> {
    let counted: Counted = diesel::sql_query(
        "SELECT (SELECT count(*) FROM quotes WHERE source_id = ANY($1) AND deleted_at IS NULL
                                               AND anchor_exact IS NOT NULL)
              + (SELECT count(*) FROM claims WHERE source_id = ANY($1) AND deleted_at IS NULL
                                               AND anchor_exact IS NOT NULL) AS count",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .get_result(conn)
    .await?;
    Ok(counted.count)
}

/// One record's re-check, as stored.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = anchor_rechecks, check_for_backend(diesel::pg::Pg))]
pub struct Recheck {
    pub id: Uuid,
    pub source_id: Uuid,
    pub record_source_id: Uuid,
    pub quote_id: Option<Uuid>,
    pub claim_id: Option<Uuid>,
    pub outcome: String,
    /// The `domain::reanchor::Recheck`, as JSON.
    pub result: Value,
    pub made_stale: bool,
    pub checked_at: DateTime<Utc>,
}

/// Rows bound per statement, under PostgreSQL's 65,535 parameters.
const INSERT_CHUNK: usize = 4_000;

pub async fn insert(conn: &mut AsyncPgConnection, rows: &[Recheck]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        diesel::insert_into(anchor_rechecks::table).values(chunk).execute(conn).await?;
    }
    Ok(())
}

/// A page of a version's re-checks in id order, all of them or those of one outcome.
pub async fn page(
    conn: &mut AsyncPgConnection,
    source_id: Uuid,
    outcome: Option<&str>,
    page: PageRequest,
) -> QueryResult<Page<Recheck>> {
    let mut query = anchor_rechecks::table
        .filter(anchor_rechecks::source_id.eq(source_id))
        .order(anchor_rechecks::id)
        .limit(page.limit + 1)
        .select(Recheck::as_select())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(anchor_rechecks::id.gt(after));
    }
    if let Some(outcome) = outcome {
        query = query.filter(anchor_rechecks::outcome.eq(outcome.to_owned()));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

/// A version's re-checks counted by outcome: how many, and how many made a verdict stale.
pub async fn counts(conn: &mut AsyncPgConnection, source_id: Uuid) -> QueryResult<Vec<(String, i64, i64)>> {
    use diesel::dsl::count_star;
    anchor_rechecks::table
        .filter(anchor_rechecks::source_id.eq(source_id))
        .group_by(anchor_rechecks::outcome)
        .select((
            anchor_rechecks::outcome,
            count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>("count(*) FILTER (WHERE made_stale)"),
        ))
        .load(conn)
        .await
}

/// When a version's re-check ran (none if nothing was anchored in the version it superseded).
pub async fn checked_at(conn: &mut AsyncPgConnection, source_id: Uuid) -> QueryResult<Option<DateTime<Utc>>> {
    anchor_rechecks::table
        .filter(anchor_rechecks::source_id.eq(source_id))
        .select(diesel::dsl::max(anchor_rechecks::checked_at))
        .first(conn)
        .await
}
