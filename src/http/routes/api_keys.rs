//! `/api-keys`: credentials for machine clients, created by admins and shown once.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::api_key::{self, ApiKey, NewApiKey};
use crate::db::audit::{self, Change};
use crate::db::user;
use crate::domain::kinds::Role;
use crate::domain::text::Text;
use crate::http::error::ApiError;
use crate::http::extractors::{JsonBody, PageQuery};
use crate::http::middleware::access::{API_KEY_PREFIX, Caller};
use crate::http::responders::Listed;
use crate::http::state::AppState;
use crate::services::auth::secret::{random_hex, sha256_hex};

#[derive(Serialize)]
pub struct ApiKeyView {
    id: Uuid,
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
    key: ApiKeyView,
    secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    name: String,
    user_id: Uuid,
    role: Role,
}

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<ApiKeyInput>,
) -> Result<HttpResponse, ApiError> {
    let ApiKeyInput { name, user_id, role } = body.0;
    let name = Text::label(name).map_err(|e| ApiError::validation("/name", e))?;
    let mut conn = state.conn().await?;
    let owner = user::find(&mut conn, user_id)
        .await
        .map_err(|_| ApiError::validation("/user_id", format!("no user {user_id}")))?;
    if role > owner.role {
        return Err(ApiError::validation("/role", "a key cannot have more rights than its user"));
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
    let key = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let key = api_key::insert(conn, new).await?;
            let after = serde_json::to_value(ApiKeyView::from(key.clone())).map_err(ApiError::internal)?;
            audit::append(
                conn,
                Change {
                    actor: Some(&caller),
                    action: "create",
                    entity_type: "api_key",
                    entity_id: key.id,
                    before: None,
                    after: Some(after),
                },
            )
            .await?;
            Ok(key)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api-keys/{}", key.id)))
        .insert_header(("Cache-Control", "no-store"))
        .json(NewKeyView { key: key.into(), secret }))
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<Listed<ApiKeyView>, ApiError> {
    let page = query.page()?;
    let rows = api_key::list(&mut *state.conn().await?, page).await?;
    Ok(Listed::from_page(rows, ApiKeyView::from, |row| row.id))
}

/// Revokes a key at once; it is kept (revoked) for the record.
pub async fn revoke(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let mut conn = state.conn().await?;
    let before = serde_json::to_value(ApiKeyView::from(api_key::find(&mut conn, id).await?))
        .map_err(ApiError::internal)?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let revoked = api_key::revoke(conn, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("the key is already revoked".into()))?;
        let after = serde_json::to_value(ApiKeyView::from(revoked)).map_err(ApiError::internal)?;
        audit::append(
            conn,
            Change {
                actor: Some(&caller),
                action: "revoke",
                entity_type: "api_key",
                entity_id: id,
                before: Some(before),
                after: Some(after),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    state.principals.forget_api_key(id);
    Ok(HttpResponse::NoContent().finish())
}
