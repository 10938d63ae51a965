//! Webhook subscriptions, the events a change emits (its outbox rows) and their deliveries.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Interval, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::prepared::PrepareOnce;
use super::{Page, PageRequest};
use crate::db::schema::{webhook_deliveries, webhook_events, webhook_subscriptions};

/// No `Debug`: it holds the signing secret, which is never logged.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct NewSubscription {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub created_by: Uuid,
}

/// What a change sets; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewSubscription) -> QueryResult<Subscription> {
    diesel::insert_into(webhook_subscriptions::table)
        .values(new)
        .returning(Subscription::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Subscription> {
    webhook_subscriptions::table.find(id).select(Subscription::as_select()).first(conn).await
}

pub async fn list(conn: &mut AsyncPgConnection, page: PageRequest) -> QueryResult<Page<Subscription>> {
    let mut query = webhook_subscriptions::table
        .select(Subscription::as_select())
        .order(webhook_subscriptions::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(webhook_subscriptions::id.gt(after));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

/// Writes the changes at `version`; none when the subscription has moved on since.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    changes: SubscriptionChanges,
) -> QueryResult<Option<Subscription>> {
    diesel::update(
        webhook_subscriptions::table
            .filter(webhook_subscriptions::id.eq(id))
            .filter(webhook_subscriptions::version.eq(version)),
    )
    .set((
        changes,
        webhook_subscriptions::version.eq(version + 1),
        webhook_subscriptions::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Subscription::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Deletes it, its deliveries with it; false when it was not there.
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::delete(webhook_subscriptions::table.filter(webhook_subscriptions::id.eq(id)))
        .execute(conn)
        .await
        .map(|deleted| deleted == 1)
}

/// Whether an enabled subscription of the workspace wants events of this type.
pub async fn is_wanted(conn: &mut AsyncPgConnection, event_type: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        webhook_subscriptions::table
            .filter(webhook_subscriptions::enabled)
            .filter(webhook_subscriptions::event_types.contains(vec![event_type])),
    ))
    .get_result(conn)
    .await
}

/// An event as the change that emits it writes it.
pub struct Outgoing {
    pub id: Uuid,
    pub event_type: &'static str,
    pub subject_id: Uuid,
    pub body: String,
}

/// Stores the events some enabled subscription wants, with one delivery per such
/// subscription, in the order given: one statement, in the caller's transaction. Events no
/// subscription wants are not stored. The number of deliveries made.
pub async fn enqueue(conn: &mut AsyncPgConnection, events: &[Outgoing]) -> QueryResult<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let types: Vec<&str> = events.iter().map(|e| e.event_type).collect();
    let subjects: Vec<Uuid> = events.iter().map(|e| e.subject_id).collect();
    let bodies: Vec<&str> = events.iter().map(|e| e.body.as_str()).collect();
    diesel::sql_query(
        "WITH emitted AS ( \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) \
                 WITH ORDINALITY AS e (id, type, subject_id, body, n)), \
         wanted AS ( \
             SELECT e.id, e.subject_id, e.n, s.id AS subscription_id FROM emitted e \
             JOIN webhook_subscriptions s ON s.enabled AND e.type = ANY (s.event_types)), \
         stored AS ( \
             INSERT INTO webhook_events (id, type, subject_id, body) \
             SELECT id, type, subject_id, body FROM emitted WHERE id IN (SELECT id FROM wanted)) \
         INSERT INTO webhook_deliveries (subscription_id, event_id, subject_id) \
         SELECT subscription_id, id, subject_id FROM wanted ORDER BY n, subscription_id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(types)
    .bind::<Array<SqlUuid>, _>(subjects)
    .bind::<Array<Text>, _>(bodies)
    .prepare_once()
    .execute(conn)
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFilter {
    pub state: Option<DeliveryState>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    pub id: Uuid,
    pub seq: i64,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub attempt_log: Value,
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A delivery with what it carries.
pub type DeliveryOfEvent = (Delivery, String, String);

type DeliveriesOfEvents = diesel::dsl::Select<
    diesel::dsl::InnerJoin<webhook_deliveries::table, webhook_events::table>,
    (diesel::dsl::AsSelect<Delivery, diesel::pg::Pg>, webhook_events::event_type, webhook_events::body),
>;

fn deliveries_of_events() -> DeliveriesOfEvents {
    webhook_deliveries::table.inner_join(webhook_events::table).select((
        Delivery::as_select(),
        webhook_events::event_type,
        webhook_events::body,
    ))
}

/// A subscription's deliveries in the order they were made, with each event's type and body.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    filter: &DeliveryFilter,
    page: PageRequest<i64>,
) -> QueryResult<Page<DeliveryOfEvent>> {
    let mut query = deliveries_of_events()
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .limit(page.limit + 1)
        .into_boxed();
    query = match (page.newest_first, page.after) {
        (false, after) => {
            query.order(webhook_deliveries::seq).filter(webhook_deliveries::seq.gt(after.unwrap_or(0)))
        }
        (true, None) => query.order(webhook_deliveries::seq.desc()),
        (true, Some(after)) => {
            query.order(webhook_deliveries::seq.desc()).filter(webhook_deliveries::seq.lt(after))
        }
    };
    if let Some(state) = filter.state {
        query = query.filter(webhook_deliveries::state.eq(state.name()));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

pub async fn delivery(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    id: Uuid,
) -> QueryResult<DeliveryOfEvent> {
    deliveries_of_events()
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .filter(webhook_deliveries::id.eq(id))
        .first(conn)
        .await
}

/// A new delivery of the event `original` carried, to the same subscription.
pub async fn redeliver(conn: &mut AsyncPgConnection, original: &Delivery) -> QueryResult<Delivery> {
    let subject_id: Uuid =
        webhook_events::table.find(original.event_id).select(webhook_events::subject_id).first(conn).await?;
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::subscription_id.eq(original.subscription_id),
            webhook_deliveries::event_id.eq(original.event_id),
            webhook_deliveries::subject_id.eq(subject_id),
            webhook_deliveries::redelivery_of.eq(original.id),
        ))
        .returning(Delivery::as_returning())
        .get_result(conn)
        .await
}

/// A delivery a worker has taken to send (no `Debug`: it holds the secret).
#[derive(QueryableByName)]
pub struct Leased {
    #[diesel(sql_type = SqlUuid)]
    pub delivery_id: Uuid,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Text)]
    pub secret: String,
}

/// Takes up to `how_many` due deliveries of any workspace for `lease` (see
/// `attest_webhook_lease`).
pub async fn lease(
    conn: &mut AsyncPgConnection,
    how_many: i32,
    lease: std::time::Duration,
) -> QueryResult<Vec<Leased>> {
    let lease = diesel::data_types::PgInterval::from_microseconds(
        i64::try_from(lease.as_micros()).unwrap_or(i64::MAX),
    );
    diesel::sql_query("SELECT * FROM attest_webhook_lease($1, $2)")
        .bind::<Integer, _>(how_many)
        .bind::<Interval, _>(lease)
        .load(conn)
        .await
}

/// What one attempt came to.
#[derive(Debug)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub delivered: bool,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub duration_ms: i32,
    /// When to try again; none gives the delivery up.
    pub retry_at: Option<DateTime<Utc>>,
    pub attempted_at: DateTime<Utc>,
}

/// Records the attempts, in one statement (see `attest_webhook_settle`).
pub async fn settle(conn: &mut AsyncPgConnection, attempts: &[Attempt]) -> QueryResult<()> {
    diesel::sql_query(
        "SELECT attest_webhook_settle(a.delivery, a.delivered, a.status, a.error, a.excerpt, a.duration_ms, \
                                     a.retry_at, a.attempted_at) \
         FROM unnest($1::uuid[], $2::boolean[], $3::integer[], $4::text[], $5::text[], $6::integer[], \
                     $7::timestamptz[], $8::timestamptz[]) \
         AS a (delivery, delivered, status, error, excerpt, duration_ms, retry_at, attempted_at)",
    )
    .bind::<Array<SqlUuid>, _>(attempts.iter().map(|a| a.delivery_id).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(attempts.iter().map(|a| a.delivered).collect::<Vec<_>>())
    .bind::<Array<Nullable<Integer>>, _>(attempts.iter().map(|a| a.status).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(attempts.iter().map(|a| a.error.as_deref()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(
        attempts.iter().map(|a| a.response_excerpt.as_deref()).collect::<Vec<_>>(),
    )
    .bind::<Array<Integer>, _>(attempts.iter().map(|a| a.duration_ms).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(attempts.iter().map(|a| a.retry_at).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(attempts.iter().map(|a| a.attempted_at).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(drop)
}
