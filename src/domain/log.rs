//! The transparency log's rules: what a leaf says about an audit event, how the Merkle tree
//! (RFC 6962) grows and proves, and how checkpoints are signed and opened (C2SP
//! `tlog-checkpoint` inside a C2SP `signed-note`, Ed25519). The tree arithmetic is Go's
//! `sumdb/tlog` as ported by `tlog_tiles`: every complete subtree's hash is stored once, at
//! its `stored_hash_index`, so any proof reads at most a few dozen stored hashes.
//!
//! Storage is the db layer's: the functions here say which stored hashes a computation needs
//! (`needed_for_*`), and compute from those hashes once read (`KnownHashes`).

use std::cell::RefCell;
use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
pub use tlog_tiles::{Checkpoint, EMPTY_HASH, Hash, HashReader};
use tlog_tiles::{check_record, check_tree, prove_record, prove_tree, record_hash, stored_hash_index};
use uuid::Uuid;

/// The first line of every event's leaf: the format's name and version.
pub const ENTRY_FORMAT: &str = "attest.event/v1";

/// What a leaf of the log says about one audit event: who did what to which record, when,
/// in which workspace, with the record's states before and after by their SHA-256 only. The
/// entry of a published verdict is public; the states it names stay with their workspace.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub workspace_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

impl Entry<'_> {
    /// The leaf's bytes: one field per line, in a fixed order.
    pub fn text(&self) -> String {
        let id = |value: Option<Uuid>| value.map_or_else(|| "-".to_owned(), |id| id.to_string());
        let state = |value: Option<&Value>| value.map_or_else(|| "-".to_owned(), digest);
        format!(
            "{ENTRY_FORMAT}\nid {}\noccurred_at {}\nworkspace {}\nactor {}\napi_key {}\naction {}\n\
             entity {} {}\nbefore {}\nafter {}\n",
            self.id,
            self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            id(self.workspace_id),
            id(self.actor_id),
            id(self.api_key_id),
            self.action,
            self.entity_type,
            self.entity_id,
            state(self.before),
            state(self.after),
        )
    }

    pub fn leaf_hash(&self) -> Hash {
        record_hash(self.text().as_bytes())
    }
}

/// SHA-256 of a JSON value in serde_json's compact, sorted-key form (what reading the stored
/// jsonb back gives), as `sha256:<hex>`.
pub fn digest(value: &Value) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(value.to_string().as_bytes())))
}

/// Where a leaf's hash is stored; the hashes of the subtrees it completes follow it.
pub fn leaf_position(index: u64) -> u64 {
    stored_hash_index(0, index)
}

/// The hashes to store for leaf `index` with hash `leaf` (itself, then each subtree it
/// completes), from the `known` hashes of the tree before it.
pub fn hashes_stored_with(index: u64, leaf: Hash, known: &KnownHashes) -> Result<Vec<Hash>, LogError> {
    Ok(tlog_tiles::stored_hashes_for_record_hash(index, leaf, known)?)
}

/// Stored hashes read for a computation, by stored index.
#[derive(Default)]
pub struct KnownHashes(pub HashMap<u64, Hash>);

impl HashReader for KnownHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|index| self.0.get(index).copied().ok_or(tlog_tiles::Error::IndexesNotInTree))
            .collect()
    }
}

/// Notes which stored hashes a computation reads (and answers with zeros): the indexes a
/// proof needs depend on the sizes only, never on the hashes.
#[derive(Default)]
struct NeededHashes(RefCell<Vec<u64>>);

impl HashReader for NeededHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash::default(); indexes.len()])
    }
}

fn needed(
    compute: impl FnOnce(&NeededHashes) -> Result<Vec<Hash>, tlog_tiles::Error>,
) -> Result<Vec<u64>, LogError> {
    let reader = NeededHashes::default();
    compute(&reader)?;
    Ok(reader.0.into_inner())
}

/// The stored hashes of the complete subtrees that make up a tree of `size` leaves: its root
/// is computed from them, and so is everything appended next.
pub fn frontier(size: u64) -> Vec<u64> {
    if size == 0 { Vec::new() } else { tlog_tiles::sub_tree_index(0, size, Vec::new()) }
}

/// What appending leaves to a tree stores, and the new tree's root.
pub struct Growth {
    /// (stored index, hash), in index order: every new complete subtree, leaves included.
    pub stored: Vec<(u64, Hash)>,
    pub root: Hash,
}

/// Appends `leaves` to the tree of `size` leaves whose `frontier` hashes are known.
pub fn grow(size: u64, mut known: KnownHashes, leaves: &[Hash]) -> Result<Growth, LogError> {
    let mut stored = Vec::with_capacity(leaves.len() * 2);
    for (offset, leaf) in (0u64..).zip(leaves) {
        let index = size + offset;
        let hashes = hashes_stored_with(index, *leaf, &known)?;
        let first = leaf_position(index);
        for (at, hash) in (first..).zip(hashes) {
            known.0.insert(at, hash);
            stored.push((at, hash));
        }
    }
    let root = tlog_tiles::tree_hash(size + leaves.len() as u64, &known)?;
    Ok(Growth { stored, root })
}

pub fn root(size: u64, known: &KnownHashes) -> Result<Hash, LogError> {
    Ok(tlog_tiles::tree_hash(size, known)?)
}

/// The stored hashes the inclusion proof of leaf `index` in the tree of `size` leaves reads.
pub fn needed_for_inclusion(index: u64, size: u64) -> Result<Vec<u64>, LogError> {
    needed(|reader| prove_record(size, index, reader))
}

pub fn prove_inclusion(index: u64, size: u64, known: &KnownHashes) -> Result<Vec<Hash>, LogError> {
    Ok(prove_record(size, index, known)?)
}

/// The stored hashes the proof that the tree of `from` leaves is a prefix of the tree of `to`
/// leaves reads.
pub fn needed_for_consistency(from: u64, to: u64) -> Result<Vec<u64>, LogError> {
    needed(|reader| prove_tree(to, from, reader))
}

pub fn prove_consistency(from: u64, to: u64, known: &KnownHashes) -> Result<Vec<Hash>, LogError> {
    Ok(prove_tree(to, from, known)?)
}

/// Whether `proof` shows leaf `index` with hash `leaf` in the tree of `size` leaves with `root`.
pub fn check_inclusion(
    proof: &[Hash],
    index: u64,
    size: u64,
    root: Hash,
    leaf: Hash,
) -> Result<(), LogError> {
    check_record(&proof.to_vec(), size, root, index, leaf)
        .map_err(|_| LogError::Proof("the inclusion proof does not lead to the checkpoint's root".into()))
}

/// Whether `proof` shows the tree `old` to be a prefix of the tree `new`.
pub fn check_consistency(proof: &[Hash], old: &Checkpoint, new: &Checkpoint) -> Result<(), LogError> {
    if old.size() == new.size() {
        return match old.hash() == new.hash() {
            true => Ok(()),
            false => {
                Err(LogError::Proof(format!("two different trees of size {}: the log forked", new.size())))
            }
        };
    }
    if old.size() == 0 {
        return Ok(());
    }
    check_tree(&proof.to_vec(), new.size(), *new.hash(), old.size(), *old.hash()).map_err(|_| {
        LogError::Proof(format!(
            "the tree of size {} is not an extension of the tree of size {}: history was rewritten",
            new.size(),
            old.size()
        ))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{0}")]
    Proof(String),
    #[error("{0}")]
    Checkpoint(String),
    #[error("{0}")]
    Key(String),
    #[error("the tree's hashes do not add up: {0}")]
    Tree(#[from] tlog_tiles::Error),
}

/// The log's signing key, in the signed-note form `PRIVATE+KEY+<origin>+<key id>+<key>`; its
/// name is the log's origin.
#[derive(Clone)]
pub struct LogKey {
    signer: StandardSigner,
    origin: String,
    public_key: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

/// The Ed25519 algorithm byte of signed-note keys.
const ED25519: u8 = 0x01;

impl LogKey {
    /// A new key for the log named `origin` (a host name and path, no spaces or '+').
    pub fn generate(origin: &str) -> Result<String, LogError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(LogError::Key(format!("{origin:?} cannot name a log: no spaces or '+'")));
        }
        let (secret, _) = signed_note::generate_key(&mut argon2::password_hash::rand_core::OsRng, origin);
        Ok(secret)
    }

    pub fn parse(secret: &str) -> Result<Self, LogError> {
        let secret = secret.trim();
        let invalid = || LogError::Key("the log key is not a signed-note Ed25519 private key".into());
        let signer = StandardSigner::new(secret).map_err(|_| invalid())?;
        // The key is the fifth field: base64 may hold '+' itself.
        let seed =
            secret.splitn(5, '+').nth(4).and_then(|key| BASE64.decode(key).ok()).ok_or_else(invalid)?;
        let seed: [u8; 32] = match seed.split_first() {
            Some((&ED25519, seed)) => seed.try_into().map_err(|_| invalid())?,
            _ => return Err(invalid()),
        };
        let origin = signed_note::Signer::name(&signer).to_owned();
        let verifying = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let public_key = signed_note::new_ed25519_verifier_key(&origin, &verifying);
        Ok(Self { signer, origin, public_key })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key (`<origin>+<key id>+<key>`) anyone checks checkpoints with.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The signed checkpoint of the tree of `size` leaves with `root`.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, LogError> {
        let checkpoint = Checkpoint::new(&self.origin, size, root, "")
            .map_err(|error| LogError::Checkpoint(error.to_string()))?;
        let mut note = Note::new(&checkpoint.to_bytes(), &[])
            .map_err(|error| LogError::Checkpoint(error.to_string()))?;
        note.add_sigs(&[&self.signer]).map_err(|error| LogError::Checkpoint(error.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|error| LogError::Checkpoint(error.to_string()))
    }
}

/// The checkpoint in `note`, once its signature by `public_key` is verified and it names that
/// key's log. Signatures of other keys (witnesses' cosignatures) are allowed and ignored.
pub fn open_checkpoint(note: &str, public_key: &str) -> Result<Checkpoint, LogError> {
    let verifier = StandardVerifier::new(public_key.trim())
        .map_err(|_| LogError::Key("the public key is not a signed-note verifier key".into()))?;
    let origin = signed_note::Verifier::name(&verifier).to_owned();
    let note = Note::from_bytes(note.as_bytes())
        .map_err(|error| LogError::Checkpoint(format!("not a signed note: {error}")))?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)])).map_err(|error| {
        LogError::Checkpoint(format!("the checkpoint is not signed by the log's key: {error}"))
    })?;
    let checkpoint = Checkpoint::from_bytes(note.text())
        .map_err(|_| LogError::Checkpoint("the note is not a checkpoint".into()))?;
    if checkpoint.origin() != origin {
        return Err(LogError::Checkpoint(format!(
            "the checkpoint is of the log {:?}, not {origin:?}",
            checkpoint.origin()
        )));
    }
    Ok(checkpoint)
}

/// Where a published record stands in the log, as its documents carry it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transparency {
    /// `included` with the proof, or `pending` until the sequencer integrates the event.
    pub state: String,
    /// The leaf: the event that made the record what it is (`Entry::text`).
    pub entry: String,
    /// The record as the event recorded it: its SHA-256 is the entry's `after`.
    pub record: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<Vec<String>>,
    /// The signed checkpoint of `tree_size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// What checking a document's transparency block established.
#[derive(Debug)]
pub struct Included {
    pub leaf_index: u64,
    pub checkpoint: Checkpoint,
}

/// Checks, with nothing but the log's public key, that `document` (a fact-check or its
/// ClaimReview) carries a record included in a checkpoint the log signed, and that the
/// document says what that record says: its verdict's words and rating.
pub fn verify_document(document: &Value, public_key: &str) -> Result<Included, LogError> {
    let proof = |reason: &str| LogError::Proof(reason.to_owned());
    let block =
        document.get("transparency").ok_or_else(|| proof("the document has no transparency block"))?;
    let block: Transparency = serde_json::from_value(block.clone())
        .map_err(|error| proof(&format!("the transparency block is malformed: {error}")))?;
    if block.state != "included" {
        return Err(proof("the record is not in the log yet (pending): fetch the document again shortly"));
    }
    let after = block.entry.lines().find_map(|line| line.strip_prefix("after "));
    if after != Some(digest(&block.record).as_str()) {
        return Err(proof("the record is not the one the log's entry names (its SHA-256 differs)"));
    }
    agrees_with_record(document, &block.record)?;
    let (Some(index), Some(size), Some(path), Some(note)) =
        (block.leaf_index, block.tree_size, block.inclusion_proof.as_ref(), block.checkpoint.as_ref())
    else {
        return Err(proof(
            "an included record needs its leaf_index, tree_size, inclusion_proof and checkpoint",
        ));
    };
    let checkpoint = open_checkpoint(note, public_key)?;
    if checkpoint.size() != size {
        return Err(proof("the proof is for another tree size than its checkpoint's"));
    }
    let path: Vec<Hash> = path
        .iter()
        .map(|hash| Hash::parse_hash(hash))
        .collect::<Result<_, _>>()
        .map_err(|_| proof("a proof hash is not base64 of 32 bytes"))?;
    check_inclusion(&path, index, size, *checkpoint.hash(), record_hash(block.entry.as_bytes()))?;
    Ok(Included { leaf_index: index, checkpoint })
}

/// The document's verdict must be the logged record's: the words judged and the rating, by
/// their names in a fact-check (`claim_reviewed`, `rating.value`) or a ClaimReview
/// (`claimReviewed`, `reviewRating.ratingValue`).
fn agrees_with_record(document: &Value, record: &Value) -> Result<(), LogError> {
    let words = document.get("claim_reviewed").or_else(|| document.get("claimReviewed"));
    let rating = document.pointer("/rating/value").or_else(|| document.pointer("/reviewRating/ratingValue"));
    let differs =
        |what: &str| Err(LogError::Proof(format!("the document's {what} is not the logged record's")));
    if words != record.get("claim_reviewed") {
        return differs("words judged");
    }
    // A fact-check taken down shows its notice and state, not its rating.
    let as_number = |value: &Value| value.as_i64().or_else(|| value.as_str()?.parse().ok());
    if rating.is_some_and(|rating| as_number(rating) != record.pointer("/rating/value").and_then(as_number)) {
        return differs("rating");
    }
    if document.get("state").is_some_and(|state| Some(state) != record.get("state")) {
        return differs("state");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn from_hex(hex: &str) -> Hash {
        Hash(hex::decode(hex).unwrap().try_into().unwrap())
    }

    /// The tree of `leaves`, every stored hash known, as the sequencer would leave it.
    fn tree_of(leaves: &[Vec<u8>]) -> KnownHashes {
        let mut known = KnownHashes::default();
        for (size, leaf) in (0u64..).zip(leaves) {
            let grown = grow(size, KnownHashes(known.0.clone()), &[record_hash(leaf)]).unwrap();
            known.0.extend(grown.stored);
        }
        known
    }

    /// The RFC 6962 section 2.1 definitions, written out recursively and independently of
    /// the stored-hash arithmetic under test.
    mod rfc6962 {
        use super::*;

        fn split(n: usize) -> usize {
            let mut k = 1;
            while k << 1 < n {
                k <<= 1;
            }
            k
        }

        pub fn mth(leaves: &[Vec<u8>]) -> Hash {
            match leaves.len() {
                0 => Hash(Sha256::digest([]).into()),
                1 => record_hash(&leaves[0]),
                n => tlog_tiles::node_hash(mth(&leaves[..split(n)]), mth(&leaves[split(n)..])),
            }
        }

        pub fn path(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
            let n = leaves.len();
            if n <= 1 {
                return Vec::new();
            }
            let k = split(n);
            let (mut proof, sibling) = match m < k {
                true => (path(m, &leaves[..k]), mth(&leaves[k..])),
                false => (path(m - k, &leaves[k..]), mth(&leaves[..k])),
            };
            proof.push(sibling);
            proof
        }

        fn subproof(m: usize, leaves: &[Vec<u8>], whole: bool) -> Vec<Hash> {
            let n = leaves.len();
            if m == n {
                return if whole { Vec::new() } else { vec![mth(leaves)] };
            }
            let k = split(n);
            let (mut proof, sibling) = match m <= k {
                true => (subproof(m, &leaves[..k], whole), mth(&leaves[k..])),
                false => (subproof(m - k, &leaves[k..], false), mth(&leaves[..k])),
            };
            proof.push(sibling);
            proof
        }

        pub fn consistency(m: usize, leaves: &[Vec<u8>]) -> Vec<Hash> {
            subproof(m, leaves, true)
        }
    }

    /// The test vectors of Google's RFC 6962 implementations (certificate-transparency, and
    /// transparency-dev/merkle's proof/verify_test.go): eight leaves, the roots of their
    /// first 1 to 8, and audit paths and consistency proofs between them.
    fn vector_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|leaf| hex::decode(leaf).unwrap())
            .collect()
    }

    const VECTOR_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// (leaf index, tree size, audit path).
    const VECTOR_INCLUSION: [(u64, u64, &[&str]); 4] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];

    /// (old size, new size, consistency proof).
    const VECTOR_CONSISTENCY: [(u64, u64, &[&str]); 4] = [
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
        (
            6,
            7,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];

    fn checkpoint(size: u64, root: Hash) -> Checkpoint {
        Checkpoint::new("test.example/log", size, root, "").unwrap()
    }

    #[test]
    fn the_published_rfc6962_vectors_hold() {
        let leaves = vector_leaves();
        let tree = tree_of(&leaves);
        for (size, expected) in (1u64..).zip(VECTOR_ROOTS) {
            assert_eq!(root(size, &tree).unwrap(), from_hex(expected), "root of {size}");
        }
        for (index, size, path) in VECTOR_INCLUSION {
            let expected: Vec<Hash> = path.iter().map(|h| from_hex(h)).collect();
            assert_eq!(prove_inclusion(index, size, &tree).unwrap(), expected, "path of {index} in {size}");
            let leaf = record_hash(&leaves[index as usize]);
            let root = from_hex(VECTOR_ROOTS[size as usize - 1]);
            check_inclusion(&expected, index, size, root, leaf).unwrap();
            assert!(check_inclusion(&expected, index ^ 1, size, root, leaf).is_err());
            assert!(check_inclusion(&expected[..expected.len() - 1], index, size, root, leaf).is_err());
        }
        for (from, to, proof) in VECTOR_CONSISTENCY {
            let expected: Vec<Hash> = proof.iter().map(|h| from_hex(h)).collect();
            assert_eq!(prove_consistency(from, to, &tree).unwrap(), expected, "{from} to {to}");
            let (old, new) = (
                checkpoint(from, from_hex(VECTOR_ROOTS[from as usize - 1])),
                checkpoint(to, from_hex(VECTOR_ROOTS[to as usize - 1])),
            );
            check_consistency(&expected, &old, &new).unwrap();
            assert!(check_consistency(&expected, &new, &old).is_err(), "roots swapped");
            assert!(check_consistency(&expected[1..], &old, &new).is_err(), "a hash left out");
        }
        assert_eq!(rfc6962::mth(&[]), tlog_tiles::EMPTY_HASH);
    }

    #[test]
    fn the_proofs_read_only_what_they_say_they_need() {
        let tree = tree_of(&vector_leaves());
        let needed: Vec<u64> = needed_for_inclusion(5, 7).unwrap();
        let only = KnownHashes(needed.iter().map(|i| (*i, tree.0[i])).collect());
        assert_eq!(prove_inclusion(5, 7, &only).unwrap(), prove_inclusion(5, 7, &tree).unwrap());
        let needed = needed_for_consistency(3, 8).unwrap();
        let only = KnownHashes(needed.iter().map(|i| (*i, tree.0[i])).collect());
        assert_eq!(prove_consistency(3, 8, &only).unwrap(), prove_consistency(3, 8, &tree).unwrap());
        assert!(needed_for_inclusion(8, 8).is_err(), "no leaf 8 in a tree of 8");
    }

    fn flip(mut hash: Hash, byte: usize, bit: u8) -> Hash {
        hash.0[byte % 32] ^= 1 << (bit % 8);
        hash
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Random trees: every inclusion and consistency proof is RFC 6962's, verifies, and
        /// fails once any byte of it, of the leaf or of a root changes.
        #[test]
        fn every_proof_of_a_random_tree_verifies_and_no_changed_byte_does(
            leaves in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..24), 1..70),
            byte in 0usize..32,
            bit in 0u8..8,
            pick in any::<prop::sample::Index>(),
        ) {
            let tree = tree_of(&leaves);
            let size = leaves.len() as u64;
            let top = checkpoint(size, rfc6962::mth(&leaves));
            prop_assert_eq!(root(size, &tree).unwrap(), *top.hash());
            for index in 0..size {
                let leaf = record_hash(&leaves[index as usize]);
                let path = prove_inclusion(index, size, &tree).unwrap();
                prop_assert_eq!(&path, &rfc6962::path(index as usize, &leaves));
                prop_assert!(check_inclusion(&path, index, size, *top.hash(), leaf).is_ok());
                prop_assert!(check_inclusion(&path, index, size, *top.hash(), flip(leaf, byte, bit)).is_err());
                prop_assert!(check_inclusion(&path, index, size, flip(*top.hash(), byte, bit), leaf).is_err());
                if !path.is_empty() {
                    let mut changed = path.clone();
                    let at = pick.index(changed.len());
                    changed[at] = flip(changed[at], byte, bit);
                    prop_assert!(check_inclusion(&changed, index, size, *top.hash(), leaf).is_err());
                }
            }
            for from in 1..size {
                let old = checkpoint(from, rfc6962::mth(&leaves[..from as usize]));
                let proof = prove_consistency(from, size, &tree).unwrap();
                prop_assert_eq!(&proof, &rfc6962::consistency(from as usize, &leaves));
                prop_assert!(check_consistency(&proof, &old, &top).is_ok());
                let forked = checkpoint(from, flip(*old.hash(), byte, bit));
                prop_assert!(check_consistency(&proof, &forked, &top).is_err());
                let mut changed = proof.clone();
                let at = pick.index(changed.len());
                changed[at] = flip(changed[at], byte, bit);
                prop_assert!(check_consistency(&changed, &old, &top).is_err());
            }
        }
    }

    #[test]
    fn a_checkpoint_opens_only_with_its_own_key_and_unchanged() {
        let key = LogKey::parse(&LogKey::generate("news.example/log").unwrap()).unwrap();
        let other = LogKey::parse(&LogKey::generate("news.example/log").unwrap()).unwrap();
        let root = rfc6962::mth(&vector_leaves());
        let note = key.sign(8, root).unwrap();
        assert!(note.starts_with("news.example/log\n8\n"), "{note}");
        let opened = open_checkpoint(&note, key.public_key()).unwrap();
        assert_eq!((opened.origin(), opened.size(), *opened.hash()), ("news.example/log", 8, root));
        assert!(open_checkpoint(&note, other.public_key()).is_err(), "another key");
        assert!(open_checkpoint(&note.replacen("\n8\n", "\n9\n", 1), key.public_key()).is_err(), "edited");
        assert!(LogKey::generate("has space").is_err());
        assert!(LogKey::parse(key.public_key()).is_err(), "a public key does not sign");
    }

    #[test]
    fn an_entry_names_every_field_and_hides_the_states() {
        let after = serde_json::json!({"rating": {"value": 1}, "claim_reviewed": "Unemployment fell."});
        let entry = Entry {
            id: Uuid::nil(),
            occurred_at: DateTime::parse_from_rfc3339("2026-12-03T10:00:00.5Z").unwrap().into(),
            workspace_id: None,
            actor_id: Some(Uuid::max()),
            api_key_id: None,
            action: "publish",
            entity_type: "claim",
            entity_id: Uuid::nil(),
            before: None,
            after: Some(&after),
        };
        let text = entry.text();
        assert!(text.starts_with("attest.event/v1\nid 00000000-0000-0000-0000-000000000000\n"), "{text}");
        assert!(text.contains("\noccurred_at 2026-12-03T10:00:00.500000Z\n"), "{text}");
        assert!(text.contains(&format!("\nafter {}\n", digest(&after))), "{text}");
        assert!(!text.contains("Unemployment"), "states by their digest only");
        let changed = Entry { action: "retract", ..entry };
        assert_ne!(changed.leaf_hash(), entry.leaf_hash());
    }
}
