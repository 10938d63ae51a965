//! The transparency log's storage: the events waiting for the sequencer, the leaves, every
//! complete subtree's hash (`log_hashes`, in `tlog_tiles`' stored-hash order) and the signed
//! checkpoints. All of it is append-only, and public except the events themselves.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::audit::StoredEvent;
use super::schema::{audit_events, log_checkpoints, log_hashes, log_leaves, log_pending};
use crate::domain::log::{Growth, Hash, KnownHashes};

/// The session-level advisory lock only the sequencer holds: one sequencer at a time, however
/// many servers run (an arbitrary, fixed key: "tlog" in ASCII).
const SEQUENCER_LOCK: i64 = 0x746c_6f67;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = log_checkpoints, check_for_backend(diesel::pg::Pg))]
pub struct StoredCheckpoint {
    pub tree_size: i64,
    pub root_hash: Vec<u8>,
    pub note: String,
    pub signed_at: DateTime<Utc>,
}

/// A stored hash as the tree arithmetic takes it.
pub fn hash_of(bytes: &[u8]) -> QueryResult<Hash> {
    bytes
        .try_into()
        .map(Hash)
        .map_err(|_| diesel::result::Error::DeserializationError("a stored log hash is not 32 bytes".into()))
}

fn index(value: u64) -> QueryResult<i64> {
    i64::try_from(value)
        .map_err(|_| diesel::result::Error::SerializationError("a log index beyond i64".into()))
}

/// Takes the sequencer's lock if no other session holds it; it lasts as long as the session.
pub async fn try_lock_sequencer(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    let locked: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<BigInt, _>(SEQUENCER_LOCK)
        .get_result(conn)
        .await?;
    Ok(locked.locked)
}

/// The oldest waiting events of every workspace, in the order they were written.
pub async fn waiting(conn: &mut AsyncPgConnection, how_many: i32) -> QueryResult<Vec<StoredEvent>> {
    diesel::sql_query("SELECT * FROM attest_log_waiting($1)").bind::<Integer, _>(how_many).load(conn).await
}

pub async fn pending(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    log_pending::table.count().get_result(conn).await
}

pub async fn latest_checkpoint(conn: &mut AsyncPgConnection) -> QueryResult<Option<StoredCheckpoint>> {
    log_checkpoints::table
        .select(StoredCheckpoint::as_select())
        .order(log_checkpoints::tree_size.desc())
        .first(conn)
        .await
        .optional()
}

pub async fn checkpoint(conn: &mut AsyncPgConnection, size: u64) -> QueryResult<Option<StoredCheckpoint>> {
    let Ok(size) = i64::try_from(size) else { return Ok(None) };
    log_checkpoints::table.find(size).select(StoredCheckpoint::as_select()).first(conn).await.optional()
}

/// For each of `leaves`, the first checkpoint that includes it (the one signed with the batch
/// that integrated it): its proofs there never change.
pub async fn first_including(
    conn: &mut AsyncPgConnection,
    leaves: &[i64],
) -> QueryResult<HashMap<i64, StoredCheckpoint>> {
    #[derive(QueryableByName)]
    struct Including {
        #[diesel(sql_type = BigInt)]
        leaf: i64,
        #[diesel(embed)]
        checkpoint: StoredCheckpoint,
    }
    let found: Vec<Including> = diesel::sql_query(
        "SELECT l.leaf, c.* FROM unnest($1::bigint[]) AS l (leaf) CROSS JOIN LATERAL \
         (SELECT * FROM log_checkpoints WHERE tree_size > l.leaf ORDER BY tree_size LIMIT 1) c",
    )
    .bind::<Array<BigInt>, _>(leaves)
    .load(conn)
    .await?;
    Ok(found.into_iter().map(|including| (including.leaf, including.checkpoint)).collect())
}

/// The checkpoints of sizes in `from..=to`, smallest first.
pub async fn checkpoints_between(
    conn: &mut AsyncPgConnection,
    from: u64,
    to: u64,
) -> QueryResult<Vec<StoredCheckpoint>> {
    log_checkpoints::table
        .select(StoredCheckpoint::as_select())
        .filter(log_checkpoints::tree_size.between(index(from)?, index(to)?))
        .order(log_checkpoints::tree_size)
        .load(conn)
        .await
}

/// The stored hashes at `indexes`; those not stored are absent.
pub async fn hashes(conn: &mut AsyncPgConnection, indexes: &[u64]) -> QueryResult<KnownHashes> {
    let wanted = indexes.iter().map(|i| index(*i)).collect::<QueryResult<Vec<i64>>>()?;
    let rows: Vec<(i64, Vec<u8>)> = log_hashes::table
        .select((log_hashes::stored_index, log_hashes::hash))
        .filter(log_hashes::stored_index.eq_any(wanted))
        .load(conn)
        .await?;
    let mut known = KnownHashes::default();
    for (at, hash) in rows {
        known.0.insert(at as u64, hash_of(&hash)?);
    }
    Ok(known)
}

/// The stored hashes with indexes in `from..to`, in order.
pub async fn hashes_between(
    conn: &mut AsyncPgConnection,
    from: u64,
    to: u64,
) -> QueryResult<Vec<(i64, Vec<u8>)>> {
    log_hashes::table
        .select((log_hashes::stored_index, log_hashes::hash))
        .filter(log_hashes::stored_index.ge(index(from)?).and(log_hashes::stored_index.lt(index(to)?)))
        .order(log_hashes::stored_index)
        .load(conn)
        .await
}

/// Makes `events` the leaves from `first_leaf` on, with the hashes `growth` computed and the
/// checkpoint signed over them, and takes them off the queue: all in the caller's transaction.
pub async fn integrate(
    conn: &mut AsyncPgConnection,
    first_leaf: u64,
    events: &[StoredEvent],
    growth: &Growth,
    note: &str,
) -> QueryResult<()> {
    let first = index(first_leaf)?;
    let seqs: Vec<i64> = events.iter().map(|event| event.seq).collect();
    let leaves: Vec<i64> = (first..).take(seqs.len()).collect();
    diesel::sql_query(
        "INSERT INTO log_leaves (leaf_index, event_seq) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
    )
    .bind::<Array<BigInt>, _>(&leaves)
    .bind::<Array<BigInt>, _>(&seqs)
    .execute(conn)
    .await?;
    let (stored, hashes): (Vec<i64>, Vec<Vec<u8>>) = growth
        .stored
        .iter()
        .map(|(at, hash)| Ok((index(*at)?, hash.0.to_vec())))
        .collect::<QueryResult<Vec<_>>>()?
        .into_iter()
        .unzip();
    diesel::sql_query(
        "INSERT INTO log_hashes (stored_index, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])",
    )
    .bind::<Array<BigInt>, _>(&stored)
    .bind::<Array<Bytea>, _>(&hashes)
    .execute(conn)
    .await?;
    diesel::delete(log_pending::table.filter(log_pending::event_seq.eq_any(&seqs))).execute(conn).await?;
    add_checkpoint(conn, first_leaf + seqs.len() as u64, growth.root, note).await
}

/// Records the signed checkpoint of the tree of `size` leaves.
pub async fn add_checkpoint(
    conn: &mut AsyncPgConnection,
    size: u64,
    root: Hash,
    note: &str,
) -> QueryResult<()> {
    diesel::insert_into(log_checkpoints::table)
        .values((
            log_checkpoints::tree_size.eq(index(size)?),
            log_checkpoints::root_hash.eq(root.0.to_vec()),
            log_checkpoints::note.eq(note),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Leaves from `from` on, at most `how_many`: (leaf index, event sequence number).
pub async fn leaves(conn: &mut AsyncPgConnection, from: u64, how_many: i64) -> QueryResult<Vec<(i64, i64)>> {
    log_leaves::table
        .select((log_leaves::leaf_index, log_leaves::event_seq))
        .filter(log_leaves::leaf_index.ge(index(from)?))
        .order(log_leaves::leaf_index)
        .limit(how_many)
        .load(conn)
        .await
}

/// The events among `seqs` the connection may read (its workspace's, or all for the owner).
pub async fn readable_events(conn: &mut AsyncPgConnection, seqs: &[i64]) -> QueryResult<Vec<StoredEvent>> {
    audit_events::table
        .select(StoredEvent::as_select())
        .filter(audit_events::seq.eq_any(seqs))
        .load(conn)
        .await
}

/// The first readable event that is neither a leaf nor waiting: an event the log lost.
pub async fn unlogged_event(conn: &mut AsyncPgConnection) -> QueryResult<Option<i64>> {
    audit_events::table
        .select(audit_events::seq)
        .filter(diesel::dsl::not(diesel::dsl::exists(
            log_leaves::table.filter(log_leaves::event_seq.eq(audit_events::seq)),
        )))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            log_pending::table.filter(log_pending::event_seq.eq(audit_events::seq)),
        )))
        .order(audit_events::seq)
        .first(conn)
        .await
        .optional()
}

/// The latest event that published, corrected, unpublished or retracted a quote's or claim's
/// fact-check, whichever workspace wrote it, with its leaf once integrated.
#[derive(Debug, QueryableByName)]
pub struct PublicationEvent {
    #[diesel(embed)]
    pub event: StoredEvent,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub leaf_index: Option<i64>,
}

pub async fn publications(
    conn: &mut AsyncPgConnection,
    items: &[Uuid],
) -> QueryResult<Vec<PublicationEvent>> {
    diesel::sql_query("SELECT * FROM attest_log_publications($1)")
        .bind::<Array<diesel::sql_types::Uuid>, _>(items)
        .load(conn)
        .await
}
