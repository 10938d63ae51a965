//! HTTP as clients and caches expect it: HEAD for every GET, ETags on every read, 304 for a
//! matching If-None-Match (weak comparison), 412 for a weak If-Match, feeds that page like
//! every list, and exports with their header row even when nothing matches.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, problem};

/// The answer's ETag.
fn tag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn get_if_none_match(app: &TestApp, path: &str, condition: &str) -> Response {
    app.request(Method::GET, path).header("if-none-match", condition).send().await.unwrap()
}

/// A 304 carries the tag and no body.
async fn not_modified(response: Response, expected_tag: &str) {
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(tag(&response), expected_tag);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn head_answers_every_read_with_its_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let source = app.source("The minister said the deal was off.").await;
    let path = format!("/sources/{}", id(&source));
    for path in [path.as_str(), "/sources", "/sources/export", "/search?q=minister"] {
        let get = app.get(path).await;
        let head = app.request(Method::HEAD, path).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        for name in ["content-type", "etag", "content-length"] {
            assert_eq!(head.headers().get(name), get.headers().get(name), "{name} of HEAD {path}");
        }
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} sent a body");
        assert!(!get.bytes().await.unwrap().is_empty());
    }
    // HEAD is a read: the same rules, the same errors (without their body).
    let anonymous = app.request_as(None, Method::HEAD, "/sources").send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["content-type"], "application/problem+json");
    let missing =
        app.request(Method::HEAD, "/sources/0192f0c0-0000-7000-8000-000000000000").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // Where there is no GET there is no HEAD.
    let refused = app.request(Method::HEAD, "/auth/token").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(refused.headers()["allow"], "POST");
}

#[tokio::test]
async fn a_matching_if_none_match_answers_304_and_a_change_answers_200() {
    let app = TestApp::spawn().await;
    let source = app.source("Figures.").await;
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "statement": "12,000 homes lost power.", "metric": "homes without power",
                   "qualifier": "exact", "value": "12000"}),
        )
        .await;
    let path = format!("/claims/{}", id(&claim));
    let first = app.get(&path).await;
    let current = tag(&first);
    assert_eq!(current, etag(&claim));
    assert_eq!(first.headers().get("vary"), app.get(&path).await.headers().get("vary"));

    // The strong tag, the same tag weak (If-None-Match compares weakly), one of a list, `*`.
    for condition in [current.clone(), format!("W/{current}"), format!("\"0\", {current}"), "*".into()] {
        not_modified(get_if_none_match(&app, &path, &condition).await, &current).await;
    }
    let head = app.request(Method::HEAD, &path).header("if-none-match", &current).send().await.unwrap();
    not_modified(head, &current).await;
    // Another tag is a miss: the record.
    let miss = get_if_none_match(&app, &path, "\"41\", W/\"42\"").await;
    assert_eq!(json(miss, StatusCode::OK).await["id"], claim["id"]);

    // After a change the old tag is a miss and the new one a hit.
    let changed = app.patch(&path, &current, &json!({"place": "Kherson"})).await;
    let changed = json(changed, StatusCode::OK).await;
    let stale = get_if_none_match(&app, &path, &current).await;
    assert_eq!(tag(&stale), etag(&changed));
    assert_eq!(json(stale, StatusCode::OK).await["place"], "Kherson");
    not_modified(get_if_none_match(&app, &path, &etag(&changed)).await, &etag(&changed)).await;

    // Errors are never 304, whatever the condition.
    let missing = get_if_none_match(&app, "/claims/0192f0c0-0000-7000-8000-000000000000", "*").await;
    problem(missing, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn lists_feeds_and_documents_carry_weak_tags_that_follow_their_content() {
    let app = TestApp::spawn().await;
    let source = app.source("Figures.").await;
    let claim = |n: u32| {
        json!({"source_id": id(&source), "statement": format!("{n} homes lost power."), "metric": "homes without power",
               "qualifier": "exact", "value": n.to_string()})
    };
    let first = app.create("/claims", claim(1)).await;
    app.published("claims", &first).await;
    // A fact-check's document changes once more, when its proof in the log arrives.
    app.integrated().await;

    let readings = [
        "/claims".to_owned(),
        "/claims?limit=1".into(),
        format!("/claims/{}/claimreview", id(&first)),
        "/claimreview?since=2000-01-01T00:00:00Z".into(),
        "/fact-checks".into(),
        format!("/claims/{}/reviews", id(&first)),
        "/search?q=power&type=claim".into(),
    ];
    let mut tags = Vec::new();
    for path in &readings {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let current = tag(&response);
        assert!(current.starts_with("W/\""), "{path}: {current}");
        // The same content, the same tag; a matching condition, 304.
        assert_eq!(tag(&app.get(path).await), current, "{path}");
        not_modified(get_if_none_match(&app, path, &current).await, &current).await;
        tags.push(current);
    }
    // A new claim changes the lists it is in and leaves the first claim's document alone.
    app.create("/claims", claim(2)).await;
    let after: Vec<String> = futures_util::future::join_all(readings.iter().map(|path| app.get(path)))
        .await
        .iter()
        .map(tag)
        .collect();
    assert_ne!(after[0], tags[0], "the list of claims");
    assert_ne!(after[1], tags[1], "its first page, which now has a next page");
    assert_eq!(after[2], tags[2], "the first claim's ClaimReview");
    assert_ne!(after[6], tags[6], "the search");
}

#[tokio::test]
async fn if_match_compares_strongly_a_weak_tag_is_412_and_garbage_is_400() {
    let app = TestApp::spawn().await;
    let source = app.source("Words.").await;
    let path = format!("/sources/{}", id(&source));
    let current = etag(&source);
    for condition in [format!("W/{current}"), "\"a-digest\"".into(), format!("W/{current}, \"99\"")] {
        let refused = app.patch(&path, &condition, &json!({"title": "Changed"})).await;
        let found = problem(refused, StatusCode::PRECONDITION_FAILED).await;
        assert!(found["detail"].is_string());
        assert_eq!(
            app.get(&path).await.json::<Value>().await.unwrap()["title"],
            source["title"],
            "{condition}"
        );
    }
    for garbage in ["three", "\"3", "W/3"] {
        problem(app.patch(&path, garbage, &json!({"title": "Changed"})).await, StatusCode::BAD_REQUEST).await;
    }
    // A list that names the current tag strongly is a match.
    let list = format!("W/\"0\", {current}");
    let changed = app.patch(&path, &list, &json!({"title": "Changed"})).await;
    assert_eq!(json(changed, StatusCode::OK).await["title"], "Changed");
}

#[tokio::test]
async fn the_feed_pages_like_every_list() {
    let app = TestApp::spawn().await;
    let source = app.source("Figures.").await;
    for n in 0..3 {
        let claim = app
            .create(
                "/claims",
                json!({"source_id": id(&source), "statement": format!("{n} homes."), "metric": "homes",
                       "qualifier": "exact", "value": n.to_string()}),
            )
            .await;
        app.published("claims", &claim).await;
    }
    let mut path = "/claimreview?since=2000-01-01T00:00:00%2B00:00&limit=2".to_owned();
    let mut seen = Vec::new();
    loop {
        let response = app.get(&path).await;
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        let page = json(response, StatusCode::OK).await;
        for document in page["@graph"].as_array().unwrap() {
            seen.push(document["claimReviewed"].as_str().unwrap().to_owned());
        }
        let Some(link) = link else {
            assert!(page["next_cursor"].is_null());
            break;
        };
        let cursor = page["next_cursor"].as_str().unwrap();
        assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'), "{cursor}");
        let next = link.strip_prefix('<').and_then(|l| l.strip_suffix(">; rel=\"next\"")).unwrap();
        assert!(next.contains(&format!("cursor={cursor}")), "{next}");
        path = next.to_owned();
    }
    assert_eq!(seen, ["0 homes.", "1 homes.", "2 homes."]);
}

#[tokio::test]
async fn every_export_starts_with_its_header_row_even_when_nothing_matches() {
    let app = TestApp::spawn().await;
    let mut empty = Vec::new();
    for collection in ["sources", "speakers", "quotes", "claims"] {
        let response = app.get(&format!("/{collection}/export")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{collection}: {text}");
        assert!(lines[0].starts_with("id,"), "{collection}: {text}");
        empty.push(lines[0].to_owned());
    }
    // The header names exactly the fields of a record as a read returns it: `id`, then the
    // rest in alphabetical order.
    let source = app.source("The envoy said: \"We will not sign.\"").await;
    let speaker = app.speaker("The envoy").await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "We will not sign."}),
        )
        .await;
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "statement": "12 homes.", "metric": "homes", "qualifier": "exact", "value": "12"}),
        )
        .await;
    for (n, (collection, record)) in
        [("sources", &source), ("speakers", &speaker), ("quotes", &quote), ("claims", &claim)]
            .into_iter()
            .enumerate()
    {
        let read = json(app.get(&format!("/{collection}/{}", id(record))).await, StatusCode::OK).await;
        let mut fields: Vec<String> =
            read.as_object().unwrap().keys().filter(|k| *k != "id").cloned().collect();
        fields.sort();
        fields.insert(0, "id".into());
        assert_eq!(empty[n], fields.join(","), "{collection}");
        let export = app.get(&format!("/{collection}/export")).await.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(export.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>().join(","), empty[n]);
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[0], id(record));
    }
}
