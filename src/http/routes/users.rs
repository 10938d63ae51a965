//! `/users`: accounts and roles, managed by admins.

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::common::written;
use crate::db::audit::{self, Change};
use crate::db::refresh_token;
use crate::db::user::{self, NewUser, User, UserChanges};
use crate::domain::Principal;
use crate::domain::kinds::Role;
use crate::domain::text::Text;
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, PageQuery};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged};
use crate::http::state::AppState;
use crate::services::auth::password;

/// A user as the API shows it: never the password hash.
#[derive(Serialize)]
pub struct UserView {
    id: Uuid,
    email: String,
    display_name: String,
    role: Role,
    disabled: bool,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(row: User) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            disabled: row.disabled_at.is_some(),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    email: String,
    display_name: String,
    role: Role,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
}

/// A plausible address: something@domain, no spaces, at most 254 bytes.
pub fn parse_email(email: &str) -> Result<String, String> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        });
    if valid { Ok(email.to_owned()) } else { Err("must be an email address".into()) }
}

/// Creates an account; shared with `attest user add`.
pub async fn add_user(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: Option<Principal>,
    email: &str,
    display_name: String,
    role: Role,
    new_password: String,
) -> Result<User, ApiError> {
    let email = parse_email(email).map_err(|e| ApiError::validation("/email", e))?;
    let display_name = Text::label(display_name).map_err(|e| ApiError::validation("/display_name", e))?;
    password::check_strength(&new_password).map_err(|e| ApiError::validation("/password", e))?;
    let password_hash = password::hash(new_password).await?;
    let new =
        NewUser { id: Uuid::now_v7(), email, display_name: display_name.into_inner(), role, password_hash };
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let created = user::insert(conn, new).await?;
        audit::append(
            conn,
            Change {
                actor: actor.as_ref(),
                action: "create",
                entity_type: "user",
                entity_id: created.id,
                before: None,
                after: Some(view_json(&created)?),
            },
        )
        .await?;
        Ok(created)
    })
    .await
}

/// A user as the audit trail records it: the API's view, never the password hash.
fn view_json(user: &User) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(UserView::from(user.clone())).map_err(ApiError::internal)
}

pub async fn create(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<UserInput>,
) -> Result<Tagged<UserView>, ApiError> {
    let UserInput { email, display_name, role, password } = body.0;
    let created =
        add_user(&mut *state.conn().await?, Some(caller), &email, display_name, role, password).await?;
    Ok(Tagged::created(format!("/users/{}", created.id), created.version, created.into()))
}

pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<Listed<UserView>, ApiError> {
    let page = query.page()?;
    let rows = user::list(&mut *state.conn().await?, page).await?;
    Ok(Listed::from_page(rows, UserView::from, |row| row.id))
}

pub async fn get(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<Tagged<UserView>, ApiError> {
    let found = user::find(&mut *state.conn().await?, *id).await?;
    Ok(Tagged::ok(found.version, found.into()))
}

/// Changes a user. A new role or password, or disabling, signs them out everywhere.
pub async fn update(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<UserPatch>,
) -> Result<Tagged<UserView>, ApiError> {
    let patch = body.0;
    let mut conn = state.conn().await?;
    let current = user::find(&mut conn, *id).await?;
    if current.id == caller.user_id
        && (patch.role.is_some_and(|r| r < Role::Admin) || patch.disabled == Some(true))
    {
        return Err(ApiError::validation("/role", "an admin cannot demote or disable themselves"));
    }
    let display_name = patch
        .display_name
        .map(Text::label)
        .transpose()
        .map_err(|e| ApiError::validation("/display_name", e))?;
    let password_hash = match patch.password {
        // A key is a machine's credential: a stolen one must not become a person's password.
        Some(_) if caller.api_key.is_some() => {
            return Err(ApiError::Forbidden(
                "an API key cannot change a password; sign in as a person".into(),
            ));
        }
        Some(new_password) => {
            password::check_strength(&new_password).map_err(|e| ApiError::validation("/password", e))?;
            Some(password::hash(new_password).await?)
        }
        None => None,
    };
    // The change is checked first; only a valid change is then held against the version.
    let version = if_match.version_to_replace(current.version)?;
    let changes = UserChanges {
        display_name: display_name.map(Text::into_inner),
        role: patch.role.filter(|role| *role != current.role),
        password_hash,
        disabled_at: patch.disabled.map(|disabled| disabled.then(Utc::now)),
    };
    let ends_sessions = changes.ends_sessions();
    let before = view_json(&current)?;
    let updated = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let updated = written(user::update(conn, current.id, version, changes).await?)?;
            if ends_sessions {
                refresh_token::revoke_user(conn, updated.id).await?;
            }
            audit::append(
                conn,
                Change {
                    actor: Some(&caller),
                    action: "update",
                    entity_type: "user",
                    entity_id: updated.id,
                    before: Some(before),
                    after: Some(view_json(&updated)?),
                },
            )
            .await?;
            Ok(updated)
        })
        .await?;
    if ends_sessions {
        state.principals.forget_user(updated.id);
    }
    Ok(Tagged::ok(updated.version, updated.into()))
}

#[cfg(test)]
mod tests {
    use super::parse_email;

    #[test]
    fn emails() {
        assert_eq!(parse_email(" ana@news.example ").unwrap(), "ana@news.example");
        for bad in ["ana", "@news.example", "ana@news", "a na@news.example", "ana@.example"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
