//! Signing in: access tokens for email + password, rotation of refresh tokens, and the
//! caller's own account.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::middleware::access::Caller;
use crate::http::state::AppState;
use crate::services::auth::{self, Tokens};
use crate::services::users::{self, AccountView};

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Tokens are credentials: no cache keeps them.
fn tokens(tokens: Tokens) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(tokens)
}

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest { email, password } = body.0;
    let address = client_address(&req, &state.trusted_proxies);
    let issued = auth::sign_in(&**state, &state.keys, &state.throttle, &email, password, &address).await?;
    Ok(tokens(issued))
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

pub async fn refresh(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.primary().await?;
    let issued = auth::refresh(&mut conn, &state.keys, &state.principals, &body.0.refresh_token).await?;
    Ok(tokens(issued))
}

pub async fn me(
    state: web::Data<AppState>,
    Caller(caller): Caller,
) -> Result<web::Json<AccountView>, ApiError> {
    Ok(web::Json(users::account(&mut *state.primary().await?, caller.user_id).await?))
}

/// Changes the caller's password; every earlier access and refresh token stops working.
pub async fn change_password(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let PasswordChange { current_password, new_password } = body.0;
    let mut conn = state.primary().await?;
    auth::change_password(&mut conn, &state.principals, caller, current_password, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
