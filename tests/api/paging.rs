//! Every list pages the same way: one limit rule, one cursor format, the next page in
//! `next_cursor` and in `Link`, and a bad page refused alike with 400.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, problem};

/// A database holding a few of everything each list shows: sources, speakers, quotes with
/// reviews, verdicts and publications (the queue, the feed, the shared fact-checks, review
/// histories, audit events), claims.
/// Returns every list's path, with a quote's reviews and history among them.
async fn lists_with_items(app: &TestApp) -> Vec<String> {
    let mut quote_path = String::new();
    for n in 0..3 {
        let source = app.source(&format!("«We will not sign this deal {n},» said the minister.")).await;
        let speaker = app.speaker(&format!("Minister {n}")).await;
        let quote = app
            .create(
                "/quotes",
                json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                       "text": format!("We will not sign this deal {n},")}),
            )
            .await;
        quote_path = format!("/quotes/{}", id(&quote));
        let mut current = quote;
        for status in ["in_review", "verified"] {
            let reviewed = app
                .request_as(Some(&app.reviewer.token), Method::POST, &format!("{quote_path}/reviews"))
                .header("if-match", etag(&current))
                .json(&json!({"status": status, "rationale": "Checked against the recording."}))
                .send()
                .await
                .unwrap();
            assert_eq!(reviewed.status(), StatusCode::CREATED);
            current = json(app.get(&quote_path).await, StatusCode::OK).await;
        }
        let published = app
            .request_as(Some(&app.editor.token), Method::POST, &format!("{quote_path}/publish"))
            .json(&json!({"headline": "The minister said it", "summary": "On the recording.",
                          "url": format!("https://news.example/fc/{n}"), "language": "en"}))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), StatusCode::CREATED);
        app.claim().await;
    }
    for name in ["desk", "scraper"] {
        let key = app
            .request_as(Some(&app.admin.token), Method::POST, "/api-keys")
            .json(&json!({"name": name, "user_id": app.submitter.id, "role": "submitter"}))
            .send()
            .await
            .unwrap();
        assert_eq!(key.status(), StatusCode::CREATED);
    }
    [
        "/sources",
        "/speakers",
        "/quotes",
        "/claims",
        "/users",
        "/api-keys",
        "/audit?entity_type=quote",
        "/review-queue?status=verified",
        "/search?q=sign",
        "/claimreview?since=2020-01-01T00:00:00Z",
        "/fact-checks",
        &format!("{quote_path}/reviews"),
        &format!("{quote_path}/history"),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn with(path: &str, page: &str) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    format!("{path}{joiner}{page}")
}

/// The items of a page, whichever key the list puts them under.
fn items(page: &Value) -> Vec<Value> {
    page.get("items").or_else(|| page.get("@graph")).and_then(Value::as_array).cloned().unwrap_or_default()
}

#[tokio::test]
async fn every_list_walks_to_its_end_one_item_at_a_time() {
    let app = TestApp::spawn().await;
    for list in lists_with_items(&app).await {
        let all = json(
            app.request_as(Some(&app.admin.token), Method::GET, &with(&list, "limit=500"))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        let expected = items(&all);
        assert!(expected.len() >= 2, "{list} holds {} items: too few to page", expected.len());
        let mut seen = Vec::new();
        let mut path = with(&list, "limit=1");
        loop {
            let response = app.request_as(Some(&app.admin.token), Method::GET, &path).send().await.unwrap();
            let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
            let page = json(response, StatusCode::OK).await;
            let found = items(&page);
            assert_eq!(found.len(), 1, "{path}");
            seen.extend(found);
            let Some(cursor) = page["next_cursor"].as_str() else {
                assert_eq!(link, None, "{path}: the last page has no Link");
                break;
            };
            assert!(
                !cursor.is_empty() && cursor.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b'-'),
                "{list}: cursor {cursor:?} is not in the one format"
            );
            let link = link.unwrap_or_else(|| panic!("{path}: a page with a next one has Link"));
            assert!(link.ends_with("rel=\"next\"") && link.contains(&format!("cursor={cursor}")), "{link}");
            path = with(&with(&list, "limit=1"), &format!("cursor={cursor}"));
            assert!(seen.len() <= expected.len(), "{list} pages past its end");
        }
        assert_eq!(seen, expected, "{list}: one at a time, the same items in the same order as all at once");
    }
}

#[tokio::test]
async fn every_list_refuses_a_bad_page_alike() {
    let app = TestApp::spawn().await;
    let lists = lists_with_items(&app).await;
    let limits = ["0", "-1", "501", "1.5", "ten", "", "99999999999999999999"].map(|l| format!("limit={l}"));
    let cursors =
        ["not-a-cursor", "zz", "1.2.3", "%00", "0000000000000000.0000"].map(|c| format!("cursor={c}"));
    let twice = ["limit=1&limit=2".to_owned(), "cursor=1&cursor=2".to_owned()];
    for list in &lists {
        for page in limits.iter().chain(&cursors).chain(&twice) {
            let path = with(list, page);
            let response = app.request_as(Some(&app.admin.token), Method::GET, &path).send().await.unwrap();
            let problem = problem(response, StatusCode::BAD_REQUEST).await;
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                ["limit", "cursor", "control character"].iter().any(|word| detail.contains(word)),
                "{path}: {detail}"
            );
        }
    }
    // The record lists have two orders; the others one, and say so.
    for list in &lists {
        let response = app
            .request_as(Some(&app.admin.token), Method::GET, &with(list, "sort=-created_at"))
            .send()
            .await
            .unwrap();
        let record_list = ["/sources", "/speakers", "/quotes", "/claims"].contains(&list.as_str());
        let expected = if record_list { StatusCode::OK } else { StatusCode::BAD_REQUEST };
        assert_eq!(response.status(), expected, "{list}?sort=-created_at");
    }
}
