//! Database access: the connection pool, embedded migrations, and the managed local cluster.
//!
//! One file per table: the row (`Queryable`), the insert (`Insertable`), the update
//! (`AsChangeset`) and the queries, as plain async functions on a connection.

pub mod api_key;
pub mod audit;
pub mod claim;
pub mod fact_check;
pub mod idempotency;
pub mod local;
pub mod log;
pub mod prepared;
pub mod quote;
pub mod recheck;
pub mod record_changes;
pub mod references;
pub mod refresh_token;
pub mod review;
pub mod schema;
pub mod search;
pub mod session;
pub mod sign_off;
pub mod source;
pub mod speaker;
pub mod speaker_merge;
pub mod stale;
mod table;
pub mod transaction;
pub mod user;
pub mod webhook;
pub mod workspace;

pub use table::{Page, PageRequest, SameAsStored, Versioned, lower};
pub(crate) use table::{reviewable_filter, reviewable_filters, versioned_queries};

use std::time::Duration;

use anyhow::Context;
use deadpool::managed::{Object, Pool};
use diesel::RunQueryDsl as _;
use diesel::connection::SimpleConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub type DbPool = Pool<session::SessionManager>;
pub type DbConn = Object<session::SessionManager>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// The primary, which takes every write, and any streaming replicas, which take the reads
/// that tolerate replication lag: one worker's pools (see `DatabaseSettings::pools_per_worker`).
#[derive(Clone)]
pub struct Database {
    pub primary: DbPool,
    pub replicas: Vec<DbPool>,
}

/// Where the server's connections go and how many it may hold in all.
pub struct DatabaseSettings {
    pub primary_url: String,
    pub replica_urls: Vec<String>,
    /// Where the record cache follows changes and the sequencer holds its lock, when not
    /// `primary_url`: sessions of their own on the primary, which a pooler in transaction mode
    /// cannot give.
    pub listen_url: Option<String>,
    /// Connections to each server (the primary, and each replica), all workers together.
    pub pool_size: usize,
    /// How long a request waits for a connection before it is answered 503.
    pub wait_timeout: Duration,
    /// Longest any one SQL statement of a request may run (PostgreSQL's `statement_timeout`).
    pub statement_timeout: Duration,
}

impl DatabaseSettings {
    /// Pools for each of `workers` workers, the connections split evenly among them (at least
    /// one each). A connection's I/O task runs on the thread that opened it, so a pool shared
    /// by all workers hands connections across threads and every query pays two cross-thread
    /// wake-ups; a worker that keeps to its own pools never does (a fifth more reads by id).
    pub fn pools_per_worker(&self, workers: usize) -> anyhow::Result<Vec<Database>> {
        let workers = workers.max(1);
        let share = (self.pool_size / workers).max(1);
        let pool_of = |url: &str| build_pool(url, share, self.wait_timeout, self.statement_timeout);
        (0..workers)
            .map(|_| {
                Ok(Database {
                    primary: pool_of(&self.primary_url)?,
                    replicas: self
                        .replica_urls
                        .iter()
                        .map(|url| pool_of(url))
                        .collect::<anyhow::Result<_>>()?,
                })
            })
            .collect()
    }

    /// A small pool on the primary for the server's own background work (webhook deliveries).
    pub fn background_pool(&self, size: usize) -> anyhow::Result<DbPool> {
        build_pool(&self.primary_url, size, self.wait_timeout, self.statement_timeout)
    }
}

/// The role the server's request sessions run as: no owner's rights, no BYPASSRLS.
pub const APPLICATION_ROLE: &str = "attest_app";

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The version of the newest embedded migration, as diesel records it once applied.
pub fn latest_migration() -> String {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .ok()
        .and_then(|all| all.iter().map(|m| m.name().version().to_string()).max())
        .unwrap_or_default()
}

/// Whether the database has this build's latest migration applied.
pub async fn schema_is_current(conn: &mut AsyncPgConnection) -> Result<bool, diesel::result::Error> {
    #[derive(diesel::QueryableByName)]
    struct Latest {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        version: Option<String>,
    }
    let query = diesel::sql_query("SELECT max(version) AS version FROM __diesel_schema_migrations");
    let applied: Latest = diesel_async::RunQueryDsl::get_result(query, conn).await?;
    Ok(applied.version.as_deref() == Some(latest_migration().as_str()))
}

/// A position in PostgreSQL's write-ahead log (`pg_lsn`, written `16/B374D848`): what a
/// replica must have replayed before it may answer a client that wrote up to there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalPosition(u64);

impl std::str::FromStr for WalPosition {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (high, low) = text.trim().split_once('/').ok_or(())?;
        let part =
            |hex: &str| if hex.len() <= 8 { u32::from_str_radix(hex, 16).map_err(|_| ()) } else { Err(()) };
        Ok(Self((u64::from(part(high)?) << 32) | u64::from(part(low)?)))
    }
}

impl std::fmt::Display for WalPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

#[derive(diesel::QueryableByName)]
struct Position {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    lsn: Option<String>,
}

/// The primary's current WAL insert position: every transaction committed before the call
/// is at or before it (the write position is not enough: with asynchronous commit, a commit
/// record may be inserted but not yet written).
pub async fn current_wal_position(
    conn: &mut AsyncPgConnection,
) -> Result<Option<WalPosition>, diesel::result::Error> {
    let query = diesel::sql_query("SELECT pg_current_wal_insert_lsn()::text AS lsn");
    let position: Position = diesel_async::RunQueryDsl::get_result(query, conn).await?;
    Ok(position.lsn.and_then(|lsn| lsn.parse().ok()))
}

/// Whether the server behind `conn` has replayed the WAL up to `wanted`. A server that is
/// not in recovery (a primary, or a promoted replica) has everything it committed.
pub async fn has_replayed(
    conn: &mut AsyncPgConnection,
    wanted: WalPosition,
) -> Result<bool, diesel::result::Error> {
    let query = diesel::sql_query("SELECT pg_last_wal_replay_lsn()::text AS lsn");
    let replayed: Position = diesel_async::RunQueryDsl::get_result(query, conn).await?;
    Ok(match replayed.lsn {
        None => true,
        Some(lsn) => lsn.parse::<WalPosition>().is_ok_and(|replayed| replayed >= wanted),
    })
}

/// A pool whose waiters give up after `wait_timeout`, so a starved pool or a lost database
/// turns into a quick 503 rather than a hung request.
fn build_pool(
    database_url: &str,
    max_size: usize,
    wait_timeout: Duration,
    statement_timeout: Duration,
) -> anyhow::Result<DbPool> {
    // Fast recycling: no `SELECT 1` round trip on every checkout. A connection PostgreSQL
    // dropped is seen as closed and discarded at checkout, and one that fails mid-query is a
    // 503 and marked broken, so a ping buys nothing but latency.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    // Every statement of every request has a time limit, set once per connection.
    let timeout_ms = statement_timeout.as_millis();
    config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            // The server's sessions run as `attest_app`, which row-level security binds (see
            // the workspaces migration): whatever a query forgets, it sees one workspace at most.
            diesel_async::SimpleAsyncConnection::batch_execute(
                &mut conn,
                &format!("SET statement_timeout = {timeout_ms}; SET ROLE {APPLICATION_ROLE}"),
            )
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager =
        session::SessionManager(AsyncDieselConnectionManager::new_with_config(database_url, config));
    Pool::builder(manager)
        .max_size(max_size)
        // The connection used last goes out first. A connection's buffers keep the size of the
        // largest message it carried (a 1,000-claim batch: megabytes): first-in-first-out
        // would pass a few concurrent batches through every connection in turn, and the
        // server would hold that much for each one the pool ever opened.
        .queue_mode(deadpool::managed::QueueMode::Lifo)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(wait_timeout))
        .create_timeout(Some(wait_timeout))
        .recycle_timeout(Some(wait_timeout))
        .build()
        .context("building the database pool")
}

type SyncConnection = AsyncConnectionWrapper<AsyncPgConnection, TimedRuntime>;

/// The runtime a blocking connection runs on: diesel-async's own has no timers, and a
/// `connect_timeout` in the URL (a multi-host URL for failover wants one) needs them.
pub struct TimedRuntime(tokio::runtime::Runtime);

impl diesel_async::async_connection_wrapper::BlockOn for TimedRuntime {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    fn get_runtime() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        Self(runtime.expect("a current-thread runtime for a blocking connection"))
    }
}

/// Runs `work` with a blocking connection on a thread of its own: diesel_migrations is
/// synchronous, and blocking an async worker (or nesting runtimes) must not happen.
async fn with_sync_connection<T: Send + 'static>(
    database_url: &str,
    work: impl FnOnce(&mut SyncConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let url = database_url.to_owned();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let result = <SyncConnection as diesel::Connection>::establish(&url)
            .context("connecting to the database")
            .and_then(|mut connection| work(&mut connection));
        let _ = sender.send(result);
    });
    receiver.await.context("the migration thread died")?
}

/// Applies every pending migration; returns the versions applied.
pub async fn migrate(database_url: &str) -> anyhow::Result<Vec<String>> {
    with_sync_connection(database_url, |connection| {
        let applied = connection
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
}

/// Reverts every applied migration (for the down/up test and for operators starting over).
pub async fn revert_all(database_url: &str) -> anyhow::Result<usize> {
    with_sync_connection(database_url, |connection| {
        let reverted = connection
            .revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("reverting migrations: {e}"))?;
        Ok(reverted.len())
    })
    .await
}

/// Creates `name` (optionally as a copy of `template`) unless it exists.
pub async fn create_database(admin_url: &str, name: &str, template: Option<&str>) -> anyhow::Result<()> {
    let quoted = |ident: &str| format!("\"{}\"", ident.replace('"', "\"\""));
    let mut statement = format!("CREATE DATABASE {}", quoted(name));
    if let Some(template) = template {
        statement.push_str(&format!(" TEMPLATE {}", quoted(template)));
    }
    let name = name.to_owned();
    with_sync_connection(admin_url, move |connection| {
        #[derive(diesel::QueryableByName)]
        struct Exists {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            exists: bool,
        }
        let found: Exists =
            diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
                .bind::<diesel::sql_types::Text, _>(&name)
                .get_result(connection)
                .context("looking up the database")?;
        if !found.exists {
            connection.batch_execute(&statement).context("creating the database")?;
        }
        Ok(())
    })
    .await
}

/// One connection outside the pool (tests and CLI checks).
pub async fn connect(database_url: &str) -> anyhow::Result<AsyncPgConnection> {
    AsyncPgConnection::establish(database_url).await.context("connecting to the database")
}

#[cfg(test)]
mod tests {
    use super::WalPosition;

    #[test]
    fn wal_positions_read_and_order_like_pg_lsn() {
        let low: WalPosition = "0/3000108".parse().unwrap();
        let high: WalPosition = "1/0".parse().unwrap();
        assert!(low < high);
        assert_eq!(low.to_string(), "0/3000108");
        assert_eq!("16/B374D848".parse::<WalPosition>().unwrap().to_string(), "16/B374D848");
        for bad in ["", "0", "0/", "/1", "g/1", "0/1/2", "123456789/0", "-1/0"] {
            assert!(bad.parse::<WalPosition>().is_err(), "{bad:?} was accepted");
        }
    }
}
