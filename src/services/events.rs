//! The outbox: a change writes the events it makes in its own transaction, for the webhook
//! subscriptions that want them; the delivery worker (`webhook_delivery`) sends them.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::ServiceResult;
use crate::db::webhook::{self, Outgoing};
use crate::domain::audit::Entity;
use crate::domain::webhook::EventType;

/// Something that happened, for the subscriptions that want it.
#[derive(Debug)]
pub struct Event {
    pub event_type: EventType,
    /// The quote, claim or source it is about: events about one subject are delivered in order.
    pub subject_id: Uuid,
    pub data: Value,
}

/// A verdict on a quote or claim no longer matches what it judged.
pub fn verdict_stale(entity: Entity, id: Uuid, reasons: &[String], since: DateTime<Utc>) -> Event {
    Event {
        event_type: EventType::VerdictStale,
        subject_id: id,
        data: json!({ "item_type": entity.name(), "item_id": id, "reasons": reasons, "stale_since": since }),
    }
}

/// Writes the events in the caller's transaction, so they are sent if and only if the change
/// commits. Events no subscription wants cost one indexed look-up and are not stored.
pub async fn emit(conn: &mut AsyncPgConnection, events: Vec<Event>) -> ServiceResult<()> {
    let timestamp = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let outgoing = events
        .into_iter()
        .map(|event| {
            let body = json!({ "type": event.event_type.name(), "timestamp": timestamp, "data": event.data });
            Outgoing {
                id: Uuid::now_v7(),
                event_type: event.event_type.name(),
                subject_id: event.subject_id,
                body: body.to_string(),
            }
        })
        .collect::<Vec<_>>();
    webhook::enqueue(conn, &outgoing).await?;
    Ok(())
}

/// Whether an enabled subscription wants events of this type: for events whose data costs a
/// query to gather.
pub async fn is_wanted(conn: &mut AsyncPgConnection, event_type: EventType) -> ServiceResult<bool> {
    Ok(webhook::is_wanted(conn, event_type.name()).await?)
}
