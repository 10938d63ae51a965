//! Speaker merges: the quotes and claims moved from a merged speaker to its survivor, recorded
//! so that the merge can be undone.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::speaker_merges;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = speaker_merges, check_for_backend(diesel::pg::Pg))]
pub struct SpeakerMerge {
    pub id: Uuid,
    pub merged_id: Uuid,
    pub survivor_id: Uuid,
    pub moved_quotes: Vec<Uuid>,
    pub moved_claims: Vec<Uuid>,
    pub made_duplicates: Vec<Uuid>,
    pub aliases_added: Vec<String>,
    pub merged_by: Uuid,
    pub merged_at: DateTime<Utc>,
    pub undone_by: Option<Uuid>,
    pub undone_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct Moved {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    /// The move made it a duplicate of one of the survivor's records.
    #[diesel(sql_type = Bool)]
    made_duplicate: bool,
}

/// The records a merge moved, and those of them it marked duplicates.
#[derive(Debug, Default)]
pub struct MovedRecords {
    pub ids: Vec<Uuid>,
    pub made_duplicates: Vec<Uuid>,
}

/// Moves the live quotes of speaker `from` to `to` (each a new version). One that repeats a
/// live quote of `to` (`attest_quote_same_key`) is marked its duplicate. Each moved row's key
/// is computed once, beside its lock: in the lookup's condition, a plan that scans would
/// compute it (text folding and a hash) for every row it reads.
pub async fn move_quotes(conn: &mut AsyncPgConnection, from: Uuid, to: Uuid) -> QueryResult<MovedRecords> {
    moved(
        conn,
        "UPDATE quotes AS q
            SET speaker_id = $2, version = q.version + 1, updated_at = now(),
                duplicate_of = coalesce(q.duplicate_of, (
                    SELECT s.id FROM quotes s
                     WHERE s.same_key = old.same_key_after
                       AND s.deleted_at IS NULL AND s.duplicate_of IS NULL LIMIT 1))
           FROM (SELECT id, duplicate_of, attest_quote_same_key(source_id, $2, text, anchor_start) AS same_key_after
                   FROM quotes WHERE speaker_id = $1 AND deleted_at IS NULL FOR UPDATE) AS old
          WHERE q.id = old.id
      RETURNING q.id, q.duplicate_of IS DISTINCT FROM old.duplicate_of AS made_duplicate",
        from,
        to,
    )
    .await
}

/// `move_quotes`, for the claims `from` made.
pub async fn move_claims(conn: &mut AsyncPgConnection, from: Uuid, to: Uuid) -> QueryResult<MovedRecords> {
    moved(
        conn,
        "UPDATE claims AS c
            SET claimant_id = $2, version = c.version + 1, updated_at = now(),
                duplicate_of = coalesce(c.duplicate_of, (
                    SELECT s.id FROM claims s
                     WHERE s.same_key = old.same_key_after
                       AND s.deleted_at IS NULL AND s.duplicate_of IS NULL LIMIT 1))
           FROM (SELECT id, duplicate_of,
                        attest_claim_same_key(source_id, $2, statement, metric, qualifier, value, lower_bound,
                                              upper_bound, unit, anchor_start) AS same_key_after
                   FROM claims WHERE claimant_id = $1 AND deleted_at IS NULL FOR UPDATE) AS old
          WHERE c.id = old.id
      RETURNING c.id, c.duplicate_of IS DISTINCT FROM old.duplicate_of AS made_duplicate",
        from,
        to,
    )
    .await
}

async fn moved(
    conn: &mut AsyncPgConnection,
    statement: &str,
    from: Uuid,
    to: Uuid,
) -> QueryResult<MovedRecords> {
    let rows: Vec<Moved> =
        diesel::sql_query(statement).bind::<SqlUuid, _>(from).bind::<SqlUuid, _>(to).load(conn).await?;
    Ok(MovedRecords {
        made_duplicates: rows.iter().filter(|row| row.made_duplicate).map(|row| row.id).collect(),
        ids: rows.into_iter().map(|row| row.id).collect(),
    })
}

/// Moves back what a merge moved and is still the survivor's, freeing the duplicates it
/// marked: the ids moved back, quotes then claims.
pub async fn move_back(
    conn: &mut AsyncPgConnection,
    merge: &SpeakerMerge,
) -> QueryResult<(Vec<Uuid>, Vec<Uuid>)> {
    #[derive(QueryableByName)]
    struct Back {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let mut back = Vec::new();
    for (table, column, ids) in
        [("quotes", "speaker_id", &merge.moved_quotes), ("claims", "claimant_id", &merge.moved_claims)]
    {
        let rows: Vec<Back> = diesel::sql_query(format!(
            "UPDATE {table} SET {column} = $1, version = version + 1, updated_at = now(),
                    duplicate_of = CASE WHEN id = ANY($4) THEN NULL ELSE duplicate_of END
              WHERE id = ANY($2) AND {column} = $3 AND deleted_at IS NULL
          RETURNING id"
        ))
        .bind::<SqlUuid, _>(merge.merged_id)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<SqlUuid, _>(merge.survivor_id)
        .bind::<Array<SqlUuid>, _>(&merge.made_duplicates)
        .load(conn)
        .await?;
        back.push(rows.into_iter().map(|row| row.id).collect());
    }
    let claims = back.pop().unwrap_or_default();
    let quotes = back.pop().unwrap_or_default();
    Ok((quotes, claims))
}

/// Retires the merged speaker at the version its merger read: deleted, pointing at the
/// survivor. Its new version, if it was still at `expected_version`.
pub async fn retire(
    conn: &mut AsyncPgConnection,
    merged: Uuid,
    expected_version: i32,
    survivor: Uuid,
) -> QueryResult<Option<i32>> {
    use crate::db::schema::speakers;
    diesel::update(speakers::table)
        .filter(speakers::id.eq(merged))
        .filter(speakers::version.eq(expected_version))
        .filter(speakers::deleted_at.is_null())
        .set((
            speakers::merged_into.eq(survivor),
            speakers::deleted_at.eq(diesel::dsl::now),
            speakers::version.eq(speakers::version + 1),
            speakers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(speakers::version)
        .get_result(conn)
        .await
        .optional()
}

/// Brings a merged speaker back (undo): live again, pointing nowhere. Its new version.
pub async fn reinstate(conn: &mut AsyncPgConnection, merged: Uuid) -> QueryResult<i32> {
    use crate::db::schema::speakers;
    diesel::update(speakers::table)
        .filter(speakers::id.eq(merged))
        .set((
            speakers::merged_into.eq(None::<Uuid>),
            speakers::deleted_at.eq(None::<DateTime<Utc>>),
            speakers::version.eq(speakers::version + 1),
            speakers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(speakers::version)
        .get_result(conn)
        .await
}

/// Where a merged speaker went: its survivor, if it was merged.
pub async fn merged_into(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Uuid>> {
    use crate::db::schema::speakers;
    Ok(speakers::table.find(id).select(speakers::merged_into).first(conn).await.optional()?.flatten())
}

pub async fn insert(conn: &mut AsyncPgConnection, merge: &SpeakerMerge) -> QueryResult<()> {
    diesel::insert_into(speaker_merges::table).values(merge).execute(conn).await.map(drop)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<SpeakerMerge> {
    speaker_merges::table.find(id).select(SpeakerMerge::as_select()).first(conn).await
}

/// Marks a merge undone, if it was not already. Whether it was marked.
pub async fn mark_undone(conn: &mut AsyncPgConnection, id: Uuid, by: Uuid) -> QueryResult<bool> {
    let marked = diesel::update(speaker_merges::table)
        .filter(speaker_merges::id.eq(id))
        .filter(speaker_merges::undone_at.is_null())
        .set((speaker_merges::undone_at.eq(diesel::dsl::now), speaker_merges::undone_by.eq(by)))
        .execute(conn)
        .await?;
    Ok(marked == 1)
}
