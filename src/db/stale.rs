//! Verdicts made stale by a change to their source rather than to the item (an edit of a
//! covered field is the item's own update, and its audit event says so).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The reason a verdict is stale when a re-check found its words changed or gone.
pub const SOURCE_TEXT_REASON: &str = "source_text";
/// The reason a verdict is stale when what ClaimReview shows of its source changed.
pub const SOURCE_REASON: &str = "source";

/// A verdict made stale without an edit of its item: the item's version and stale reasons
/// before and after.
#[derive(QueryableByName)]
pub struct MadeStale {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    pub reasons_before: Option<Vec<String>>,
    #[diesel(sql_type = Array<Text>)]
    pub reasons_after: Vec<String>,
    #[diesel(sql_type = Timestamptz)]
    pub stale_since: DateTime<Utc>,
}

/// Marks the verdicts on the quotes or claims `ids` stale because their words changed in the
/// source's new text (each a new version). Items without a verdict, and verdicts already
/// stale for this reason, are left as they are.
pub async fn mark_words_changed(
    conn: &mut AsyncPgConnection,
    table: &'static str,
    ids: &[Uuid],
) -> QueryResult<Vec<MadeStale>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(format!(
        "UPDATE {table} AS item
            SET stale_reasons = attest_add_reasons(item.stale_reasons, ARRAY[$2]),
                stale_since = coalesce(item.stale_since, now()), version = item.version + 1, updated_at = now()
           FROM (SELECT id, stale_reasons FROM {table} WHERE id = ANY($1) FOR UPDATE) AS before
          WHERE item.id = before.id AND attest_is_verdict(item.status) AND item.deleted_at IS NULL
            AND NOT coalesce($2 = ANY(item.stale_reasons), false)
      RETURNING item.id, item.version, before.stale_reasons AS reasons_before,
                item.stale_reasons AS reasons_after, item.stale_since"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Text, _>(SOURCE_TEXT_REASON)
    .load(conn)
    .await
}

/// The verdicts on quotes or claims citing `source_id` that the source's change in this
/// transaction made stale (migration `sources_stale_verdicts`: it marks a verdict once, so a
/// row it touched lacked the reason before).
pub async fn marked_by_source_change(
    conn: &mut AsyncPgConnection,
    table: &'static str,
    source_id: Uuid,
) -> QueryResult<Vec<MadeStale>> {
    diesel::sql_query(format!(
        "SELECT id, version, nullif(array_remove(stale_reasons, $2), '{{}}') AS reasons_before,
                stale_reasons AS reasons_after, stale_since
           FROM {table}
          WHERE source_id = $1 AND deleted_at IS NULL AND updated_at = now() AND $2 = ANY(stale_reasons)"
    ))
    .bind::<SqlUuid, _>(source_id)
    .bind::<Text, _>(SOURCE_REASON)
    .load(conn)
    .await
}
