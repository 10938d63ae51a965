//! The audit trail: an append-only, hash-chained log of every change.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::db::schema::audit_events;
use crate::domain::Principal;
use crate::domain::audit::AuditEvent;

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Serialises audit writers (an arbitrary, fixed advisory-lock key: "attest" in ASCII).
const AUDIT_LOCK: i64 = 0x0000_6174_7465_7374;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct StoredEvent {
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEvent {
    /// SHA-256 over the previous hash and every field, each length-prefixed so no two events
    /// can be made to serialise alike. JSON is hashed in serde_json's sorted-key form, which
    /// is also what reading the stored jsonb back gives.
    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        };
        let json = |value: &Option<Value>| value.as_ref().map(Value::to_string).unwrap_or_default();
        let uuid = |value: Option<Uuid>| value.map(|u| u.to_string()).unwrap_or_default();
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(self.id.as_bytes());
        field(self.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true).as_bytes());
        field(uuid(self.actor_id).as_bytes());
        field(uuid(self.api_key_id).as_bytes());
        field(self.action.as_bytes());
        field(self.entity_type.as_bytes());
        field(self.entity_id.as_bytes());
        field(json(&self.before).as_bytes());
        field(json(&self.after).as_bytes());
        hex::encode(hasher.finalize())
    }
}

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

/// Appends one event. Must run inside the change's transaction: it takes a transaction-level
/// lock so that writers append one after another and the chain stays a single line.
pub async fn append(
    conn: &mut AsyncPgConnection,
    actor: Option<&Principal>,
    event: AuditEvent,
) -> QueryResult<StoredEvent> {
    append_all(conn, actor, vec![event]).await?.pop().ok_or(diesel::result::Error::NotFound)
}

/// Events appended per INSERT: 12 parameters each, well under PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 1000;

/// Appends the events, chained in order, with one lock, one read of the head and
/// one INSERT per thousand events (a batch of a thousand records costs three round trips,
/// not three thousand). Must run inside the changes' transaction.
pub async fn append_all(
    conn: &mut AsyncPgConnection,
    actor: Option<&Principal>,
    changes: Vec<AuditEvent>,
) -> QueryResult<Vec<StoredEvent>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)").bind::<BigInt, _>(AUDIT_LOCK).execute(conn).await?;
    // The chain runs through every workspace: its head is read past row-level security.
    let head: Option<Head> =
        diesel::sql_query("SELECT seq, hash FROM attest_audit_head()").get_result(conn).await.optional()?;
    let (mut seq, mut prev_hash) = head.map_or((0, GENESIS_HASH.to_owned()), |h| (h.seq, h.hash));
    // PostgreSQL keeps microseconds; hash what will be read back.
    let occurred_at = Utc::now().trunc_subsecs(6);
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        seq += 1;
        let action = change.action.name().to_owned();
        let (before, after) = change.action.into_states();
        let mut event = StoredEvent {
            seq,
            id: Uuid::now_v7(),
            occurred_at,
            actor_id: actor.map(|p| p.user_id),
            api_key_id: actor.and_then(|p| p.api_key),
            action,
            entity_type: change.entity.name().to_owned(),
            entity_id: change.entity_id,
            before,
            after,
            prev_hash,
            hash: String::new(),
        };
        event.hash = event.compute_hash();
        prev_hash = event.hash.clone();
        events.push(event);
    }
    for chunk in events.chunks(INSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|event| {
                (
                    audit_events::seq.eq(event.seq),
                    audit_events::id.eq(event.id),
                    audit_events::occurred_at.eq(event.occurred_at),
                    audit_events::actor_id.eq(event.actor_id),
                    audit_events::api_key_id.eq(event.api_key_id),
                    audit_events::action.eq(&event.action),
                    audit_events::entity_type.eq(&event.entity_type),
                    audit_events::entity_id.eq(event.entity_id),
                    audit_events::before.eq(&event.before),
                    audit_events::after.eq(&event.after),
                    audit_events::prev_hash.eq(&event.prev_hash),
                    audit_events::hash.eq(&event.hash),
                )
            })
            .collect();
        diesel::insert_into(audit_events::table).values(rows).execute(conn).await?;
    }
    Ok(events)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
}

/// Events in chain order, after the page's key (a sequence number).
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    page: PageRequest<i64>,
) -> QueryResult<Page<StoredEvent>> {
    let mut query = audit_events::table
        .select(StoredEvent::as_select())
        .filter(audit_events::seq.gt(page.after.unwrap_or(0)))
        .order(audit_events::seq)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(entity_type));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(entity_id));
    }
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor_id));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

/// What walking the chain found.
#[derive(Debug, Serialize)]
pub struct Verification {
    pub events: i64,
    /// Events whose content was recomputed against their hash: every event for the owner of
    /// the database (the command line), the workspace's own for the API.
    pub events_recomputed: i64,
    /// The last event's hash: publish it outside the database to anchor the history.
    pub head_hash: String,
    pub first_broken: Option<BrokenEvent>,
}

#[derive(Debug, Serialize)]
pub struct BrokenEvent {
    pub seq: i64,
    pub reason: String,
}

/// One event's place in the chain, whichever workspace wrote it.
#[derive(QueryableByName)]
struct Link {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    prev_hash: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

/// Walks the whole chain in order, in pages: every link is checked, and every event the
/// connection may read is recomputed from its content.
pub async fn verify(conn: &mut AsyncPgConnection) -> QueryResult<Verification> {
    const BATCH: i32 = 5_000;
    let mut verification = Verification {
        events: 0,
        events_recomputed: 0,
        head_hash: GENESIS_HASH.to_owned(),
        first_broken: None,
    };
    loop {
        let after = verification.events;
        let links: Vec<Link> =
            diesel::sql_query("SELECT seq, prev_hash, hash FROM attest_audit_links($1, $2)")
                .bind::<BigInt, _>(after)
                .bind::<diesel::sql_types::Integer, _>(BATCH)
                .load(conn)
                .await?;
        let Some(last) = links.last() else { return Ok(verification) };
        let readable: Vec<StoredEvent> = audit_events::table
            .select(StoredEvent::as_select())
            .filter(audit_events::seq.gt(after).and(audit_events::seq.le(last.seq)))
            .order(audit_events::seq)
            .load(conn)
            .await?;
        let mut readable = readable.into_iter().peekable();
        let done = links.len() < BATCH as usize;
        for link in links {
            let expected_seq = verification.events + 1;
            let content = readable.next_if(|event| event.seq == link.seq);
            let reason = if link.seq != expected_seq {
                Some(format!("expected event {expected_seq}, found {} (an event is missing)", link.seq))
            } else if link.prev_hash != verification.head_hash {
                Some("its prev_hash is not the previous event's hash".to_owned())
            } else if content.as_ref().is_some_and(|event| event.compute_hash() != link.hash) {
                Some("its content does not match its hash (it was edited)".to_owned())
            } else {
                None
            };
            if let Some(reason) = reason {
                verification.first_broken = Some(BrokenEvent { seq: link.seq, reason });
                return Ok(verification);
            }
            verification.events += 1;
            verification.events_recomputed += i64::from(content.is_some());
            verification.head_hash = link.hash;
        }
        if done {
            return Ok(verification);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field() {
        let event = StoredEvent {
            seq: 1,
            id: Uuid::now_v7(),
            occurred_at: Utc::now().trunc_subsecs(6),
            actor_id: Some(Uuid::now_v7()),
            api_key_id: None,
            action: "create".into(),
            entity_type: "quote".into(),
            entity_id: Uuid::now_v7(),
            before: None,
            after: Some(serde_json::json!({"text": "We will not sign."})),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let hash = event.compute_hash();
        let mut edited = event.clone();
        edited.after = Some(serde_json::json!({"text": "We will sign."}));
        assert_ne!(edited.compute_hash(), hash);
        let mut moved = event.clone();
        moved.action = "createquote".into();
        moved.entity_type = String::new();
        assert_ne!(moved.compute_hash(), hash, "field boundaries count");
    }
}
