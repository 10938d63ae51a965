//! Authentication: strict access tokens, sign-in, refresh-token rotation, sessions ended by
//! password and role changes.

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, json, problem};

const TEST_SECRET: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn sign(claims: &Value, kid: &str, secret_hex: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.into());
    encode(&header, claims, &EncodingKey::from_secret(&hex::decode(secret_hex).unwrap())).unwrap()
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.request_as(Some(token), Method::GET, "/me").send().await.unwrap()
}

#[tokio::test]
async fn forged_expired_and_incomplete_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let now = Utc::now().timestamp();
    let sub = app.reviewer.id.to_string();
    let good =
        json!({"sub": sub, "iss": "attest", "aud": "attest-api", "iat": now, "exp": now + 600, "tgen": 1});
    assert_eq!(me(&app, &sign(&good, "test", TEST_SECRET)).await.status(), StatusCode::OK);

    let without = |field: &str| {
        let mut claims = good.clone();
        claims.as_object_mut().unwrap().remove(field);
        claims
    };
    let mut expired = good.clone();
    expired["exp"] = json!(now - 3600);
    expired["iat"] = json!(now - 7200);
    let mut exp_as_string = good.clone();
    exp_as_string["exp"] = json!((now + 600).to_string());
    let mut wrong_audience = good.clone();
    wrong_audience["aud"] = json!("someone-else");
    let alg_none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT", "kid": "test"})), b64(&good));
    let cases = [
        ("alg none", alg_none),
        ("another key", sign(&good, "test", &"77".repeat(32))),
        ("unknown kid", sign(&good, "retired", TEST_SECRET)),
        ("expired", sign(&expired, "test", TEST_SECRET)),
        ("no aud", sign(&without("aud"), "test", TEST_SECRET)),
        ("no iss", sign(&without("iss"), "test", TEST_SECRET)),
        ("no iat", sign(&without("iat"), "test", TEST_SECRET)),
        ("no exp", sign(&without("exp"), "test", TEST_SECRET)),
        ("exp as a string", sign(&exp_as_string, "test", TEST_SECRET)),
        ("wrong audience", sign(&wrong_audience, "test", TEST_SECRET)),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let response = me(&app, &token).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"), "{case}");
        problem(response, StatusCode::UNAUTHORIZED).await;
    }
    let basic = app.request_as(None, Method::GET, "/me").basic_auth("a", Some("b")).send().await.unwrap();
    problem(basic, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn signing_in_and_refreshing_rotates_tokens_and_catches_replays() {
    let app = TestApp::spawn().await;
    let sign_in = |password: &'static str| {
        app.request_as(None, Method::POST, "/auth/token")
            .json(&json!({"email": app.reviewer.email, "password": password}))
            .send()
    };
    let wrong = problem(sign_in("not the password").await.unwrap(), StatusCode::UNAUTHORIZED).await;
    let unknown = app
        .request_as(None, Method::POST, "/auth/token")
        .json(&json!({"email": "nobody@news.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let unknown = problem(unknown, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong["detail"], unknown["detail"], "no hint whether the account exists");

    let response = sign_in(PASSWORD).await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens = json(response, StatusCode::OK).await;
    assert_eq!(tokens["token_type"], "Bearer");
    let profile = json(me(&app, tokens["access_token"].as_str().unwrap()).await, StatusCode::OK).await;
    assert_eq!(profile["workspaces"], json!([{"slug": "default", "name": "Default", "role": "reviewer"}]));
    assert!(profile.get("password_hash").is_none());

    let refresh = |token: Value| {
        app.request_as(None, Method::POST, "/auth/refresh").json(&json!({ "refresh_token": token })).send()
    };
    let first = tokens["refresh_token"].clone();
    let rotated = json(refresh(first.clone()).await.unwrap(), StatusCode::OK).await;
    assert_ne!(rotated["refresh_token"], first);
    assert_eq!(me(&app, rotated["access_token"].as_str().unwrap()).await.status(), StatusCode::OK);

    // The first token again: a replay. It fails, and the whole family is revoked with it.
    problem(refresh(first).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    problem(refresh(rotated["refresh_token"].clone()).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    problem(refresh(json!("rt_made_up")).await.unwrap(), StatusCode::UNAUTHORIZED).await;

    // Another sign-in is another family, unaffected.
    let other = json(sign_in(PASSWORD).await.unwrap(), StatusCode::OK).await;
    json(refresh(other["refresh_token"].clone()).await.unwrap(), StatusCode::OK).await;
}

#[tokio::test]
async fn a_password_change_ends_earlier_tokens_and_a_role_change_applies_at_once() {
    let app = TestApp::spawn().await;
    assert_eq!(me(&app, &app.reviewer.token).await.status(), StatusCode::OK);
    let changed = app
        .request_as(Some(&app.reviewer.token), Method::POST, "/me/password")
        .json(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    problem(me(&app, &app.reviewer.token).await, StatusCode::UNAUTHORIZED).await;

    // An admin changes the editor's role in the workspace: the editor's next request acts
    // with the new role (the role is the membership's, not the token's).
    let path = format!("/users/{}", app.editor.id);
    let editor = json(
        app.request_as(Some(&app.admin.token), Method::GET, &path).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let demoted = app
        .request_as(Some(&app.admin.token), Method::PATCH, &path)
        .header("if-match", format!("\"{}\"", editor["version"]))
        .json(&json!({"role": "submitter"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(demoted, StatusCode::OK).await["role"], "submitter");
    let profile = json(me(&app, &app.editor.token).await, StatusCode::OK).await;
    assert_eq!(profile["workspaces"][0]["role"], "submitter");
    let queue = app.request_as(Some(&app.editor.token), Method::GET, "/review-queue").send().await.unwrap();
    problem(queue, StatusCode::FORBIDDEN).await;

    let weak = app
        .request_as(Some(&app.submitter.token), Method::POST, "/me/password")
        .json(&json!({"current_password": PASSWORD, "new_password": "short"}))
        .send()
        .await
        .unwrap();
    problem(weak, StatusCode::UNPROCESSABLE_ENTITY).await;
    let wrong = app
        .request_as(Some(&app.submitter.token), Method::POST, "/me/password")
        .json(&json!({"current_password": "not it at all", "new_password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();
    problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(me(&app, &app.submitter.token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_change_made_through_another_server_ends_tokens_within_the_cache_time() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    // Checked once: this server now remembers the caller for up to a second.
    assert_eq!(me(&app, &app.reviewer.token).await.status(), StatusCode::OK);
    // Another server ends the reviewer's tokens (here: straight in the shared database).
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    let bump =
        format!("UPDATE users SET token_generation = token_generation + 1 WHERE id = '{}'", app.reviewer.id);
    conn.batch_execute(&bump).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    problem(me(&app, &app.reviewer.token).await, StatusCode::UNAUTHORIZED).await;
}
