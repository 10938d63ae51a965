//! The audit trail: an append-only log of every change. Writers only insert; the sequencer
//! (`db::log`) makes the events leaves of the transparency log.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::prepared::PrepareOnce;
use super::{Page, PageRequest};
use crate::db::schema::{audit_events, log_leaves};
use crate::domain::Principal;
use crate::domain::audit::AuditEvent;
use crate::domain::log::Entry;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct StoredEvent {
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub workspace_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl StoredEvent {
    /// What the event's leaf in the transparency log says.
    pub fn entry(&self) -> Entry<'_> {
        Entry {
            id: self.id,
            occurred_at: self.occurred_at,
            workspace_id: self.workspace_id,
            actor_id: self.actor_id,
            api_key_id: self.api_key_id,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id,
            before: self.before.as_ref(),
            after: self.after.as_ref(),
        }
    }
}

/// Appends one event, in the change's transaction.
pub async fn append(
    conn: &mut AsyncPgConnection,
    actor: Option<&Principal>,
    event: AuditEvent,
) -> QueryResult<()> {
    append_all(conn, actor, vec![event]).await
}

/// Appends the events in order, in one statement of one text whatever their number, in the
/// changes' transaction. Nothing is shared with other writers: the sequence numbers come from
/// a sequence, and the events wait in `log_pending` (filled by the insert's trigger) for the
/// sequencer.
pub async fn append_all(
    conn: &mut AsyncPgConnection,
    actor: Option<&Principal>,
    changes: Vec<AuditEvent>,
) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    // PostgreSQL keeps microseconds; the leaf is written from what is read back.
    let occurred_at = Utc::now().trunc_subsecs(6);
    let (actor_id, api_key_id) = (actor.map(|p| p.user_id), actor.and_then(|p| p.api_key));
    let mut columns = EventColumns::default();
    for change in changes {
        columns.ids.push(Uuid::now_v7());
        columns.actions.push(change.action.name());
        columns.entity_types.push(change.entity.name());
        columns.entity_ids.push(change.entity_id);
        let (before, after) = change.action.into_states();
        columns.befores.push(before);
        columns.afters.push(after);
    }
    diesel::sql_query(
        "INSERT INTO audit_events \
             (id, occurred_at, actor_id, api_key_id, action, entity_type, entity_id, before, after) \
         SELECT e.id, $1, $2, $3, e.action, e.entity_type, e.entity_id, e.before, e.after \
           FROM unnest($4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::jsonb[], $9::jsonb[]) \
                WITH ORDINALITY AS e (id, action, entity_type, entity_id, before, after, n) \
          ORDER BY e.n",
    )
    .bind::<Timestamptz, _>(occurred_at)
    .bind::<Nullable<SqlUuid>, _>(actor_id)
    .bind::<Nullable<SqlUuid>, _>(api_key_id)
    .bind::<Array<SqlUuid>, _>(columns.ids)
    .bind::<Array<Text>, _>(columns.actions)
    .bind::<Array<Text>, _>(columns.entity_types)
    .bind::<Array<SqlUuid>, _>(columns.entity_ids)
    .bind::<Array<Nullable<Jsonb>>, _>(columns.befores)
    .bind::<Array<Nullable<Jsonb>>, _>(columns.afters)
    .prepare_once()
    .execute(conn)
    .await?;
    Ok(())
}

/// The events to append, a column each (bound as arrays).
#[derive(Default)]
struct EventColumns {
    ids: Vec<Uuid>,
    actions: Vec<&'static str>,
    entity_types: Vec<&'static str>,
    entity_ids: Vec<Uuid>,
    befores: Vec<Option<Value>>,
    afters: Vec<Option<Value>>,
}

/// An event with its place in the transparency log, once integrated.
#[derive(Debug, Serialize)]
pub struct LoggedEvent {
    #[serde(flatten)]
    pub event: StoredEvent,
    pub leaf_index: Option<i64>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
}

/// Events in the order they were written, after the page's key (a sequence number).
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    page: PageRequest<i64>,
) -> QueryResult<Page<LoggedEvent>> {
    let mut query = audit_events::table
        .left_join(log_leaves::table.on(log_leaves::event_seq.eq(audit_events::seq)))
        .select((StoredEvent::as_select(), log_leaves::leaf_index.nullable()))
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
    let rows: Vec<(StoredEvent, Option<i64>)> = query.load(conn).await?;
    let logged = rows.into_iter().map(|(event, leaf_index)| LoggedEvent { event, leaf_index }).collect();
    Ok(Page::from_overfetch(logged, page.limit))
}
