//! Answers to reads by id (`GET /{collection}/{id}`), kept in memory until PostgreSQL says
//! the record changed, so a busy record costs no query.
//!
//! Why it stays right:
//! - A trigger on each record table writes the id of every row updated or deleted, by anyone
//!   (this server, another one, the CLI, plain SQL), to the `record_changes` table in the
//!   writer's own transaction. Each server's follower reads the rows it has not seen yet, at
//!   least every `follower::READ_INTERVAL`, and drops those ids from the cache.
//! - A read that misses notes the cache's generation before it queries and stores its answer
//!   only if no change arrived meanwhile, so an answer read just before a change never
//!   outlives the change's row being read.
//! - A successful write is answered only once the follower has finished a read that began
//!   after the write committed, so whoever wrote reads the new version from this server at
//!   once. Other servers see it at their next read of the table: the same window as reading
//!   from a streaming replica.
//! - Without a working follower (not yet connected, connection lost) nothing is served from or
//!   stored in the cache, and it is emptied: no change can be missed.
//! - With replicas the cache is off: a replica may answer with a row older than a change the
//!   primary has already recorded.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use prometheus::IntCounter;
use quick_cache::Weighter;
use serde::Serialize;
use tokio::sync::{Notify, oneshot};
use uuid::Uuid;

use crate::db::record_changes::Change;

mod follower;
pub use follower::follow;

/// How long a write's answer waits for the follower to read its changes; past it, the cache
/// is emptied.
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
    /// Whether the follower is connected and reading the changes.
    live: AtomicBool,
    /// Writes waiting for a read of the changes that begins after they committed.
    settling: Mutex<Vec<oneshot::Sender<()>>>,
    /// Wakes the follower for them.
    read_wanted: Notify,
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
            settling: Mutex::default(),
            read_wanted: Notify::new(),
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

    /// The cache while it may be used: on, and its follower live.
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
            // No read of the changes will come: let the waiting writes go (they empty the cache).
            self.lock_settling().clear();
        }
    }

    fn lock_settling(&self) -> std::sync::MutexGuard<'_, Vec<oneshot::Sender<()>>> {
        self.settling.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// The writes waiting for a read of the changes: taken before the read begins, so each
    /// of them committed before the read's snapshot.
    fn take_settling(&self) -> Vec<oneshot::Sender<()>> {
        std::mem::take(&mut *self.lock_settling())
    }

    /// Applies one change read from the table.
    fn apply(&self, change: Change) {
        match change {
            Some(id) => self.evict(id),
            None => self.evict_all(),
        }
    }

    /// Returns once every change this server committed so far has been applied: waits for a
    /// read of the changes that begins now. Empties the cache if that does not come in time,
    /// so a write is never followed by its old version here.
    pub async fn settle(&self) {
        if self.usable().is_none() {
            return;
        }
        let (sender, receiver) = oneshot::channel();
        self.lock_settling().push(sender);
        self.read_wanted.notify_one();
        if tokio::time::timeout(SETTLE_TIMEOUT, receiver).await.ok().and_then(Result::ok).is_none() {
            self.evict_all();
        }
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
    use futures_util::FutureExt;

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
        cache.apply(Some(id));
        assert_eq!(read(&cache, "claims", id, 2).await, 2);
        cache.apply(None);
        assert_eq!(read(&cache, "claims", id, 3).await, 3);
        assert_eq!((cache.hits.get(), cache.misses.get()), (1, 4));
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_change_is_not_kept() {
        let cache = live_cache();
        let id = Uuid::now_v7();
        let stale = cache
            .get_or_read("claims", NEWSROOM, id, async {
                // The row changes (and its change is read) while this read is under way.
                cache.apply(Some(id));
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

    #[tokio::test]
    async fn a_write_waits_for_a_read_that_began_after_it() {
        let cache = live_cache();
        let mut settled = std::pin::pin!(cache.settle());
        assert!(settled.as_mut().now_or_never().is_none(), "no read of the changes yet");
        for waiting in cache.take_settling() {
            waiting.send(()).unwrap();
        }
        assert!(settled.as_mut().now_or_never().is_some());
        assert!(cache.take_settling().is_empty(), "a read serves each write once");
    }

    #[tokio::test]
    async fn a_write_whose_changes_are_not_read_in_time_empties_the_cache() {
        let cache = live_cache();
        let id = Uuid::now_v7();
        read(&cache, "claims", id, 1).await;
        cache.settle().await;
        assert_eq!(cache.weight(), 0);
        assert_eq!(read(&cache, "claims", id, 2).await, 2);
    }
}
