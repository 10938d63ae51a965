use reqwest::StatusCode;
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
