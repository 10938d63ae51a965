//! Who is calling: passwords, access tokens, API key secrets, the sign-in throttle and the
//! cache of verified callers.

pub mod jwt;
pub mod password;
pub mod principals;
pub mod secret;
pub mod throttle;

use chrono::{Duration, Utc};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::{Connections, ServiceError, ServiceResult, records::written};
use crate::db::transaction;
use crate::db::user::{self, User, UserChanges};
use crate::db::workspace;
use crate::db::{api_key, audit, refresh_token};
use crate::domain::audit::{Action, AuditEvent, Entity};
use crate::domain::workspace::Slug;
use crate::domain::{Membership, Principal};
use jwt::{ACCESS_TOKEN_SECONDS, KeyRing};
use principals::{Credential, PrincipalCache};
use refresh_token::NewRefreshToken;
use secret::{random_hex, sha256_hex};
use throttle::Throttle;

/// API keys read `atk_<prefix>_<secret>`; the prefix finds the key, the secret proves it.
pub const API_KEY_PREFIX: &str = "atk_";
/// How long a sign-in lasts without the password, if its refresh tokens keep rotating.
const REFRESH_TOKEN_DAYS: i64 = 30;
const REFRESH_TOKEN_PREFIX: &str = "rt_";

/// What signing in or refreshing gives: a short-lived access token and a refresh token.
#[derive(Serialize)]
pub struct Tokens {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    refresh_token: String,
    refresh_expires_in: i64,
}

/// An access token and a new refresh token in `family`, stored hashed.
async fn issue_tokens(
    conn: &mut AsyncPgConnection,
    keys: &KeyRing,
    user: &User,
    family: Uuid,
) -> ServiceResult<Tokens> {
    let access_token = keys.issue(user.id, user.token_generation).map_err(ServiceError::internal)?;
    let refresh_token = format!("{REFRESH_TOKEN_PREFIX}{}", random_hex(32));
    let new = NewRefreshToken {
        id: Uuid::now_v7(),
        user_id: user.id,
        family_id: family,
        token_sha256: sha256_hex(&refresh_token),
        expires_at: Utc::now() + Duration::days(REFRESH_TOKEN_DAYS),
    };
    refresh_token::insert(conn, new).await?;
    Ok(Tokens {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token,
        refresh_expires_in: REFRESH_TOKEN_DAYS * 86_400,
    })
}

/// Email and password for tokens, throttled by account and by the client's `address`.
pub async fn sign_in(
    db: &impl Connections,
    keys: &KeyRing,
    throttle: &Throttle,
    email: &str,
    password: String,
    address: &str,
) -> ServiceResult<Tokens> {
    let email = email.trim();
    // The connection goes back to the pool before any wait or hash.
    let found = user::find_by_email(&mut *db.primary().await?, email).await?;
    // The throttle counts by the account the database finds (whatever case the email is
    // written in), or by the email itself when there is no such account.
    let account =
        found.as_ref().map_or_else(|| format!("unknown:{}", email.to_lowercase()), |u| u.id.to_string());
    let attempt = throttle.admit(&account, address)?;
    tokio::time::sleep(attempt.delay).await;
    let matches = password::verify(password, found.as_ref().map(|u| u.password_hash.clone())).await?;
    let Some(user) = found.filter(|u| matches && u.disabled_at.is_none()) else {
        return Err(ServiceError::Unauthenticated("wrong email or password".into()));
    };
    throttle.succeeded(attempt);
    issue_tokens(&mut *db.primary().await?, keys, &user, Uuid::now_v7()).await
}

/// What presenting a refresh token led to.
enum Refresh {
    Rotated(Box<User>, Uuid),
    /// Already used or revoked: the family is now revoked, and the user's access tokens ended.
    Replayed(Uuid),
    Invalid,
}

/// A refresh token for new tokens; it is used up. A token presented twice signs out every
/// session descended from it.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    keys: &KeyRing,
    principals: &PrincipalCache,
    refresh_token: &str,
) -> ServiceResult<Tokens> {
    let digest = sha256_hex(refresh_token);
    let outcome = transaction::atomically::<_, ServiceError>(conn, async |conn| {
        let Some(token) = refresh_token::find_for_update(conn, &digest).await? else {
            return Ok(Refresh::Invalid);
        };
        if token.used_at.is_some() || token.revoked_at.is_some() {
            let revoked = refresh_token::revoke_family(conn, token.family_id).await?;
            // An access token does not name its family, so all of the user's end: the
            // thief's with them. The user's other sign-ins get new ones by refreshing.
            user::end_access_tokens(conn, token.user_id).await?;
            tracing::warn!(family = %token.family_id, revoked, "refresh token reused; family revoked");
            return Ok(Refresh::Replayed(token.user_id));
        }
        if token.expires_at < Utc::now() {
            return Ok(Refresh::Invalid);
        }
        let user = user::find(conn, token.user_id).await?;
        if user.disabled_at.is_some() {
            return Ok(Refresh::Invalid);
        }
        refresh_token::mark_used(conn, token.id).await?;
        Ok(Refresh::Rotated(Box::new(user), token.family_id))
    })
    .await?;
    match outcome {
        Refresh::Rotated(user, family) => issue_tokens(conn, keys, &user, family).await,
        Refresh::Replayed(user_id) => {
            principals.forget_user(user_id);
            Err(ServiceError::Unauthenticated(
                "this refresh token was already used; every session descended from it is now signed out"
                    .into(),
            ))
        }
        Refresh::Invalid => Err(ServiceError::Unauthenticated("the refresh token is not valid".into())),
    }
}

/// Changes the caller's password; every earlier access and refresh token stops working.
pub async fn change_password(
    conn: &mut AsyncPgConnection,
    principals: &PrincipalCache,
    caller: Principal,
    current_password: String,
    new_password: String,
) -> ServiceResult<()> {
    if caller.api_key.is_some() {
        return Err(ServiceError::Forbidden("an API key cannot change its user's password".into()));
    }
    password::check_strength(&new_password).map_err(|e| ServiceError::validation("/new_password", e))?;
    let current = user::find(conn, caller.user_id).await?;
    if !password::verify(current_password, Some(current.password_hash.clone())).await? {
        return Err(ServiceError::validation("/current_password", "is not your current password"));
    }
    let changes =
        UserChanges { password_hash: Some(password::hash(new_password).await?), ..UserChanges::default() };
    transaction::atomically::<_, ServiceError>(conn, async move |conn| {
        let updated = written(user::update(conn, current.id, current.version, changes).await?)?;
        refresh_token::revoke_user(conn, current.id).await?;
        let action =
            Action::ChangePassword { version_before: current.version, version_after: updated.version };
        audit::append(conn, Some(&caller), AuditEvent::new(Entity::User, current.id, action)).await?;
        Ok(())
    })
    .await?;
    principals.forget_user(caller.user_id);
    Ok(())
}

/// Where a request acts: outside any workspace (the caller's own account, the list of
/// workspaces), or in the workspace it names (`None`: it named none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Acting {
    OnAccount,
    InWorkspace(Option<Slug>),
}

/// The caller behind a bearer credential: an API key (`atk_...`) or an access token, with its
/// role in the workspace the request acts in. A workspace that does not exist and one the
/// caller is not a member of are both not found, so existence does not leak. An API key acts
/// in its own workspace only, with at most its user's role there. Verified callers are
/// remembered for a while (`principals`), so most requests cost no database round trip.
pub async fn authenticate(
    db: &impl Connections,
    keys: &KeyRing,
    principals: &PrincipalCache,
    credential: &str,
    acting: &Acting,
) -> ServiceResult<Principal> {
    let invalid = || ServiceError::Unauthenticated("the credentials are not valid".into());
    let cached = match credential.strip_prefix(API_KEY_PREFIX) {
        Some(_) => Credential::ApiKey { secret_sha256: sha256_hex(credential) },
        None => {
            let claims = keys.verify(credential).map_err(|reason| {
                tracing::info!(%reason, "access token refused");
                invalid()
            })?;
            Credential::Token { user_id: claims.sub, generation: claims.tgen }
        }
    };
    if let Some(principal) = principals.get(&cached, acting) {
        return Ok(principal);
    }
    // Checked only once a token's signature is: a forged token costs no database round trip.
    let mut conn = db.primary().await?;
    let principal = match &cached {
        Credential::ApiKey { secret_sha256 } => {
            let rest = credential.strip_prefix(API_KEY_PREFIX).unwrap_or_default();
            let (prefix, _) = rest.split_once('_').ok_or_else(invalid)?;
            let key = api_key::find_live_by_prefix(&mut conn, prefix).await?.ok_or_else(invalid)?;
            // A guessed secret costs no more than the lookup by its prefix.
            if key.secret_sha256 != *secret_sha256 {
                return Err(invalid());
            }
            let owner = user::find(&mut conn, key.user_id).await?;
            if owner.disabled_at.is_some() {
                return Err(invalid());
            }
            // Touched when checked, so `last_used_at` is as fresh as the cache allows.
            api_key::touch(&mut conn, key.id).await?;
            // A key whose user left its workspace acts for nobody.
            let owner_role = workspace::scoped(&mut conn, key.workspace_id, Some(owner.id), async |conn| {
                workspace::role_of(conn, key.workspace_id, owner.id).await
            })
            .await?
            .ok_or_else(invalid)?;
            let membership = match acting {
                Acting::OnAccount => None,
                Acting::InWorkspace(named) => {
                    if let Some(slug) = named {
                        let found = workspace::find_by_slug(&mut conn, slug.as_str()).await?;
                        if found.is_none_or(|w| w.id != key.workspace_id) {
                            return Err(no_such_workspace(slug));
                        }
                    }
                    Some(Membership { workspace: key.workspace_id, role: key.role.min(owner_role) })
                }
            };
            Principal { user_id: owner.id, api_key: Some(key.id), instance_admin: false, membership }
        }
        Credential::Token { user_id, generation } => {
            let user = user::find(&mut conn, *user_id).await.optional()?.ok_or_else(invalid)?;
            if user.disabled_at.is_some() || user.token_generation != *generation {
                return Err(ServiceError::Unauthenticated(
                    "the token is no longer valid; sign in again".into(),
                ));
            }
            let membership = match acting {
                Acting::OnAccount => None,
                Acting::InWorkspace(named) => {
                    let slug = named.clone().unwrap_or_else(Slug::default_workspace);
                    let found = workspace::scoped(&mut conn, None, Some(user.id), async |conn| {
                        workspace::membership_by_slug(conn, slug.as_str(), user.id).await
                    })
                    .await?;
                    match found {
                        Some((workspace, Some(role))) => Some(Membership { workspace, role }),
                        _ => return Err(no_such_workspace(&slug)),
                    }
                }
            };
            Principal { user_id: user.id, api_key: None, instance_admin: user.instance_admin, membership }
        }
    };
    principals.put(cached, acting.clone(), principal);
    Ok(principal)
}

fn no_such_workspace(slug: &Slug) -> ServiceError {
    ServiceError::NotFound(format!("no workspace \"{}\" that you are a member of", slug.as_str()))
}
