//! The verification workflow: append-only reviews, enforced transitions, the queue, and no
//! lost updates.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, etag, id, json, pointer, prepared_statements, problem};

async fn review(
    app: &TestApp,
    user: &TestUser,
    claim_id: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request =
        app.request_as(Some(&user.token), Method::POST, &format!("/claims/{claim_id}/reviews")).json(&body);
    if let Some(if_match) = if_match {
        request = request.header("if-match", if_match);
    }
    request.send().await.unwrap()
}

async fn current(app: &TestApp, claim_id: &str) -> Value {
    json(app.get(&format!("/claims/{claim_id}")).await, StatusCode::OK).await
}

#[tokio::test]
async fn fifty_concurrent_reviews_against_one_version_store_exactly_one() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let claim_id = id(&claim).to_owned();
    let if_match = etag(&claim);
    let body = json!({"status": "in_review"});
    let attempts = (0..50).map(|_| review(&app, &app.reviewer, &claim_id, Some(&if_match), body.clone()));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|response| response.status())
        .collect();
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let stale = statuses.iter().filter(|s| **s == StatusCode::PRECONDITION_FAILED).count();
    assert_eq!((created, stale), (1, 49), "{statuses:?}");
    let history = json(app.get(&format!("/claims/{claim_id}/reviews")).await, StatusCode::OK).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(current(&app, &claim_id).await["version"], 2);
}

#[tokio::test]
async fn a_review_needs_the_current_etag_and_changes_nothing_without_it() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let claim_id = id(&claim);
    problem(
        review(&app, &app.reviewer, claim_id, None, json!({"status": "in_review"})).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    problem(
        review(&app, &app.reviewer, claim_id, Some("\"7\""), json!({"status": "in_review"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let after = current(&app, claim_id).await;
    assert_eq!((after["status"].clone(), after["version"].clone()), (json!("unreviewed"), json!(1)));
    assert_eq!(app.count("reviews").await, 0);
}

#[tokio::test]
async fn the_workflow_claim_decide_dispute_retract() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let claim_id = id(&claim);
    let evidence_source = app.source("Grid operator statement: 12,430 homes without power.").await;

    // Submitters never review.
    problem(
        review(&app, &app.submitter, claim_id, Some(&etag(&claim)), json!({"status": "in_review"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // A reviewer claims it: in review, assigned to them.
    let claimed =
        review(&app, &app.reviewer, claim_id, Some(&etag(&claim)), json!({"status": "in_review"})).await;
    assert_eq!(claimed.headers()["etag"], "\"2\"");
    json(claimed, StatusCode::CREATED).await;
    let held = current(&app, claim_id).await;
    assert_eq!(
        (held["status"].clone(), held["assignee_id"].clone()),
        (json!("in_review"), json!(app.reviewer.id))
    );

    // While it is under review its submitter can no longer edit it.
    problem(
        app.patch(&format!("/claims/{claim_id}"), &etag(&held), &json!({"unit": "households"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // A verdict needs reasons; bad evidence is named.
    let no_reason =
        review(&app, &app.reviewer, claim_id, Some(&etag(&held)), json!({"status": "verified"})).await;
    assert_eq!(pointer(&problem(no_reason, StatusCode::UNPROCESSABLE_ENTITY).await), "/rationale");
    let bad_rating = review(
        &app,
        &app.reviewer,
        claim_id,
        Some(&etag(&held)),
        json!({"status": "verified", "rating": {"value": 9, "label": "True"}}),
    )
    .await;
    assert_eq!(pointer(&problem(bad_rating, StatusCode::UNPROCESSABLE_ENTITY).await), "/rating/value");
    let missing_source = review(&app, &app.reviewer, claim_id, Some(&etag(&held)),
        json!({"status": "verified", "rationale": "r", "evidence": [{"source_id": "0192f0c0-0000-7000-8000-000000000000", "note": "n"}]})).await;
    assert_eq!(
        pointer(&problem(missing_source, StatusCode::UNPROCESSABLE_ENTITY).await),
        "/evidence/0/source_id"
    );

    let verdict = json!({
        "status": "verified",
        "rating": {"value": 5, "label": "True"},
        "rationale": "The grid operator's own count is higher than 12,000.",
        "evidence": [
            {"source_id": id(&evidence_source), "note": "operator statement"},
            {"url": "https://grid.example/outages", "note": "live outage map"}
        ]
    });
    let decided =
        json(review(&app, &app.reviewer, claim_id, Some(&etag(&held)), verdict).await, StatusCode::CREATED)
            .await;
    assert_eq!(decided["rating"], json!({"value": 5, "label": "True", "best": 5, "worst": 1}));
    assert_eq!(decided["evidence"][1]["url"], "https://grid.example/outages");
    let verified = current(&app, claim_id).await;
    assert_eq!(verified["status"], "verified");

    // Another reviewer cannot overturn it, only flag it; retraction is an editor's.
    let overturn =
        review(&app, &app.editor, claim_id, Some(&etag(&verified)), json!({"status": "in_review"})).await;
    assert_eq!(overturn.status(), StatusCode::CREATED, "editors may reopen");
    let reopened = current(&app, claim_id).await;
    problem(
        review(
            &app,
            &app.reviewer,
            claim_id,
            Some(&etag(&reopened)),
            json!({"status": "false", "rationale": "r"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    problem(
        review(
            &app,
            &app.reviewer,
            claim_id,
            Some(&etag(&reopened)),
            json!({"status": "retracted", "rationale": "r"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let retracted = review(
        &app,
        &app.editor,
        claim_id,
        Some(&etag(&reopened)),
        json!({"status": "retracted", "rationale": "source withdrawn"}),
    )
    .await;
    assert_eq!(retracted.status(), StatusCode::CREATED);

    // The history, two reviews a page, oldest first.
    let mut statuses = Vec::new();
    let mut path = format!("/claims/{claim_id}/reviews?limit=2");
    loop {
        let page = json(app.get(&path).await, StatusCode::OK).await;
        statuses.extend(
            page["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_owned()),
        );
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        path = format!("/claims/{claim_id}/reviews?limit=2&cursor={cursor}");
    }
    assert_eq!(statuses, ["in_review", "verified", "in_review", "retracted"]);
    assert_eq!(current(&app, claim_id).await["status"], "retracted");
}

#[tokio::test]
async fn reviews_are_append_only_in_the_database() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    json(
        review(&app, &app.reviewer, id(&claim), Some(&etag(&claim)), json!({"status": "in_review"})).await,
        StatusCode::CREATED,
    )
    .await;
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    let update = diesel::sql_query("UPDATE reviews SET status = 'verified'").execute(&mut conn).await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = diesel::sql_query("DELETE FROM reviews").execute(&mut conn).await;
    assert!(delete.is_err());
    assert_eq!(app.count("reviews").await, 1);
}

#[tokio::test]
async fn the_queue_lists_waiting_items_oldest_first() {
    let app = TestApp::spawn().await;
    let first = app.claim().await;
    let second = app.claim().await;
    let source = app.source("«The river has already risen.»").await;
    let speaker = app.speaker("The mayor").await;
    let quote = app
        .create("/quotes", json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "The river has already risen."}))
        .await;
    json(
        review(&app, &app.reviewer, id(&second), Some(&etag(&second)), json!({"status": "in_review"})).await,
        StatusCode::CREATED,
    )
    .await;

    let queue = |query: &'static str| {
        let app = &app;
        async move {
            let response = app
                .request_as(Some(&app.reviewer.token), Method::GET, &format!("/review-queue{query}"))
                .send()
                .await
                .unwrap();
            json(response, StatusCode::OK).await
        }
    };
    let all = queue("").await;
    let ids: Vec<&str> = all["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id(&first), id(&second), id(&quote)]);
    assert_eq!(all["items"][2]["type"], "quote");

    let mine = queue("?assignee=me").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["id"], second["id"]);
    let waiting = queue("?status=unreviewed&type=claim").await;
    assert_eq!(waiting["items"].as_array().unwrap().len(), 1);
    assert_eq!(waiting["items"][0]["id"], first["id"]);
    let paged = queue("?limit=2").await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
    assert!(paged["next_cursor"].is_string());

    let bad = app
        .request_as(Some(&app.reviewer.token), Method::GET, "/review-queue?status=done")
        .send()
        .await
        .unwrap();
    problem(bad, StatusCode::BAD_REQUEST).await;
    let listed = json(app.get("/claims?status=in_review").await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["id"], second["id"]);
}

/// Evidence may carry a figure; the server says whether the claim's figure (more than 12,000
/// homes) is consistent with it, and keeps that beside the review. A malformed figure is named
/// and nothing is written.
#[tokio::test]
async fn evidence_figures_are_checked_against_the_claim() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let claim_id = id(&claim);
    let claimed =
        review(&app, &app.reviewer, claim_id, Some(&etag(&claim)), json!({"status": "in_review"})).await;
    json(claimed, StatusCode::CREATED).await;
    let held = current(&app, claim_id).await;

    for (figure, pointer_expected) in [
        (json!({"value": "twelve thousand"}), "/evidence/0/figure/value"),
        (
            json!({"value": "1", "period_start": "2024-02-01", "period_end": "2024-01-01"}),
            "/evidence/0/figure/period_end",
        ),
        (
            json!({"value": "1", "as_of": "2024-01-01", "period_start": "2023-01-01"}),
            "/evidence/0/figure/as_of",
        ),
    ] {
        let refused = review(
            &app,
            &app.reviewer,
            claim_id,
            Some(&etag(&held)),
            json!({"status": "verified", "rationale": "r", "evidence": [{"url": "https://grid.example/a", "note": "n", "figure": figure}]}),
        )
        .await;
        let refused = problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointer(&refused), pointer_expected, "{refused}");
    }
    let unknown = review(
        &app,
        &app.reviewer,
        claim_id,
        Some(&etag(&held)),
        json!({"status": "verified", "rationale": "r", "evidence": [{"url": "https://grid.example/a", "note": "n", "figure": {"value": "1", "colour": "red"}}]}),
    )
    .await;
    assert_eq!(pointer(&problem(unknown, StatusCode::BAD_REQUEST).await), "/evidence/0/figure/colour");
    assert_eq!(app.count("reviews").await, 1, "only the claim to review it");

    let decided = review(
        &app,
        &app.reviewer,
        claim_id,
        Some(&etag(&held)),
        json!({"status": "verified", "rationale": "The operator's count is higher.", "evidence": [
            {"url": "https://grid.example/outages", "note": "operator table",
             "figure": {"value": "12430", "unit": "homes", "as_of": "2024-01-05", "origin": "table 2"}},
            {"url": "https://grid.example/early", "note": "early estimate", "figure": {"value": 11000, "unit": "homes"}},
            {"url": "https://grid.example/share", "note": "share", "figure": {"value": "12", "unit": "%"}},
            {"url": "https://grid.example/cost", "note": "cost", "figure": {"value": "12.5", "unit": "million USD"}},
            {"url": "https://grid.example/story", "note": "no figure"},
        ]}),
    )
    .await;
    let decided = json(decided, StatusCode::CREATED).await;
    let evidence = decided["evidence"].as_array().unwrap();
    assert_eq!(
        evidence[0]["figure"],
        json!({"value": "12430", "unit": "homes", "as_of": "2024-01-05", "period_start": null, "period_end": null, "origin": "table 2"})
    );
    let verdicts: Vec<(&Value, &Value)> =
        evidence.iter().map(|e| (&e["consistency"]["verdict"], &e["consistency"]["reason"])).collect();
    assert_eq!(
        verdicts,
        [
            (&json!("consistent"), &Value::Null),
            (&json!("inconsistent"), &Value::Null),
            (&json!("not_comparable"), &json!("unit_mismatch")),
            (&json!("not_comparable"), &json!("unit_mismatch")),
            (&Value::Null, &Value::Null),
        ],
        "{decided}"
    );
    assert!(evidence[0]["consistency"]["explanation"].as_str().unwrap().contains("12430"), "{decided}");
    // The history keeps the figures and the suggestion as they were.
    let history = json(app.get(&format!("/claims/{claim_id}/reviews")).await, StatusCode::OK).await;
    let kept = history["items"].as_array().unwrap().last().unwrap();
    assert_eq!(kept["evidence"], decided["evidence"]);
}

/// Claims published as fact-checks, as any signed-in caller reads them.
async fn fact_checked_claims(app: &TestApp) -> Vec<Value> {
    let page = json(app.get("/fact-checks").await, StatusCode::OK).await;
    page["items"].as_array().unwrap().iter().map(|f| f["claim_id"].clone()).collect()
}

/// Review-queue entries for `query`, as the reviewer reads them.
async fn queued(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app
        .request_as(Some(&app.reviewer.token), Method::GET, &format!("/review-queue{query}"))
        .send()
        .await
        .unwrap();
    json(response, StatusCode::OK).await["items"].as_array().unwrap().clone()
}

/// A verdict is about what was judged. A covered change afterwards makes it stale: the record
/// says so and why, the queue moves it from done to needs re-review, and the history shows it.
/// An uncovered change does not; a new verdict makes it current again; a change to the source
/// makes it stale too. A verdict alone is never public: no ClaimReview, no shared fact-check
/// (publication's own tests cover a published item, which is locked).
#[tokio::test]
async fn a_covered_change_after_the_verdict_makes_it_stale() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let claim_id = id(&claim).to_owned();
    let path = format!("/claims/{claim_id}");
    json(
        review(&app, &app.reviewer, &claim_id, Some(&etag(&claim)), json!({"status": "in_review"})).await,
        StatusCode::CREATED,
    )
    .await;
    let verdict = json!({"status": "verified", "rating": {"value": 4, "label": "Mostly true"}, "rationale": "Operator count."});
    let held = current(&app, &claim_id).await;
    let decided = json(
        review(&app, &app.reviewer, &claim_id, Some(&etag(&held)), verdict.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(decided["basis_sha256"].as_str().map(str::len), Some(64), "{decided}");
    let verified = current(&app, &claim_id).await;
    assert_eq!((&verified["verdict_stale"], &verified["stale_reasons"]), (&json!(false), &json!([])));
    let claimreview = format!("{path}/claimreview");
    problem(app.get(&claimreview).await, StatusCode::NOT_FOUND).await;
    assert!(!fact_checked_claims(&app).await.contains(&json!(claim_id)), "not published");
    let in_queue = |entries: &[Value]| entries.iter().any(|e| e["id"] == json!(claim_id));
    assert!(in_queue(&queued(&app, "?status=verified").await));

    // Not covered: the language. The verdict holds.
    let edit = |body: Value, etag: String| {
        app.request_as(Some(&app.editor.token), Method::PATCH, &path)
            .header("if-match", etag)
            .json(&body)
            .send()
    };
    let relabelled =
        json(edit(json!({"language": "en"}), etag(&verified)).await.unwrap(), StatusCode::OK).await;
    assert_eq!(relabelled["verdict_stale"], false, "{relabelled}");

    // Covered: the value. Stale, and why.
    let changed =
        json(edit(json!({"value": "13000"}), etag(&relabelled)).await.unwrap(), StatusCode::OK).await;
    assert_eq!(
        (&changed["status"], &changed["verdict_stale"]),
        (&json!("verified"), &json!(true)),
        "{changed}"
    );
    assert_eq!(changed["stale_reasons"], json!(["value"]));
    assert!(changed["stale_since"].is_string());
    assert!(!in_queue(&queued(&app, "?status=verified").await), "no longer done");
    let waiting = queued(&app, "").await;
    let entry = waiting.iter().find(|e| e["id"] == json!(claim_id)).expect("needs re-review, by default");
    assert_eq!(entry["verdict_stale"], true);
    assert!(in_queue(&queued(&app, "?status=stale").await));
    let feed = json(app.get("/claimreview?since=2000-01-01T00:00:00Z").await, StatusCode::OK).await;
    assert!(!feed.to_string().contains(&claim_id), "the feed leaves it out: {feed}");
    let history = json(app.get(&format!("{path}/history")).await, StatusCode::OK).await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["action"], &last["before"]["verdict_stale"], &last["after"]["verdict_stale"]),
        (&json!("update"), &json!(false), &json!(true)),
        "{last}"
    );

    // A verdict recorded again, on the item as it is now: current again.
    let reaffirmed = json(
        review(&app, &app.reviewer, &claim_id, Some(&etag(&changed)), verdict.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(reaffirmed["basis_sha256"], decided["basis_sha256"], "a different judged basis");
    let current_again = current(&app, &claim_id).await;
    assert_eq!(
        (&current_again["verdict_stale"], &current_again["stale_since"]),
        (&json!(false), &Value::Null)
    );

    // What ClaimReview shows of the source changes: every verdict resting on it is stale.
    let source_path = format!("/sources/{}", claim["source_id"].as_str().unwrap());
    let source = json(app.get(&source_path).await, StatusCode::OK).await;
    let moved = app
        .request_as(Some(&app.editor.token), Method::PATCH, &source_path)
        .header("if-match", etag(&source))
        .json(&json!({"publisher": "Another Wire"}))
        .send()
        .await
        .unwrap();
    json(moved, StatusCode::OK).await;
    let after_source = current(&app, &claim_id).await;
    assert_eq!(after_source["stale_reasons"], json!(["source"]), "{after_source}");
    // The claim's own history shows the transition, and its cause.
    let history = json(app.get(&format!("{path}/history")).await, StatusCode::OK).await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "mark_stale", "{last}");
    assert_eq!(
        (&last["before"]["stale_reasons"], &last["after"]["stale_reasons"]),
        (&Value::Null, &json!(["source"]))
    );
    assert_eq!(last["after"]["version"], after_source["version"]);
    assert_eq!(last["after"]["cause"], json!({"reason": "source", "source_id": claim["source_id"]}));

    // A second change of the source leaves an already stale verdict as it is: once per cause.
    let source = json(app.get(&source_path).await, StatusCode::OK).await;
    let again = app
        .request_as(Some(&app.editor.token), Method::PATCH, &source_path)
        .header("if-match", etag(&source))
        .json(&json!({"publisher": "A Third Wire"}))
        .send()
        .await
        .unwrap();
    json(again, StatusCode::OK).await;
    assert_eq!(current(&app, &claim_id).await["version"], after_source["version"]);
    let history_again = json(app.get(&format!("{path}/history")).await, StatusCode::OK).await;
    assert_eq!(history_again["items"].as_array().unwrap().len(), history["items"].as_array().unwrap().len());
}

/// A review runs the same statements every time, prepared once per connection: the reviews
/// after the first prepare nothing new (a statement prepared on every run costs a round trip
/// and a parse).
#[tokio::test]
async fn reviews_prepare_their_statements_once_per_connection() {
    use attest::db::{self, review::Item};
    use attest::domain::kinds::Role;
    use attest::domain::review::ReviewInput;
    use attest::domain::{ExpectedVersion, Membership, Principal};
    use attest::services::reviews;

    let app = TestApp::spawn().await;
    let mut conn = db::connect(&app.database_url).await.unwrap();
    let workspace = db::workspace::find_by_slug(&mut conn, "default").await.unwrap().unwrap().id;
    let admin = Principal {
        user_id: app.admin.id,
        api_key: None,
        instance_admin: true,
        membership: Some(Membership { workspace, role: Role::Admin }),
    };
    let mut prepared_after_each = Vec::new();
    for n in 0..3 {
        let claim_id = id(&app.claim().await).parse().unwrap();
        let input: ReviewInput =
            serde_json::from_value(json!({"status": "verified", "rationale": format!("Review {n}.")}))
                .unwrap();
        let saved = db::workspace::scoped(&mut conn, workspace, Some(admin.user_id), async |conn| {
            reviews::record(conn, admin, Item::Claim(claim_id), ExpectedVersion::OneOf(vec![1]), input).await
        })
        .await
        .unwrap();
        assert_eq!(saved.version, 2);
        prepared_after_each.push(prepared_statements(&mut conn).await);
    }
    let first = &prepared_after_each[0];
    for wanted in
        ["UPDATE claims AS item", "INSERT INTO \"reviews\"", "INSERT INTO audit_events", "WITH emitted"]
    {
        assert_eq!(
            first.iter().filter(|statement| statement.trim_start().starts_with(wanted)).count(),
            1,
            "{wanted} prepared once: {first:#?}"
        );
    }
    assert_eq!(&prepared_after_each[2], first, "the second and third reviews prepared nothing new");
    assert_eq!(app.count("reviews").await, 3);
}
