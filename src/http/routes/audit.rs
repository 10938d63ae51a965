//! Reading the audit trail, and checking that nobody rewrote it.

use actix_web::web;
use serde::Serialize;
use uuid::Uuid;

use super::reviews::Reviewed;
use crate::db::audit::{AuditFilter, LoggedEvent};
use crate::domain::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{NoFilter, Paged};
use crate::http::responders::Listed;
use crate::http::state::{AppState, Scope};
use crate::services::audit;
use crate::services::log::{self, Verification};

/// The trail, filtered by entity or actor, in the order it was written.
pub async fn list(
    scope: Scope,
    caller: Option<web::ReqData<Principal>>,
    query: Paged<AuditFilter>,
) -> Result<Listed<LoggedEvent>, ApiError> {
    let (caller, filter, page) = (caller.map(|c| *c), &query.filter, query.page()?);
    let events = scope.read(async |conn| audit::list(conn, caller, filter, page).await).await?;
    Ok(Listed::from_page(events, |logged| logged, |logged| logged.event.seq))
}

/// Who changed a quote or claim, how and when: its audit events, oldest first.
pub async fn history<R: Reviewed>(
    scope: Scope,
    id: web::Path<Uuid>,
    query: Paged<NoFilter>,
) -> Result<Listed<LoggedEvent>, ApiError> {
    let (item, page) = (R::item(*id), query.page()?);
    let events = scope.read(async |conn| audit::history(conn, item, page).await).await?;
    Ok(Listed::from_page(events, |logged| logged, |logged| logged.event.seq))
}

#[derive(Serialize)]
pub struct VerifyReport {
    ok: bool,
    #[serde(flatten)]
    verification: Verification,
}

/// Walks the whole transparency log, recomputing the workspace's own events (admins; the
/// owner of the database recomputes every event with `attest audit verify`).
pub async fn verify(state: web::Data<AppState>, scope: Scope) -> Result<web::Json<VerifyReport>, ApiError> {
    let public_key = state.log_key.public_key();
    let verification = scope.read(async |conn| log::verify(conn, Some(public_key)).await).await?;
    Ok(web::Json(VerifyReport { ok: verification.first_broken.is_none(), verification }))
}
