use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, etag, id, json, pointer, problem};

#[tokio::test]
async fn speakers_hold_roles_aliases_and_wikidata_ids() {
    let app = TestApp::spawn().await;
    let envoy = app
        .create(
            "/speakers",
            json!({"name": "Geir Pedersen", "kind": "person", "description": "UN Syria envoy",
                   "aliases": ["G. Pedersen"], "wikidata_qid": "Q123456"}),
        )
        .await;
    assert_eq!(envoy["aliases"], json!(["G. Pedersen"]));
    let anonymous = app.create("/speakers", json!({"name": "A Western diplomat", "kind": "anonymous"})).await;
    assert_eq!(anonymous["kind"], "anonymous");

    // One live speaker per Wikidata item.
    problem(
        app.post("/speakers", &json!({"name": "Someone", "kind": "person", "wikidata_qid": "Q123456"})).await,
        StatusCode::CONFLICT,
    )
    .await;

    let found = json(app.get("/speakers?name=geir").await, StatusCode::OK).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["id"], envoy["id"]);
    let found = json(app.get("/speakers?kind=anonymous").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], anonymous["id"]);
    // LIKE wildcards in the prefix are matched literally.
    let found = json(app.get("/speakers?name=%25").await, StatusCode::OK).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn invalid_speakers_are_refused_with_the_field() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"name": "X", "kind": "person", "wikidata_qid": "42"}), "/wikidata_qid"),
        (json!({"name": "X", "kind": "person", "aliases": ["ok", " "]}), "/aliases/1"),
        (json!({"name": "", "kind": "person"}), "/name"),
    ] {
        let problem = problem(app.post("/speakers", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointer(&problem), field);
    }
    let problem =
        problem(app.post("/speakers", &json!({"name": "X", "kind": "robot"})).await, StatusCode::BAD_REQUEST)
            .await;
    assert_eq!(pointer(&problem), "/kind");
    assert_eq!(app.count("speakers").await, 0);
}

#[tokio::test]
async fn writes_need_the_current_etag() {
    let app = TestApp::spawn().await;
    let speaker = app.speaker("Ana Ruiz").await;
    let path = format!("/speakers/{}", id(&speaker));

    let missing = app
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"description": "chief negotiator"}))
        .send()
        .await
        .unwrap();
    problem(missing, StatusCode::PRECONDITION_REQUIRED).await;

    let updated = json(
        app.patch(&path, &etag(&speaker), &json!({"description": "the ministry's chief negotiator"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["version"], 2);

    // A write based on the first read is refused, and changes nothing.
    let stale = app.patch(&path, &etag(&speaker), &json!({"description": "overwritten"})).await;
    assert_eq!(stale.headers()["etag"], "\"2\"");
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    problem(app.delete(&path, &etag(&speaker)).await, StatusCode::PRECONDITION_FAILED).await;
    let read = json(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(read["description"], "the ministry's chief negotiator");

    problem(app.patch(&path, "W/\"2\"", &json!({})).await, StatusCode::BAD_REQUEST).await;
    let deleted = app.delete(&path, "\"2\"").await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.patch(&path, "\"3\"", &json!({})).await, StatusCode::NOT_FOUND).await;
}
