//! Answers to reads by id (`GET /{collection}/{id}`), kept in memory until PostgreSQL says
//! the record changed, so a busy record costs no query.
//!
//! Why it stays right:
//! - A trigger on each record table (see the migrations) sends `NOTIFY attest_record_changes`
//!   with the id of every row updated or deleted, by anyone: this server, another one, the
//!   CLI, plain SQL. The listener below drops that id from the cache.
//! - A read that misses notes the cache's generation before it queries and stores its answer
//!   only if no change arrived meanwhile, so an answer read just before a change never
//!   outlives the change's notice.
//! - A successful write is answered only once this server's listener has seen a notice sent
//!   after the write committed (notices arrive in commit order), so whoever wrote reads the
//!   new version from this server at once. Other servers see it when the notice reaches them,
//!   normally within milliseconds: the same window as reading from a streaming replica.
//! - Without a live listener (not yet connected, connection lost) nothing is served from or
//!   stored in the cache, and it is emptied: no notice can be missed.
//! - With replicas the cache is off: a replica may answer with a row older than a notice
//!   the primary already sent.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use diesel_async::AsyncPgConnection;
use prometheus::IntCounter;
use quick_cache::Weighter;
use serde::Serialize;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::db::DbPool;
use listener::{CHANNEL, execute, settle_notice};

mod listener;
pub use listener::listen;

/// The notice a TRUNCATE of a record table sends: every entry goes.
const EVERYTHING: &str = "*";
/// How long a write's answer waits for its own notice; past it, the cache is emptied.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(1);
/// Memory an entry costs besides its body: key, record, the cache's own bookkeeping.
const ENTRY_OVERHEAD: u64 = 128;

/// A record as `GET /{collection}/{id}` answers it in one workspace: the JSON body and the
/// version its ETag carries.
#[derive(Clone)]
pub struct CachedRecord {
    collection: &'static str,
    workspace: Uuid,
    pub version: i32,
    pub body: Bytes,
}

impl CachedRecord {
    pub fn new(
        collection: &'static str,
        workspace: Uuid,
        version: i32,
        view: &impl Serialize,
    ) -> serde_json::Result<Self> {
        let mut body = serde_json::to_vec(view)?;
        // The buffer grew by doubling: without this, a cached body holds up to twice its size.
        body.shrink_to_fit();
        Ok(Self { collection, workspace, version, body: body.into() })
    }
}

/// The strong ETag of a record version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

#[derive(Clone)]
struct BodySize;

impl Weighter<Uuid, CachedRecord> for BodySize {
    fn weight(&self, _: &Uuid, record: &CachedRecord) -> u64 {
        record.body.len() as u64 + ENTRY_OVERHEAD
    }
}

pub struct RecordCache {
    /// By id: ids are unique across the record tables, and an entry names its collection.
    /// `None` when the cache is off.
    entries: Option<quick_cache::sync::Cache<Uuid, CachedRecord, BodySize>>,
    /// Bumped by every eviction; a read stores its answer only if it did not move.
    generation: AtomicU64,
    /// Whether the listener is connected and listening.
    live: AtomicBool,
    /// This server among those sharing the channel, for its own settle notices.
    instance: Uuid,
    next_settle: AtomicU64,
    /// Writes waiting for their settle notice to come back.
    settling: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    hits: IntCounter,
    misses: IntCounter,
}

impl RecordCache {
    /// A cache holding up to `capacity_bytes` of answers; 0 turns it off.
    pub fn new(capacity_bytes: u64) -> Self {
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("a valid metric");
        Self {
            entries: (capacity_bytes > 0).then(|| {
                // The estimate only sizes the table up front; the byte bound is what holds.
                let estimated_items = (capacity_bytes / 1024).clamp(16, 1 << 20) as usize;
                quick_cache::sync::Cache::with_weighter(estimated_items, capacity_bytes, BodySize)
            }),
            generation: AtomicU64::new(0),
            live: AtomicBool::new(false),
            instance: Uuid::new_v4(),
            next_settle: AtomicU64::new(0),
            settling: Mutex::default(),
            hits: counter("attest_record_cache_hits_total", "Reads by id answered from the record cache"),
            misses: counter(
                "attest_record_cache_misses_total",
                "Reads by id the record cache could not answer",
            ),
        }
    }

    pub fn is_on(&self) -> bool {
        self.entries.is_some()
    }

    /// The cache while it may be used: on, and its listener live.
    fn usable(&self) -> Option<&quick_cache::sync::Cache<Uuid, CachedRecord, BodySize>> {
        self.entries.as_ref().filter(|_| self.live.load(Ordering::SeqCst))
    }

    /// The record from the cache, else from `read`, which is then kept unless the record
    /// changed while it was read. An entry answers only in the workspace it was read in.
    pub async fn get_or_read<E>(
        &self,
        collection: &'static str,
        workspace: Uuid,
        id: Uuid,
        read: impl Future<Output = Result<CachedRecord, E>>,
    ) -> Result<CachedRecord, E> {
        let Some(entries) = self.usable() else { return read.await };
        let found = entries
            .get(&id)
            .filter(|record| record.collection == collection && record.workspace == workspace);
        if let Some(record) = found {
            self.hits.inc();
            return Ok(record);
        }
        self.misses.inc();
        let since = self.generation.load(Ordering::SeqCst);
        let record = read.await?;
        if let Some(entries) = self.usable() {
            entries.insert(id, record.clone());
            // An eviction since the read began may have come before the insert: undo it. One
            // that comes after the check removes the entry itself.
            if self.generation.load(Ordering::SeqCst) != since {
                entries.remove(&id);
            }
        }
        Ok(record)
    }

    fn evict(&self, id: Uuid) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.remove(&id);
        }
    }

    fn evict_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
        self.evict_all();
        if !live {
            // No notice will come back: let the waiting writes go (they empty the cache).
            self.lock_settling().clear();
        }
    }

    fn lock_settling(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<()>>> {
        self.settling.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Applies one notice: a changed record's id, a table emptied, or a write settling.
    fn apply(&self, payload: &str) {
        if payload == EVERYTHING {
            self.evict_all();
        } else if let Ok(id) = payload.parse::<Uuid>() {
            self.evict(id);
        } else if let Some((instance, number)) = settle_notice(payload)
            && instance == self.instance
            && let Some(waiting) = self.lock_settling().remove(&number)
        {
            let _ = waiting.send(());
        }
    }

    /// Returns once every notice of what this server committed so far has been applied:
    /// sends a notice of its own and waits for the listener to see it. Empties the cache if
    /// that cannot be done in time, so a write is never followed by its old version here.
    pub async fn settle(&self, primary: &DbPool) {
        if self.usable().is_none() {
            return;
        }
        let (number, receiver) = self.expect_settle_notice();
        let notified = async {
            let mut conn = primary.get().await.ok()?;
            self.send_settle_notice(&mut conn, number).await.ok()?;
            receiver.await.ok()
        };
        if tokio::time::timeout(SETTLE_TIMEOUT, notified).await.ok().flatten().is_none() {
            self.lock_settling().remove(&number);
            self.evict_all();
        }
    }

    /// A settle notice's number, and what fires when the listener sees it.
    fn expect_settle_notice(&self) -> (u64, oneshot::Receiver<()>) {
        let number = self.next_settle.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        self.lock_settling().insert(number, sender);
        (number, receiver)
    }

    async fn send_settle_notice(&self, conn: &mut AsyncPgConnection, number: u64) -> diesel::QueryResult<()> {
        // Committed without waiting for the disk: a settle notice is a marker in the queue,
        // not data, and sending it must not cost writes a second flush each.
        let notify =
            diesel::sql_query("SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)")
                .bind::<diesel::sql_types::Text, _>(CHANNEL)
                .bind::<diesel::sql_types::Text, _>(format!("settle {} {number}", self.instance));
        execute(notify, conn).await.map(drop)
    }

    /// Bytes held, counting each entry's overhead.
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, quick_cache::sync::Cache::weight)
    }

    pub fn collectors(&self) -> [Box<dyn prometheus::core::Collector>; 2] {
        [Box::new(self.hits.clone()), Box::new(self.misses.clone())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEWSROOM: Uuid = Uuid::from_u128(1);
    const OTHER_NEWSROOM: Uuid = Uuid::from_u128(2);

    fn record(collection: &'static str, version: i32) -> CachedRecord {
        CachedRecord::new(collection, NEWSROOM, version, &serde_json::json!({"version": version})).unwrap()
    }

    fn live_cache() -> RecordCache {
        let cache = RecordCache::new(1 << 20);
        cache.set_live(true);
        cache
    }

    async fn read(cache: &RecordCache, collection: &'static str, id: Uuid, version: i32) -> i32 {
        cache
            .get_or_read(collection, NEWSROOM, id, async { Ok::<_, ()>(record(collection, version)) })
            .await
            .unwrap()
            .version
    }

    #[tokio::test]
    async fn an_entry_answers_only_in_its_own_workspace() {
        let cache = live_cache();
        let id = Uuid::now_v7();
        assert_eq!(read(&cache, "claims", id, 1).await, 1);
        let mut read_elsewhere = false;
        let elsewhere = cache
            .get_or_read("claims", OTHER_NEWSROOM, id, async {
                read_elsewhere = true;
                Err::<CachedRecord, _>("not found in this workspace")
            })
            .await;
        assert!(elsewhere.is_err());
        assert!(read_elsewhere, "another workspace's request went to the database");
        assert_eq!(read(&cache, "claims", id, 2).await, 1, "the entry is still there for its own");
    }

    #[tokio::test]
    async fn answers_from_memory_until_the_record_changes() {
        let cache = live_cache();
        let id = Uuid::now_v7();
        assert_eq!(read(&cache, "claims", id, 1).await, 1);
        assert_eq!(read(&cache, "claims", id, 2).await, 1, "the second read is the cached one");
        assert_eq!(read(&cache, "quotes", id, 7).await, 7, "another collection's id is not an answer");
        cache.apply(&id.to_string());
        assert_eq!(read(&cache, "claims", id, 2).await, 2);
        cache.apply(EVERYTHING);
        assert_eq!(read(&cache, "claims", id, 3).await, 3);
        assert_eq!((cache.hits.get(), cache.misses.get()), (1, 4));
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_change_is_not_kept() {
        let cache = live_cache();
        let id = Uuid::now_v7();
        let stale = cache
            .get_or_read("claims", NEWSROOM, id, async {
                // The row changes (and its notice arrives) while this read is under way.
                cache.apply(&id.to_string());
                Ok::<_, ()>(record("claims", 1))
            })
            .await
            .unwrap();
        assert_eq!(stale.version, 1, "the read still answers what it read");
        assert_eq!(read(&cache, "claims", id, 2).await, 2, "but did not keep it");
    }

    #[tokio::test]
    async fn without_a_listener_nothing_is_kept_or_served() {
        let cache = live_cache();
        let id = Uuid::now_v7();
        read(&cache, "claims", id, 1).await;
        cache.set_live(false);
        assert_eq!(cache.weight(), 0, "losing the listener empties the cache");
        assert_eq!(read(&cache, "claims", id, 2).await, 2);
        assert_eq!(read(&cache, "claims", id, 3).await, 3);
        let off = RecordCache::new(0);
        off.set_live(true);
        assert_eq!(read(&off, "claims", id, 4).await, 4);
        assert_eq!(read(&off, "claims", id, 5).await, 5);
    }

    #[test]
    fn settle_notices_name_their_server() {
        let cache = live_cache();
        let (sender, mut receiver) = oneshot::channel();
        cache.lock_settling().insert(3, sender);
        cache.apply(&format!("settle {} 3", Uuid::new_v4()));
        assert!(receiver.try_recv().is_err(), "another server's notice is not ours");
        cache.apply(&format!("settle {} 3 extra", cache.instance));
        assert!(receiver.try_recv().is_err(), "a malformed notice is ignored");
        cache.apply(&format!("settle {} 3", cache.instance));
        assert!(receiver.try_recv().is_ok());
    }
}
