use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, pointer, problem};

const REPORT: &str = "«This is a test of seriousness,» he said, quoted by state television. \
Ana Ruiz, the ministry's chief negotiator, said on Monday it was unclear whether talks would resume. \
«The river has already risen.» «We expect more tonight,» she added. «We expect more tonight,» the mayor repeated.";

async fn setup(app: &TestApp) -> (Value, Value) {
    (app.source(REPORT).await, app.speaker("Ana Ruiz").await)
}

fn code_points(text: &str, start: u64, end: u64) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

#[tokio::test]
async fn the_server_anchors_a_direct_quote_in_the_source_text() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                   "text": "This is a test of seriousness,", "relayed_by": "state television", "language": "en"}),
        )
        .await;
    let anchor = &quote["anchor"];
    assert_eq!(anchor["start"], 1);
    assert_eq!(anchor["end"], 31);
    assert_eq!(anchor["prefix"], "«");
    assert!(anchor["suffix"].as_str().unwrap().starts_with("» he said"));
    assert_eq!(
        code_points(REPORT, anchor["start"].as_u64().unwrap(), anchor["end"].as_u64().unwrap()),
        "This is a test of seriousness,"
    );
    assert_eq!(quote["relayed_by"], "state television");

    // The read is the record the create answered, without what matched it then.
    let mut created = quote.clone();
    assert_eq!(created.as_object_mut().unwrap().remove("matches"), Some(json!([])));
    let read = json(app.get(&format!("/quotes/{}", id(&quote))).await, StatusCode::OK).await;
    assert_eq!(read, created);
}

#[tokio::test]
async fn an_anchor_that_is_not_where_the_text_is_is_rejected() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let base = json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                      "text": "The river has already risen."});
    let cases = [
        (json!({"start": 0}), "/anchor/start"),
        (json!({"start": 5000}), "/anchor/start"),
        (json!({"start": 172, "end": 173}), "/anchor/end"),
        (json!({"prefix": "nothing like this"}), "/anchor/prefix"),
        (json!({"exact": "The river"}), "/anchor/exact"),
    ];
    for (anchor, field) in cases {
        let mut body = base.clone();
        body["anchor"] = anchor.clone();
        let problem = problem(app.post("/quotes", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointer(&problem), field, "{anchor}: {problem}");
    }
    let mut missing = base.clone();
    missing["text"] = json!("The river has already fallen.");
    let problem = problem(app.post("/quotes", &missing).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointer(&problem), "/text");
    assert!(problem["detail"].as_str().unwrap().contains("not in the source text"));
    assert_eq!(app.count("quotes").await, 0);

    // The right position is accepted and kept.
    let start = REPORT
        .chars()
        .collect::<Vec<_>>()
        .windows(28)
        .position(|w| w.iter().collect::<String>() == "The river has already risen.");
    let mut body = base.clone();
    body["anchor"] = json!({"start": start.unwrap()});
    let quote = app.create("/quotes", body).await;
    assert_eq!(quote["anchor"]["start"], start.unwrap());
}

#[tokio::test]
async fn repeated_words_need_context_to_be_anchored() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let body = json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct",
                      "text": "We expect more tonight,"});
    let problem = problem(app.post("/quotes", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem["detail"].as_str().unwrap().contains("occurs 2 times"), "{problem}");

    let mut with_context = body.clone();
    with_context["anchor"] = json!({"suffix": "» the mayor"});
    let quote = app.create("/quotes", with_context).await;
    assert!(quote["anchor"]["prefix"].as_str().unwrap().ends_with("she added. «"));
}

#[tokio::test]
async fn indirect_speech_is_anchored_to_the_reported_sentence() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let body = json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "indirect",
                      "text": "It is unclear whether talks will resume.",
                      "anchor": {"exact": "said on Monday it was unclear whether talks would resume"}});
    let quote = app.create("/quotes", body.clone()).await;
    assert_eq!(quote["anchor"]["exact"], "said on Monday it was unclear whether talks would resume");

    // Without an anchor, a paraphrase is stored unanchored.
    let mut unanchored = body.clone();
    unanchored.as_object_mut().unwrap().remove("anchor");
    assert_eq!(app.create("/quotes", unanchored).await["anchor"], Value::Null);

    let mut no_exact = body.clone();
    no_exact["anchor"] = json!({"start": 3});
    let problem = problem(app.post("/quotes", &no_exact).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointer(&problem), "/anchor/exact");
}

#[tokio::test]
async fn a_source_without_text_takes_quotes_but_not_anchors() {
    let app = TestApp::spawn().await;
    let source =
        app.create("/sources", json!({"url": "https://tv.example/clip", "kind": "transcript"})).await;
    let speaker = app.speaker("Ana Ruiz").await;
    let body = json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "We will not sign."});
    assert_eq!(app.create("/quotes", body.clone()).await["anchor"], Value::Null);
    let mut anchored = body;
    anchored["anchor"] = json!({"start": 0});
    let problem = problem(app.post("/quotes", &anchored).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointer(&problem), "/anchor");
}

#[tokio::test]
async fn references_must_exist() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let nobody = "0192f0c0-0000-7000-8000-000000000000";
    let body = json!({"source_id": id(&source), "speaker_id": nobody, "kind": "direct", "text": "The river has already risen."});
    let problem_doc = problem(app.post("/quotes", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointer(&problem_doc), "/speaker_id");
    let body = json!({"source_id": nobody, "speaker_id": id(&speaker), "kind": "direct", "text": "x"});
    let problem_doc = problem(app.post("/quotes", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointer(&problem_doc), "/source_id");
    let body = json!({"source_id": "not-a-uuid", "speaker_id": id(&speaker), "kind": "direct", "text": "x"});
    let problem_doc = problem(app.post("/quotes", &body).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(pointer(&problem_doc), "/source_id");
}

#[tokio::test]
async fn a_batch_with_one_bad_item_stores_nothing_and_names_the_item() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let good = json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "The river has already risen."});
    let mut bad = good.clone();
    bad["text"] = json!("Words nobody said.");
    let response = app.post("/quotes/batch", &json!({"items": [good.clone(), good.clone(), bad]})).await;
    let problem_doc = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(pointer(&problem_doc), "/items/2/text");
    assert_eq!(app.count("quotes").await, 0);

    let mut wrong_kind = good.clone();
    wrong_kind["kind"] = json!("rumour");
    let response = app.post("/quotes/batch", &json!({"items": [good.clone(), wrong_kind]})).await;
    let problem_doc = problem(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(pointer(&problem_doc), "/items/1/kind");
    assert_eq!(app.count("quotes").await, 0);

    let mut other = good.clone();
    other["text"] = json!("This is a test of seriousness,");
    let created = app.create("/quotes/batch", json!({"items": [good, other]})).await;
    assert_eq!(created["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.count("quotes").await, 2);
}

#[tokio::test]
async fn batches_have_limits() {
    let app = TestApp::spawn().await;
    let problem_doc =
        problem(app.post("/quotes/batch", &json!({"items": []})).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(pointer(&problem_doc), "/items");
    let item = json!({"source_id": "0192f0c0-0000-7000-8000-000000000000", "speaker_id": "0192f0c0-0000-7000-8000-000000000000", "kind": "direct", "text": "x"});
    let items: Vec<Value> = std::iter::repeat_n(item, 1001).collect();
    let problem_doc = problem(
        app.post("/quotes/batch", &json!({ "items": items })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&problem_doc), "/items");
    assert!(problem_doc["detail"].as_str().unwrap().contains("at most 1000"));
}

#[tokio::test]
async fn quotes_are_listed_by_source_and_speaker() {
    let app = TestApp::spawn().await;
    let (source, ruiz) = setup(&app).await;
    let mayor = app.speaker("The mayor").await;
    for (speaker, text) in
        [(&ruiz, "The river has already risen."), (&mayor, "This is a test of seriousness,")]
    {
        app.create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(speaker), "kind": "direct", "text": text}),
        )
        .await;
    }
    let by_mayor = json(app.get(&format!("/quotes?speaker_id={}", id(&mayor))).await, StatusCode::OK).await;
    assert_eq!(by_mayor["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_mayor["items"][0]["text"], "This is a test of seriousness,");
    let by_source = json(app.get(&format!("/quotes?source_id={}", id(&source))).await, StatusCode::OK).await;
    assert_eq!(by_source["items"].as_array().unwrap().len(), 2);
    problem(app.get("/quotes?speaker_id=42").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn an_edit_is_re_anchored_and_cannot_move_the_quote_to_another_source() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let quote = app
        .create("/quotes", json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "The river has already risen."}))
        .await;
    let path = format!("/quotes/{}", id(&quote));

    // New words with the old anchor do not match: the client must re-anchor.
    let problem_doc = problem(
        app.patch(&path, &etag(&quote), &json!({"text": "This is a test of seriousness,"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&problem_doc), "/anchor/exact");
    let updated = json(
        app.patch(&path, &etag(&quote), &json!({"text": "This is a test of seriousness,", "anchor": null}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["anchor"]["start"], 1);

    let other = app.source("Another text.").await;
    let problem_doc = problem(
        app.patch(&path, &etag(&updated), &json!({"source_id": id(&other)})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&problem_doc), "/source_id");
    let problem_doc = problem(
        app.patch(&path, &etag(&updated), &json!({"status": "verified"})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(pointer(&problem_doc), "/status");
}

/// One record per thing said: the same quote or claim again is refused with 409 naming the
/// stored one, alone or in a batch (which then stores nothing), and so are two of a batch;
/// the same words by another speaker, the same number for another metric, and a record whose
/// copy was deleted are new records. Accepting candidates already stored skips them.
#[tokio::test]
async fn the_same_quote_or_claim_twice_is_refused_and_names_the_first() {
    let app = TestApp::spawn().await;
    let source = app.source("«We will not sign,» the envoy said. More than 12,000 homes lost power.").await;
    let envoy = app.speaker("The envoy").await;
    let aide = app.speaker("The aide").await;
    let quote = |speaker: &Value| json!({"source_id": id(&source), "speaker_id": id(speaker), "kind": "direct", "text": "We will not sign"});
    let first = app.create("/quotes", quote(&envoy)).await;
    let again = problem(app.post("/quotes", &quote(&envoy)).await, StatusCode::CONFLICT).await;
    assert_eq!(
        (&again["type"], &again["existing_id"]),
        (&json!("urn:attest:problem:duplicate"), &first["id"])
    );
    assert!(again["detail"].as_str().unwrap().contains(id(&first)), "{again}");
    app.create("/quotes", quote(&aide)).await;

    let quotes_before = app.count("quotes").await;
    let batch = problem(
        app.post("/quotes/batch", &json!({"items": [quote(&app.speaker("Someone").await), quote(&envoy)]}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(batch["existing_id"], first["id"]);
    assert!(batch["detail"].as_str().unwrap().starts_with("item 1: "), "{batch}");
    let newcomer = app.speaker("Newcomer").await;
    let twice = problem(
        app.post("/quotes/batch", &json!({"items": [quote(&newcomer), quote(&newcomer)]})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(twice["detail"].as_str().unwrap().contains("twice"), "{twice}");
    assert_eq!(app.count("quotes").await, quotes_before, "a refused batch stores nothing");

    let claim = |metric: &str, value: &str| {
        json!({"source_id": id(&source), "statement": "More than 12,000 homes lost power.", "metric": metric,
               "qualifier": "more_than", "value": value, "unit": "homes", "anchor": {}})
    };
    let counted = app.create("/claims", claim("homes without power", "12000")).await;
    let same =
        problem(app.post("/claims", &claim("Homes Without Power", "12000.0")).await, StatusCode::CONFLICT)
            .await;
    assert_eq!(same["existing_id"], counted["id"], "the metric without case, the value as a number");
    app.create("/claims", claim("households without power", "12000")).await;
    app.create("/claims", claim("homes without power", "12001")).await;

    // Deleted, the record may be stored again.
    let deleted = app.delete(&format!("/quotes/{}", id(&first)), &etag(&first)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let stored_again = app.create("/quotes", quote(&envoy)).await;

    // Accepting a candidate already stored skips it and says which record it is.
    let accepted = json(
        app.request(Method::POST, &format!("/sources/{}/candidates/accept", id(&source)))
            .json(&json!({"quotes": [
                {"text": "We will not sign", "kind": "direct", "start": 1, "speaker": {"id": id(&envoy)}},
                {"text": "We will not sign", "kind": "direct", "start": 1, "speaker": {"name": "Third", "kind": "person"}}
            ]}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["skipped"]["quotes"], json!([{"item": 0, "existing_id": stored_again["id"]}]));
    assert_eq!(accepted["quotes"].as_array().unwrap().len(), 1);
}

/// A batch sent again with its Idempotency-Key, twenty times at once, is stored once: every
/// answer is the first one (replayed) or says the first is still running; later retries get
/// the first answer again; the same key with another body is refused, another caller's key is
/// their own, and a malformed key is a clear error.
#[tokio::test]
async fn a_batch_retried_with_its_idempotency_key_is_stored_once() {
    let app = TestApp::spawn().await;
    let (source, speaker) = setup(&app).await;
    let quote = |text: &str| json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": text});
    let batch =
        json!({"items": [quote("This is a test of seriousness,"), quote("The river has already risen.")]});
    let send = |token: &str, key: &str, body: &Value| {
        app.request_as(Some(token), Method::POST, "/quotes/batch")
            .header("idempotency-key", key)
            .json(body)
            .send()
    };

    let answers =
        futures_util::future::join_all((0..20).map(|_| send(&app.submitter.token, "batch-7f3a", &batch)))
            .await;
    let mut created = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        match answer.status() {
            StatusCode::CREATED => created.push(answer.text().await.unwrap()),
            StatusCode::CONFLICT => {
                let running = problem(answer, StatusCode::CONFLICT).await;
                assert!(running["detail"].as_str().unwrap().contains("still being processed"), "{running}");
            }
            other => panic!("{other}: {}", answer.text().await.unwrap()),
        }
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|body| body == &created[0]), "every 201 is the first answer");
    assert_eq!(app.count("quotes").await, 2, "stored once");

    let again = send(&app.submitter.token, "batch-7f3a", &batch).await.unwrap();
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(json(again, StatusCode::CREATED).await, serde_json::from_str::<Value>(&created[0]).unwrap());
    assert_eq!(app.count("quotes").await, 2);

    let other_body = json!({"items": [quote("The river has already risen.")]});
    let reused = problem(
        send(&app.submitter.token, "batch-7f3a", &other_body).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(reused["detail"].as_str().unwrap().contains("another request"), "{reused}");
    // Another caller's key of the same name is theirs: the batch runs, and is refused as the
    // same records.
    let theirs =
        problem(send(&app.reviewer.token, "batch-7f3a", &batch).await.unwrap(), StatusCode::CONFLICT).await;
    assert_eq!(theirs["type"], "urn:attest:problem:duplicate");
    // A client error is an answer too: kept and replayed.
    let bad = json!({"items": [quote("Words nobody said.")]});
    let first =
        problem(send(&app.submitter.token, "bad-1", &bad).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    let replayed = send(&app.submitter.token, "bad-1", &bad).await.unwrap();
    assert_eq!(replayed.headers()["idempotency-replayed"], "true");
    assert_eq!(problem(replayed, StatusCode::UNPROCESSABLE_ENTITY).await, first);
    for malformed in ["", "é-key", &"k".repeat(256)] {
        let refused = app
            .request(Method::POST, "/quotes/batch")
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(malformed.as_bytes()).unwrap(),
            )
            .json(&batch)
            .send()
            .await
            .unwrap();
        problem(refused, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(app.count("quotes").await, 2);
}

/// A quote or claim keeps the role its source gave the speaker then, beside the speaker's
/// description now; extraction fills it on accept; an over-long role is refused by name.
#[tokio::test]
async fn records_keep_the_speakers_role_at_the_time() {
    let app = TestApp::spawn().await;
    let speaker = app
        .create("/speakers", json!({"name": "Ana Ruiz", "kind": "person", "description": "foreign minister"}))
        .await;
    let source = app.source("«We will not sign,» said Ana Ruiz, then the ministry's chief negotiator.").await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": "We will not sign,",
                   "speaker_role": "the ministry's chief negotiator"}),
        )
        .await;
    assert_eq!(quote["speaker_role"], "the ministry's chief negotiator");
    let read = json(app.get(&format!("/speakers/{}", id(&speaker))).await, StatusCode::OK).await;
    assert_eq!(read["description"], "foreign minister", "the speaker's own description is unchanged");
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "statement": "We will not sign,", "metric": "m", "qualifier": "exact",
                   "value": "1", "claimant_id": id(&speaker), "claimant_role": "negotiator"}),
        )
        .await;
    assert_eq!(claim["claimant_role"], "negotiator");
    let long = problem(
        app.post(
            "/quotes",
            &json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "indirect", "text": "No deal.",
                    "speaker_role": "x".repeat(1001)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&long), "/speaker_role");

    let report = app.source(REPORT).await;
    let proposals = json(
        app.request(Method::POST, &format!("/sources/{}/extract", id(&report))).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let with_role = proposals["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["speaker"]["role"].is_string())
        .expect("the report names a speaker with a role")
        .clone();
    let accepted = json(
        app.request(Method::POST, &format!("/sources/{}/candidates/accept", id(&report)))
            .json(&json!({"quotes": [{"text": with_role["text"], "kind": with_role["kind"], "start": with_role["start"],
                                      "speaker": with_role["speaker"], "relayed_by": with_role["relayed_by"]}]}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["quotes"][0]["speaker_role"], with_role["speaker"]["role"]);
}
