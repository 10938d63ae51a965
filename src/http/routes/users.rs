//! `/users`: accounts and roles, managed by admins.

use actix_web::web;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::AppState;
use crate::services::users::{self, UserInput, UserPatch, UserView};

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<UserInput>,
) -> Result<Tagged<UserView>, ApiError> {
    let created = users::create(&mut *state.primary().await?, Some(caller), body.0).await?;
    Ok(Tagged::created_at(format!("/users/{}", created.id), created))
}

pub async fn list(state: web::Data<AppState>, query: Paged<NoFilter>) -> Result<Listed<UserView>, ApiError> {
    let found = users::list(&mut *state.primary().await?, query.page()?).await?;
    Ok(Listed::of_records(found))
}

pub async fn get(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<Tagged<UserView>, ApiError> {
    Ok(Tagged::ok(users::get(&mut *state.primary().await?, *id).await?))
}

/// Changes a user. A new role or password, or disabling, signs them out everywhere.
pub async fn update(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<UserPatch>,
) -> Result<Tagged<UserView>, ApiError> {
    let saved =
        users::update(&mut *state.primary().await?, &state.principals, caller, *id, expected, body.0).await?;
    Ok(Tagged::ok(saved))
}
