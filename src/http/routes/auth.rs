//! Signing in: access tokens for email + password, rotation of refresh tokens, and the
//! caller's own account.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::users::UserView;
use crate::db::audit::{self, Change};
use crate::db::refresh_token::{self, NewRefreshToken};
use crate::db::user::{self, User, UserChanges};
use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::middleware::access::Caller;
use crate::http::state::AppState;
use crate::services::auth::jwt::ACCESS_TOKEN_SECONDS;
use crate::services::auth::password;
use crate::services::auth::secret::{random_hex, sha256_hex};

/// How long a sign-in lasts without the password, if its refresh tokens keep rotating.
const REFRESH_TOKEN_DAYS: i64 = 30;
const REFRESH_TOKEN_PREFIX: &str = "rt_";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

#[derive(Serialize)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    refresh_token: String,
    refresh_expires_in: i64,
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("wrong email or password".into())
}

/// An access token and a new refresh token in `family`, stored hashed.
async fn issue_tokens(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    user: &User,
    family: Uuid,
) -> Result<HttpResponse, ApiError> {
    let access_token = state.keys.issue(user.id, user.token_generation).map_err(ApiError::internal)?;
    let refresh_token = format!("{REFRESH_TOKEN_PREFIX}{}", random_hex(32));
    refresh_token::insert(
        conn,
        NewRefreshToken {
            id: Uuid::now_v7(),
            user_id: user.id,
            family_id: family,
            token_sha256: sha256_hex(&refresh_token),
            expires_at: Utc::now() + Duration::days(REFRESH_TOKEN_DAYS),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token,
        refresh_expires_in: REFRESH_TOKEN_DAYS * 86_400,
    }))
}

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest { email, password } = body.0;
    let email = email.trim();
    let address = client_address(&req, &state.trusted_proxies);
    // The connection goes back to the pool before any wait or hash.
    let found = user::find_by_email(&mut *state.conn().await?, email).await?;
    // The throttle counts by the account the database finds (whatever case the email is
    // written in), or by the email itself when there is no such account.
    let account =
        found.as_ref().map_or_else(|| format!("unknown:{}", email.to_lowercase()), |u| u.id.to_string());
    let attempt = state.throttle.admit(&account, &address)?;
    tokio::time::sleep(attempt.delay).await;
    let matches = password::verify(password, found.as_ref().map(|u| u.password_hash.clone())).await?;
    let Some(user) = found.filter(|u| matches && u.disabled_at.is_none()) else {
        return Err(wrong_credentials());
    };
    state.throttle.succeeded(attempt);
    issue_tokens(&state, &mut *state.conn().await?, &user, Uuid::now_v7()).await
}

/// The address a request came from: the peer, unless the peer is a trusted proxy; then the
/// last address in `X-Forwarded-For` that is not itself a trusted proxy.
fn client_address(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else { return String::new() };
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        // An entry that is not an address was not written by a proxy we trust: stop there.
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client.to_string()
}

/// What presenting a refresh token led to.
enum Refresh {
    Rotated(Box<User>, Uuid),
    /// Already used or revoked: the family is now revoked, and the user's access tokens ended.
    Replayed(Uuid),
    Invalid,
}

pub async fn refresh(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let digest = sha256_hex(&body.0.refresh_token);
    let mut conn = state.conn().await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| {
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
        Refresh::Rotated(user, family) => issue_tokens(&state, &mut conn, &user, family).await,
        Refresh::Replayed(user_id) => {
            state.principals.forget_user(user_id);
            Err(ApiError::Unauthorized(
                "this refresh token was already used; every session descended from it is now signed out"
                    .into(),
            ))
        }
        Refresh::Invalid => Err(ApiError::Unauthorized("the refresh token is not valid".into())),
    }
}

pub async fn me(state: web::Data<AppState>, Caller(caller): Caller) -> Result<web::Json<UserView>, ApiError> {
    let user = user::find(&mut *state.conn().await?, caller.user_id).await?;
    Ok(web::Json(user.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password; every earlier access and refresh token stops working.
pub async fn change_password(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    if caller.api_key.is_some() {
        return Err(ApiError::Forbidden("an API key cannot change its user's password".into()));
    }
    let PasswordChange { current_password, new_password } = body.0;
    password::check_strength(&new_password).map_err(|e| ApiError::validation("/new_password", e))?;
    let mut conn = state.conn().await?;
    let current = user::find(&mut conn, caller.user_id).await?;
    if !password::verify(current_password, Some(current.password_hash.clone())).await? {
        return Err(ApiError::validation("/current_password", "is not your current password"));
    }
    let changes =
        UserChanges { password_hash: Some(password::hash(new_password).await?), ..UserChanges::default() };
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let updated =
            super::common::written(user::update(conn, current.id, current.version, changes).await?)?;
        refresh_token::revoke_user(conn, current.id).await?;
        // The hash itself never enters the trail; only that the password changed.
        audit::append(
            conn,
            Change {
                actor: Some(&caller),
                action: "change_password",
                entity_type: "user",
                entity_id: current.id,
                before: Some(serde_json::json!({ "version": current.version })),
                after: Some(serde_json::json!({ "version": updated.version })),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    state.principals.forget_user(caller.user_id);
    Ok(HttpResponse::NoContent().finish())
}
