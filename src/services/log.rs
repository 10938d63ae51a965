//! The transparency log: the sequencer that integrates audit events into the Merkle tree and
//! signs checkpoints, the proofs anyone may ask for, the proof each published verdict
//! carries, and the check of the whole tree against the stored events.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use serde::Serialize;
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::db::audit::StoredEvent;
use crate::db::log::{self, StoredCheckpoint, hash_of};
use crate::db::transaction;
use crate::domain::log::{
    self as tree, EMPTY_HASH, Hash, KnownHashes, LogError, LogKey, Transparency, frontier, grow,
    leaf_position, open_checkpoint,
};

#[derive(Debug, Clone)]
pub struct SequencerSettings {
    pub key: LogKey,
    /// How long the sequencer waits between batches when it has caught up.
    pub interval: Duration,
    /// Events integrated per batch (one transaction, one checkpoint), at most.
    pub batch: i32,
}

impl SequencerSettings {
    pub fn new(key: LogKey) -> Self {
        Self { key, interval: Duration::from_millis(200), batch: 10_000 }
    }
}

/// The configured log key, or else the one kept in `data_dir` (generated for `origin` on first
/// start).
pub fn configured_key(
    secret: Option<&str>,
    origin: &str,
    data_dir: &std::path::Path,
) -> anyhow::Result<LogKey> {
    let secret = match secret {
        Some(secret) => secret.to_owned(),
        None => {
            std::fs::create_dir_all(data_dir)?;
            let path = data_dir.join("log-key");
            super::auth::secret::load_or_create_key_file(&path, || Ok(LogKey::generate(origin)? + "\n"))?
        }
    };
    Ok(LogKey::parse(&secret)?)
}

/// How long a sequencer that lost its connection, or another server's sequencer holds the
/// lock, waits before trying again.
const RETRY: Duration = Duration::from_secs(1);

/// Runs until the process ends: connects to the primary as the application's role, takes the
/// sequencer's lock (one sequencer for all servers; another takes over when this session
/// ends) and integrates waiting events, batch after batch.
pub async fn run_sequencer(database_url: String, settings: SequencerSettings) {
    loop {
        match sequence(&database_url, &settings).await {
            Ok(()) => {}
            Err(error) => tracing::warn!(%error, "the log sequencer stopped; reconnecting"),
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn sequence(database_url: &str, settings: &SequencerSettings) -> anyhow::Result<()> {
    let mut conn = crate::db::connect(database_url).await?;
    conn.batch_execute(&format!("SET statement_timeout = 60000; SET ROLE {}", crate::db::APPLICATION_ROLE))
        .await?;
    while !log::try_lock_sequencer(&mut conn).await? {
        tokio::time::sleep(RETRY).await;
    }
    tracing::info!(origin = settings.key.origin(), "this server sequences the transparency log");
    loop {
        let integrated = integrate_batch(&mut conn, settings).await?;
        if integrated < settings.batch as usize {
            tokio::time::sleep(settings.interval).await;
        }
    }
}

/// Integrates the oldest waiting events (up to a batch) and signs the new tree's checkpoint,
/// in one transaction; returns how many. An empty log gets its checkpoint of size 0.
async fn integrate_batch(
    conn: &mut AsyncPgConnection,
    settings: &SequencerSettings,
) -> anyhow::Result<usize> {
    transaction::atomically(conn, async |conn| {
        let latest = log::latest_checkpoint(conn).await?;
        let events = log::waiting(conn, settings.batch).await?;
        let size = latest.as_ref().map_or(0, |c| c.tree_size as u64);
        if events.is_empty() {
            if latest.is_none() {
                let note = settings.key.sign(0, EMPTY_HASH)?;
                log::add_checkpoint(conn, 0, EMPTY_HASH, &note).await?;
            }
            return Ok(0);
        }
        let known = log::hashes(conn, &frontier(size)).await?;
        let key = settings.key.clone();
        // Hashing and signing a batch is CPU work: off the async workers.
        let (events, growth, note) = tokio::task::spawn_blocking(move || -> Result<_, LogError> {
            let leaves: Vec<Hash> = events.iter().map(|event| event.entry().leaf_hash()).collect();
            let growth = grow(size, known, &leaves)?;
            let note = key.sign(size + leaves.len() as u64, growth.root)?;
            Ok((events, growth, note))
        })
        .await??;
        log::integrate(conn, size, &events, &growth, &note).await?;
        Ok(events.len())
    })
    .await
}

/// The log as a verifier first meets it: its name, its key and where it stands.
#[derive(Debug, Serialize)]
pub struct LogView {
    pub origin: String,
    /// The signed-note verifier key that signs every checkpoint.
    pub public_key: String,
    pub tree_size: u64,
    /// Base64, as in the checkpoint.
    pub root_hash: String,
    pub checkpoint: String,
    pub signed_at: chrono::DateTime<chrono::Utc>,
    /// Events written and not yet integrated.
    pub pending: i64,
}

fn no_checkpoint() -> ServiceError {
    ServiceError::NotReady(
        "the log has no signed checkpoint yet: its sequencer signs the first within a second of starting"
            .into(),
    )
}

pub async fn view(conn: &mut AsyncPgConnection, key: &LogKey) -> ServiceResult<LogView> {
    let latest = log::latest_checkpoint(conn).await?.ok_or_else(no_checkpoint)?;
    Ok(LogView {
        origin: key.origin().to_owned(),
        public_key: key.public_key().to_owned(),
        tree_size: latest.tree_size as u64,
        root_hash: BASE64.encode(&latest.root_hash),
        checkpoint: latest.note,
        signed_at: latest.signed_at,
        pending: log::pending(conn).await?,
    })
}

/// The latest signed checkpoint (the text witnesses save).
pub async fn checkpoint(conn: &mut AsyncPgConnection) -> ServiceResult<String> {
    Ok(log::latest_checkpoint(conn).await?.ok_or_else(no_checkpoint)?.note)
}

/// The checkpoint of `size`, or the latest when none is named.
async fn checkpoint_of(conn: &mut AsyncPgConnection, size: Option<u64>) -> ServiceResult<StoredCheckpoint> {
    match size {
        None => log::latest_checkpoint(conn).await?.ok_or_else(no_checkpoint),
        Some(size) => log::checkpoint(conn, size).await?.ok_or_else(|| {
            ServiceError::NotFound(format!(
                "the log signed no checkpoint of size {size}; GET /log/checkpoint names the latest"
            ))
        }),
    }
}

fn encoded(proof: Vec<Hash>) -> Vec<String> {
    proof.into_iter().map(|hash| hash.to_string()).collect()
}

fn tree_error(error: LogError) -> ServiceError {
    ServiceError::internal(error)
}

#[derive(Debug, Serialize)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The leaf's hash, base64: SHA-256 of 0x00 and the event's entry.
    pub leaf_hash: String,
    pub inclusion_proof: Vec<String>,
    pub checkpoint: String,
}

/// The audit path of leaf `index` in the tree of a signed checkpoint (the latest by default).
pub async fn inclusion(
    conn: &mut AsyncPgConnection,
    index: u64,
    size: Option<u64>,
) -> ServiceResult<InclusionProof> {
    let checkpoint = checkpoint_of(conn, size).await?;
    let size = checkpoint.tree_size as u64;
    if index >= size {
        return Err(ServiceError::validation(
            "/leaf_index",
            format!("the tree of the checkpoint has {size} leaves: leaf_index must be below it"),
        ));
    }
    let mut needed = tree::needed_for_inclusion(index, size).map_err(tree_error)?;
    let leaf_at = leaf_position(index);
    needed.push(leaf_at);
    let known = log::hashes(conn, &needed).await?;
    let proof = tree::prove_inclusion(index, size, &known).map_err(tree_error)?;
    let leaf = known.0.get(&leaf_at).ok_or_else(|| ServiceError::internal("a leaf's hash is missing"))?;
    Ok(InclusionProof {
        leaf_index: index,
        tree_size: size,
        leaf_hash: leaf.to_string(),
        inclusion_proof: encoded(proof),
        checkpoint: checkpoint.note,
    })
}

#[derive(Debug, Serialize)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub consistency_proof: Vec<String>,
    /// The signed checkpoint of `to`.
    pub checkpoint: String,
}

/// The proof that the tree of `from` leaves is a prefix of the signed tree of `to` (the latest
/// by default).
pub async fn consistency(
    conn: &mut AsyncPgConnection,
    from: u64,
    to: Option<u64>,
) -> ServiceResult<ConsistencyProof> {
    let checkpoint = checkpoint_of(conn, to).await?;
    let to = checkpoint.tree_size as u64;
    if from > to {
        return Err(ServiceError::validation("/from", format!("from is past the tree's size, {to}")));
    }
    let proof = match from {
        0 => Vec::new(),
        from if from == to => Vec::new(),
        from => {
            let needed = tree::needed_for_consistency(from, to).map_err(tree_error)?;
            let known = log::hashes(conn, &needed).await?;
            tree::prove_consistency(from, to, &known).map_err(tree_error)?
        }
    };
    Ok(ConsistencyProof { from, to, consistency_proof: encoded(proof), checkpoint: checkpoint.note })
}

/// Where the published fact-checks of `items` (quotes or claims) stand in the log: the latest
/// event that published, corrected or took down each, with its inclusion proof in the first
/// checkpoint that included it (so the document stays the same as the log grows; a verifier
/// holding a later checkpoint asks for the consistency proof between the two). Items never
/// published are absent.
pub async fn publications(
    conn: &mut AsyncPgConnection,
    items: &[Uuid],
) -> ServiceResult<HashMap<Uuid, Transparency>> {
    let events = log::publications(conn, items).await?;
    let leaves: Vec<i64> = events.iter().filter_map(|p| p.leaf_index).collect();
    let including = log::first_including(conn, &leaves).await?;
    let mut needed = Vec::new();
    for (leaf, checkpoint) in &including {
        needed.extend(
            tree::needed_for_inclusion(*leaf as u64, checkpoint.tree_size as u64).map_err(tree_error)?,
        );
    }
    needed.sort_unstable();
    needed.dedup();
    let known = log::hashes(conn, &needed).await?;
    let mut found = HashMap::with_capacity(events.len());
    for published in events {
        let event = &published.event;
        let entry = event.entry().text();
        let record = event.after.clone().unwrap_or_default();
        let proven = published.leaf_index.and_then(|leaf| Some((leaf as u64, including.get(&leaf)?)));
        let transparency = match proven {
            Some((index, checkpoint)) => Transparency {
                state: "included".into(),
                entry,
                record,
                leaf_index: Some(index),
                tree_size: Some(checkpoint.tree_size as u64),
                inclusion_proof: Some(encoded(
                    tree::prove_inclusion(index, checkpoint.tree_size as u64, &known).map_err(tree_error)?,
                )),
                checkpoint: Some(checkpoint.note.clone()),
            },
            None => Transparency {
                state: "pending".into(),
                entry,
                record,
                leaf_index: None,
                tree_size: None,
                inclusion_proof: None,
                checkpoint: None,
            },
        };
        found.insert(event.entity_id, transparency);
    }
    Ok(found)
}

/// What checking the tree against the stored events found.
#[derive(Debug, Serialize)]
pub struct Verification {
    /// Leaves checked, in order from the first.
    pub leaves: u64,
    /// Leaves whose event was recomputed from its content: every one for the owner of the
    /// database (the command line), the workspace's own for the API.
    pub events_recomputed: u64,
    /// Events written and not yet integrated.
    pub pending: i64,
    /// Signed checkpoints whose root was recomputed (and, given the key, whose signature held).
    pub checkpoints: u64,
    /// The root of the tree of all the leaves, base64.
    pub root_hash: String,
    pub first_broken: Option<Broken>,
}

#[derive(Debug, Serialize)]
pub struct Broken {
    /// The first leaf (or checkpoint size) that does not add up, when there is one.
    pub leaf_index: Option<u64>,
    pub reason: String,
}

/// Leaves read per round trip while verifying.
const VERIFY_PAGE: i64 = 5_000;

/// Walks the whole tree from the first leaf: leaf indexes without gaps, each readable event's
/// entry hashing to its stored leaf, every stored hash recomputed from the leaves, every
/// checkpoint's root recomputed (and its signature checked with `public_key`), and no event
/// that is neither a leaf nor waiting. Memory stays that of one page and the tree's frontier.
pub async fn verify(conn: &mut AsyncPgConnection, public_key: Option<&str>) -> ServiceResult<Verification> {
    let mut verification = Verification {
        leaves: 0,
        events_recomputed: 0,
        pending: log::pending(conn).await?,
        checkpoints: 0,
        root_hash: EMPTY_HASH.to_string(),
        first_broken: None,
    };
    let broken = |verification: &mut Verification, leaf_index: Option<u64>, reason: String| {
        verification.first_broken = Some(Broken { leaf_index, reason });
    };
    let mut known = KnownHashes::default();
    // The tree as of its latest checkpoint: the sequencer may go on meanwhile.
    let target = log::latest_checkpoint(conn).await?.map_or(0, |c| c.tree_size as u64);
    let mut checkpoints = log::checkpoints_between(conn, 0, 0).await?;
    loop {
        let size = verification.leaves;
        // The checkpoints of the sizes reached so far.
        for checkpoint in checkpoints.drain(..) {
            if let Err(reason) = check_checkpoint(&checkpoint, &known, public_key) {
                broken(&mut verification, Some(checkpoint.tree_size as u64), reason);
                return Ok(verification);
            }
            verification.checkpoints += 1;
        }
        let remaining = i64::try_from(target - size).unwrap_or(i64::MAX);
        if remaining == 0 {
            break;
        }
        let page = log::leaves(conn, size, VERIFY_PAGE.min(remaining)).await?;
        let Some(&(last, _)) = page.last() else { break };
        let seqs: Vec<i64> = page.iter().map(|(_, seq)| *seq).collect();
        let events: HashMap<i64, StoredEvent> =
            log::readable_events(conn, &seqs).await?.into_iter().map(|event| (event.seq, event)).collect();
        let (from, to) = (leaf_position(size), leaf_position(last as u64 + 1));
        let stored = log::hashes_between(conn, from, to).await?;
        let mut stored = stored.into_iter().peekable();
        let mut sizes_checked =
            log::checkpoints_between(conn, size + 1, last as u64 + 1).await?.into_iter().peekable();
        for (leaf_index, seq) in page {
            let index = leaf_index as u64;
            if index != verification.leaves {
                let missing = verification.leaves;
                broken(&mut verification, Some(missing), "a leaf is missing".into());
                return Ok(verification);
            }
            let at = leaf_position(index);
            let stored_leaf = match stored.peek() {
                Some((i, hash)) if *i as u64 == at => hash_of(hash)?,
                _ => {
                    broken(&mut verification, Some(index), "its hash is missing from the tree".into());
                    return Ok(verification);
                }
            };
            let leaf = match events.get(&seq) {
                Some(event) => {
                    verification.events_recomputed += 1;
                    event.entry().leaf_hash()
                }
                None => stored_leaf,
            };
            if leaf != stored_leaf {
                broken(
                    &mut verification,
                    Some(index),
                    "its event does not match its leaf (the event was edited)".into(),
                );
                return Ok(verification);
            }
            let computed = tree::hashes_stored_with(index, leaf, &known).map_err(tree_error)?;
            for (offset, hash) in (at..).zip(computed) {
                match stored.next() {
                    Some((i, bytes)) if i as u64 == offset && hash_of(&bytes)? == hash => {
                        known.0.insert(offset, hash);
                    }
                    _ => {
                        broken(
                            &mut verification,
                            Some(index),
                            "the tree's stored hashes do not add up to its leaves".into(),
                        );
                        return Ok(verification);
                    }
                }
            }
            verification.leaves += 1;
            while let Some(checkpoint) = sizes_checked.next_if(|c| c.tree_size as u64 == verification.leaves)
            {
                if let Err(reason) = check_checkpoint(&checkpoint, &known, public_key) {
                    broken(&mut verification, Some(checkpoint.tree_size as u64), reason);
                    return Ok(verification);
                }
                verification.checkpoints += 1;
            }
        }
        // Only the frontier is needed from here on.
        let keep = frontier(verification.leaves);
        known.0.retain(|at, _| keep.contains(at));
    }
    verification.root_hash = tree::root(verification.leaves, &known).map_err(tree_error)?.to_string();
    if verification.leaves < target {
        let reason =
            format!("a checkpoint of size {target} is signed past the tree's {} leaves", verification.leaves);
        broken(&mut verification, Some(target), reason);
        return Ok(verification);
    }
    if let Some(seq) = log::unlogged_event(conn).await? {
        broken(&mut verification, None, format!("event {seq} is neither in the tree nor waiting for it"));
    }
    Ok(verification)
}

/// A checkpoint whose size the walk has reached: its root is the recomputed one, and its note
/// is signed by the log's key (when given) over that same size and root.
fn check_checkpoint(
    checkpoint: &StoredCheckpoint,
    known: &KnownHashes,
    public_key: Option<&str>,
) -> Result<(), String> {
    let size = checkpoint.tree_size as u64;
    let root = tree::root(size, known).map_err(|error| error.to_string())?;
    if hash_of(&checkpoint.root_hash).ok() != Some(root) {
        return Err(format!("the checkpoint of size {size} has another root than the tree"));
    }
    if let Some(public_key) = public_key {
        let opened = open_checkpoint(&checkpoint.note, public_key).map_err(|error| error.to_string())?;
        if opened.size() != size || *opened.hash() != root {
            return Err(format!("the signed checkpoint of size {size} does not say what is stored"));
        }
    }
    Ok(())
}
