use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, etag, id, json, pointer, problem};

const ARTICLE: &str = "«Nothing is agreed until everything is agreed,» says a senior European official.";

#[tokio::test]
async fn a_source_is_stored_with_the_sha256_of_its_text_and_read_back() {
    let app = TestApp::spawn().await;
    let created = app
        .create(
            "/sources",
            json!({
                "url": "https://news.example/2026/11/talks",
                "title": "Talks resume",
                "publisher": "Example Wire",
                "author": "A. Reporter",
                "published_at": "2026-11-20T08:00:00Z",
                "language": "en",
                "kind": "article",
                "content": ARTICLE
            }),
        )
        .await;
    assert_eq!(created["content_sha256"], "a9fea65b47bef1ee66d3d609b27553796d5b431c9b673924ee903d965f0cdbe8");
    assert_eq!(created["version"], 1);

    let response = app.get(&format!("/sources/{}", id(&created))).await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let read = json(response, StatusCode::OK).await;
    assert_eq!(read, created);
}

#[tokio::test]
async fn invalid_fields_are_named() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"url": "not a url", "kind": "article"}), "/url"),
        (json!({"url": "ftp://x.example/a", "kind": "article"}), "/url"),
        (json!({"url": "https://x.example", "kind": "article", "language": "english"}), "/language"),
        (json!({"url": "https://x.example", "kind": "article", "title": "   "}), "/title"),
        (json!({"url": "https://x.example", "kind": "article", "content": "a\u{0}b"}), "/content"),
    ] {
        let problem = problem(app.post("/sources", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointer(&problem), field, "{body}");
    }
    for (body, field) in [
        (json!({"url": "https://x.example", "kind": "blog"}), "/kind"),
        (json!({"kind": "article"}), "/url"),
        (
            json!({"url": "https://x.example", "kind": "article", "published_at": "yesterday"}),
            "/published_at",
        ),
    ] {
        let problem = problem(app.post("/sources", &body).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(pointer(&problem), field, "{body}");
    }
    assert_eq!(app.count("sources").await, 0);
}

#[tokio::test]
async fn metadata_can_be_patched_but_the_snapshot_cannot() {
    let app = TestApp::spawn().await;
    let source = app.source(ARTICLE).await;
    let path = format!("/sources/{}", id(&source));

    let updated = json(
        app.patch(&path, &etag(&source), &json!({"title": "Corrected title", "author": null})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["title"], "Corrected title");
    assert_eq!(updated["author"], serde_json::Value::Null);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["content"], ARTICLE);

    let changed_text = problem(
        app.patch(&path, &etag(&updated), &json!({"content": "Something else."})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&changed_text), "/content");

    let read_only = problem(
        app.patch(&path, &etag(&updated), &json!({"content_sha256": "00"})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(pointer(&read_only), "/content_sha256");
}

#[tokio::test]
async fn lists_filter_and_page_with_a_cursor_and_link_header() {
    let app = TestApp::spawn().await;
    for publisher in ["Wire A", "Wire B", "Wire A", "Wire A"] {
        app.create(
            "/sources",
            json!({"url": "https://x.example/a", "kind": "article", "publisher": publisher}),
        )
        .await;
    }
    let first = app.get("/sources?publisher=Wire%20A&limit=2").await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let first = json(first, StatusCode::OK).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    assert!(link.contains(&format!("cursor={cursor}")) && link.ends_with("rel=\"next\""), "{link}");
    assert!(link.contains("publisher=Wire+A"), "{link}");

    let second = app.get(&format!("/sources?publisher=Wire%20A&limit=2&cursor={cursor}")).await;
    assert!(second.headers().get("link").is_none());
    let second = json(second, StatusCode::OK).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], serde_json::Value::Null);

    problem(app.get("/sources?limit=501").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/sources?limit=0").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/sources?cursor=nonsense").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/sources?colour=red").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn a_cited_source_cannot_be_deleted_until_its_quotes_are() {
    let app = TestApp::spawn().await;
    let source = app.source(ARTICLE).await;
    let speaker = app.speaker("A senior European official").await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                   "text": "Nothing is agreed until everything is agreed,"}),
        )
        .await;
    let path = format!("/sources/{}", id(&source));
    problem(app.delete(&path, &etag(&source)).await, StatusCode::CONFLICT).await;

    let deleted = app.delete(&format!("/quotes/{}", id(&quote)), &etag(&quote)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let deleted = app.delete(&path, &etag(&source)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    // Soft delete: the row is kept for history.
    assert_eq!(app.count("sources").await, 1);
}

#[tokio::test]
async fn a_batch_is_stored_whole() {
    let app = TestApp::spawn().await;
    let items: Vec<_> =
        (0..3).map(|i| json!({"url": format!("https://x.example/{i}"), "kind": "press_release"})).collect();
    let created = app.create("/sources/batch", json!({ "items": items })).await;
    assert_eq!(created["items"].as_array().unwrap().len(), 3);
    assert_eq!(created["items"][2]["url"], "https://x.example/2");
    assert_eq!(app.count("sources").await, 3);
}
