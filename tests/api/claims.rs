use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, pointer, problem};

const REPORT: &str = "More than 12,000 homes have lost power and 1.5 million people were told to stay indoors \
after almost four years of drought.";

async fn source(app: &TestApp) -> Value {
    app.source(REPORT).await
}

#[tokio::test]
async fn a_value_comes_back_exactly_as_sent() {
    let app = TestApp::spawn().await;
    let source = source(&app).await;
    let base = json!({"source_id": id(&source), "statement": "1.5 million people were told to stay indoors",
                      "metric": "people told to stay indoors", "qualifier": "exact", "unit": "people"});
    // As a JSON string and as a bare JSON number: no digit may be lost to a float.
    for (sent_as, raw) in
        [("string", r#""300000.000000000000000001""#), ("number", "300000.000000000000000001")]
    {
        let mut body = base.clone();
        // Each its own record: the same claim twice would be refused.
        body["metric"] = json!(format!("people told to stay indoors, sent as a {sent_as}"));
        body["value"] = serde_json::from_str(raw).unwrap();
        let sent = serde_json::to_string(&body).unwrap();
        let response = app
            .request(reqwest::Method::POST, "/claims")
            .header("content-type", "application/json")
            .body(sent)
            .send()
            .await
            .unwrap();
        let created = json(response, StatusCode::CREATED).await;
        assert_eq!(created["value"], "300000.000000000000000001", "sent {raw}");
        let read = json(app.get(&format!("/claims/{}", id(&created))).await, StatusCode::OK).await;
        assert_eq!(read["value"], "300000.000000000000000001");
    }
    let mut scaled = base.clone();
    scaled["value"] = json!("1.50");
    assert_eq!(app.create("/claims", scaled).await["value"], "1.50");
}

#[tokio::test]
async fn qualifiers_ranges_and_time_references() {
    let app = TestApp::spawn().await;
    let source = source(&app).await;
    let sid = id(&source);
    let more_than = app
        .create(
            "/claims",
            json!({"source_id": sid, "statement": "More than 12,000 homes have lost power",
            "metric": "homes without power", "qualifier": "more_than", "value": 12000, "unit": "homes",
            "as_of": "2026-11-20", "place": "Valencia", "anchor": {}}),
        )
        .await;
    assert_eq!(more_than["value"], "12000");
    assert_eq!(more_than["anchor"]["start"], 0);
    assert_eq!(more_than["as_of"], "2026-11-20");

    let range = app
        .create("/claims", json!({"source_id": sid, "statement": "between 10 and 12 thousand homes",
            "metric": "homes without power", "qualifier": "range", "lower_bound": "10000", "upper_bound": "12000",
            "period_start": "2026-11-01", "period_end": "2026-11-20"}))
        .await;
    assert_eq!((range["value"].clone(), range["lower_bound"].clone()), (Value::Null, json!("10000")));

    let almost = app
        .create(
            "/claims",
            json!({"source_id": sid, "statement": "almost four years of drought",
            "metric": "duration of drought", "qualifier": "almost", "value": "4", "unit": "years",
            "anchor": {"exact": "almost four years of drought"}}),
        )
        .await;
    assert_eq!(almost["anchor"]["exact"], "almost four years of drought");

    let listed = json(app.get("/claims?metric=HOMES%20WITHOUT%20POWER").await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let listed = json(app.get("/claims?qualifier=almost").await, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["id"], almost["id"]);
    problem(app.get("/claims?qualifier=roughly").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn impossible_numbers_and_shapes_are_refused() {
    let app = TestApp::spawn().await;
    let source = source(&app).await;
    let base = json!({"source_id": id(&source), "statement": "s", "metric": "m", "qualifier": "exact", "value": "1"});
    let unprocessable = [
        (json!({"value": "NaN"}), "/value"),
        (json!({"value": "Infinity"}), "/value"),
        (json!({"value": "1e400"}), "/value"),
        (json!({"value": "-0"}), "/value"),
        (json!({"value": "12,000"}), "/value"),
        (json!({"value": null}), "/value"),
        (json!({"qualifier": "range"}), "/value"),
        (
            json!({"qualifier": "range", "value": null, "lower_bound": "5", "upper_bound": "4"}),
            "/upper_bound",
        ),
        (json!({"qualifier": "range", "value": null, "lower_bound": "5"}), "/upper_bound"),
        (json!({"lower_bound": "5"}), "/lower_bound"),
        (json!({"as_of": "2026-01-01", "period_start": "2025-01-01"}), "/as_of"),
        (json!({"period_start": "2026-01-02", "period_end": "2026-01-01"}), "/period_end"),
        (json!({"metric": " "}), "/metric"),
        (json!({"anchor": {}}), "/anchor/exact"),
    ];
    for (patch, field) in unprocessable {
        let mut body = base.clone();
        for (key, value) in patch.as_object().unwrap() {
            body[key] = value.clone();
        }
        let problem = problem(app.post("/claims", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointer(&problem), field, "{patch}: {problem}");
    }
    let bad_request = [
        (json!({"value": true}), "/value"),
        (json!({"as_of": "2026-02-30"}), "/as_of"),
        (json!({"as_of": "+275760-01-01"}), "/as_of"),
        (json!({"qualifier": "about"}), "/qualifier"),
        (json!({"verified": true}), "/verified"),
    ];
    for (patch, field) in bad_request {
        let mut body = base.clone();
        for (key, value) in patch.as_object().unwrap() {
            body[key] = value.clone();
        }
        let problem = problem(app.post("/claims", &body).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(pointer(&problem), field, "{patch}: {problem}");
    }
    // A number too large for any float is still refused cleanly, not stored as infinity.
    let response = app
        .request(reqwest::Method::POST, "/claims")
        .header("content-type", "application/json")
        .body(serde_json::to_string(&base).unwrap().replace("\"value\":\"1\"", "\"value\":1e400"))
        .send()
        .await
        .unwrap();
    assert_eq!(pointer(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), "/value");
    assert_eq!(app.count("claims").await, 0);
}

#[tokio::test]
async fn a_claim_batch_is_atomic_and_an_update_keeps_it_consistent() {
    let app = TestApp::spawn().await;
    let source = source(&app).await;
    let speaker = app.speaker("The port authority").await;
    let item = |value: &str| {
        json!({"source_id": id(&source), "claimant_id": id(&speaker), "statement": "s", "metric": "m",
               "qualifier": "approximately", "value": value})
    };
    let response = app.post("/claims/batch", &json!({"items": [item("1"), item("2"), item("two")]})).await;
    assert_eq!(pointer(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), "/items/2/value");
    assert_eq!(app.count("claims").await, 0);

    let created = app.create("/claims/batch", json!({"items": [item("1"), item("2")]})).await;
    let claim = &created["items"][1];
    assert_eq!(claim["value"], "2");
    let path = format!("/claims/{}", id(claim));

    // Turning it into a range needs the value dropped and bounds given.
    let response = app.patch(&path, &etag(claim), &json!({"qualifier": "range"})).await;
    assert_eq!(pointer(&problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), "/value");
    let updated = json(
        app.patch(
            &path,
            &etag(claim),
            &json!({"qualifier": "range", "value": null, "lower_bound": 1, "upper_bound": "3.5"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((updated["lower_bound"].clone(), updated["upper_bound"].clone()), (json!("1"), json!("3.5")));
    let listed = json(app.get(&format!("/claims?claimant_id={}", id(&speaker))).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
}

/// A newsroom learns before it starts that a claim was already fact-checked: a claim of the
/// same metric and unit within the tolerance, or one worded alike, comes back with its
/// verdict and ClaimReview link, on create and at `/matches`; another metric, a value far off
/// and unreviewed claims do not. A quote matches the same speaker's verdicts, by any of the
/// speaker's names, never another speaker's.
#[tokio::test]
async fn claims_and_quotes_already_fact_checked_come_back_with_their_verdicts() {
    let app = TestApp::spawn().await;
    let claim = |source: &Value, statement: &str, metric: &str, value: &str| {
        json!({"source_id": id(source), "statement": statement, "metric": metric, "qualifier": "more_than",
               "value": value, "unit": "homes"})
    };
    let first_source = app.source("More than 12,000 homes lost power.").await;
    let checked = app
        .create(
            "/claims",
            claim(&first_source, "More than 12,000 homes lost power.", "homes without power", "12000"),
        )
        .await;
    app.published("claims", &checked).await;
    let unreviewed = app
        .create("/claims", claim(&first_source, "12,100 homes were dark.", "homes without power", "12100"))
        .await;

    let later = app.source("Utility says 12,300 homes remain without power.").await;
    let near = app
        .create(
            "/claims",
            claim(&later, "Utility says 12,300 homes remain without power.", "Homes Without Power", "12300"),
        )
        .await;
    let matches = near["matches"].as_array().expect("a single create says what matched");
    assert_eq!(matches.len(), 1, "{matches:?}");
    assert_eq!((&matches[0]["reason"], &matches[0]["value"]), (&json!("figure"), &json!("12000")));
    assert_eq!(matches[0]["fact_check"]["claim_id"], checked["id"]);
    assert_eq!(matches[0]["fact_check"]["rating"]["value"], 5);
    assert_eq!(matches[0]["claimreview"], format!("/claims/{}/claimreview", id(&checked)));
    assert_ne!(matches[0]["fact_check"]["claim_id"], unreviewed["id"]);
    let again = json(app.get(&format!("/claims/{}/matches", id(&near))).await, StatusCode::OK).await;
    assert_eq!(&again, &near["matches"]);

    let worded =
        app.create("/claims", claim(&later, "More than 12,000 homes lost power.", "outages", "90000")).await;
    let worded_matches = worded["matches"].as_array().unwrap();
    assert_eq!(worded_matches.len(), 1, "{worded_matches:?}");
    assert_eq!(worded_matches[0]["reason"], "wording");
    assert!(worded_matches[0]["similarity"].as_f64().unwrap() > 0.9);
    let far = app
        .create(
            "/claims",
            claim(&later, "Utility says 12,300 homes remain without power.", "homes without power", "40000"),
        )
        .await;
    assert_eq!(far["matches"], json!([]), "another value, no alike wording: nothing");
    let other_metric = app
        .create(
            "/claims",
            claim(&later, "Utility says 12,300 homes remain without power.", "homes flooded", "12000"),
        )
        .await;
    assert_eq!(other_metric["matches"], json!([]));
    // A batch's matches are read per claim.
    let batch = app.create("/claims/batch", json!({"items": [claim(&later, "Utility says 12,300 homes remain without power.", "homes without power", "12001"),
                          claim(&later, "Utility says 12,300 homes remain without power.", "homes flooded", "1")]})).await;
    assert!(batch["items"][0].get("matches").is_none());
    assert_eq!(
        json(
            app.get(&format!("/claims/{}/matches", batch["items"][0]["id"].as_str().unwrap())).await,
            StatusCode::OK
        )
        .await[0]["reason"],
        "figure"
    );
    // The checked claim itself is not its own match.
    let own = json(app.get(&format!("/claims/{}/matches", id(&checked))).await, StatusCode::OK).await;
    assert!(own.as_array().unwrap().iter().all(|m| m["fact_check"]["claim_id"] != checked["id"]), "{own}");

    // Quotes: the same speaker, by any of their names, worded alike.
    let envoy = app.create("/speakers", json!({"name": "Ana Reyes", "kind": "person"})).await;
    let said = app.source("«We will not sign this deal,» Ana Reyes said.").await;
    let quote = app.create("/quotes", json!({"source_id": id(&said), "speaker_id": id(&envoy), "kind": "direct", "text": "We will not sign this deal,"})).await;
    app.published("quotes", &quote).await;
    let alias = app
        .create("/speakers", json!({"name": "A. Reyes", "kind": "person", "aliases": ["Ána Reyes"]}))
        .await;
    let stranger = app.speaker("Somebody Else").await;
    let relayed = app.source("«We will not sign this deal» she told reporters.").await;
    let by_alias = app.create("/quotes", json!({"source_id": id(&relayed), "speaker_id": id(&alias), "kind": "direct", "text": "We will not sign this deal"})).await;
    assert_eq!(by_alias["matches"][0]["fact_check"]["quote_id"], quote["id"], "{by_alias}");
    assert_eq!(by_alias["matches"][0]["claimreview"], format!("/quotes/{}/claimreview", id(&quote)));
    let by_stranger = app.create("/quotes", json!({"source_id": id(&relayed), "speaker_id": id(&stranger), "kind": "direct", "text": "We will not sign this deal"})).await;
    assert_eq!(by_stranger["matches"], json!([]));
    problem(app.get(&format!("/quotes/{}/matches", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND).await;

    // Extraction's candidates come with them too, before anything is stored.
    let article = app
        .source("«We will not sign this deal,» Ana Reyes said on Monday. More than 12,000 homes lost power.")
        .await;
    let extract_path = format!("/sources/{}/extract", id(&article));
    let proposed = json(app.request(Method::POST, &extract_path).send().await.unwrap(), StatusCode::OK).await;
    let quote_candidate = &proposed["quotes"][0];
    assert_eq!(quote_candidate["speaker"]["name"], "Ana Reyes", "{proposed}");
    assert_eq!(quote_candidate["matches"][0]["fact_check"]["quote_id"], quote["id"], "{proposed}");
    let claim_candidate =
        proposed["claims"].as_array().unwrap().iter().find(|c| c["value"] == "12000").unwrap();
    let claim_matches = claim_candidate["matches"].as_array().unwrap();
    assert!(
        claim_matches
            .iter()
            .any(|m| m["fact_check"]["claim_id"] == checked["id"] && m["reason"] == "wording"),
        "{claim_candidate}"
    );
}
