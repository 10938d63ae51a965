use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, pointer, problem};

#[tokio::test]
async fn speakers_hold_roles_aliases_and_wikidata_ids() {
    let app = TestApp::spawn().await;
    let envoy = app
        .create(
            "/speakers",
            json!({"name": "Geir Pedersen", "kind": "person", "description": "UN Syria envoy",
                   "aliases": ["G. Pedersen"], "wikidata_qid": "Q123456"}),
        )
        .await;
    assert_eq!(envoy["aliases"], json!(["G. Pedersen"]));
    let anonymous = app.create("/speakers", json!({"name": "A Western diplomat", "kind": "anonymous"})).await;
    assert_eq!(anonymous["kind"], "anonymous");

    // One live speaker per Wikidata item.
    problem(
        app.post("/speakers", &json!({"name": "Someone", "kind": "person", "wikidata_qid": "Q123456"})).await,
        StatusCode::CONFLICT,
    )
    .await;

    let found = json(app.get("/speakers?name=geir").await, StatusCode::OK).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["id"], envoy["id"]);
    let found = json(app.get("/speakers?kind=anonymous").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], anonymous["id"]);
    // LIKE wildcards in the prefix are matched literally.
    let found = json(app.get("/speakers?name=%25").await, StatusCode::OK).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn invalid_speakers_are_refused_with_the_field() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"name": "X", "kind": "person", "wikidata_qid": "42"}), "/wikidata_qid"),
        (json!({"name": "X", "kind": "person", "aliases": ["ok", " "]}), "/aliases/1"),
        (json!({"name": "", "kind": "person"}), "/name"),
    ] {
        let problem = problem(app.post("/speakers", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(pointer(&problem), field);
    }
    let problem =
        problem(app.post("/speakers", &json!({"name": "X", "kind": "robot"})).await, StatusCode::BAD_REQUEST)
            .await;
    assert_eq!(pointer(&problem), "/kind");
    assert_eq!(app.count("speakers").await, 0);
}

#[tokio::test]
async fn writes_need_the_current_etag() {
    let app = TestApp::spawn().await;
    let speaker = app.speaker("Ana Ruiz").await;
    let path = format!("/speakers/{}", id(&speaker));

    let missing = app
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"description": "chief negotiator"}))
        .send()
        .await
        .unwrap();
    problem(missing, StatusCode::PRECONDITION_REQUIRED).await;

    let updated = json(
        app.patch(&path, &etag(&speaker), &json!({"description": "the ministry's chief negotiator"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["version"], 2);

    // A write based on the first read is refused, and changes nothing.
    let stale = app.patch(&path, &etag(&speaker), &json!({"description": "overwritten"})).await;
    assert_eq!(stale.headers()["etag"], "\"2\"");
    problem(stale, StatusCode::PRECONDITION_FAILED).await;
    problem(app.delete(&path, &etag(&speaker)).await, StatusCode::PRECONDITION_FAILED).await;
    let read = json(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(read["description"], "the ministry's chief negotiator");

    // A weak tag never matches (If-Match compares strongly): 412, not a bad request.
    problem(app.patch(&path, "W/\"2\"", &json!({})).await, StatusCode::PRECONDITION_FAILED).await;
    let deleted = app.delete(&path, "\"2\"").await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.patch(&path, "\"3\"", &json!({})).await, StatusCode::NOT_FOUND).await;
}

/// The names of the speakers a lookup found, best first.
async fn looked_up(app: &TestApp, query: &str) -> Vec<String> {
    let found = json(app.get(&format!("/speakers?{query}")).await, StatusCode::OK).await;
    assert!(found["next_cursor"].is_null(), "a lookup is one page: {found}");
    found["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
}

/// A speaker is found by any of its names, without case, accents or spacing, exactly or by
/// alike words; an exact name or alias ranks first. Accepting extraction candidates resolves a
/// named speaker through its aliases the same way instead of creating a second one.
#[tokio::test]
async fn speakers_are_found_by_name_or_alias_without_case_or_accents() {
    let app = TestApp::spawn().await;
    let envoy = app
        .create(
            "/speakers",
            json!({"name": "Bashar al-Jaafari", "kind": "person", "aliases": ["Bashar Jaafari", "Al-Ja'afari"]}),
        )
        .await;
    app.create("/speakers", json!({"name": "José Martínez", "kind": "person"})).await;
    app.create("/speakers", json!({"name": "Joseph Martin", "kind": "person"})).await;
    app.create("/speakers", json!({"name": "Martínez & Sons", "kind": "organisation"})).await;
    app.create("/speakers", json!({"name": "a Western diplomat", "kind": "anonymous"})).await;

    assert_eq!(looked_up(&app, "q=Jaafari").await, ["Bashar al-Jaafari"]);
    assert_eq!(looked_up(&app, "q=BASHAR%20JAAFARI").await, ["Bashar al-Jaafari"], "an alias, any case");
    assert_eq!(looked_up(&app, "q=bashar%20al%20jaafari").await, ["Bashar al-Jaafari"], "dashes are spaces");
    let jose = looked_up(&app, "q=jose%20martinez").await;
    assert_eq!(jose.first().map(String::as_str), Some("José Martínez"), "accents set aside: {jose:?}");
    assert_eq!(looked_up(&app, "q=martinez&kind=organisation").await, ["Martínez & Sons"]);
    assert_eq!(looked_up(&app, "q=western%20diplomat").await, ["a Western diplomat"]);
    assert!(looked_up(&app, "q=Zyxwvut").await.is_empty());
    // Limits hold; a blank or over-long q is a clear error.
    assert_eq!(looked_up(&app, "q=mart&limit=1").await.len(), 1);
    problem(app.get("/speakers?q=%20%20").await, StatusCode::BAD_REQUEST).await;
    problem(app.get(&format!("/speakers?q={}", "a".repeat(501))).await, StatusCode::BAD_REQUEST).await;

    // Search finds them the same way, ranked, the matching name marked, paged by rank.
    let found = json(app.get("/search?q=al%20jaafari&type=speaker").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], envoy["id"], "{found}");
    assert_eq!(found["items"][0]["type"], "speaker");
    assert_eq!(found["items"][0]["snippet"], "<mark>Bashar al-Jaafari</mark>");
    let found = json(app.get("/search?q=bashar%20jaafari&type=speaker").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["snippet"], "<mark>Bashar Jaafari</mark>", "the alias matched: {found}");
    assert!(found["items"][0]["rank"].as_f64().unwrap() > 1.0, "an exact name ranks above any alike one");
    let mut path = "/search?q=martinez&type=speaker&limit=1".to_owned();
    let mut pages = Vec::new();
    while pages.len() < 5 {
        let page = json(app.get(&path).await, StatusCode::OK).await;
        pages
            .extend(page["items"].as_array().unwrap().iter().map(|h| h["text"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/search?q=martinez&type=speaker&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    // Both holding the word itself first (in id order), then the alike one; none twice.
    let mut best = pages[..2].to_vec();
    best.sort();
    assert_eq!(best, ["José Martínez", "Martínez & Sons"], "{pages:?}");
    assert_eq!(pages[2..], ["Joseph Martin"], "{pages:?}");
    let nothing = json(app.get("/search?q=Zyxwvut&type=speaker").await, StatusCode::OK).await;
    assert_eq!(nothing["items"], json!([]));
    // Filters of records do not apply to speakers: a clear error, not a silently ignored filter.
    let refused = problem(
        app.get("/search?q=jaafari&type=speaker&status=verified").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["errors"][0]["pointer"], "/type");

    // An extraction candidate naming a stored alias is attributed to that speaker.
    let source = app.source("«We reject this draft,» Bashar Jaafari told the council.").await;
    let accepted = json(
        app.request(Method::POST, &format!("/sources/{}/candidates/accept", id(&source)))
            .json(&json!({"quotes": [{"text": "We reject this draft,", "kind": "direct", "start": 1,
                                      "speaker": {"name": "bashar jaafari", "kind": "person"}}]}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(accepted["quotes"][0]["speaker_id"], envoy["id"]);
    assert_eq!(app.count("speakers").await, 5, "no second speaker for an alias");
}

/// The same person recorded twice: an editor merges one speaker with 1,000 quotes and a claim
/// into the other in one request. Everything moves, the survivor gains the names, the merged
/// speaker's address redirects (308) to the survivor, and history shows it; undoing puts
/// every record and name back. Bad merges are refused and change nothing.
#[tokio::test]
async fn a_merge_moves_every_record_redirects_and_can_be_undone() {
    let app = TestApp::spawn().await;
    let survivor = app
        .create(
            "/speakers",
            json!({"name": "Bashar al-Jaafari", "kind": "person", "aliases": ["Al-Jaafari"]}),
        )
        .await;
    let merged = app
        .create(
            "/speakers",
            json!({"name": "Bashar Jaafari", "kind": "person", "aliases": ["al-jaafari", "B. Jaafari"]}),
        )
        .await;
    let source =
        app.source("«We reject this,» Bashar Jaafari said. He said more than 40 meetings were held.").await;
    app.sql(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind)
         SELECT gen_random_uuid(), '{}', '{}', 'Statement number ' || n, 'indirect' FROM generate_series(1, 1000) n",
        id(&source),
        id(&merged)
    ))
    .await;
    // The survivor already has one of those quotes: after the merge it is a duplicate of it.
    app.sql(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind)
         VALUES (gen_random_uuid(), '{}', '{}', 'Statement number 1', 'indirect')",
        id(&source),
        id(&survivor)
    ))
    .await;
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "claimant_id": id(&merged), "statement": "more than 40 meetings were held",
                   "metric": "meetings", "qualifier": "more_than", "value": "40"}),
        )
        .await;
    let merge_path = format!("/speakers/{}/merge", id(&merged));
    let as_editor = |path: &str, etag: Option<String>, body: Value| {
        let mut request = app.request_as(Some(&app.editor.token), Method::POST, path).json(&body);
        if let Some(etag) = etag {
            request = request.header("if-match", etag);
        }
        request.send()
    };

    // Refused: into itself, into nobody, at an old version, by a submitter.
    let into_itself = problem(
        as_editor(&merge_path, Some(etag(&merged)), json!({"into": id(&merged)})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&into_itself), "/into");
    problem(
        as_editor(&merge_path, Some(etag(&merged)), json!({"into": uuid::Uuid::now_v7()})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        as_editor(&merge_path, Some("\"0\"".into()), json!({"into": id(&survivor)})).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let by_submitter = app
        .request_as(Some(&app.submitter.token), Method::POST, &merge_path)
        .header("if-match", etag(&merged))
        .json(&json!({"into": id(&survivor)}))
        .send()
        .await
        .unwrap();
    problem(by_submitter, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("speaker_merges").await, 0);

    let done = json(
        as_editor(&merge_path, Some(etag(&merged)), json!({"into": id(&survivor)})).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!((&done["moved_quotes"], &done["moved_claims"]), (&json!(1000), &json!(1)));
    assert_eq!(done["made_duplicates"], 1, "the survivor's own copy stays the record");
    assert_eq!(
        done["aliases_added"],
        json!(["Bashar Jaafari", "B. Jaafari"]),
        "al-jaafari was known already"
    );
    assert_eq!(done["survivor"]["aliases"], json!(["Al-Jaafari", "Bashar Jaafari", "B. Jaafari"]));
    let by_survivor =
        json(app.get(&format!("/quotes?speaker_id={}&limit=1", id(&survivor))).await, StatusCode::OK).await;
    assert_eq!(by_survivor["items"].as_array().unwrap().len(), 1);
    let left = json(app.get(&format!("/quotes?speaker_id={}", id(&merged))).await, StatusCode::OK).await;
    assert_eq!(left["items"], json!([]));
    let moved_claim = json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await;
    assert_eq!(moved_claim["claimant_id"], survivor["id"]);

    // The merged speaker's address answers 308 to the survivor; lookups find the survivor.
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/speakers/{}", app.address, id(&merged)))
        .bearer_auth(&app.submitter.token)
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()["location"], format!("/speakers/{}", id(&survivor)).as_str());
    assert_eq!(looked_up(&app, "q=B.%20Jaafari").await, ["Bashar al-Jaafari"]);
    let history =
        json(app.get(&format!("/audit?entity_type=speaker&entity_id={}", id(&merged))).await, StatusCode::OK)
            .await;
    assert!(history["items"].as_array().unwrap().iter().any(|e| e["action"] == "merge"), "{history}");

    // Undone: everything back, once.
    let undo_path = format!("/speaker-merges/{}/undo", done["id"].as_str().unwrap());
    let undone = json(as_editor(&undo_path, None, json!({})).await.unwrap(), StatusCode::OK).await;
    assert!(undone["undone_at"].is_string());
    assert_eq!(undone["survivor"]["aliases"], json!(["Al-Jaafari"]));
    let back = json(app.get(&format!("/speakers/{}", id(&merged))).await, StatusCode::OK).await;
    assert_eq!(back["name"], "Bashar Jaafari");
    let mut cursor: Option<String> = None;
    let mut returned = 0;
    loop {
        let page = match &cursor {
            Some(c) => format!("/quotes?speaker_id={}&limit=200&cursor={c}", id(&merged)),
            None => format!("/quotes?speaker_id={}&limit=200", id(&merged)),
        };
        let page = json(app.get(&page).await, StatusCode::OK).await;
        returned += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(returned, 1000);
    assert_eq!(
        json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await["claimant_id"],
        merged["id"]
    );
    problem(as_editor(&undo_path, None, json!({})).await.unwrap(), StatusCode::CONFLICT).await;
}

/// One person, one record: a second speaker whose name is a stored one's name or alias (any
/// case or accents, same kind) is refused, naming the first; namesakes told apart by their
/// Wikidata ids or descriptions, other kinds and anonymous speakers are not. A new speaker
/// comes back with those named alike, as suggestions, never merged.
#[tokio::test]
async fn a_speaker_already_stored_is_refused_and_alike_ones_are_suggested() {
    let app = TestApp::spawn().await;
    let envoy = app
        .create(
            "/speakers",
            json!({"name": "Bashar al-Jaafari", "kind": "person", "aliases": ["Bashar Jaafari"]}),
        )
        .await;
    assert_eq!(envoy["similar"], json!([]), "nothing alike stored yet");
    for name in ["bashar jaafari", "BASHAR AL JAAFARI", "Báshar al-Jaafari"] {
        let refused = problem(
            app.post("/speakers", &json!({"name": name, "kind": "person"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(refused["type"], "urn:attest:problem:duplicate", "{name}: {refused}");
        assert_eq!(refused["existing_id"], envoy["id"], "{name}");
    }
    let batch = json!({"items": [{"name": "Somebody New", "kind": "person"}, {"name": "Bashar Jaafari", "kind": "person"}]});
    let refused = problem(app.post("/speakers/batch", &batch).await, StatusCode::CONFLICT).await;
    assert!(refused["detail"].as_str().unwrap().starts_with("item 1: "), "{refused}");
    assert_eq!(app.count("speakers").await, 1, "a refused batch stores nothing");

    // Legitimately different: another kind, namesakes with their own Wikidata ids or
    // descriptions, and anonymous sources, who are not the same person by their description.
    app.create("/speakers", json!({"name": "Bashar al-Jaafari", "kind": "organisation"})).await;
    app.create("/speakers", json!({"name": "John Smith", "kind": "person", "wikidata_qid": "Q1"})).await;
    app.create("/speakers", json!({"name": "John Smith", "kind": "person", "wikidata_qid": "Q2"})).await;
    app.create("/speakers", json!({"name": "Ann Lee", "kind": "person", "description": "farmer"})).await;
    app.create("/speakers", json!({"name": "Ann Lee", "kind": "person", "description": "MP for Leeds"}))
        .await;
    app.create("/speakers", json!({"name": "a Western diplomat", "kind": "anonymous"})).await;
    app.create("/speakers", json!({"name": "a Western diplomat", "kind": "anonymous"})).await;
    problem(
        app.post("/speakers", &json!({"name": "John Smith", "kind": "person"})).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Alike, not the same: created, with the stored one suggested.
    let typo = app.create("/speakers", json!({"name": "Bashar al-Jafari", "kind": "person"})).await;
    let similar: Vec<&Value> = typo["similar"].as_array().unwrap().iter().collect();
    assert_eq!(similar.len(), 1, "{typo}");
    assert_eq!(similar[0]["id"], envoy["id"]);
    let stored = json(app.get(&format!("/speakers/{}", id(&typo))).await, StatusCode::OK).await;
    assert!(stored.get("similar").is_none(), "suggestions belong to the create's answer");

    // Accepting candidates: a new name comes back created, with its suggestions; an anonymous
    // source is one speaker within a report, never the same as another report's.
    let source = app
        .source(
            "«No,» a Western diplomat said. «Never,» the diplomat added. «We agree,» Bashar al-Jafary said.",
        )
        .await;
    let accepted = json(
        app.request(Method::POST, &format!("/sources/{}/candidates/accept", id(&source)))
            .json(&json!({"quotes": [
                {"text": "No,", "kind": "direct", "start": 1, "speaker": {"name": "a Western diplomat", "kind": "anonymous"}},
                {"text": "Never,", "kind": "direct", "start": 32, "speaker": {"name": "A western diplomat", "kind": "anonymous"}},
                {"text": "We agree,", "kind": "direct", "start": 61, "speaker": {"name": "Bashar al-Jafary", "kind": "person"}}]}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let quotes = accepted["quotes"].as_array().unwrap();
    assert_eq!(quotes[0]["speaker_id"], quotes[1]["speaker_id"], "one anonymous source in one report");
    let created = accepted["speakers_created"].as_array().unwrap();
    assert_eq!(created.len(), 2, "{accepted}");
    let diplomat = created.iter().find(|s| s["kind"] == "anonymous").unwrap();
    assert_eq!(diplomat["id"], quotes[0]["speaker_id"]);
    let jafary = created.iter().find(|s| s["name"] == "Bashar al-Jafary").unwrap();
    let suggested: Vec<&Value> = jafary["similar"].as_array().unwrap().iter().map(|s| &s["id"]).collect();
    assert!(suggested.contains(&&envoy["id"]) && suggested.contains(&&typo["id"]), "{jafary}");
    assert_eq!(app.count("speakers").await, 11);
}

/// An anonymous source identified later: an editor records who it is, with the evidence. The
/// speaker, each of its quotes and claims (new versions, audited) and the quote's provenance
/// show both; new quotes of it carry it at once; withdrawing takes it back. Bad identifications
/// are refused and change nothing.
#[tokio::test]
async fn an_anonymous_speaker_is_identified_with_evidence_and_every_view_shows_both() {
    let app = TestApp::spawn().await;
    let diplomat = app.create("/speakers", json!({"name": "a Western diplomat", "kind": "anonymous"})).await;
    let envoy = app.speaker("Geir Pedersen").await;
    let other_anonymous = app.create("/speakers", json!({"name": "an aide", "kind": "anonymous"})).await;
    let source = app.source("«The talks are over,» a Western diplomat said of 40 meetings.").await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&diplomat), "kind": "direct", "text": "The talks are over,"}),
        )
        .await;
    assert_eq!(quote["speaker_identified_as"], Value::Null);
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "claimant_id": id(&diplomat), "statement": "40 meetings",
                   "metric": "meetings", "qualifier": "exact", "value": "40"}),
        )
        .await;
    let path = format!("/speakers/{}/identification", id(&diplomat));
    let evidence = "Named as the speaker in the envoy's memoir, p. 212.";
    let identify = |token: &str, etag: Option<String>, body: Value| {
        let mut request = app.request_as(Some(token), Method::PUT, &path).json(&body);
        if let Some(etag) = etag {
            request = request.header("if-match", etag);
        }
        request.send()
    };
    let editor = app.editor.token.clone();
    let body = json!({"speaker_id": id(&envoy), "evidence": evidence});

    // Refused, changing nothing.
    let by_reviewer = identify(&app.reviewer.token, Some(etag(&diplomat)), body.clone()).await.unwrap();
    problem(by_reviewer, StatusCode::FORBIDDEN).await;
    problem(identify(&editor, None, body.clone()).await.unwrap(), StatusCode::PRECONDITION_REQUIRED).await;
    problem(
        identify(&editor, Some("\"0\"".into()), body.clone()).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    for (bad, field) in [
        (json!({"speaker_id": id(&diplomat), "evidence": evidence}), "/speaker_id"),
        (json!({"speaker_id": id(&other_anonymous), "evidence": evidence}), "/speaker_id"),
        (json!({"speaker_id": uuid::Uuid::now_v7(), "evidence": evidence}), "/speaker_id"),
        (json!({"speaker_id": id(&envoy), "evidence": "  "}), "/evidence"),
    ] {
        let refused = problem(
            identify(&editor, Some(etag(&diplomat)), bad).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointer(&refused), field);
    }
    let named_path = format!("/speakers/{}/identification", id(&envoy));
    let named = app
        .request_as(Some(&editor), Method::PUT, &named_path)
        .header("if-match", etag(&envoy))
        .json(&json!({"speaker_id": id(&diplomat), "evidence": evidence}))
        .send()
        .await
        .unwrap();
    problem(named, StatusCode::CONFLICT).await;
    let unchanged = json(app.get(&format!("/quotes/{}", id(&quote))).await, StatusCode::OK).await;
    assert_eq!(unchanged["version"], quote["version"]);

    let identified = identify(&editor, Some(etag(&diplomat)), body.clone()).await.unwrap();
    assert_eq!(identified.status(), StatusCode::OK);
    let new_etag = identified.headers()["etag"].to_str().unwrap().to_owned();
    let identified = json(identified, StatusCode::OK).await;
    assert_eq!(identified["identified_as"]["speaker_id"], envoy["id"]);
    assert_eq!(identified["identified_as"]["evidence"], evidence);
    assert_eq!(identified["identified_as"]["decided_by"], app.editor.id.to_string());
    assert_eq!(identified["kind"], "anonymous", "still the anonymous source it was reported as");
    assert_eq!(new_etag, etag(&identified));

    let quote_now = json(app.get(&format!("/quotes/{}", id(&quote))).await, StatusCode::OK).await;
    assert_eq!(
        (&quote_now["speaker_id"], &quote_now["speaker_identified_as"]),
        (&diplomat["id"], &envoy["id"])
    );
    assert_eq!(quote_now["version"], quote["version"].as_i64().unwrap() + 1);
    let claim_now = json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await;
    assert_eq!(claim_now["claimant_identified_as"], envoy["id"]);
    let provenance = json(app.get(&format!("/quotes/{}/provenance", id(&quote))).await, StatusCode::OK).await;
    let appearance = &provenance["appearances"][0];
    assert_eq!(appearance["speaker_name"], "a Western diplomat");
    assert_eq!(appearance["speaker_identified_as"]["speaker_name"], "Geir Pedersen");
    assert_eq!(appearance["speaker_identified_as"]["evidence"], evidence);
    let history =
        json(app.get(&format!("/audit?entity_type=quote&entity_id={}", id(&quote))).await, StatusCode::OK)
            .await;
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["after"]["speaker_identified_as"] == envoy["id"]),
        "{history}"
    );
    let speaker_history = json(
        app.get(&format!("/audit?entity_type=speaker&entity_id={}", id(&diplomat))).await,
        StatusCode::OK,
    )
    .await;
    assert!(speaker_history["items"].as_array().unwrap().iter().any(|e| e["action"] == "identify"));

    // A new quote of the identified source carries it from the start; it cannot stop being
    // anonymous while identified.
    let later = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&diplomat), "kind": "indirect", "text": "the talks are over"}),
        )
        .await;
    assert_eq!(later["speaker_identified_as"], envoy["id"]);
    let speaker_path = format!("/speakers/{}", id(&diplomat));
    let renamed = problem(
        app.patch(&speaker_path, &new_etag, &json!({"kind": "person"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(pointer(&renamed), "/kind");

    // Withdrawn: every view is back to the anonymous source alone; twice is a conflict.
    let withdraw =
        |etag: String| app.request_as(Some(&editor), Method::DELETE, &path).header("if-match", etag).send();
    let withdrawn = json(withdraw(new_etag.clone()).await.unwrap(), StatusCode::OK).await;
    assert_eq!(withdrawn["identified_as"], Value::Null);
    let quote_back = json(app.get(&format!("/quotes/{}", id(&later))).await, StatusCode::OK).await;
    assert_eq!(quote_back["speaker_identified_as"], Value::Null);
    problem(withdraw(etag(&withdrawn)).await.unwrap(), StatusCode::CONFLICT).await;
}
