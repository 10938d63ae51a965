//! The audit trail: one event per change, append-only, each a leaf of the transparency log.

use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, etag, id, json};

async fn events(app: &TestApp) -> i64 {
    app.count("audit_events").await
}

#[tokio::test]
async fn every_write_adds_exactly_one_event() {
    let app = TestApp::spawn().await;
    let mut expected = events(&app).await;
    let mut step = async |what: &str, response: reqwest::Response| {
        assert!(response.status().is_success(), "{what}: {}", response.status());
        let value = response.json::<serde_json::Value>().await.unwrap_or_default();
        expected += 1;
        assert_eq!(events(&app).await, expected, "{what}");
        value
    };
    let source = step("source", app.post("/sources", &json!({"url": "https://x.example/a", "kind": "article", "content": "«We will not sign,» she said."})).await).await;
    let speaker =
        step("speaker", app.post("/speakers", &json!({"name": "Ana Ruiz", "kind": "person"})).await).await;
    let quote = step("quote", app.post("/quotes", &json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "We will not sign,"})).await).await;
    let quote_path = format!("/quotes/{}", id(&quote));
    let quote = step("patch", app.patch(&quote_path, &etag(&quote), &json!({"language": "en"})).await).await;
    let reviewed = app
        .request_as(Some(&app.reviewer.token), Method::POST, &format!("{quote_path}/reviews"))
        .header("if-match", etag(&quote))
        .json(&json!({"status": "in_review"}))
        .send()
        .await
        .unwrap();
    step("review", reviewed).await;
    let user = app
        .request_as(Some(&app.admin.token), Method::POST, "/users")
        .json(&json!({"email": "desk@news.example", "display_name": "Desk", "role": "submitter", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    let user = step("user", user).await;
    let key = app
        .request_as(Some(&app.admin.token), Method::POST, "/api-keys")
        .json(&json!({"name": "ingest", "user_id": id(&user), "role": "submitter"}))
        .send()
        .await
        .unwrap();
    let key = step("api key", key).await;
    let revoked = app
        .request_as(Some(&app.admin.token), Method::DELETE, &format!("/api-keys/{}", id(&key)))
        .send()
        .await
        .unwrap();
    step("revoke", revoked).await;

    // A refused write adds nothing.
    let refused = app.post("/quotes", &json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "Never said."})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(events(&app).await, expected);

    // The quote's history: created, edited, reviewed, with who and before/after.
    let history = json(app.get(&format!("{quote_path}/history")).await, StatusCode::OK).await;
    let actions: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "update", "review"]);
    assert_eq!(history["items"][1]["before"]["language"], serde_json::Value::Null);
    assert_eq!(history["items"][1]["after"]["language"], "en");
    assert_eq!(history["items"][2]["actor_id"], app.reviewer.id.to_string());
    assert!(!history.to_string().contains("password"), "no secrets in the trail");

    // Account history is for admins.
    let forbidden = app.get("/audit?entity_type=user").await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let users =
        app.request_as(Some(&app.admin.token), Method::GET, "/audit?entity_type=user").send().await.unwrap();
    let users = json(users, StatusCode::OK).await;
    assert!(!users.to_string().contains("argon2"), "no password hashes in the trail");
}

#[tokio::test]
async fn a_batch_adds_one_logged_event_per_record_in_order() {
    let app = TestApp::spawn().await;
    let before = events(&app).await;
    let items: Vec<_> = (0..250).map(|n| json!({"name": format!("Speaker {n}"), "kind": "person"})).collect();
    let created =
        json(app.post("/speakers/batch", &json!({ "items": items })).await, StatusCode::CREATED).await;
    assert_eq!(events(&app).await, before + 250);
    let trail = app
        .request_as(Some(&app.admin.token), Method::GET, "/audit?entity_type=speaker&limit=500")
        .send()
        .await
        .unwrap();
    let trail = json(trail, StatusCode::OK).await;
    let logged: Vec<&str> =
        trail["items"].as_array().unwrap().iter().map(|e| e["entity_id"].as_str().unwrap()).collect();
    let made: Vec<&str> =
        created["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(logged, made, "one event per record, in the batch's order");
    app.integrated().await;
    let verified = app.request_as(Some(&app.admin.token), Method::GET, "/audit/verify").send().await.unwrap();
    let verified = json(verified, StatusCode::OK).await;
    assert_eq!((verified["ok"].clone(), verified["leaves"].clone()), (json!(true), json!(before + 250)));
}

#[tokio::test]
async fn the_trail_refuses_rewrites_and_verify_finds_a_forged_event() {
    let app = TestApp::spawn().await;
    for n in 0..5 {
        app.create("/speakers", json!({"name": format!("Speaker {n}"), "kind": "person"})).await;
    }
    let verify = async || {
        let response =
            app.request_as(Some(&app.admin.token), Method::GET, "/audit/verify").send().await.unwrap();
        json(response, StatusCode::OK).await
    };
    app.integrated().await;
    let intact = verify().await;
    assert_eq!((intact["ok"].clone(), intact["leaves"].clone()), (json!(true), json!(5)));
    assert_eq!(intact["root_hash"].as_str().unwrap().len(), 44, "SHA-256, base64");

    // The application's own connection cannot rewrite or remove history.
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    for statement in
        ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"]
    {
        let refused = diesel::sql_query(statement).execute(&mut conn).await;
        assert!(refused.unwrap_err().to_string().contains("append-only"), "{statement}");
    }

    // A superuser who disables the trigger can edit an event, but not unnoticed.
    app.forge_speaker_event(2).await;
    let broken = verify().await;
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["first_broken"]["leaf_index"], 2);
    assert_eq!(broken["leaves"], 2, "the leaves before the forged one still verify");

    // The command line says the same, and fails.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(["audit", "verify", "--database-url", &app.database_url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("BROKEN at leaf 2"), "{stdout}");
    assert!(stdout.contains("root hash: "), "{stdout}");
}
