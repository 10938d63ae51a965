//! Authorization: every route admits exactly the roles the route table says, and ownership
//! and review locks hold whatever the body says.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, pointer, problem, problem_to};

#[tokio::test]
async fn every_route_refuses_callers_below_its_role() {
    let app = TestApp::spawn().await;
    let nil = "0192f0c0-0000-7000-8000-000000000000";
    for endpoint in attest::http::routes::endpoints() {
        let path = endpoint.path.replace("{id}", nil);
        let method = Method::from_bytes(endpoint.method.as_str().as_bytes()).unwrap();
        let anonymous = app.request_as(None, method.clone(), &path).json(&json!({})).send().await.unwrap();
        match endpoint.access {
            attest::http::middleware::access::Access::Public
            | attest::http::middleware::access::Access::Open => {
                assert_ne!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}")
            }
            _ => {
                assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path} anonymously");
                problem_to(&method, anonymous, StatusCode::UNAUTHORIZED).await;
            }
        }
        if let attest::http::middleware::access::Access::Role(required) = endpoint.access {
            let callers = [
                (&app.submitter, attest::domain::kinds::Role::Submitter),
                (&app.reviewer, attest::domain::kinds::Role::Reviewer),
                (&app.editor, attest::domain::kinds::Role::Editor),
            ];
            for (user, role) in callers.into_iter().filter(|(_, role)| *role < required) {
                let response = app
                    .request_as(Some(&user.token), method.clone(), &path)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path} as {role:?}");
                problem_to(&method, response, StatusCode::FORBIDDEN).await;
            }
        }
    }
}

#[tokio::test]
async fn anonymous_reading_is_a_deployment_switch_and_never_covers_writes() {
    let app = TestApp::spawn_public().await;
    let source = app.source("Text.").await;
    let read = app.request_as(None, Method::GET, &format!("/sources/{}", id(&source))).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let listed = app.request_as(None, Method::GET, "/quotes").send().await.unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let write = app
        .request_as(None, Method::POST, "/sources")
        .json(&json!({"url": "https://x.example", "kind": "article"}))
        .send()
        .await
        .unwrap();
    problem(write, StatusCode::UNAUTHORIZED).await;
    let bad_token = app.request_as(Some("nonsense"), Method::GET, "/quotes").send().await.unwrap();
    problem(bad_token, StatusCode::UNAUTHORIZED).await;
}

async fn second_submitter(app: &TestApp) -> String {
    let created = app
        .request_as(Some(&app.admin.token), Method::POST, "/users")
        .json(&json!({"email": "other@news.example", "display_name": "Other Desk", "role": "submitter",
                      "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    let created = json(created, StatusCode::CREATED).await;
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());
    let tokens = app
        .request_as(None, Method::POST, "/auth/token")
        .json(&json!({"email": "other@news.example", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    json(tokens, StatusCode::OK).await["access_token"].as_str().unwrap().to_owned()
}

async fn quote(app: &TestApp) -> Value {
    let source = app.source("«We will not sign,» the delegate said.").await;
    let speaker = app.speaker("The delegate").await;
    app.create(
        "/quotes",
        json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "We will not sign,"}),
    )
    .await
}

#[tokio::test]
async fn submitters_change_only_their_own_records() {
    let app = TestApp::spawn().await;
    let quote = quote(&app).await;
    assert_eq!(quote["created_by"], app.submitter.id.to_string());
    let other = second_submitter(&app).await;
    let path = format!("/quotes/{}", id(&quote));
    let edit = app
        .request_as(Some(&other), Method::PATCH, &path)
        .header("if-match", etag(&quote))
        .json(&json!({"relayed_by": "someone"}))
        .send()
        .await
        .unwrap();
    problem(edit, StatusCode::FORBIDDEN).await;
    let delete = app
        .request_as(Some(&other), Method::DELETE, &path)
        .header("if-match", etag(&quote))
        .send()
        .await
        .unwrap();
    problem(delete, StatusCode::FORBIDDEN).await;
    let unchanged = json(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(unchanged["version"], 1);

    // The owner may; so may a reviewer (before review starts).
    json(app.patch(&path, &etag(&quote), &json!({"relayed_by": "state television"})).await, StatusCode::OK)
        .await;
}

#[tokio::test]
async fn reviewer_only_fields_are_refused_in_any_body() {
    let app = TestApp::spawn().await;
    let quote = quote(&app).await;
    let source_id = quote["source_id"].as_str().unwrap();
    for field in ["status", "assignee_id", "version", "created_by", "reviewer_id"] {
        let mut body = json!({"source_id": source_id, "statement": "s", "metric": "m", "qualifier": "exact", "value": "1"});
        body[field] = json!("verified");
        let refused = problem(app.post("/claims", &body).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(pointer(&refused), format!("/{field}"));
        let patched =
            app.patch(&format!("/quotes/{}", id(&quote)), &etag(&quote), &json!({ field: "verified" })).await;
        assert_eq!(pointer(&problem(patched, StatusCode::BAD_REQUEST).await), format!("/{field}"));
    }
    assert_eq!(app.count("claims").await, 0);
    assert_eq!(
        json(app.get(&format!("/quotes/{}", id(&quote))).await, StatusCode::OK).await["status"],
        "unreviewed"
    );
}

#[tokio::test]
async fn api_keys_are_shown_once_stored_hashed_scoped_and_revocable() {
    let app = TestApp::spawn().await;
    let admin = Some(app.admin.token.as_str());
    let too_strong = app
        .request_as(admin, Method::POST, "/api-keys")
        .json(&json!({"name": "wire ingest", "user_id": app.submitter.id, "role": "editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(pointer(&problem(too_strong, StatusCode::UNPROCESSABLE_ENTITY).await), "/role");

    let created = app
        .request_as(admin, Method::POST, "/api-keys")
        .json(&json!({"name": "wire ingest", "user_id": app.submitter.id, "role": "submitter"}))
        .send()
        .await
        .unwrap();
    let created = json(created, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("atk_"));
    assert_eq!(created["last_used_at"], Value::Null);

    let source = app
        .request_as(Some(&secret), Method::POST, "/sources")
        .json(&json!({"url": "https://x.example", "kind": "article"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json(source, StatusCode::CREATED).await["created_by"], app.submitter.id.to_string());
    let review_attempt = app.request_as(Some(&secret), Method::GET, "/review-queue").send().await.unwrap();
    problem(review_attempt, StatusCode::FORBIDDEN).await;

    let listed =
        json(app.request_as(admin, Method::GET, "/api-keys").send().await.unwrap(), StatusCode::OK).await;
    let listed_text = listed.to_string();
    assert!(!listed_text.contains(&secret[20..]), "no secret in listings");
    assert!(listed["items"][0]["last_used_at"].is_string(), "use is recorded");

    // Same prefix, different secret: refused.
    let last = if secret.ends_with('0') { "1" } else { "0" };
    let tampered = format!("{}{last}", &secret[..secret.len() - 1]);
    let tampered = app.request_as(Some(&tampered), Method::GET, "/sources").send().await.unwrap();
    problem(tampered, StatusCode::UNAUTHORIZED).await;

    let revoked =
        app.request_as(admin, Method::DELETE, &format!("/api-keys/{}", id(&created))).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let after = app.request_as(Some(&secret), Method::GET, "/sources").send().await.unwrap();
    problem(after, StatusCode::UNAUTHORIZED).await;
}
