//! API keys: credentials for machine clients of one workspace, created by its admins and
//! shown once.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::API_KEY_PREFIX;
use super::auth::principals::PrincipalCache;
use super::auth::secret::{random_hex, sha256_hex};
use super::records::{page_of, to_json};
use super::{ServiceError, ServiceResult};
use crate::db::api_key::{self, ApiKey, NewApiKey};
use crate::db::transaction;
use crate::db::{Page, PageRequest, audit, workspace};
use crate::domain::Principal;
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::kinds::Role;
use crate::domain::text::Text;

#[derive(Serialize)]
pub struct ApiKeyView {
    pub id: Uuid,
    user_id: Uuid,
    name: String,
    role: Role,
    prefix: String,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked: bool,
}

impl From<ApiKey> for ApiKeyView {
    fn from(row: ApiKey) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            role: row.role,
            prefix: row.prefix,
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked: row.revoked_at.is_some(),
        }
    }
}

/// The new key, with its secret: the only time it is shown.
#[derive(Serialize)]
pub struct NewKeyView {
    #[serde(flatten)]
    pub key: ApiKeyView,
    pub secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    pub name: String,
    pub user_id: Uuid,
    pub role: Role,
}

/// A key of the workspace the transaction acts in, for `user_id`, with at most the user's
/// role there; its secret is in the answer only.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    input: ApiKeyInput,
) -> ServiceResult<NewKeyView> {
    let ApiKeyInput { name, user_id, role } = input;
    let name = Text::label(name).map_err(|e| ServiceError::validation("/name", e))?;
    // The key acts in this workspace, for a member of it.
    let here = workspace::current(conn).await?.id;
    let owner_role = workspace::role_of(conn, here, user_id).await?.ok_or_else(|| {
        ServiceError::validation("/user_id", format!("no member {user_id} in this workspace"))
    })?;
    if role > owner_role {
        return Err(ServiceError::validation(
            "/role",
            "a key cannot have more rights than its user has here",
        ));
    }
    let prefix = random_hex(6);
    let secret = format!("{API_KEY_PREFIX}{prefix}_{}", random_hex(32));
    let new = NewApiKey {
        id: Uuid::now_v7(),
        user_id,
        name: name.into_inner(),
        role,
        prefix,
        secret_sha256: sha256_hex(&secret),
        created_by: caller.user_id,
    };
    transaction::atomically(conn, async move |conn| {
        let key = ApiKeyView::from(api_key::insert(conn, new).await?);
        let event = AuditEvent::new(Entity::ApiKey, key.id, Action::Create { after: to_json(&key)? });
        audit::append(conn, Some(&caller), event).await?;
        Ok(NewKeyView { key, secret })
    })
    .await
}

pub async fn list(conn: &mut AsyncPgConnection, page: PageRequest) -> ServiceResult<Page<ApiKeyView>> {
    Ok(page_of(api_key::list(conn, page).await?, ApiKeyView::from))
}

/// Revokes a key at once; it is kept (revoked) for the record.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    principals: &PrincipalCache,
    caller: Principal,
    id: Uuid,
) -> ServiceResult<()> {
    let before = to_json(&ApiKeyView::from(api_key::find(conn, id).await?))?;
    transaction::atomically::<_, ServiceError>(conn, async move |conn| {
        let revoked = api_key::revoke(conn, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("the key is already revoked".into()))?;
        let action = Action::Revoke { before, after: to_json(&ApiKeyView::from(revoked))? };
        audit::append(conn, Some(&caller), AuditEvent::new(Entity::ApiKey, id, action)).await?;
        Ok(())
    })
    .await?;
    principals.forget_api_key(id);
    Ok(())
}
