//! The record cache's listener: a session of its own on the primary, LISTENing for the
//! notices the record tables' triggers send, and for this server's own settle notices.

use std::sync::Weak;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;
use uuid::Uuid;

use super::RecordCache;

/// The channel the record tables' trigger notifies.
pub(super) const CHANNEL: &str = "attest_record_changes";

/// How long the listener waits in silence before it checks that its connection still works
/// (a peer lost without a TCP reset shows only when something is sent).
const KEEPALIVE: Duration = Duration::from_secs(5);

/// How long the listener waits for its first notice to come back before it gives up.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `settle <instance> <number>`: a server's own notice that its writes so far are applied.
pub(super) fn settle_notice(payload: &str) -> Option<(Uuid, u64)> {
    let mut parts = payload.strip_prefix("settle ")?.split(' ');
    let instance = parts.next()?.parse().ok()?;
    let number = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((instance, number))
}

/// Keeps the cache's listener connected to `listen_url` for as long as the cache exists;
/// while it is not, the cache is unused and empty. Reconnects with a capped backoff.
/// `primary_url` is where the writes (and so their notices) go.
pub async fn listen(cache: Weak<RecordCache>, listen_url: String, primary_url: String) {
    const FIRST_DELAY: Duration = Duration::from_millis(100);
    let mut delay = FIRST_DELAY;
    loop {
        let Some(live) = cache.upgrade() else { return };
        if !live.is_on() {
            return;
        }
        drop(live);
        let started = tokio::time::Instant::now();
        match listen_once(&cache, &listen_url, &primary_url).await {
            Ok(()) => return,
            Err(error) => {
                if let Some(cache) = cache.upgrade() {
                    cache.set_live(false);
                    tracing::warn!(error = %format!("{error:#}"), "the record cache is off until its listener reconnects");
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

/// Listens until the connection fails (an error) or the cache is gone (`Ok`). The cache
/// goes live only once a notice sent where the writes go has come back: behind a pooler in
/// transaction mode LISTEN is accepted and then notices go astray, and a listen URL naming
/// another database would hear none of the writes.
async fn listen_once(cache: &Weak<RecordCache>, listen_url: &str, primary_url: &str) -> anyhow::Result<()> {
    let mut conn = AsyncPgConnection::establish(listen_url).await?;
    execute(diesel::sql_query("SET application_name = 'attest record cache'"), &mut conn).await?;
    execute(diesel::sql_query(format!("LISTEN {CHANNEL}")), &mut conn).await?;
    let Some(first) = cache.upgrade() else { return Ok(()) };
    let (number, mut probe) = first.expect_settle_notice();
    first.send_settle_notice(&mut AsyncPgConnection::establish(primary_url).await?, number).await?;
    drop(first);
    let probe_deadline = tokio::time::Instant::now() + PROBE_TIMEOUT;
    let mut live = false;
    loop {
        let next = {
            let mut notices = std::pin::pin!(conn.notifications_stream());
            let wait = if live { KEEPALIVE } else { PROBE_TIMEOUT };
            tokio::time::timeout(wait, notices.next()).await
        };
        let Some(cache) = cache.upgrade() else { return Ok(()) };
        match next {
            Ok(Some(notice)) => cache.apply(&notice?.payload),
            Ok(None) => anyhow::bail!("the listener's connection closed"),
            Err(_silence) => {
                tokio::time::timeout(KEEPALIVE, execute(diesel::sql_query("SELECT 1"), &mut conn))
                    .await
                    .map_err(|_| anyhow::anyhow!("the listener's connection stopped answering"))??;
            }
        }
        if !live {
            if probe.try_recv().is_ok() {
                cache.set_live(true);
                live = true;
                tracing::info!("the record cache is listening for changes");
            } else if tokio::time::Instant::now() >= probe_deadline {
                anyhow::bail!(
                    "a notice sent to the database never reached the listener: is its URL a pooler in \
                     transaction mode, or another database? (ATTEST_RECORD_CACHE_LISTEN_URL: the primary itself)"
                );
            }
        }
    }
}

/// `RunQueryDsl::execute`, called by path: the trait in scope would shadow the atomics' `load`.
pub(super) async fn execute<'q, Q>(query: Q, conn: &mut AsyncPgConnection) -> diesel::QueryResult<usize>
where
    Q: diesel_async::methods::ExecuteDsl<AsyncPgConnection> + 'q,
{
    diesel_async::RunQueryDsl::execute(query, conn).await
}
