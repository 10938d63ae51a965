//! Webhooks: a workspace's admins subscribe receivers to events (`events` writes them, the
//! delivery worker `webhook_delivery` sends them), and read and replay the delivery log.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::records::{Saved, page_of, to_json, version_to_replace, written};
use super::{ServiceError, ServiceResult};
use crate::db::transaction;
use crate::db::webhook::{
    self, Delivery, DeliveryFilter, DeliveryOfEvent, NewSubscription, Subscription, SubscriptionChanges,
};
use crate::db::{Page, PageRequest, audit};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::webhook::{
    EventType, SubscriptionChange, SubscriptionChangeInput, SubscriptionDraft, SubscriptionInput, is_public,
    secret_from,
};
use crate::domain::{ExpectedVersion, Principal};

/// Which targets subscriptions may name.
#[derive(Debug, Clone, Copy)]
pub struct TargetPolicy {
    /// Private, loopback and link-local addresses too (a receiver inside the newsroom's
    /// network); refused by default.
    pub allow_private: bool,
}

/// Longest a target's host may take to resolve when a subscription is written.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

impl TargetPolicy {
    /// Refuses a target whose host is, or resolves to, an address the policy does not allow.
    pub async fn check(&self, url: &url::Url, pointer: &str) -> ServiceResult<()> {
        if self.allow_private {
            return Ok(());
        }
        let refused = |address| {
            ServiceError::validation(
                pointer,
                format!(
                    "{address} is a private, loopback or link-local address; this server does not send webhooks there"
                ),
            )
        };
        let port = url.port_or_known_default().unwrap_or(443);
        match url.host() {
            Some(url::Host::Ipv4(v4)) if !is_public(v4.into()) => Err(refused(v4.to_string())),
            Some(url::Host::Ipv6(v6)) if !is_public(v6.into()) => Err(refused(v6.to_string())),
            Some(url::Host::Domain(name)) => {
                let lookup = tokio::net::lookup_host((name, port));
                let addresses = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .map(|found| found.map(|socket| socket.ip()).collect::<Vec<_>>())
                    .filter(|found| !found.is_empty())
                    .ok_or_else(|| {
                        ServiceError::validation(pointer, format!("the host {name} does not resolve"))
                    })?;
                match addresses.into_iter().find(|address| !is_public(*address)) {
                    Some(private) => Err(refused(format!("{name} ({private})"))),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// A subscription as admins read it: never its secret.
#[derive(Debug, Serialize)]
pub struct WebhookView {
    pub id: Uuid,
    url: String,
    event_types: Vec<String>,
    description: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i32,
}

fn view(row: Subscription) -> Saved<WebhookView> {
    Saved {
        id: row.id,
        version: row.version,
        view: WebhookView {
            id: row.id,
            url: row.url,
            event_types: row.event_types,
            description: row.description,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            disabled_at: row.disabled_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        },
    }
}

/// A new subscription, with its signing secret: the only time it is shown.
#[derive(Serialize)]
pub struct NewWebhookView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub secret: String,
}

fn type_names(types: &[EventType]) -> Vec<String> {
    types.iter().map(|t| t.name().to_owned()).collect()
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    targets: TargetPolicy,
    input: SubscriptionInput,
) -> ServiceResult<NewWebhookView> {
    let draft = SubscriptionDraft::try_from(input)?;
    targets.check(&draft.url, "/url").await?;
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let new = NewSubscription {
        id: Uuid::now_v7(),
        url: draft.url.into(),
        event_types: type_names(&draft.event_types),
        description: draft.description.map(|d| d.into_inner()),
        secret: secret_from(key),
        created_by: caller.user_id,
    };
    transaction::atomically(conn, async move |conn| {
        let row = webhook::insert(conn, new).await?;
        let secret = row.secret.clone();
        let webhook = view(row).view;
        let event =
            AuditEvent::new(Entity::Webhook, webhook.id, Action::Create { after: to_json(&webhook)? });
        audit::append(conn, Some(&caller), event).await?;
        Ok(NewWebhookView { webhook, secret })
    })
    .await
}

pub async fn list(conn: &mut AsyncPgConnection, page: PageRequest) -> ServiceResult<Page<WebhookView>> {
    Ok(page_of(webhook::list(conn, page).await?, |row| view(row).view))
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<WebhookView>> {
    Ok(view(webhook::find(conn, id).await?))
}

/// Changes a subscription at the version the admin read. Re-enabling one clears why the
/// server disabled it; its deliveries held meanwhile go out again.
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    targets: TargetPolicy,
    id: Uuid,
    expected: ExpectedVersion,
    input: SubscriptionChangeInput,
) -> ServiceResult<Saved<WebhookView>> {
    let change = SubscriptionChange::try_from(input)?;
    if let Some(url) = &change.url {
        targets.check(url, "/url").await?;
    }
    let current = webhook::find(conn, id).await?;
    let version = version_to_replace(&expected, current.version)?;
    let before = to_json(&view(current).view)?;
    let reenabled = change.enabled == Some(true);
    let changes = SubscriptionChanges {
        url: change.url.map(Into::into),
        event_types: change.event_types.as_deref().map(type_names),
        description: change.description.map(|d| d.map(|d| d.into_inner())),
        enabled: change.enabled,
        disabled_reason: reenabled.then_some(None),
        disabled_at: reenabled.then_some(None),
    };
    transaction::atomically(conn, async move |conn| {
        let updated = view(written(webhook::update(conn, id, version, changes).await?)?);
        let action = Action::Update { before, after: to_json(&updated.view)? };
        audit::append(conn, Some(&caller), AuditEvent::new(Entity::Webhook, id, action)).await?;
        Ok(updated)
    })
    .await
}

/// Deletes a subscription and its delivery log; events waiting for it are not sent.
pub async fn delete(conn: &mut AsyncPgConnection, caller: Principal, id: Uuid) -> ServiceResult<()> {
    let before = to_json(&view(webhook::find(conn, id).await?).view)?;
    transaction::atomically(conn, async move |conn| {
        if !webhook::delete(conn, id).await? {
            return Err(diesel::result::Error::NotFound.into());
        }
        audit::append(conn, Some(&caller), AuditEvent::new(Entity::Webhook, id, Action::Delete { before }))
            .await?;
        Ok(())
    })
    .await
}

/// A delivery as its log shows it.
#[derive(Debug, Serialize)]
pub struct DeliveryView {
    pub id: Uuid,
    event_id: Uuid,
    event_type: String,
    state: String,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_status: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    redelivery_of: Option<Uuid>,
}

impl DeliveryView {
    fn of(row: Delivery, event_type: String) -> Self {
        Self {
            id: row.id,
            event_id: row.event_id,
            event_type,
            next_attempt_at: (row.state == "pending").then_some(row.next_attempt_at),
            state: row.state,
            attempts: row.attempts,
            last_attempt_at: row.last_attempt_at,
            last_status: row.last_status,
            last_error: row.last_error,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
            redelivery_of: row.redelivery_of,
        }
    }
}

/// A delivery with the body it sends and its attempts.
#[derive(Debug, Serialize)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    delivery: DeliveryView,
    payload: Value,
    attempt_log: Value,
}

/// A page of the subscription's delivery log.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    filter: &DeliveryFilter,
    page: PageRequest<i64>,
) -> ServiceResult<Page<(i64, DeliveryView)>> {
    webhook::find(conn, subscription_id).await?;
    let found = webhook::deliveries(conn, subscription_id, filter, page).await?;
    Ok(page_of(found, |(row, event_type, _)| (row.seq, DeliveryView::of(row, event_type))))
}

fn detail((row, event_type, body): DeliveryOfEvent) -> ServiceResult<DeliveryDetail> {
    let payload = serde_json::from_str(&body).map_err(ServiceError::internal)?;
    let attempt_log = row.attempt_log.clone();
    Ok(DeliveryDetail { delivery: DeliveryView::of(row, event_type), payload, attempt_log })
}

pub async fn delivery(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    id: Uuid,
) -> ServiceResult<DeliveryDetail> {
    detail(webhook::delivery(conn, subscription_id, id).await?)
}

/// Sends the delivery's event again, as a new delivery with the same `webhook-id`: for a
/// receiver that lost or refused it. One still being tried is left to its retries.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    id: Uuid,
) -> ServiceResult<DeliveryView> {
    let (original, event_type, _) = webhook::delivery(conn, subscription_id, id).await?;
    if original.state == "pending" {
        return Err(ServiceError::Conflict(
            "the delivery is still being tried; redeliver it once it is delivered or failed".into(),
        ));
    }
    let again = webhook::redeliver(conn, &original).await?;
    Ok(DeliveryView::of(again, event_type))
}
