//! Every failure the HTTP layer can produce is problem+json with the matching status.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{MAX_BODY_BYTES, TestApp, pointer, problem};

#[tokio::test]
async fn unknown_routes_and_methods() {
    let app = TestApp::spawn().await;
    problem(app.get("/nothing/here").await, StatusCode::NOT_FOUND).await;
    let response = app.request(Method::PUT, "/sources").send().await.unwrap();
    assert_eq!(response.headers()["allow"], "POST, GET, HEAD");
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    let response =
        app.request(Method::POST, "/quotes/0192f0c0-0000-7000-8000-000000000000").send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE, HEAD");
    problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn malformed_ids_and_missing_records() {
    let app = TestApp::spawn().await;
    problem(app.get("/claims/not-a-uuid").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/claims/0192f0c0-0000-7000-8000-000000000000").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn bodies_must_be_json_of_the_right_shape_and_size() {
    let app = TestApp::spawn().await;
    let send = |content_type: Option<&'static str>, body: Vec<u8>| {
        let mut request = app.request(Method::POST, "/speakers").body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    let valid = br#"{"name": "Ana Ruiz", "kind": "person"}"#.to_vec();
    problem(send(None, valid.clone()).await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    problem(send(Some("text/plain"), valid.clone()).await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    problem(send(Some("application/json"), b"{\"name\": ".to_vec()).await.unwrap(), StatusCode::BAD_REQUEST)
        .await;
    problem(send(Some("application/json"), b"{} {}".to_vec()).await.unwrap(), StatusCode::BAD_REQUEST).await;
    problem(send(Some("application/json"), b"[1, 2]".to_vec()).await.unwrap(), StatusCode::BAD_REQUEST).await;
    problem(send(Some("application/json"), vec![0xff, 0xfe]).await.unwrap(), StatusCode::BAD_REQUEST).await;
    let nested = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    problem(send(Some("application/json"), nested.into_bytes()).await.unwrap(), StatusCode::BAD_REQUEST)
        .await;

    // No mass assignment: a field the API does not take is refused, and named.
    let extra =
        br#"{"name": "Ana Ruiz", "kind": "person", "id": "0192f0c0-0000-7000-8000-000000000000"}"#.to_vec();
    let problem_doc =
        problem(send(Some("application/json"), extra).await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(pointer(&problem_doc), "/id");

    let huge = json!({"name": "x".repeat(MAX_BODY_BYTES), "kind": "person"});
    let problem_doc = problem(app.post("/speakers", &huge).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(problem_doc["detail"].as_str().unwrap().contains(&MAX_BODY_BYTES.to_string()));

    assert!(send(Some("application/json; charset=utf-8"), valid).await.unwrap().status().is_success());
    assert_eq!(app.count("speakers").await, 1);
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let healthz: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(healthz["status"], "ok");
    let readyz: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(readyz["status"], "ready");
}

#[tokio::test]
async fn a_lost_database_answers_503_with_retry_after_not_500() {
    let app = TestApp::spawn_on("host=/nonexistent port=5432 user=attest dbname=attest".into()).await;
    for path in ["/readyz", "/sources", "/claims/0192f0c0-0000-7000-8000-000000000000"] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["retry-after"], "1");
        problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    }
    let healthz = app.get("/healthz").await;
    assert_eq!(healthz.status(), StatusCode::OK, "the process itself is alive");
}

#[tokio::test]
async fn control_characters_in_filters_are_refused_not_sent_to_the_database() {
    let app = TestApp::spawn().await;
    for path in
        ["/claims?language=%00", "/claims/export?metric=a%00b", "/search?q=x%07", "/speakers?name=%1B"]
    {
        problem(app.get(path).await, StatusCode::BAD_REQUEST).await;
    }
    // A filter the database rejects on its own still answers with a problem, never a cut stream.
    let response = app.get("/quotes/export?source_id=0192f0c0-0000-7000-8000-000000000000").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_answers_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let first = app.get("/healthz").await;
    let id = first.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let second = app.get("/healthz").await;
    assert_ne!(second.headers()["x-request-id"].to_str().unwrap(), id);
    // A caller's own sane id is kept, so a request can be followed across services; anything
    // else (too long, or with characters that could forge log lines) is replaced.
    let traced = app.request(reqwest::Method::GET, "/healthz").header("X-Request-Id", "lb-7f3a.42:retry_1");
    assert_eq!(traced.send().await.unwrap().headers()["x-request-id"], "lb-7f3a.42:retry_1");
    for insane in ["a b", "x".repeat(129).as_str(), "id\"quote"] {
        let replaced = app.request(reqwest::Method::GET, "/healthz").header("X-Request-Id", insane);
        let echoed = replaced.send().await.unwrap().headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(echoed.len(), 36, "{insane:?} was kept as {echoed:?}");
    }
    app.get("/claims/0192f0c0-0000-7000-8000-000000000000").await;
    let metrics = app.request_as(None, reqwest::Method::GET, "/metrics").send().await.unwrap();
    assert!(metrics.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(r#"attest_http_requests_total{method="GET",route="/healthz",status="200"} 6"#),
        "{text}"
    );
    assert!(text.contains(r#"route="/claims/{id}",status="404""#), "by route pattern, not path: {text}");
    assert!(text.contains("attest_http_request_duration_seconds_bucket"));
    assert!(text.contains("attest_db_pool_connections"));
    assert!(text.contains("attest_database_errors_total"));
}

#[tokio::test]
async fn readiness_needs_the_schema_this_build_expects() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    attest::db::revert_all(&app.database_url).await.unwrap();
    let response = app.request_as(None, reqwest::Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(response.headers()["retry-after"], "1");
    problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    attest::db::migrate(&app.database_url).await.unwrap();
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}
