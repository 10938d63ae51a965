//! Database access: the connection pool, embedded migrations, and the managed local cluster.

pub mod local;

use std::time::Duration;

use anyhow::Context;
use diesel::RunQueryDsl as _;
use diesel::connection::SimpleConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The version of the newest embedded migration, as diesel records it once applied.
pub fn latest_migration() -> String {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .ok()
        .and_then(|all| all.iter().map(|m| m.name().version().to_string()).max())
        .unwrap_or_default()
}

/// A pool whose waiters give up after `wait_timeout`, so a starved pool or a lost database
/// turns into a quick 503 rather than a hung request.
pub fn build_pool(database_url: &str, max_size: usize, wait_timeout: Duration) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(wait_timeout))
        .create_timeout(Some(wait_timeout))
        .recycle_timeout(Some(wait_timeout))
        .build()
        .context("building the database pool")
}

type SyncConnection = AsyncConnectionWrapper<AsyncPgConnection>;

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
