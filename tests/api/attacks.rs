//! Hostile clients, by the OWASP API Security Top 10 (2023). Each test fails if its
//! protection is removed.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, etag, id, json, problem};

/// API1: broken object-level authorization. A reviewer cannot decide an item another
/// reviewer holds; a submitter cannot touch another submitter's record.
#[tokio::test]
async fn api1_objects_belong_to_whoever_holds_them() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let path = format!("/claims/{}/reviews", id(&claim));
    let held = app
        .request_as(Some(&app.reviewer.token), Method::POST, &path)
        .header("if-match", etag(&claim))
        .json(&json!({"status": "in_review"}))
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), StatusCode::CREATED);
    // A second reviewer account.
    let other = app
        .request_as(Some(&app.admin.token), Method::POST, "/users")
        .json(&json!({"email": "second@news.example", "display_name": "Second", "role": "reviewer", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::CREATED);
    let token = app
        .request_as(None, Method::POST, "/auth/token")
        .json(&json!({"email": "second@news.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = json(token, StatusCode::OK).await["access_token"].as_str().unwrap().to_owned();
    let current = json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await;
    let stolen = app
        .request_as(Some(&token), Method::POST, &path)
        .header("if-match", etag(&current))
        .json(&json!({"status": "false", "rationale": "mine now"}))
        .send()
        .await
        .unwrap();
    problem(stolen, StatusCode::CONFLICT).await;
    assert_eq!(
        json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await["status"],
        "in_review"
    );
}

/// API2: broken authentication. Guessing passwords is cut off with 429 and Retry-After, for
/// the account (whatever the address) and without revealing whether it exists.
#[tokio::test]
async fn api2_password_guessing_is_throttled() {
    let app = TestApp::spawn().await;
    let guess = |password: &'static str| {
        app.request_as(None, Method::POST, "/auth/token")
            .json(&json!({"email": app.reviewer.email, "password": password}))
            .send()
    };
    for _ in 0..5 {
        problem(guess("wrong guess").await.unwrap(), StatusCode::UNAUTHORIZED).await;
    }
    let blocked = guess("wrong guess").await.unwrap();
    let retry_after: u64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900, "{retry_after}");
    problem(blocked, StatusCode::TOO_MANY_REQUESTS).await;
    // Even the right password waits out the window.
    problem(guess(PASSWORD).await.unwrap(), StatusCode::TOO_MANY_REQUESTS).await;
}

/// API3: broken object-property-level authorization. No response carries a password hash,
/// a key's stored digest, or a refresh token's digest; no body can set server-owned fields.
#[tokio::test]
async fn api3_no_secrets_in_any_response() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin.token.as_str());
    let key = app
        .request_as(admin, Method::POST, "/api-keys")
        .json(&json!({"name": "ingest", "user_id": app.submitter.id, "role": "submitter"}))
        .send()
        .await
        .unwrap();
    let key = json(key, StatusCode::CREATED).await;
    let secret = key["secret"].as_str().unwrap().to_owned();
    let mut bodies = String::new();
    for path in [
        "/users",
        &format!("/users/{}", app.submitter.id),
        "/me",
        "/api-keys",
        "/audit",
        "/audit?entity_type=api_key",
    ] {
        bodies
            .push_str(&app.request_as(admin, Method::GET, path).send().await.unwrap().text().await.unwrap());
    }
    for forbidden in ["argon2", "password_hash", "secret_sha256", "token_sha256", &secret[4..]] {
        assert!(!bodies.contains(forbidden), "a response contains {forbidden:?}");
    }
    let escalate = app
        .request_as(Some(&app.submitter.token), Method::PATCH, &format!("/users/{}", app.submitter.id))
        .header("if-match", "\"1\"")
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    problem(escalate, StatusCode::FORBIDDEN).await;
}

/// API4: unrestricted resource consumption. Bodies, pages, batches and nesting are capped,
/// and a client that never finishes its request is cut off.
#[tokio::test]
async fn api4_sizes_are_capped_and_slow_clients_cut_off() {
    let app = TestApp::spawn().await;
    problem(app.get("/claims?limit=100000").await, StatusCode::BAD_REQUEST).await;
    let huge = json!({"name": "x".repeat(crate::helpers::MAX_BODY_BYTES + 1), "kind": "person"});
    problem(app.post("/speakers", &huge).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    let deep = format!("{{\"name\": {}1{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let response = app
        .request(Method::POST, "/speakers")
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::BAD_REQUEST).await;
    let items: Vec<Value> = std::iter::repeat_n(json!({"name": "x", "kind": "person"}), 1001).collect();
    problem(app.post("/speakers/batch", &json!({ "items": items })).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;

    // Slowloris: headers that never end.
    let address = app.address.trim_start_matches("http://").to_owned();
    let cut_off = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (started.elapsed(), String::from_utf8_lossy(&answer).to_string())
    })
    .await
    .unwrap();
    assert!(cut_off.0 < Duration::from_secs(25), "the server waited {:?}", cut_off.0);
    assert!(cut_off.1.is_empty() || cut_off.1.starts_with("HTTP/1.1 408"), "{}", cut_off.1);
}

/// API8: security misconfiguration. Security headers on every answer, CORS only for the
/// configured origin, and errors that show no internals.
#[tokio::test]
async fn api8_headers_cors_and_quiet_errors() {
    let app = TestApp::spawn().await;
    for response in [app.get("/healthz").await, app.get("/nothing").await, app.get("/claims").await] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    }
    let allowed = app.get("/healthz").await;
    assert!(allowed.headers().get("access-control-allow-origin").is_none(), "no CORS without an Origin");
    let allowed = app
        .request(Method::GET, "/healthz")
        .header("origin", "https://desk.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://desk.example.org");
    assert_eq!(allowed.headers()["access-control-allow-credentials"], "true");
    let foreign =
        app.request(Method::GET, "/healthz").header("origin", "https://evil.example").send().await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
    let preflight = app
        .request_as(None, Method::OPTIONS, "/claims")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none());

    // Errors from deep inside (a constraint, a bad id, a bad body) reveal no SQL or code.
    let speaker = json!({"name": "X", "kind": "person", "wikidata_qid": "Q42"});
    app.create("/speakers", speaker.clone()).await;
    let mut bodies = String::new();
    for response in [
        app.post("/speakers", &speaker).await,
        app.get("/claims/not-an-id").await,
        app.post("/claims", &json!({"source_id": "0192f0c0-0000-7000-8000-000000000000", "statement": "s", "metric": "m", "qualifier": "exact", "value": "1"})).await,
    ] {
        assert!(response.status().is_client_error());
        bodies.push_str(&response.text().await.unwrap());
    }
    for leak in ["SELECT", "INSERT", "diesel", "panicked", "src/", "backtrace", "postgres"] {
        assert!(!bodies.contains(leak), "an error shows {leak:?}: {bodies}");
    }
}
