//! Provenance: first appearance, relays, wording drift, misattribution, source snapshots.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, problem};

async fn report(app: &TestApp, publisher: &str, published_at: &str, text: &str) -> Value {
    app.create(
        "/sources",
        json!({"url": format!("https://{}.example/story", publisher.to_lowercase().replace(' ', "-")),
               "kind": "article", "publisher": publisher, "published_at": published_at,
               "content": format!("«{text}» he said.")}),
    )
    .await
}

async fn quote(
    app: &TestApp,
    source: &Value,
    speaker: &Value,
    text: &str,
    relayed_by: Option<&str>,
) -> Value {
    app.create(
        "/quotes",
        json!({"source_id": id(source), "speaker_id": id(speaker), "kind": "direct", "text": text, "relayed_by": relayed_by}),
    )
    .await
}

async fn link(app: &TestApp, quote: &Value, canonical: &Value) -> reqwest::Response {
    let current = json(app.get(&format!("/quotes/{}", id(quote))).await, StatusCode::OK).await;
    app.request_as(Some(&app.reviewer.token), Method::POST, &format!("/quotes/{}/variant-of", id(quote)))
        .header("if-match", etag(&current))
        .json(&json!({"canonical_id": id(canonical)}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn three_reports_entered_out_of_order_trace_back_to_the_first() {
    let app = TestApp::spawn().await;
    let envoy = app.speaker("The envoy").await;
    // Entered latest-published first.
    let late =
        report(&app, "Daily Post", "2026-11-22T09:00:00Z", "This is a real test of our seriousness").await;
    let first = report(&app, "State TV", "2026-11-20T18:00:00Z", "This is a test of seriousness").await;
    let middle =
        report(&app, "Wire Agency", "2026-11-21T07:00:00Z", "This is a test of our seriousness").await;
    let q_late =
        quote(&app, &late, &envoy, "This is a real test of our seriousness", Some("Wire Agency")).await;
    let q_first = quote(&app, &first, &envoy, "This is a test of seriousness", None).await;
    let q_middle = quote(&app, &middle, &envoy, "This is a test of our seriousness", Some("State TV")).await;

    // The server proposes the other reports of the same speaker as variants.
    let similar = json(app.get(&format!("/quotes/{}/similar", id(&q_late))).await, StatusCode::OK).await;
    let proposed: Vec<&str> = similar.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(proposed.contains(&id(&q_first)) && proposed.contains(&id(&q_middle)), "{similar}");

    // A reviewer confirms them; submitters cannot.
    let by_submitter = app
        .request_as(Some(&app.submitter.token), Method::POST, &format!("/quotes/{}/variant-of", id(&q_first)))
        .header("if-match", etag(&q_first))
        .json(&json!({"canonical_id": id(&q_late)}))
        .send()
        .await
        .unwrap();
    problem(by_submitter, StatusCode::FORBIDDEN).await;
    assert_eq!(link(&app, &q_first, &q_late).await.status(), StatusCode::OK);
    assert_eq!(link(&app, &q_middle, &q_first).await.status(), StatusCode::OK);
    problem(link(&app, &q_middle, &q_late).await, StatusCode::CONFLICT).await;

    let provenance =
        json(app.get(&format!("/quotes/{}/provenance", id(&q_middle))).await, StatusCode::OK).await;
    assert_eq!(provenance["first_appearance"], q_first["id"]);
    let appearances = provenance["appearances"].as_array().unwrap();
    let order: Vec<&str> = appearances.iter().map(|a| a["source"]["publisher"].as_str().unwrap()).collect();
    assert_eq!(order, ["State TV", "Wire Agency", "Daily Post"]);
    assert_eq!(
        appearances[0]["diff_from_first"],
        json!([{"op": "equal", "text": "This is a test of seriousness"}])
    );
    assert_eq!(
        appearances[1]["diff_from_first"],
        json!([{"op": "equal", "text": "This is a test of "}, {"op": "insert", "text": "our "}, {"op": "equal", "text": "seriousness"}])
    );
    assert_eq!(
        appearances[2]["diff_from_first"],
        json!([{"op": "equal", "text": "This is a "}, {"op": "insert", "text": "real "}, {"op": "equal", "text": "test of "},
               {"op": "insert", "text": "our "}, {"op": "equal", "text": "seriousness"}])
    );
    assert_eq!(appearances[1]["relay_chain"], json!(["Wire Agency", "State TV"]));
    assert_eq!(provenance["misattribution"], Value::Null);

    // Splitting a report out of the cluster.
    let current = json(app.get(&format!("/quotes/{}", id(&q_middle))).await, StatusCode::OK).await;
    let split = app
        .request_as(
            Some(&app.reviewer.token),
            Method::DELETE,
            &format!("/quotes/{}/variant-of", id(&q_middle)),
        )
        .header("if-match", etag(&current))
        .send()
        .await
        .unwrap();
    assert_eq!(json(split, StatusCode::OK).await["canonical_quote_id"], Value::Null);
    let after = json(app.get(&format!("/quotes/{}/provenance", id(&q_first))).await, StatusCode::OK).await;
    assert_eq!(after["appearances"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_same_words_from_another_speaker_are_flagged() {
    let app = TestApp::spawn().await;
    let minister = app.speaker("The minister").await;
    let spokesman = app.speaker("The spokesman").await;
    let a = report(&app, "Wire A", "2026-11-20T10:00:00Z", "We will never accept these terms").await;
    let b = report(&app, "Wire B", "2026-11-20T12:00:00Z", "We will never accept these terms").await;
    let by_minister = quote(&app, &a, &minister, "We will never accept these terms", None).await;
    let by_spokesman = quote(&app, &b, &spokesman, "We will never accept these terms", None).await;
    let provenance =
        json(app.get(&format!("/quotes/{}/provenance", id(&by_minister))).await, StatusCode::OK).await;
    let lookalikes = &provenance["misattribution"]["lookalikes_by_other_speakers"];
    assert_eq!(lookalikes[0]["id"], by_spokesman["id"], "{provenance}");
    assert_eq!(lookalikes[0]["speaker_id"], spokesman["id"]);

    // Once a reviewer links them, the cluster itself has two speakers.
    assert_eq!(link(&app, &by_spokesman, &by_minister).await.status(), StatusCode::OK);
    let provenance =
        json(app.get(&format!("/quotes/{}/provenance", id(&by_minister))).await, StatusCode::OK).await;
    assert_eq!(provenance["misattribution"]["speakers_in_cluster"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_text_for_a_url_is_a_new_version_and_old_quotes_stay_anchored() {
    let app = TestApp::spawn().await;
    let url = "https://wire.example/updated-story";
    let v1 = app
        .create("/sources", json!({"url": url, "kind": "article", "content": "«We will sign,» she said."}))
        .await;
    let speaker = app.speaker("The delegate").await;
    let quote = quote(&app, &v1, &speaker, "We will sign,", None).await;

    let same = app
        .post("/sources", &json!({"url": url, "kind": "article", "content": "«We will sign,» she said."}))
        .await;
    let conflict = problem(same, StatusCode::CONFLICT).await;
    assert!(conflict["detail"].as_str().unwrap().contains(id(&v1)));

    let v2 = app
        .create(
            "/sources",
            json!({"url": url, "kind": "article", "content": "«We will not sign,» she said on Monday."}),
        )
        .await;
    assert_eq!(v2["supersedes_id"], v1["id"]);
    let versions = json(app.get(&format!("/sources/{}/versions", id(&v2))).await, StatusCode::OK).await;
    let ids: Vec<&str> = versions.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id(&v1), id(&v2)]);

    let kept = json(app.get(&format!("/quotes/{}", id(&quote))).await, StatusCode::OK).await;
    assert_eq!(kept["source_id"], v1["id"]);
    assert_eq!(kept["anchor"]["start"], 1);
    let old = json(app.get(&format!("/sources/{}", id(&v1))).await, StatusCode::OK).await;
    assert_eq!(old["content"], "«We will sign,» she said.");
}

/// Two snapshots of a URL compared word by word; a missing or malformed `against` is a clear
/// error, and another workspace's or an unknown source is not found.
#[tokio::test]
async fn two_versions_of_a_source_diff_by_word() {
    let app = TestApp::spawn().await;
    let url = "https://wire.example/diffed-story";
    let v1 = app
        .create("/sources", json!({"url": url, "kind": "article", "content": "«We will sign,» she said."}))
        .await;
    let v2 = app
        .create(
            "/sources",
            json!({"url": url, "kind": "article", "content": "«We will not sign,» she said on Monday."}),
        )
        .await;
    let diff =
        json(app.get(&format!("/sources/{}/diff?against={}", id(&v2), id(&v1))).await, StatusCode::OK).await;
    assert_eq!((&diff["from_id"], &diff["to_id"]), (&v1["id"], &v2["id"]));
    let changes: Vec<(&str, &str)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["op"].as_str().unwrap(), c["text"].as_str().unwrap()))
        .collect();
    // The changes rebuild both texts, and the inserted word is one change of its own.
    let rebuilt =
        |skip: &str| changes.iter().filter(|(op, _)| *op != skip).map(|(_, t)| *t).collect::<String>();
    assert_eq!(rebuilt("insert"), "«We will sign,» she said.");
    assert_eq!(rebuilt("delete"), "«We will not sign,» she said on Monday.");
    assert_eq!(changes[..2], [("equal", "«We will "), ("insert", "not ")], "{diff}");
    let back =
        json(app.get(&format!("/sources/{}/diff?against={}", id(&v1), id(&v2))).await, StatusCode::OK).await;
    assert_eq!(back["changes"][1], json!({"op": "delete", "text": "not "}));

    problem(app.get(&format!("/sources/{}/diff", id(&v2))).await, StatusCode::BAD_REQUEST).await;
    problem(app.get(&format!("/sources/{}/diff?against=nope", id(&v2))).await, StatusCode::BAD_REQUEST).await;
    let unknown = uuid::Uuid::now_v7();
    let missing = problem(
        app.get(&format!("/sources/{}/diff?against={unknown}", id(&v2))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(missing["errors"][0]["pointer"], "/against", "{missing}");
    problem(app.get(&format!("/sources/{unknown}/diff?against={}", id(&v1))).await, StatusCode::NOT_FOUND)
        .await;
}
