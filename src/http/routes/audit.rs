//! Reading the audit trail, and checking that nobody rewrote it.

use actix_web::web;
use serde::Serialize;
use uuid::Uuid;

use super::reviews::Reviewed;
use crate::db::audit::{AuditFilter, StoredEvent, Verification};
use crate::domain::Principal;
use crate::http::error::ApiError;
use crate::http::extractors::{NoFilter, Paged};
use crate::http::responders::Listed;
use crate::http::state::AppState;
use crate::services::audit;

/// The trail, filtered by entity or actor, in chain order.
pub async fn list(
    state: web::Data<AppState>,
    caller: Option<web::ReqData<Principal>>,
    query: Paged<AuditFilter>,
) -> Result<Listed<StoredEvent>, ApiError> {
    let caller = caller.map(|c| *c);
    let events = audit::list(&mut *state.primary().await?, caller, &query.filter, query.page()?).await?;
    Ok(Listed::from_page(events, |event| event, |event| event.seq))
}

/// Who changed a quote or claim, how and when: its audit events, oldest first.
pub async fn history<R: Reviewed>(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Paged<NoFilter>,
) -> Result<Listed<StoredEvent>, ApiError> {
    let events = audit::history(&mut *state.primary().await?, R::item(*id), query.page()?).await?;
    Ok(Listed::from_page(events, |event| event, |event| event.seq))
}

#[derive(Serialize)]
pub struct VerifyReport {
    ok: bool,
    #[serde(flatten)]
    verification: Verification,
}

/// Walks the whole chain (admins; also `attest audit verify`).
pub async fn verify(state: web::Data<AppState>) -> Result<web::Json<VerifyReport>, ApiError> {
    let verification = audit::verify(&mut *state.primary().await?).await?;
    Ok(web::Json(VerifyReport { ok: verification.first_broken.is_none(), verification }))
}
