//! `/webhooks`: a workspace's subscriptions and their delivery logs, managed by its admins.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::db::webhook::DeliveryFilter;
use crate::domain::webhook::{SubscriptionChangeInput, SubscriptionInput};
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::Scope;
use crate::services::webhooks::{self, DeliveryDetail, DeliveryView, WebhookView};

pub async fn create(
    scope: Scope,
    Caller(caller): Caller,
    body: JsonBody<SubscriptionInput>,
) -> Result<HttpResponse, ApiError> {
    let targets = scope.state().webhook_targets;
    let created = scope.write(async |conn| webhooks::create(conn, caller, targets, body.0).await).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/webhooks/{}", created.webhook.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

pub async fn list(scope: Scope, query: Paged<NoFilter>) -> Result<Listed<WebhookView>, ApiError> {
    let page = query.page()?;
    let found = scope.read(async |conn| webhooks::list(conn, page).await).await?;
    Ok(Listed::from_page(found, |webhook| webhook, |webhook| webhook.id))
}

pub async fn get(scope: Scope, id: web::Path<Uuid>) -> Result<Tagged<WebhookView>, ApiError> {
    Ok(Tagged::ok(scope.read(async |conn| webhooks::get(conn, *id).await).await?))
}

pub async fn update(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<SubscriptionChangeInput>,
) -> Result<Tagged<WebhookView>, ApiError> {
    let targets = scope.state().webhook_targets;
    let updated = scope
        .write(async |conn| webhooks::update(conn, caller, targets, *id, expected, body.0).await)
        .await?;
    Ok(Tagged::ok(updated))
}

pub async fn delete(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    scope.write(async |conn| webhooks::delete(conn, caller, *id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The subscription's delivery log, oldest first or (`sort=-created_at`) newest first.
pub async fn deliveries(
    scope: Scope,
    id: web::Path<Uuid>,
    query: Paged<DeliveryFilter>,
) -> Result<Listed<DeliveryView>, ApiError> {
    let (filter, page) = (&query.filter, query.sorted_page()?);
    let found = scope.read(async |conn| webhooks::deliveries(conn, *id, filter, page).await).await?;
    Ok(Listed::from_page(found, |(_, delivery)| delivery, |(seq, _)| *seq))
}

pub async fn delivery(
    scope: Scope,
    ids: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<DeliveryDetail>, ApiError> {
    let (id, delivery_id) = *ids;
    Ok(web::Json(scope.read(async |conn| webhooks::delivery(conn, id, delivery_id).await).await?))
}

/// Sends a delivered or failed delivery's event again, as a new delivery.
pub async fn redeliver(scope: Scope, ids: web::Path<(Uuid, Uuid)>) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = *ids;
    let again = scope.write(async |conn| webhooks::redeliver(conn, id, delivery_id).await).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/webhooks/{id}/deliveries/{}", again.id)))
        .json(again))
}
