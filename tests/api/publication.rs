//! From verdict to fact-check: the sign-off policy (nobody approves their own verdict or
//! submission; N approvals from given roles; objections hold), publication and its lock,
//! corrections by editors, unpublishing and retraction with a public notice, and public
//! documents that never show what was not published.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestUser, add_user_to, etag, id, json, keep_for_jsonld_check, problem, test_keys,
};
use attest::domain::kinds::Role;

async fn send(app: &TestApp, user: &TestUser, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut request = app.request_as(Some(&user.token), method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn send_if_match(app: &TestApp, user: &TestUser, path: &str, tag: &str, body: Value) -> Response {
    app.request_as(Some(&user.token), Method::POST, path)
        .header("if-match", tag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A verdict with `status` on the claim at its current version, recorded by `by` (changing a
/// verdict takes an editor).
async fn verdict(app: &TestApp, by: &TestUser, claim_path: &str, status: &str, rating: Option<i64>) {
    let current = json(app.get(claim_path).await, StatusCode::OK).await;
    let mut body = json!({"status": status, "rationale": "The operator's count."});
    if let Some(value) = rating {
        body["rating"] = json!({"value": value});
    }
    let recorded = send_if_match(app, by, &format!("{claim_path}/reviews"), &etag(&current), body).await;
    json(recorded, StatusCode::CREATED).await;
}

fn publication_body() -> Value {
    json!({"headline": "12,000 homes did lose power", "summary": "The grid operator's outage map agrees.",
           "url": "https://news.example/fact-checks/outage", "language": "en", "authors": ["Ana Ruiz"]})
}

async fn sign(
    app: &TestApp,
    user: &TestUser,
    claim_path: &str,
    decision: &str,
    note: Option<&str>,
) -> Response {
    let body = json!({"decision": decision, "note": note});
    send(app, user, Method::POST, &format!("{claim_path}/sign-offs"), Some(body)).await
}

#[tokio::test]
async fn a_verdict_is_published_only_once_signed_off_by_others_as_the_policy_asks() {
    let app = TestApp::spawn().await;
    let second_reviewer =
        add_user_to(&app.database_url, &test_keys(), "default", Role::Reviewer, "second@reviewers.example")
            .await;
    app.change_workspace(
        json!({"sign_off": [{"role": "reviewer", "count": 1}, {"role": "editor", "count": 1}]}),
    )
    .await;
    // The editor submitted this claim: the editor cannot sign off a verdict on it.
    let source = app.source("More than 12,000 homes have lost power.").await;
    let own = send(
        &app,
        &app.editor,
        Method::POST,
        "/claims",
        Some(json!({"source_id": id(&source), "statement": "More than 12,000 homes have lost power.",
                    "metric": "homes without power", "qualifier": "more_than", "value": "12000", "unit": "homes"})),
    )
    .await;
    let claim = json(own, StatusCode::CREATED).await;
    let path = format!("/claims/{}", id(&claim));
    let publish_path = format!("{path}/publish");
    let publish = || send(&app, &app.editor, Method::POST, &publish_path, Some(publication_body()));

    // No verdict: nothing to sign off or publish.
    problem(sign(&app, &second_reviewer, &path, "approve", None).await, StatusCode::CONFLICT).await;
    problem(publish().await, StatusCode::CONFLICT).await;
    verdict(&app, &app.reviewer, &path, "verified", Some(5)).await;

    // Nobody approves their own verdict, nor a verdict on their own submission, and a
    // submitter signs nothing.
    let own_verdict =
        problem(sign(&app, &app.reviewer, &path, "approve", None).await, StatusCode::FORBIDDEN).await;
    assert!(own_verdict["detail"].as_str().unwrap().contains("own verdict"), "{own_verdict}");
    let own_submission =
        problem(sign(&app, &app.editor, &path, "approve", None).await, StatusCode::FORBIDDEN).await;
    assert!(own_submission["detail"].as_str().unwrap().contains("own submission"), "{own_submission}");
    problem(sign(&app, &app.submitter, &path, "approve", None).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("sign_offs").await, 0, "nothing was recorded by a refusal");

    // One of two: not yet.
    let status = json(
        sign(&app, &second_reviewer, &path, "approve", Some("Checked the map")).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(status["signed_off"], false);
    assert_eq!(status["missing"], json!([{"role": "editor", "count": 1}]));
    let refused = problem(publish().await, StatusCode::CONFLICT).await;
    assert!(refused["detail"].as_str().unwrap().contains("1 from \"editor\""), "{refused}");
    // Once per verdict.
    problem(sign(&app, &second_reviewer, &path, "approve", None).await, StatusCode::CONFLICT).await;

    // The admin (an editor and more) approves: signed off, and the editor publishes.
    let status = json(sign(&app, &app.admin, &path, "approve", None).await, StatusCode::CREATED).await;
    assert_eq!((&status["signed_off"], &status["missing"]), (&json!(true), &json!([])));
    assert_eq!(status["sign_offs"].as_array().unwrap().len(), 2);
    let read = json(app.get(&format!("{path}/sign-offs")).await, StatusCode::OK).await;
    assert_eq!(read["sign_offs"], status["sign_offs"]);
    let published = json(publish().await, StatusCode::CREATED).await;
    assert_eq!(
        (&published["state"], &published["headline"]),
        (&json!("published"), &json!("12,000 homes did lose power"))
    );
    assert_eq!(published["rating"]["value"], 5);
    problem(publish().await, StatusCode::CONFLICT).await;

    // An objection to a new verdict holds it back, whoever approves.
    verdict(&app, &app.editor, &path, "misleading", None).await;
    let objection =
        problem(sign(&app, &second_reviewer, &path, "object", None).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(objection["errors"][0]["pointer"], "/note");
    json(
        sign(&app, &second_reviewer, &path, "object", Some("The map counts meters, not homes")).await,
        StatusCode::CREATED,
    )
    .await;
    let status = json(sign(&app, &app.admin, &path, "approve", None).await, StatusCode::CREATED).await;
    assert_eq!((&status["signed_off"], &status["objections"]), (&json!(false), &json!(1)));
    let correction = send_if_match(
        &app,
        &app.editor,
        &format!("{path}/publication/corrections"),
        &format!("\"{}\"", published["version"]),
        json!({"note": "Rating changed"}),
    )
    .await;
    let held = problem(correction, StatusCode::CONFLICT).await;
    assert!(held["detail"].as_str().unwrap().contains("objection"), "{held}");

    // The trail has every approval and objection.
    let history = json(app.get(&format!("{path}/history")).await, StatusCode::OK).await;
    let actions: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "sign_off").count(), 4, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "publish").count(), 1, "{actions:?}");
}

#[tokio::test]
async fn a_published_item_is_locked_and_changes_only_by_an_editors_correction() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let path = format!("/claims/{}", id(&claim));
    verdict(&app, &app.reviewer, &path, "verified", Some(4)).await;
    let publish =
        send(&app, &app.reviewer, Method::POST, &format!("{path}/publish"), Some(publication_body())).await;
    problem(publish, StatusCode::FORBIDDEN).await;
    let published = json(
        send(&app, &app.editor, Method::POST, &format!("{path}/publish"), Some(publication_body())).await,
        StatusCode::CREATED,
    )
    .await;
    let document = json(app.get(&format!("{path}/claimreview")).await, StatusCode::OK).await;
    assert_eq!(document["dateModified"], document["datePublished"]);
    assert!(document.get("correction").is_none());

    // Locked: nobody edits or deletes the item while it is published.
    let current = json(app.get(&path).await, StatusCode::OK).await;
    for user in [&app.editor, &app.admin] {
        let edit = app
            .request_as(Some(&user.token), Method::PATCH, &path)
            .header("if-match", etag(&current))
            .json(&json!({"value": "13000"}))
            .send()
            .await
            .unwrap();
        let locked = problem(edit, StatusCode::CONFLICT).await;
        assert!(locked["detail"].as_str().unwrap().contains("locked"), "{locked}");
        let delete = app
            .request_as(Some(&user.token), Method::DELETE, &path)
            .header("if-match", etag(&current))
            .send()
            .await
            .unwrap();
        problem(delete, StatusCode::CONFLICT).await;
    }
    assert_eq!(json(app.get(&path).await, StatusCode::OK).await["value"], "12000");

    // Corrections: editors only, at the publication's version.
    let corrections = format!("{path}/publication/corrections");
    let tag = format!("\"{}\"", published["version"]);
    let body = json!({"note": "The headline named the wrong region.", "headline": "12,000 homes in the north lost power"});
    problem(
        send_if_match(&app, &app.reviewer, &corrections, &tag, body.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        send(&app, &app.editor, Method::POST, &corrections, Some(body.clone())).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    problem(
        send_if_match(&app, &app.editor, &corrections, "\"9\"", body.clone()).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    problem(
        send_if_match(&app, &app.editor, &corrections, &tag, json!({"headline": "No note"})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let corrected = send_if_match(&app, &app.editor, &corrections, &tag, body).await;
    assert_eq!(corrected.headers()["etag"], format!("\"{}\"", published["version"].as_i64().unwrap() + 1));
    let corrected = json(corrected, StatusCode::OK).await;
    assert_eq!(corrected["headline"], "12,000 homes in the north lost power");
    assert_eq!(corrected["summary"], published["summary"], "what the correction leaves out stays");
    assert_eq!(corrected["corrections"][0]["note"], "The headline named the wrong region.");
    let document = json(app.get(&format!("{path}/claimreview")).await, StatusCode::OK).await;
    assert_eq!(document["name"], "12,000 homes in the north lost power");
    assert_ne!(document["dateModified"], document["datePublished"]);
    keep_for_jsonld_check("claim-review-corrected", &document);
    assert_eq!(document["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(document["correction"][0]["text"], "The headline named the wrong region.");

    // A new verdict changes the rating only through a correction.
    verdict(&app, &app.editor, &path, "misleading", None).await;
    let publication = json(app.get(&format!("{path}/publication")).await, StatusCode::OK).await;
    assert_eq!((&publication["verdict_stale"], &publication["rating"]["value"]), (&json!(true), &json!(4)));
    assert_eq!(
        json(app.get(&format!("{path}/claimreview")).await, StatusCode::OK).await["reviewRating"]["ratingValue"],
        4
    );
    let rerated = send_if_match(
        &app,
        &app.editor,
        &corrections,
        &format!("\"{}\"", publication["version"]),
        json!({"note": "New figures from the operator: misleading."}),
    )
    .await;
    let rerated = json(rerated, StatusCode::OK).await;
    assert_eq!(
        (&rerated["rating"]["label"], &rerated["verdict_stale"]),
        (&json!("Misleading"), &json!(false))
    );
    assert_eq!(rerated["corrections"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn public_documents_show_only_what_was_published_and_a_notice_once_taken_down() {
    let app = TestApp::spawn_public().await;
    let claim = app.claim().await;
    let path = format!("/claims/{}", id(&claim));
    let claimreview = format!("{path}/claimreview");
    let feed =
        || async { json(app.get("/claimreview?since=2000-01-01T00:00:00Z").await, StatusCode::OK).await };
    let shared = || async { json(app.get("/fact-checks").await, StatusCode::OK).await["items"].clone() };

    // Reviewers disagreeing is a working state: never published, never a public rating.
    verdict(&app, &app.reviewer, &path, "verified", Some(4)).await;
    let dispute = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("{path}/reviews"))
        .header("if-match", etag(&json(app.get(&path).await, StatusCode::OK).await))
        .json(&json!({"status": "disputed", "rationale": "The operator revised its count."}))
        .send()
        .await
        .unwrap();
    json(dispute, StatusCode::CREATED).await;
    let refused = problem(
        send(&app, &app.editor, Method::POST, &format!("{path}/publish"), Some(publication_body())).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("disputed"), "{refused}");
    problem(app.get(&claimreview).await, StatusCode::NOT_FOUND).await;
    assert_eq!(feed().await["@graph"], json!([]));
    assert_eq!(shared().await, json!([]));
    assert_eq!(app.count("fact_checks").await, 0);

    verdict(&app, &app.editor, &path, "false", None).await;
    let published = json(
        send(&app, &app.editor, Method::POST, &format!("{path}/publish"), Some(publication_body())).await,
        StatusCode::CREATED,
    )
    .await;
    let document = json(app.get(&claimreview).await, StatusCode::OK).await;
    assert_eq!(document["reviewRating"]["alternateName"], "False");
    assert!(!document.to_string().contains("disputed"), "{document}");
    assert_eq!(feed().await["@graph"].as_array().unwrap().len(), 1);
    assert_eq!(shared().await[0]["rating"]["label"], "False");

    // Unpublished: a notice where the fact-check was, no rating, out of the feed; and back.
    let unpublish = format!("{path}/publication/unpublish");
    let tag = |publication: &Value| format!("\"{}\"", publication["version"]);
    problem(
        send_if_match(&app, &app.editor, &unpublish, &tag(&published), json!({"notice": " "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let unpublished = json(
        send_if_match(
            &app,
            &app.editor,
            &unpublish,
            &tag(&published),
            json!({"notice": "Published before the editor's check."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (&unpublished["state"], &unpublished["notice"]),
        (&json!("unpublished"), &json!("Published before the editor's check."))
    );
    let gone = problem(app.get(&claimreview).await, StatusCode::GONE).await;
    assert!(gone["detail"].as_str().unwrap().contains("Published before the editor's check."), "{gone}");
    let anonymous = app.request_as(None, Method::GET, &claimreview).send().await.unwrap();
    problem(anonymous, StatusCode::GONE).await;
    assert_eq!(feed().await["@graph"], json!([]));
    let listed = shared().await;
    assert_eq!((&listed[0]["state"], &listed[0]["rating"]), (&json!("unpublished"), &Value::Null));
    assert_eq!(listed[0]["notice"], "Published before the editor's check.");
    problem(
        send_if_match(&app, &app.editor, &unpublish, &tag(&unpublished), json!({"notice": "Again"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    // The item is open to changes again while it is down.
    let current = json(app.get(&path).await, StatusCode::OK).await;
    let relabel = app
        .request_as(Some(&app.editor.token), Method::PATCH, &path)
        .header("if-match", etag(&current))
        .json(&json!({"language": "en"}))
        .send()
        .await
        .unwrap();
    json(relabel, StatusCode::OK).await;
    let republished = json(
        send(&app, &app.editor, Method::POST, &format!("{path}/publish"), Some(publication_body())).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (&republished["state"], &republished["notice"], &republished["id"]),
        (&json!("published"), &Value::Null, &published["id"])
    );

    // Retracted: final, with its notice.
    let retract = format!("{path}/publication/retract");
    problem(
        send_if_match(&app, &app.reviewer, &retract, &tag(&republished), json!({"notice": "x"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let retracted = json(
        send_if_match(
            &app,
            &app.editor,
            &retract,
            &tag(&republished),
            json!({"notice": "The verdict rested on a misread table."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(retracted["state"], "retracted");
    problem(app.get(&claimreview).await, StatusCode::GONE).await;
    problem(
        send(&app, &app.editor, Method::POST, &format!("{path}/publish"), Some(publication_body())).await,
        StatusCode::CONFLICT,
    )
    .await;
    problem(
        send_if_match(&app, &app.editor, &retract, &tag(&retracted), json!({"notice": "x"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(shared().await[0]["state"], "retracted");

    let history = json(app.get(&format!("{path}/history")).await, StatusCode::OK).await;
    let actions: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["publish", "unpublish", "retract"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

/// Publishes `statement` as a claim's fact-check in `language` at `url`.
async fn fact_check(app: &TestApp, source: &Value, statement: &str, language: &str, url: &str) -> Value {
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(source), "statement": statement, "metric": statement, "qualifier": "exact", "value": "1"}),
        )
        .await;
    let path = format!("/claims/{}", id(&claim));
    verdict(app, &app.reviewer, &path, "verified", Some(5)).await;
    let body = json!({"headline": format!("Checked: {statement}"), "summary": "It holds.", "url": url, "language": language});
    json(
        send(app, &app.editor, Method::POST, &format!("{path}/publish"), Some(body)).await,
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn claims_search_answers_as_google_fact_check_tools_does() {
    let app = TestApp::spawn_public().await;
    let source = app.source("Figures.").await;
    let outage = fact_check(
        &app,
        &source,
        "12,000 homes lost power in the storm",
        "en-GB",
        "https://news.example/fc/outage",
    )
    .await;
    let turnout =
        fact_check(&app, &source, "La participación fue del 61%", "es", "https://verificado.example/fc/1")
            .await;
    let power = fact_check(
        &app,
        &source,
        "Power prices doubled in a year",
        "en",
        "https://www.news.example/fc/prices",
    )
    .await;
    // A verdict alone, and a fact-check taken down, are never found.
    let draft = app.claim().await;
    verdict(&app, &app.reviewer, &format!("/claims/{}", id(&draft)), "verified", Some(5)).await;
    let down =
        fact_check(&app, &source, "Power cuts will end by Friday", "en", "https://news.example/fc/friday")
            .await;
    let unpublish = format!("/claims/{}/publication/unpublish", down["claim_id"].as_str().unwrap());
    json(
        send_if_match(&app, &app.editor, &unpublish, "\"1\"", json!({"notice": "Premature."})).await,
        StatusCode::OK,
    )
    .await;

    let app = &app;
    let search = |query: &str| {
        let path = format!("/claims:search?{query}");
        async move { json(app.get(&path).await, StatusCode::OK).await }
    };
    let texts = |found: &Value| -> Vec<String> {
        found["claims"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_owned()).collect()
    };
    let found = search("query=homes%20power").await;
    assert_eq!(texts(&found), ["12,000 homes lost power in the storm"]);
    let review = &found["claims"][0]["claimReview"][0];
    assert_eq!(review["publisher"], json!({"name": crate::helpers::PUBLISHER, "site": "news.example"}));
    assert_eq!(review["url"], "https://news.example/fc/outage");
    assert_eq!(review["title"], "Checked: 12,000 homes lost power in the storm");
    assert_eq!((&review["textualRating"], &review["languageCode"]), (&json!("True"), &json!("en-GB")));
    assert_eq!(
        review["reviewDate"].as_str().unwrap().get(..10),
        outage["published_at"].as_str().unwrap().get(..10)
    );
    assert!(found.get("nextPageToken").is_none());

    let power_texts = texts(&search("query=power").await);
    assert_eq!(power_texts.len(), 2, "{power_texts:?}");
    assert!(!power_texts.iter().any(|t| t.contains("Friday")), "taken down: {power_texts:?}");
    assert_eq!(texts(&search("query=power&languageCode=en").await).len(), 2, "en finds en-GB too");
    assert_eq!(texts(&search("query=power&languageCode=es").await), Vec::<String>::new());
    assert_eq!(
        texts(&search("reviewPublisherSiteFilter=verificado.example").await),
        [turnout["claim_reviewed"].as_str().unwrap()]
    );
    let on_site = texts(&search("reviewPublisherSiteFilter=news.example").await);
    assert_eq!(on_site.len(), 2, "the site and its subdomains: {on_site:?}");
    assert!(on_site.contains(&power["claim_reviewed"].as_str().unwrap().to_owned()));
    assert_eq!(
        texts(&search("query=%22power%20prices%22&maxAgeDays=1").await),
        ["Power prices doubled in a year"]
    );

    // Pages follow nextPageToken to the end, each claim once.
    let mut seen = Vec::new();
    let mut query = "reviewPublisherSiteFilter=example&pageSize=1".to_owned();
    let everything = texts(&search("reviewPublisherSiteFilter=example&pageSize=100").await);
    assert_eq!(everything.len(), 3);
    loop {
        let page = search(&query).await;
        seen.extend(texts(&page));
        let Some(token) = page["nextPageToken"].as_str() else { break };
        query = format!("reviewPublisherSiteFilter=example&pageSize=1&pageToken={token}");
    }
    assert_eq!(seen, everything);
    // With neither words nor a site (Google asks for one), the newest.
    assert_eq!(texts(&search("").await), everything);

    // Anonymous readers find the fact-checks of workspaces that publish publicly only.
    let anonymous = app.request_as(None, Method::GET, "/claims:search?query=power").send().await.unwrap();
    assert_eq!(texts(&json(anonymous, StatusCode::OK).await), Vec::<String>::new());
    app.change_workspace(json!({"public_fact_checks": true})).await;
    let anonymous = app.request_as(None, Method::GET, "/claims:search?query=power").send().await.unwrap();
    assert_eq!(texts(&json(anonymous, StatusCode::OK).await).len(), 2);

    // Bad parameters are named.
    for (query, named) in [
        ("query=x&pageSize=0", "pageSize"),
        ("query=x&pageSize=101", "pageSize"),
        ("query=x&maxAgeDays=0", "maxAgeDays"),
        ("query=x&pageToken=abc", "pageToken"),
        ("reviewPublisherSiteFilter=https%3A%2F%2Fx", "reviewPublisherSiteFilter"),
        ("query=x&key=secret", "key"),
    ] {
        let refused =
            problem(app.get(&format!("/claims:search?{query}")).await, StatusCode::BAD_REQUEST).await;
        assert!(refused["detail"].as_str().unwrap().contains(named), "{query}: {refused}");
    }
}
