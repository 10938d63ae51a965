//! Reads by id (`GET /{collection}/{id}`), gathered: the reads of one collection in one
//! workspace that arrive while one of its statements runs go together in the next one
//! (`id = ANY($1)`), on this worker.
//!
//! Why: a read of one row costs PostgreSQL mostly the statement's start and end (the executor
//! set up for a wide row, under row-level security) and the server a round trip, so a
//! statement that reads sixteen rows costs little more than one that reads one (see
//! benches/README, "Reads by id, gathered"). A read that finds nothing running goes at once,
//! so a lone read waits for nothing; under load a read waits at most for the statement
//! before its own.
//!
//! Why it stays right:
//! - A statement reads in the workspace of all its reads (the workspace is part of what
//!   gathers them), on a node that has replayed every position they wait for.
//! - A read goes in a statement that begins after it arrived, so it sees every write
//!   committed before it was asked (the record cache counts on that).
//! - A read that its statement did not answer (no live row: moved, deleted or never there;
//!   or the statement failed) is then read alone, and answers as a lone read always has.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, MutexGuard};

use prometheus::{IntCounter, IntGauge};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::records::{self, Record, Saved};
use super::{Connections, ServiceError, ServiceResult};
use crate::cache::CachedRecord;
use crate::db::{Versioned, WalPosition};

/// Ids in one statement at most: a bound on one statement's cost and answer.
pub const MAX_IDS: usize = 64;

/// Where a read runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The primary: the read must see the latest state.
    Primary,
    /// A replica that has replayed the position (any replica, without one), else the primary.
    Replayed(Option<WalPosition>),
}

/// What the reads served by one statement share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Gathering {
    collection: &'static str,
    workspace: Uuid,
    on_primary: bool,
}

/// A read waiting for its statement: `None` answers "read it alone".
struct Waiting {
    id: Uuid,
    after: Option<WalPosition>,
    answer: oneshot::Sender<Option<CachedRecord>>,
}

/// One worker's reads by id. A gathering is in the map while its reader runs.
pub struct ReadBatches {
    waiting: Mutex<HashMap<Gathering, Vec<Waiting>>>,
    counters: ReadCounters,
}

/// How many statements the gathered reads made, how many reads they served, and how many
/// wait for one now: counted across the workers.
#[derive(Clone)]
pub struct ReadCounters {
    statements: IntCounter,
    reads: IntCounter,
    waiting: IntGauge,
}

impl ReadCounters {
    pub fn new() -> Self {
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("a valid metric");
        Self {
            statements: counter(
                "attest_gathered_read_statements_total",
                "Statements made by gathered reads by id",
            ),
            reads: counter(
                "attest_gathered_reads_total",
                "Reads by id answered or tried by a gathered statement",
            ),
            waiting: IntGauge::new(
                "attest_gathered_reads_waiting",
                "Reads by id waiting for their statement",
            )
            .expect("a valid metric"),
        }
    }

    pub fn collectors(&self) -> [Box<dyn prometheus::core::Collector>; 3] {
        [Box::new(self.statements.clone()), Box::new(self.reads.clone()), Box::new(self.waiting.clone())]
    }
}

impl Default for ReadCounters {
    fn default() -> Self {
        Self::new()
    }
}

impl ReadBatches {
    pub fn new(counters: ReadCounters) -> Self {
        Self { waiting: Mutex::default(), counters }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Gathering, Vec<Waiting>>> {
        self.waiting.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// The record `id` of `collection` in `workspace` as `GET` answers it: gathered with
    /// other reads when it can be, else alone.
    pub async fn get<K: Record>(
        self: Arc<Self>,
        db: Arc<impl Connections + 'static>,
        collection: &'static str,
        workspace: Uuid,
        from: ReadFrom,
        id: Uuid,
    ) -> ServiceResult<CachedRecord> {
        let gathering = Gathering { collection, workspace, on_primary: from == ReadFrom::Primary };
        let after = match from {
            ReadFrom::Primary => None,
            ReadFrom::Replayed(after) => after,
        };
        let (answer, answered) = oneshot::channel();
        self.counters.waiting.inc();
        let start_reader = match self.lock().entry(gathering) {
            Entry::Occupied(mut waiting) => {
                waiting.get_mut().push(Waiting { id, after, answer });
                false
            }
            Entry::Vacant(vacant) => {
                vacant.insert(vec![Waiting { id, after, answer }]);
                true
            }
        };
        if start_reader {
            // Spawned, not awaited here: it serves every read that comes while it runs.
            let reader = Reader { batches: self.clone(), gathering, finished: false };
            tokio::task::spawn_local(reader.run::<K>(db.clone()));
        }
        if let Ok(Some(record)) = answered.await {
            return Ok(record);
        }
        let mut conn = db.reader(from).await?;
        conn.bind(workspace).await?;
        as_answer(collection, workspace, records::get::<K>(&mut conn, id).await?)
    }
}

/// A record as `GET` answers it.
fn as_answer<K: Record>(
    collection: &'static str,
    workspace: Uuid,
    saved: Saved<K>,
) -> ServiceResult<CachedRecord> {
    CachedRecord::new(collection, workspace, saved.version, &saved.view).map_err(ServiceError::internal)
}

/// Takes the waiting reads of one gathering in statements until none are left.
struct Reader {
    batches: Arc<ReadBatches>,
    gathering: Gathering,
    finished: bool,
}

impl Reader {
    async fn run<K: Record>(mut self, db: Arc<impl Connections>) {
        loop {
            // Yielded once before each statement, so that the worker first reads what its
            // connections have received (tokio polls for I/O before it runs a yielded task
            // again): reads that arrived meanwhile join this statement, not the next.
            tokio::task::yield_now().await;
            let batch = {
                let mut all = self.batches.lock();
                let Some(waiting) = all.get_mut(&self.gathering) else { return };
                if waiting.is_empty() {
                    all.remove(&self.gathering);
                    self.finished = true;
                    return;
                }
                if waiting.len() > MAX_IDS {
                    let rest = waiting.split_off(MAX_IDS);
                    std::mem::replace(waiting, rest)
                } else {
                    std::mem::take(waiting)
                }
            };
            let counters = &self.batches.counters;
            counters.waiting.sub(batch.len() as i64);
            counters.statements.inc();
            counters.reads.inc_by(batch.len() as u64);
            // A statement that failed answers nothing: each read then meets its error alone.
            let found = self.read::<K>(&*db, &batch).await.unwrap_or_default();
            for waiting in batch {
                // A read that went away meanwhile no longer listens.
                let _ = waiting.answer.send(found.get(&waiting.id).cloned());
            }
        }
    }

    /// The live rows of the batch's ids, as answers, by id.
    async fn read<K: Record>(
        &self,
        db: &impl Connections,
        batch: &[Waiting],
    ) -> ServiceResult<HashMap<Uuid, CachedRecord>> {
        let Gathering { collection, workspace, on_primary } = self.gathering;
        let from = if on_primary {
            ReadFrom::Primary
        } else {
            ReadFrom::Replayed(batch.iter().map(|waiting| waiting.after).max().flatten())
        };
        let mut conn = db.reader(from).await?;
        conn.bind(workspace).await?;
        let mut ids: Vec<Uuid> = batch.iter().map(|waiting| waiting.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = K::Row::find_many(&mut conn, &ids).await?;
        drop(conn);
        rows.into_iter()
            .map(|row| Ok((row.id(), as_answer(collection, workspace, Saved::of(row, K::from))?)))
            .collect()
    }
}

/// A reader that stops before its work is done (it panicked, or its worker is stopping) lets
/// the next read start another: the reads still waiting are then read alone.
impl Drop for Reader {
    fn drop(&mut self) {
        if !self.finished
            && let Some(left) = self.batches.lock().remove(&self.gathering)
        {
            self.batches.counters.waiting.sub(left.len() as i64);
        }
    }
}
