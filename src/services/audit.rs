//! Reading the audit trail, and checking that nobody rewrote it.

use diesel_async::AsyncPgConnection;

use super::{ServiceError, ServiceResult};
use crate::db::audit::{self, AuditFilter, LoggedEvent};
use crate::db::review::Item;
use crate::db::{Page, PageRequest};
use crate::domain::Principal;
use crate::domain::audit::Entity;
use crate::domain::kinds::Role;

/// Entities whose history only admins read (accounts, memberships, credentials, settings,
/// webhooks).
const ADMIN_ONLY: [Entity; 5] =
    [Entity::User, Entity::ApiKey, Entity::Membership, Entity::Workspace, Entity::Webhook];

/// The trail, filtered by entity or actor, in the order it was written. Only admins read the whole trail
/// or the history of accounts and credentials.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: Option<Principal>,
    filter: &AuditFilter,
    page: PageRequest<i64>,
) -> ServiceResult<Page<LoggedEvent>> {
    let admin = caller.is_some_and(|c| c.at_least(Role::Admin));
    match filter.entity_type.as_deref() {
        Some(kind) if ADMIN_ONLY.iter().any(|e| e.name() == kind) && !admin => {
            return Err(ServiceError::Forbidden(format!("the history of {kind} records is for admins")));
        }
        None if !admin => {
            return Err(ServiceError::Forbidden(
                "reading the whole trail is for admins; name an entity_type".into(),
            ));
        }
        _ => {}
    }
    Ok(audit::list(conn, filter, page).await?)
}

/// Who changed a quote or claim, how and when: its audit events, oldest first. The history
/// outlives a deletion, but the item must have existed.
pub async fn history(
    conn: &mut AsyncPgConnection,
    item: Item,
    page: PageRequest<i64>,
) -> ServiceResult<Page<LoggedEvent>> {
    let filter = AuditFilter {
        entity_type: Some(item.entity().name().to_owned()),
        entity_id: Some(item.id()),
        actor_id: None,
    };
    let events = audit::list(conn, &filter, page).await?;
    if events.rows.is_empty() && page.after.is_none() {
        super::reviews::state_of(conn, item).await?;
    }
    Ok(events)
}
