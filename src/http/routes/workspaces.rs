//! `/workspaces` (instance administrators create them; anyone lists theirs) and `/workspace`
//! (the settings of the workspace a request names, kept by its admins).

use actix_web::web;

use crate::domain::workspace::{SettingsInput, WorkspaceInput};
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, NoFilter, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::{AppState, Scope};
use crate::services::workspaces::{self, WorkspaceView};

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<WorkspaceInput>,
) -> Result<Tagged<WorkspaceView>, ApiError> {
    let created = workspaces::create(&mut *state.primary().await?, caller, body.0).await?;
    Ok(Tagged::created_at("/workspace".to_owned(), created))
}

pub async fn list(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    query: Paged<NoFilter>,
) -> Result<Listed<WorkspaceView>, ApiError> {
    let found = workspaces::list(&mut *state.primary().await?, caller, query.page()?).await?;
    Ok(Listed::of_records(found))
}

pub async fn get(scope: Scope) -> Result<Tagged<WorkspaceView>, ApiError> {
    Ok(Tagged::ok(scope.read(async |conn| workspaces::get(conn).await).await?))
}

pub async fn update(
    scope: Scope,
    Caller(caller): Caller,
    IfMatch(expected): IfMatch,
    body: JsonBody<SettingsInput>,
) -> Result<Tagged<WorkspaceView>, ApiError> {
    Ok(Tagged::ok(scope.write(async |conn| workspaces::update(conn, caller, expected, body.0).await).await?))
}
