//! The change table the record caches follow (the migration `record_changes`): a row per record
//! updated or deleted, written by triggers in the writer's transaction.

use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::prepared::PrepareOnce;

/// A changed record, or `None` when a whole table was emptied.
pub type Change = Option<Uuid>;

/// What one read of the table saw.
pub struct Changes {
    /// The xmin of the read's snapshot: every transaction below it had ended, so rows of those
    /// that committed were all visible to this read, and no later read can find new ones there.
    pub horizon: i64,
    /// The rows of transactions from the read's starting point on, with their transaction.
    pub rows: Vec<(i64, Change)>,
}

#[derive(diesel::QueryableByName)]
struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    horizon: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    xact: Option<i64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    record_id: Option<Uuid>,
}

/// The rows of transactions `since` and later that this statement's snapshot sees, and that
/// snapshot's horizon. `i64::MAX` reads only the horizon.
pub async fn read_since(conn: &mut AsyncPgConnection, since: i64) -> diesel::QueryResult<Changes> {
    // One statement, so the horizon is the snapshot the rows were read in.
    let found: Vec<ChangeRow> = diesel::sql_query(
        "SELECT s.horizon, c.xact, c.record_id
         FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) s
         LEFT JOIN record_changes c ON c.xact >= $1",
    )
    .bind::<BigInt, _>(since)
    .prepare_once()
    .load(conn)
    .await?;
    let horizon = found.as_slice().first().map_or(0, |row| row.horizon);
    let rows = found.into_iter().filter_map(|row| Some((row.xact?, row.record_id))).collect();
    Ok(Changes { horizon, rows })
}

/// Records a change of `id` as the triggers do (a follower's check that it reads the table
/// the writes go to; the id need not be a record's).
pub async fn record(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<()> {
    diesel::sql_query("INSERT INTO record_changes (record_id) VALUES ($1)")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(conn)
        .await
        .map(drop)
}

/// Deletes the rows of transactions below `horizon`, which every follower has read past.
pub async fn trim(conn: &mut AsyncPgConnection, horizon: i64) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM record_changes WHERE xact < $1")
        .bind::<BigInt, _>(horizon)
        .execute(conn)
        .await
}
