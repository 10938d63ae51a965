//! Transactions: a use case's writes are made all or none.

use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};

/// Runs `work` in a transaction opened by `begin` (SQL that starts with `BEGIN`): committed
/// if `work` succeeds, rolled back if it fails.
pub async fn run<T, E>(
    conn: &mut AsyncPgConnection,
    begin: &str,
    work: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    AnsiTransactionManager::begin_transaction_sql(conn, begin).await?;
    match work(conn).await {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(error) => {
            // A failed rollback leaves the connection marked broken: the pool drops it.
            let _ = AnsiTransactionManager::rollback_transaction(conn).await;
            Err(error)
        }
    }
}

/// Runs `work` so that its writes are made all or none: as part of the transaction the
/// connection is in (a request's workspace scope, which rolls back when its work fails), or
/// else in one of its own (the command line). No savepoint: the failure that would roll one
/// back fails the enclosing transaction too, and a savepoint costs two round trips and a
/// subtransaction. So a caller inside a transaction never goes on after a use case failed.
pub async fn atomically<T, E>(
    conn: &mut AsyncPgConnection,
    work: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    match depth {
        Some(_) => work(conn).await,
        None => run(conn, "BEGIN", work).await,
    }
}
