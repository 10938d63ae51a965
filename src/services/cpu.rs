//! CPU-heavy work (extraction, anchor search, diffs, password hashing) runs here: on the
//! blocking pool, never on an async worker, a few jobs at a time, and each request waits only
//! so long for its turn or its answer. One core stays free for the workers, so `/healthz` and
//! light requests keep answering while heavy ones run.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::services::ServiceError;

/// How long a request waits for a free slot before it is refused with 503.
const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// How long a request waits for its job's answer before it is refused with 503. The job
/// itself is linear in its input (capped), so it ends; its slot stays taken until it does.
const ANSWER_WAIT: Duration = Duration::from_secs(30);

/// Jobs running at once: every core but one (at least one).
fn slots() -> &'static Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)))
    })
}

/// Runs `work` on the blocking pool when a slot is free.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ServiceError> {
    let busy =
        || ServiceError::Overloaded("the server is busy with other heavy requests; try again shortly".into());
    let permit = tokio::time::timeout(QUEUE_WAIT, slots().clone().acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(ServiceError::internal)?;
    let job = tokio::task::spawn_blocking(move || {
        let answer = work();
        drop(permit);
        answer
    });
    match tokio::time::timeout(ANSWER_WAIT, job).await {
        Ok(answer) => answer.map_err(ServiceError::internal),
        Err(_) => Err(busy()),
    }
}
