//! Reading the audit trail, and checking that nobody rewrote it.

use actix_web::web;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::resource::Resource;
use crate::db::Page;
use crate::db::audit::{self, AuditEvent, AuditFilter, Verification};
use crate::domain::Principal;
use crate::domain::kinds::Role;
use crate::http::error::ApiError;
use crate::http::extractors::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::http::responders::Listed;
use crate::http::state::AppState;

/// Entities whose history only admins read (accounts and credentials).
const ADMIN_ONLY: &[&str] = &["user", "api_key"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    entity_type: Option<String>,
    entity_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    limit: Option<i64>,
    /// The `seq` of the last event seen.
    cursor: Option<String>,
}

fn page(limit: Option<i64>, cursor: Option<&str>) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::BadParameter(format!("limit must be between 1 and {MAX_PAGE_SIZE}")));
    }
    let after = cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::BadParameter("cursor is not one this server issued".into()))
        })
        .transpose()?
        .unwrap_or(0);
    Ok((after, limit))
}

/// Events with an opaque cursor: the last event's sequence number.
fn listed(events: Page<AuditEvent>) -> Listed<AuditEvent> {
    let next_cursor = events.has_more.then(|| events.rows.last().map(|e| e.seq.to_string())).flatten();
    Listed { items: events.rows, next_cursor }
}

/// The trail, filtered by entity or actor, in chain order.
pub async fn list(
    state: web::Data<AppState>,
    caller: Option<web::ReqData<Principal>>,
    query: web::Query<AuditQuery>,
) -> Result<Listed<AuditEvent>, ApiError> {
    let query = query.into_inner();
    let admin = caller.is_some_and(|c| c.at_least(Role::Admin));
    let entity_type = match query.entity_type {
        Some(t) if ADMIN_ONLY.contains(&t.as_str()) && !admin => {
            return Err(ApiError::Forbidden(format!("the history of {t} records is for admins")));
        }
        Some(t) => Some(t),
        None if !admin => {
            return Err(ApiError::Forbidden(
                "reading the whole trail is for admins; name an entity_type".into(),
            ));
        }
        None => None,
    };
    let (after, limit) = page(query.limit, query.cursor.as_deref())?;
    let filter = AuditFilter { entity_type, entity_id: query.entity_id, actor_id: query.actor_id };
    Ok(listed(audit::list(&mut *state.conn().await?, &filter, after, limit).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Who changed a quote or claim, how and when: its audit events, oldest first.
pub async fn history<R: Resource>(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> Result<Listed<AuditEvent>, ApiError> {
    let (after, limit) = page(query.limit, query.cursor.as_deref())?;
    let mut conn = state.conn().await?;
    // The history outlives a deletion, but the id must have existed.
    let filter =
        AuditFilter { entity_type: Some(R::ENTITY.to_owned()), entity_id: Some(*id), actor_id: None };
    let events = audit::list(&mut conn, &filter, after, limit).await?;
    if events.rows.is_empty() && after == 0 {
        R::find(&mut conn, *id).await?;
    }
    Ok(listed(events))
}

#[derive(Serialize)]
pub struct VerifyReport {
    ok: bool,
    #[serde(flatten)]
    verification: Verification,
}

/// Walks the whole chain (admins; also `attest audit verify`).
pub async fn verify(state: web::Data<AppState>) -> Result<web::Json<VerifyReport>, ApiError> {
    let verification = audit::verify(&mut *state.conn().await?).await?;
    Ok(web::Json(VerifyReport { ok: verification.first_broken.is_none(), verification }))
}
