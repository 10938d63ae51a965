//! `/api-keys`: credentials for machine clients of one workspace, created by its admins and
//! shown once.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::Listed;
use crate::http::state::Scope;
use crate::services::api_keys::{self, ApiKeyInput, ApiKeyView};

pub async fn create(
    scope: Scope,
    Caller(caller): Caller,
    body: JsonBody<ApiKeyInput>,
) -> Result<HttpResponse, ApiError> {
    let created = scope.write(async |conn| api_keys::create(conn, caller, body.0).await).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api-keys/{}", created.key.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(created))
}

pub async fn list(scope: Scope, query: Paged<NoFilter>) -> Result<Listed<ApiKeyView>, ApiError> {
    let page = query.page()?;
    let found = scope.read(async |conn| api_keys::list(conn, page).await).await?;
    Ok(Listed::from_page(found, |key| key, |key| key.id))
}

/// Revokes a key at once; it is kept (revoked) for the record.
pub async fn revoke(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (id, principals) = (*id, scope.state().principals.clone());
    scope.write(async |conn| api_keys::revoke(conn, &principals, caller, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
