//! Findings 8 to 12: rules a hostile caller could bend.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::{Account, Hostile, Rng, body, etag, id, problem};

impl Hostile {
    /// A claim on a source of its own, as the submitter.
    async fn claim(&self, rng: &mut Rng) -> (Value, Value) {
        let statement = format!("More than {} homes lost power.", rng.between(2..90_000));
        let source = self.source(&statement).await;
        let claim = self
            .create(
                "/claims",
                json!({"source_id": id(&source), "statement": statement, "metric": "homes without power", "qualifier": "more_than", "value": "1"}),
            )
            .await;
        (source, claim)
    }

    /// Records `status` on the claim as `who`, with the ETag it has now.
    async fn review(&self, who: &Account, claim: &Value, status: &str) -> Response {
        let path = format!("/claims/{}", id(claim));
        let current = self.send(&who.token, Method::GET, &path, None).await;
        let tag = etag(&current);
        self.client
            .post(self.url(&format!("{path}/reviews")))
            .bearer_auth(&who.token)
            .header("if-match", tag)
            .json(&json!({"status": status, "rationale": "checked"}))
            .send()
            .await
            .unwrap()
    }

    /// Publishes the claim's verdict as the editor (the workspace asks for no sign-off).
    async fn publish(&self, claim: &Value) {
        let path = format!("/claims/{}/publish", id(claim));
        let body = json!({"headline": "Checked", "summary": "It holds.", "url": "https://news.hostile.example/fc",
                          "language": "en"});
        let published = self.send(&self.editor.token, Method::POST, &path, Some(body)).await;
        crate::body(published, StatusCode::CREATED).await;
    }

    async fn patch_as(&self, who: &Account, path: &str, patch: Value) -> Response {
        let current = self.send(&who.token, Method::GET, path, None).await;
        let tag = etag(&current);
        self.client
            .patch(self.url(path))
            .bearer_auth(&who.token)
            .header("if-match", tag)
            .header("content-type", "application/merge-patch+json")
            .body(patch.to_string())
            .send()
            .await
            .unwrap()
    }

    async fn status_of(&self, claim: &Value) -> Value {
        body(
            self.send(&self.admin.token, Method::GET, &format!("/claims/{}", id(claim)), None).await,
            StatusCode::OK,
        )
        .await["status"]
            .clone()
    }
}

/// 8. A reviewer cannot overturn another reviewer's verdict, in one step or in two (back to
/// `in_review`, then a new verdict); an editor can.
#[tokio::test]
async fn only_an_editor_changes_a_verdict() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("verdicts");
    let second = app.add_named_account("reviewer", "second-reviewer").await;
    let verdicts = ["verified", "false", "misleading", "unverifiable"];
    let (_, claim) = app.claim(&mut rng).await;
    let first = *rng.pick(&verdicts);
    body(app.review(&app.reviewer, &claim, "in_review").await, StatusCode::CREATED).await;
    body(app.review(&app.reviewer, &claim, first).await, StatusCode::CREATED).await;
    let reviews_before = app.count("reviews", "true").await;
    app.under_watch(async {
        let other = *rng.pick(&verdicts);
        for step in ["in_review", "unreviewed", other] {
            if step == first {
                continue;
            }
            problem(app.review(&second, &claim, step).await, &[StatusCode::FORBIDDEN]).await;
        }
    })
    .await;
    assert_eq!(app.status_of(&claim).await, first);
    assert_eq!(app.count("reviews", "true").await, reviews_before);
    body(app.review(&second, &claim, "disputed").await, StatusCode::CREATED).await;
    problem(app.review(&second, &claim, "in_review").await, &[StatusCode::FORBIDDEN]).await;
    body(app.review(&app.editor, &claim, "in_review").await, StatusCode::CREATED).await;
    assert_eq!(app.status_of(&claim).await, "in_review");
}

/// 9. Once a claim citing a source is reviewed, the source's url, publisher and date (what
/// ClaimReview shows) are an editor's to change.
#[tokio::test]
async fn reviewed_sources_are_fixed_for_non_editors() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("sources");
    let (source, claim) = app.claim(&mut rng).await;
    let path = format!("/sources/{}", id(&source));
    // Before any review, the submitter may correct it.
    body(app.patch_as(&app.submitter, &path, json!({"publisher": "Example Wire"})).await, StatusCode::OK)
        .await;
    body(app.review(&app.reviewer, &claim, "in_review").await, StatusCode::CREATED).await;
    let changes = [
        json!({"url": format!("https://elsewhere.example/{}", rng.words(1))}),
        json!({"publisher": rng.words(2)}),
        json!({"published_at": "2020-01-01T00:00:00Z"}),
        json!({"title": rng.words(3)}),
    ];
    app.under_watch(async {
        for who in [&app.submitter, &app.reviewer] {
            for change in &changes {
                problem(app.patch_as(who, &path, change.clone()).await, &[StatusCode::FORBIDDEN]).await;
            }
        }
    })
    .await;
    let stored = body(app.send(&app.admin.token, Method::GET, &path, None).await, StatusCode::OK).await;
    assert_eq!(stored["publisher"], "Example Wire");
    assert_eq!(stored["url"], source["url"]);
    body(app.patch_as(&app.editor, &path, rng.pick(&changes).clone()).await, StatusCode::OK).await;
}

/// 10. An API key cannot change a password; a reused refresh token ends the access tokens of
/// its sign-in at once.
#[tokio::test]
async fn keys_cannot_change_passwords_and_reuse_ends_access_at_once() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("credentials");
    let key = body(
        app.send(
            &app.admin.token,
            Method::POST,
            "/api-keys",
            Some(json!({"name": "ingest", "user_id": app.admin.id, "role": "admin"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let key = key["secret"].as_str().unwrap().to_owned();
    let new_password = format!("{} {}", rng.words(4), rng.between(1000..9999));
    let changed = app
        .under_watch(app.patch_as(
            &crate::Account { id: app.admin.id.clone(), email: String::new(), token: key },
            &format!("/users/{}", app.admin.id),
            json!({"password": new_password}),
        ))
        .await;
    problem(changed, &[StatusCode::FORBIDDEN]).await;
    problem(app.sign_in(&app.admin.email, &new_password).await, &[StatusCode::UNAUTHORIZED]).await;

    let signed_in = body(app.sign_in(&app.reviewer.email, crate::PASSWORD).await, StatusCode::OK).await;
    let (access, refresh) = (signed_in["access_token"].as_str().unwrap(), signed_in["refresh_token"].clone());
    let refresh_once =
        || app.client.post(app.url("/auth/refresh")).json(&json!({"refresh_token": refresh})).send();
    let rotated = body(refresh_once().await.unwrap(), StatusCode::OK).await;
    assert_eq!(app.send(access, Method::GET, "/me", None).await.status(), StatusCode::OK);
    problem(refresh_once().await.unwrap(), &[StatusCode::UNAUTHORIZED]).await;
    for token in [access, rotated["access_token"].as_str().unwrap()] {
        problem(app.send(token, Method::GET, "/me", None).await, &[StatusCode::UNAUTHORIZED]).await;
    }
}

/// 11. ClaimReview's url and publisher come from configuration, whatever Host or
/// X-Forwarded-Host the request carries.
#[tokio::test]
async fn claimreview_urls_ignore_request_headers() {
    let base = "https://facts.hostile.example";
    let app = Hostile::start_with(&[
        ("ATTEST_PUBLIC_BASE_URL", base.into()),
        ("ATTEST_PUBLISHER_NAME", "Hostile Example Fact Check".into()),
    ])
    .await;
    let mut rng = Rng::new("claimreview");
    let (_, claim) = app.claim(&mut rng).await;
    body(app.review(&app.reviewer, &claim, "in_review").await, StatusCode::CREATED).await;
    body(app.review(&app.reviewer, &claim, "verified").await, StatusCode::CREATED).await;
    app.publish(&claim).await;
    let evil = format!("{}.evil.example", rng.words(1));
    let document = app
        .under_watch(
            app.client
                .get(app.url(&format!("/claims/{}/claimreview", id(&claim))))
                .bearer_auth(&app.submitter.token)
                .header("host", evil.clone())
                .header("x-forwarded-host", evil.clone())
                .header("x-forwarded-proto", "http")
                .send(),
        )
        .await
        .unwrap();
    let document = body(document, StatusCode::OK).await;
    // The article's address and the configured publisher, never the request's host.
    assert_eq!(document["url"], "https://news.hostile.example/fc");
    assert_eq!(document["author"]["name"], "Hostile Example Fact Check");
    assert_eq!(document["author"]["url"], base);
    assert!(!document.to_string().contains(&evil));
}

/// 12. Exported cells that a spreadsheet would run as formulas are defused.
#[tokio::test]
async fn csv_exports_defuse_formulas() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("csv");
    let source = app.source("Figures.").await;
    let formulas: Vec<String> = ["=", "+", "-", "@", "\t", "\r"]
        .iter()
        .map(|lead| format!("{lead}HYPERLINK(\"https://evil.example/{}\")", rng.words(1)))
        .collect();
    for formula in &formulas {
        app.create(
            "/claims",
            json!({"source_id": id(&source), "statement": "Figures.", "metric": formula, "qualifier": "exact", "value": "-12.5"}),
        )
        .await;
    }
    let csv = app
        .under_watch(app.send(&app.submitter.token, Method::GET, "/claims/export", None))
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let metric = header.iter().position(|h| h == "metric").unwrap();
    let value = header.iter().position(|h| h == "value").unwrap();
    let mut defused = 0;
    for record in reader.records() {
        let record = record.unwrap();
        // Names are stored trimmed, so a leading tab or carriage return is gone already.
        assert!(!record[metric].starts_with(['=', '+', '-', '@', '\t', '\r']), "{:?}", &record[metric]);
        defused += usize::from(record[metric].starts_with("'"));
        assert_eq!(&record[value], "-12.5");
    }
    assert_eq!(defused, 4);
}

/// An item reviewed thousands of times: its history comes a page at a time, and its
/// ClaimReview reads only the latest review.
#[tokio::test]
async fn a_long_review_history_is_read_a_page_at_a_time() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("history");
    let (_, claim) = app.claim(&mut rng).await;
    body(app.review(&app.reviewer, &claim, "in_review").await, StatusCode::CREATED).await;
    let reviews = rng.between(2_000..6_000);
    // As many reviews through the API would take as many requests; the rows are what matters.
    app.execute(&format!(
        "INSERT INTO reviews (id, claim_id, reviewer_id, status, rationale, item_version, created_at)
         SELECT gen_random_uuid(), '{}', '{}', 'in_review', repeat('why ', 500), 1, now() - interval '1 day'
           FROM generate_series(1, {reviews})",
        id(&claim),
        app.reviewer.id
    ))
    .await;
    body(app.review(&app.reviewer, &claim, "verified").await, StatusCode::CREATED).await;
    app.publish(&claim).await;
    let path = format!("/claims/{}/reviews", id(&claim));
    let (pages, document) = app
        .under_watch(async {
            let pages = futures_util::future::join_all(
                (0..4).map(|_| app.send(&app.submitter.token, Method::GET, &path, None)),
            )
            .await;
            let document = app
                .send(&app.submitter.token, Method::GET, &format!("/claims/{}/claimreview", id(&claim)), None)
                .await;
            (pages, document)
        })
        .await;
    for page in pages {
        let page = body(page, StatusCode::OK).await;
        assert!(page["items"].as_array().unwrap().len() <= 100);
        assert!(page["next_cursor"].is_string());
        assert!(serde_json::to_string(&page).unwrap().len() < 1 << 20);
    }
    assert_eq!(body(document, StatusCode::OK).await["reviewRating"]["alternateName"], "True");
}
