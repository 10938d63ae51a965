//! `/api-keys`: credentials for machine clients, created by admins and shown once.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::Listed;
use crate::http::state::AppState;
use crate::services::api_keys::{self, ApiKeyInput, ApiKeyView};

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<ApiKeyInput>,
) -> Result<HttpResponse, ApiError> {
    let created = api_keys::create(&mut *state.primary().await?, caller, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api-keys/{}", created.key.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

pub async fn list(
    state: web::Data<AppState>,
    query: Paged<NoFilter>,
) -> Result<Listed<ApiKeyView>, ApiError> {
    let found = api_keys::list(&mut *state.primary().await?, query.page()?).await?;
    Ok(Listed::from_page(found, |key| key, |key| key.id))
}

/// Revokes a key at once; it is kept (revoked) for the record.
pub async fn revoke(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    api_keys::revoke(&mut *state.primary().await?, &state.principals, caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
