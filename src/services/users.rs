//! Accounts and their roles in a workspace, managed by the workspace's admins (and the first
//! admin by `attest user add`). An account is instance-wide; its role is per workspace.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::password;
use super::auth::principals::PrincipalCache;
use super::records::{Saved, page_of, to_json, version_to_replace, written};
use super::{ServiceError, ServiceResult};
use crate::db::transaction;
use crate::db::user::{self, NewUser, User, UserChanges};
use crate::db::{Page, PageRequest, audit, refresh_token, workspace};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::kinds::Role;
use crate::domain::text::Text;
use crate::domain::{ExpectedVersion, Principal};

/// A member as the API shows it: never the password hash.
#[derive(Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The role in the workspace the request names.
    pub role: Role,
    pub instance_admin: bool,
    pub disabled: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserView {
    fn of(row: User, role: Role) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role,
            instance_admin: row.instance_admin,
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
    /// Only an instance administrator makes another.
    #[serde(default)]
    pub instance_admin: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<String>,
    pub disabled: Option<bool>,
}

/// The caller's own account, with every workspace it belongs to.
#[derive(Serialize)]
pub struct AccountView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub instance_admin: bool,
    pub workspaces: Vec<MembershipView>,
}

#[derive(Serialize)]
pub struct MembershipView {
    pub slug: String,
    pub name: String,
    pub role: Role,
}

/// An existing account joining the workspace.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub email: String,
    pub role: Role,
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

fn saved(user: User, role: Role) -> Saved<UserView> {
    Saved { id: user.id, version: user.version, view: UserView::of(user, role) }
}

/// Creates an account, a member of `in_workspace` with the input's role. `actor` is the admin
/// who did, none for the command line. Runs inside the workspace's transaction.
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Option<Principal>,
    in_workspace: Uuid,
    input: UserInput,
) -> ServiceResult<Saved<UserView>> {
    let email = parse_email(&input.email).map_err(|e| ServiceError::validation("/email", e))?;
    let display_name =
        Text::label(input.display_name).map_err(|e| ServiceError::validation("/display_name", e))?;
    if input.instance_admin && actor.is_some_and(|a| !a.instance_admin) {
        return Err(ServiceError::Forbidden("only an instance administrator makes another".into()));
    }
    password::check_strength(&input.password).map_err(|e| ServiceError::validation("/password", e))?;
    let password_hash = password::hash(input.password).await?;
    let new = NewUser {
        id: Uuid::now_v7(),
        email,
        display_name: display_name.into_inner(),
        password_hash,
        instance_admin: input.instance_admin,
    };
    let role = input.role;
    transaction::atomically(conn, async move |conn| {
        let created = user::insert(conn, new).await?;
        workspace::set_role(conn, in_workspace, created.id, role).await?;
        let saved = saved(created, role);
        let event = AuditEvent::new(Entity::User, saved.id, Action::Create { after: to_json(&saved.view)? });
        audit::append(conn, actor.as_ref(), event).await?;
        Ok(saved)
    })
    .await
}

/// An account as its owner sees it.
pub async fn account(conn: &mut AsyncPgConnection, id: Uuid) -> ServiceResult<AccountView> {
    let user = user::find(conn, id).await?;
    let memberships =
        workspace::scoped(conn, None, Some(id), async |conn| workspace::memberships_of(conn, id).await)
            .await?;
    let workspaces = memberships
        .into_iter()
        .map(|(workspace, role)| MembershipView { slug: workspace.slug, name: workspace.settings.name, role })
        .collect();
    Ok(AccountView {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        instance_admin: user.instance_admin,
        workspaces,
    })
}

/// The members of `in_workspace`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    in_workspace: Uuid,
    page: PageRequest,
) -> ServiceResult<Page<Saved<UserView>>> {
    Ok(page_of(workspace::members(conn, in_workspace, page).await?, |(user, role)| saved(user, role)))
}

/// A member of `in_workspace`; anyone else is not found, whether or not the account exists.
pub async fn get(
    conn: &mut AsyncPgConnection,
    in_workspace: Uuid,
    id: Uuid,
) -> ServiceResult<Saved<UserView>> {
    let not_found = || ServiceError::NotFound(format!("no member {id} in this workspace"));
    let role = workspace::role_of(conn, in_workspace, id).await?.ok_or_else(not_found)?;
    Ok(saved(user::find(conn, id).await?, role))
}

/// Changes a member. The role is the workspace's to change; the account itself (name,
/// password, disabled) is shared by every workspace it belongs to, so a workspace admin
/// changes it only while it belongs to theirs alone, and an instance administrator always.
/// A new password, or disabling, signs the user out everywhere. An admin cannot demote or
/// disable themselves, and an API key never sets a password.
pub async fn update(
    conn: &mut AsyncPgConnection,
    principals: &PrincipalCache,
    caller: Principal,
    in_workspace: Uuid,
    id: Uuid,
    expected: ExpectedVersion,
    patch: UserPatch,
) -> ServiceResult<Saved<UserView>> {
    let current = get(conn, in_workspace, id).await?;
    if current.id == caller.user_id
        && (patch.role.is_some_and(|r| r < Role::Admin) || patch.disabled == Some(true))
    {
        return Err(ServiceError::validation("/role", "an admin cannot demote or disable themselves"));
    }
    let new_role = patch.role.filter(|role| *role != current.view.role);
    let changes = changes_of(&caller, patch).await?;
    if !changes.is_empty() && !caller.instance_admin && workspace::workspace_count(conn, id).await? > 1 {
        return Err(ServiceError::Forbidden(
            "this account belongs to other workspaces too: an instance administrator changes it".into(),
        ));
    }
    // The change is checked first; only a valid change is then held against the version.
    let version = version_to_replace(&expected, current.version)?;
    let ends_sessions = changes.ends_sessions();
    let before = to_json(&current.view)?;
    let saved = transaction::atomically(conn, async move |conn| {
        // The version moves with any change, the role's included: it is the member's ETag.
        let updated = written(user::update(conn, id, version, changes).await?)?;
        let role = new_role.unwrap_or(current.view.role);
        if new_role.is_some() {
            workspace::set_role(conn, in_workspace, id, role).await?;
        }
        if ends_sessions {
            refresh_token::revoke_user(conn, id).await?;
        }
        let saved = saved(updated, role);
        let action = Action::Update { before, after: to_json(&saved.view)? };
        audit::append(conn, Some(&caller), AuditEvent::new(Entity::User, id, action)).await?;
        Ok::<_, ServiceError>(saved)
    })
    .await?;
    principals.forget_user(id);
    Ok(saved)
}

/// An existing account joins `in_workspace` as `input.role`. Who has an account is not
/// secret from a workspace admin; what other workspaces it belongs to is.
pub async fn add_member(
    conn: &mut AsyncPgConnection,
    caller: Principal,
    in_workspace: Uuid,
    input: MemberInput,
) -> ServiceResult<Saved<UserView>> {
    let email = parse_email(&input.email).map_err(|e| ServiceError::validation("/email", e))?;
    let account = user::find_by_email(conn, &email).await?.ok_or_else(|| {
        ServiceError::validation("/email", "no account has this address; create it with POST /users")
    })?;
    if workspace::role_of(conn, in_workspace, account.id).await?.is_some() {
        return Err(ServiceError::Conflict("already a member of this workspace".into()));
    }
    let role = input.role;
    transaction::atomically(conn, async move |conn| {
        workspace::set_role(conn, in_workspace, account.id, role).await?;
        let saved = saved(account, role);
        let event =
            AuditEvent::new(Entity::Membership, saved.id, Action::Create { after: to_json(&saved.view)? });
        audit::append(conn, Some(&caller), event).await?;
        Ok(saved)
    })
    .await
}

/// Ends a membership; the account stays. An admin cannot remove themselves.
pub async fn remove_member(
    conn: &mut AsyncPgConnection,
    principals: &PrincipalCache,
    caller: Principal,
    in_workspace: Uuid,
    id: Uuid,
) -> ServiceResult<()> {
    if id == caller.user_id {
        return Err(ServiceError::Conflict("an admin cannot remove themselves".into()));
    }
    let before = to_json(&get(conn, in_workspace, id).await?.view)?;
    transaction::atomically::<_, ServiceError>(conn, async move |conn| {
        workspace::remove_member(conn, in_workspace, id).await?;
        let event = AuditEvent::new(Entity::Membership, id, Action::Delete { before });
        audit::append(conn, Some(&caller), event).await?;
        Ok(())
    })
    .await?;
    principals.forget_user(id);
    Ok(())
}

/// The stored change a patch asks for, checked (and a new password hashed).
async fn changes_of(caller: &Principal, patch: UserPatch) -> ServiceResult<UserChanges> {
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
            assert!(parse_email(bad).is_err(), "{bad:?}");
        }
    }
}
