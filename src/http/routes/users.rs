//! `/users` and `/members`: the workspace's members and their roles, managed by its admins.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::Scope;
use crate::services::users::{self, MemberInput, UserInput, UserPatch, UserView};

/// A new account, a member of this workspace.
pub async fn create(
    scope: Scope,
    Caller(caller): Caller,
    body: JsonBody<UserInput>,
) -> Result<Tagged<UserView>, ApiError> {
    let workspace = scope.workspace();
    let created =
        scope.write(async |conn| users::create(conn, Some(caller), workspace, body.0).await).await?;
    Ok(Tagged::created_at(format!("/users/{}", created.id), created))
}

pub async fn list(scope: Scope, query: Paged<NoFilter>) -> Result<Listed<UserView>, ApiError> {
    let (workspace, page) = (scope.workspace(), query.page()?);
    Ok(Listed::of_records(scope.read(async |conn| users::list(conn, workspace, page).await).await?))
}

pub async fn get(scope: Scope, id: web::Path<Uuid>) -> Result<Tagged<UserView>, ApiError> {
    let (workspace, id) = (scope.workspace(), *id);
    Ok(Tagged::ok(scope.read(async |conn| users::get(conn, workspace, id).await).await?))
}

/// Changes a member: the role here, and (see `users::update`) the account.
pub async fn update(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<UserPatch>,
) -> Result<Tagged<UserView>, ApiError> {
    let (workspace, id, principals) = (scope.workspace(), *id, scope.state().principals.clone());
    let saved = scope
        .write(async |conn| users::update(conn, &principals, caller, workspace, id, expected, body.0).await)
        .await?;
    Ok(Tagged::ok(saved))
}

/// An existing account joins this workspace.
pub async fn add_member(
    scope: Scope,
    Caller(caller): Caller,
    body: JsonBody<MemberInput>,
) -> Result<Tagged<UserView>, ApiError> {
    let workspace = scope.workspace();
    let added = scope.write(async |conn| users::add_member(conn, caller, workspace, body.0).await).await?;
    Ok(Tagged::created_at(format!("/users/{}", added.id), added))
}

/// A member leaves this workspace; the account stays.
pub async fn remove_member(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (workspace, id, principals) = (scope.workspace(), *id, scope.state().principals.clone());
    scope.write(async |conn| users::remove_member(conn, &principals, caller, workspace, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
