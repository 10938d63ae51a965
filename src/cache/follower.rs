//! The record cache's follower: a session of its own on the primary that reads the rows of
//! `record_changes` it has not seen yet and drops those records from the cache.

use std::collections::HashSet;
use std::sync::Weak;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use tokio::time::Instant;
use uuid::Uuid;

use super::RecordCache;
use crate::db::record_changes::{self, Change, Changes};

/// How often the follower reads the changes when no write of this server asks sooner: how
/// long another server's change may go unseen here.
const READ_INTERVAL: Duration = Duration::from_millis(50);

/// How long one query may take before the connection counts as lost (a peer lost without a
/// TCP reset shows only as silence).
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the follower waits for its own check row to appear before it gives up.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the table is trimmed, and how old a horizon must be for the rows below it to go:
/// far longer than any live follower goes between reads (`READ_INTERVAL + QUERY_TIMEOUT`).
const TRIM_EVERY: Duration = Duration::from_secs(60);

/// Where a follower is in the table.
struct Position {
    /// The horizon of its last read: transactions below it are all read.
    horizon: i64,
    /// The rows at or above the horizon already applied (their transactions' commits may have
    /// raced the last read, so the next one reads from the horizon again).
    applied: HashSet<(i64, Change)>,
}

impl Position {
    fn starting_at(horizon: i64) -> Self {
        Self { horizon, applied: HashSet::new() }
    }

    /// Takes in a read from the horizon on; returns the changes not applied before.
    fn advance(&mut self, read: Changes) -> Vec<Change> {
        let fresh =
            read.rows.iter().filter(|row| !self.applied.contains(row)).map(|(_, change)| *change).collect();
        self.applied = read.rows.into_iter().filter(|(xact, _)| *xact >= read.horizon).collect();
        self.horizon = read.horizon;
        fresh
    }
}

/// Keeps the cache's follower connected to `follow_url` for as long as the cache exists;
/// while it is not, the cache is unused and empty. Reconnects with a capped backoff.
/// `primary_url` is where the writes (and so their change rows) go.
pub async fn follow(cache: Weak<RecordCache>, follow_url: String, primary_url: String) {
    const FIRST_DELAY: Duration = Duration::from_millis(100);
    let mut delay = FIRST_DELAY;
    loop {
        let Some(live) = cache.upgrade() else { return };
        if !live.is_on() {
            return;
        }
        drop(live);
        let started = Instant::now();
        match follow_once(&cache, &follow_url, &primary_url).await {
            Ok(()) => return,
            Err(error) => {
                if let Some(cache) = cache.upgrade() {
                    cache.set_live(false);
                    tracing::warn!(error = %format!("{error:#}"), "the record cache is off until its follower reconnects");
                }
            }
        }
        // A connection that held for a while was not part of a run of failures: start over.
        if started.elapsed() > Duration::from_secs(30) {
            delay = FIRST_DELAY;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Follows until the connection fails (an error) or the cache is gone (`Ok`). The cache goes
/// live only once a row written where the writes go has been read here: a follow URL naming
/// another database would read none of the writes' changes.
async fn follow_once(cache: &Weak<RecordCache>, follow_url: &str, primary_url: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(follow_url).await?;
    diesel::sql_query("SET application_name = 'attest record cache'").execute(&mut conn).await?;
    let mut position =
        Position::starting_at(answered(record_changes::read_since(&mut conn, i64::MAX)).await?.horizon);
    let probe = Uuid::new_v4();
    record_changes::record(&mut AsyncPgConnection::establish(primary_url).await?, probe).await?;
    let probe_deadline = Instant::now() + PROBE_TIMEOUT;
    let mut live = false;
    let mut trimmed = (Instant::now(), position.horizon);
    loop {
        let Some(cache) = cache.upgrade() else { return Ok(()) };
        tokio::select! {
            () = cache.read_wanted.notified() => {}
            () = tokio::time::sleep(READ_INTERVAL) => {}
        }
        let waiting = cache.take_settling();
        let changes =
            position.advance(answered(record_changes::read_since(&mut conn, position.horizon)).await?);
        if !live && changes.contains(&Some(probe)) {
            cache.set_live(true);
            live = true;
            tracing::info!("the record cache is following changes");
        }
        for change in changes {
            cache.apply(change);
        }
        for write in waiting {
            let _ = write.send(());
        }
        if !live && Instant::now() >= probe_deadline {
            anyhow::bail!(
                "a change written to the database was never read by the record cache's follower: \
                 does ATTEST_RECORD_CACHE_LISTEN_URL name another database?"
            );
        }
        let (trimmed_at, horizon_then) = trimmed;
        if trimmed_at.elapsed() >= TRIM_EVERY {
            answered(record_changes::trim(&mut conn, horizon_then)).await?;
            trimmed = (Instant::now(), position.horizon);
        }
    }
}

/// The query's answer, or an error if the connection does not give one in time.
async fn answered<T>(query: impl Future<Output = diesel::QueryResult<T>>) -> anyhow::Result<T> {
    tokio::time::timeout(QUERY_TIMEOUT, query)
        .await
        .map_err(|_| anyhow::anyhow!("the follower's connection stopped answering"))?
        .map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_is_applied_once_whatever_order_transactions_commit_in() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut position = Position::starting_at(10);
        // Transaction 12 committed; 11 is still running, so the horizon stays at 11.
        let first = Changes { horizon: 11, rows: vec![(12, Some(a))] };
        assert_eq!(position.advance(first), vec![Some(a)]);
        // 11 commits after 12 was read: it is read from the horizon, and 12 is not applied again.
        let second = Changes { horizon: 13, rows: vec![(11, Some(b)), (12, Some(a))] };
        assert_eq!(position.advance(second), vec![Some(b)]);
        assert!(position.applied.is_empty(), "nothing below the horizon is remembered");
        let third = Changes { horizon: 15, rows: vec![(13, None), (14, Some(c))] };
        assert_eq!(position.advance(third), vec![None, Some(c)]);
        assert_eq!(position.horizon, 15);
    }
}
