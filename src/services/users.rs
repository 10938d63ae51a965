//! Accounts and roles, managed by admins (and the first admin by `attest user add`).

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::password;
use super::auth::principals::PrincipalCache;
use super::records::{Saved, page_of, to_json, version_to_replace, written};
use super::{ServiceError, ServiceResult};
use crate::db::user::{self, NewUser, User, UserChanges};
use crate::db::{Page, PageRequest, audit, refresh_token};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::kinds::Role;
use crate::domain::text::Text;
use crate::domain::{ExpectedVersion, Principal};

/// A user as the API shows it: never the password hash.
#[derive(Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<String>,
    pub disabled: Option<bool>,
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

fn saved(user: User) -> Saved<UserView> {
    Saved { id: user.id, version: user.version, view: UserView::from(user) }
}

/// Creates an account. `actor` is the admin who did, none for the command line.
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Option<Principal>,
    input: UserInput,
) -> ServiceResult<Saved<UserView>> {
    let email = parse_email(&input.email).map_err(|e| ServiceError::validation("/email", e))?;
    let display_name =
        Text::label(input.display_name).map_err(|e| ServiceError::validation("/display_name", e))?;
    password::check_strength(&input.password).map_err(|e| ServiceError::validation("/password", e))?;
    let password_hash = password::hash(input.password).await?;
    let new = NewUser {
        id: Uuid::now_v7(),
        email,
        display_name: display_name.into_inner(),
        role: input.role,
        password_hash,
    };
    conn.transaction(async move |conn| {
        let created = user::insert(conn, new).await?;
        let saved = saved(created);
        let event = AuditEvent::new(Entity::User, saved.id, Action::Create { after: to_json(&saved.view)? });
        audit::append(conn, actor.as_ref(), event).await?;
        Ok(saved)
    })
    .await
}

pub async fn list(conn: &mut AsyncPgConnection, page: PageRequest) -> ServiceResult<Page<Saved<UserView>>> {
    Ok(page_of(user::list(conn, page).await?, saved))
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<Saved<UserView>> {
    Ok(saved(user::find(conn, id).await?))
}

/// Changes a user. A new role or password, or disabling, signs them out everywhere. An admin
/// cannot demote or disable themselves, and an API key never sets a password.
pub async fn update(
    conn: &mut AsyncPgConnection,
    principals: &PrincipalCache,
    caller: Principal,
    id: Uuid,
    expected: ExpectedVersion,
    patch: UserPatch,
) -> ServiceResult<Saved<UserView>> {
    let current = user::find(conn, id).await?;
    if current.id == caller.user_id
        && (patch.role.is_some_and(|r| r < Role::Admin) || patch.disabled == Some(true))
    {
        return Err(ServiceError::validation("/role", "an admin cannot demote or disable themselves"));
    }
    let changes = changes_of(&caller, &current, patch).await?;
    // The change is checked first; only a valid change is then held against the version.
    let version = version_to_replace(&expected, current.version)?;
    let ends_sessions = changes.ends_sessions();
    let before = to_json(&UserView::from(current))?;
    let saved = conn
        .transaction(async move |conn| {
            let updated = written(user::update(conn, id, version, changes).await?)?;
            if ends_sessions {
                refresh_token::revoke_user(conn, id).await?;
            }
            let saved = saved(updated);
            let action = Action::Update { before, after: to_json(&saved.view)? };
            audit::append(conn, Some(&caller), AuditEvent::new(Entity::User, id, action)).await?;
            Ok::<_, ServiceError>(saved)
        })
        .await?;
    if ends_sessions {
        principals.forget_user(id);
    }
    Ok(saved)
}

/// The stored change a patch asks for, checked (and a new password hashed).
async fn changes_of(caller: &Principal, current: &User, patch: UserPatch) -> ServiceResult<UserChanges> {
    let display_name = patch
        .display_name
        .map(Text::label)
        .transpose()
        .map_err(|e| ServiceError::validation("/display_name", e))?;
    let password_hash = match patch.password {
        // A key is a machine's credential: a stolen one must not become a person's password.
        Some(_) if caller.api_key.is_some() => {
            return Err(ServiceError::Forbidden(
                "an API key cannot change a password; sign in as a person".into(),
            ));
        }
        Some(new_password) => {
            password::check_strength(&new_password).map_err(|e| ServiceError::validation("/password", e))?;
            Some(password::hash(new_password).await?)
        }
        None => None,
    };
    Ok(UserChanges {
        display_name: display_name.map(Text::into_inner),
        role: patch.role.filter(|role| *role != current.role),
        password_hash,
        disabled_at: patch.disabled.map(|disabled| disabled.then(Utc::now)),
    })
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
