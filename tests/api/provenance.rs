//! Provenance: first appearance, relays, wording drift, misattribution, source snapshots.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, id, json, keep_for_jsonld_check, problem};

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

/// A new version of a source re-checks every record anchored in the versions before it, each
/// in its class: a removed sentence is gone, a moved paragraph moved (same words, new
/// offsets), one changed word changed (with its diff), words left in place in a rewritten
/// article unchanged, and of two occurrences the context picks the right one. Verdicts on
/// words that changed or went are stale, with the re-check as the reason and in history; the
/// rest hold. The result comes with the new version and at `GET /sources/{id}/recheck`.
#[tokio::test]
async fn a_new_version_rechecks_every_anchored_record_in_its_class() {
    let app = TestApp::spawn().await;
    let url = "https://wire.example/rechecked-story";
    let v1_text = "Officials said 12,000 homes lost power. \
                   «We will not sign this deal,» the envoy said. \
                   The minister said: we will not resign. \
                   «Nothing is agreed until everything is agreed,» said the negotiator. \
                   A spokesman added: «Prices will fall next year.»";
    let v1 = app.create("/sources", json!({"url": url, "kind": "article", "content": v1_text})).await;
    let speaker = app.speaker("The envoy").await;
    let signed = quote(&app, &v1, &speaker, "We will not sign this deal", None).await;
    let resign = quote(&app, &v1, &speaker, "we will not resign", None).await;
    let agreed = quote(&app, &v1, &speaker, "Nothing is agreed until everything is agreed", None).await;
    let prices = quote(&app, &v1, &speaker, "Prices will fall next year", None).await;
    let homes = app
        .create(
            "/claims",
            json!({"source_id": id(&v1), "statement": "Officials said 12,000 homes lost power.",
                   "metric": "homes without power", "qualifier": "exact", "value": "12000", "unit": "homes",
                   "anchor": {"exact": "12,000 homes lost power"}}),
        )
        .await;
    let signed = app.published("quotes", &signed).await;
    let agreed = app.published("quotes", &agreed).await;
    let prices = app.published("quotes", &prices).await;
    let homes = app.published("claims", &homes).await;
    assert_eq!(app.get(&format!("/quotes/{}/claimreview", id(&signed))).await.status(), StatusCode::OK);

    // The opening is kept word for word; the envoy's sentence is cut; an aide now says the
    // minister's words first; two paragraphs swap; one word changes.
    let v2_text = "Officials said 12,000 homes lost power. \
                   The aide said: we will not resign, and left. \
                   «Nothing is agreed until everything is agreed,» said the negotiator. \
                   The minister said: we will not resign. \
                   A spokesman added: «Prices will rise next year.» Talks resume in June.";
    let v2 = app.create("/sources", json!({"url": url, "kind": "article", "content": v2_text})).await;
    assert_eq!(v2["supersedes_id"], v1["id"]);
    let summary = &v2["recheck"];
    assert_eq!(
        summary["counts"],
        json!({"unchanged": 1, "moved": 2, "changed": 1, "gone": 1, "ambiguous": 0}),
        "{summary}"
    );
    assert_eq!((&summary["made_stale"], &summary["supersedes_id"]), (&json!(2), &v1["id"]));
    assert!(summary["checked_at"].is_string());

    let recheck_path = format!("/sources/{}/recheck", id(&v2));
    let full = json(app.get(&recheck_path).await, StatusCode::OK).await;
    assert_eq!((&full["counts"], &full["made_stale"]), (&summary["counts"], &json!(2)));
    let items = full["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let of = |record: &Value| {
        items
            .iter()
            .find(|item| item["quote_id"] == record["id"] || item["claim_id"] == record["id"])
            .unwrap_or_else(|| panic!("no re-check of {record}"))
            .clone()
    };
    let at = |text: &str, anchor: &Value| -> String {
        let (start, end) =
            (anchor["start"].as_u64().unwrap() as usize, anchor["end"].as_u64().unwrap() as usize);
        text.chars().skip(start).take(end - start).collect()
    };

    let gone = of(&signed);
    assert_eq!((&gone["outcome"], &gone["made_stale"]), (&json!("gone"), &json!(true)), "{gone}");
    assert!(gone["best_similarity"].as_f64().unwrap() < 0.75);
    assert_eq!(gone["record_source_id"], v1["id"]);

    let kept = of(&homes);
    assert_eq!((&kept["outcome"], &kept["made_stale"]), (&json!("unchanged"), &json!(false)), "{kept}");
    assert_eq!(kept["anchor"]["start"], homes["anchor"]["start"]);
    assert_eq!(at(v2_text, &kept["anchor"]), "12,000 homes lost power");

    let moved = of(&agreed);
    assert_eq!((&moved["outcome"], &moved["made_stale"]), (&json!("moved"), &json!(false)), "{moved}");
    assert_ne!(moved["anchor"]["start"], agreed["anchor"]["start"]);
    assert_eq!(at(v2_text, &moved["anchor"]), "Nothing is agreed until everything is agreed");

    // Twice in the new text: the minister's context wins over the aide's nearer copy.
    let twice = of(&resign);
    assert_eq!(twice["outcome"], "moved", "{twice}");
    let start = twice["anchor"]["start"].as_u64().unwrap() as usize;
    let before: String = v2_text.chars().take(start).collect();
    assert!(before.ends_with("The minister said: "), "took the wrong occurrence: {twice}");
    assert_eq!(twice["made_stale"], false, "no verdict on it to make stale");

    let changed = of(&prices);
    assert_eq!((&changed["outcome"], &changed["made_stale"]), (&json!("changed"), &json!(true)), "{changed}");
    assert_eq!(at(v2_text, &changed["anchor"]), "Prices will rise next year");
    let ops: Vec<(&str, &str)> = changed["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["op"].as_str().unwrap(), c["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        [("equal", "Prices will "), ("delete", "fall"), ("insert", "rise"), ("equal", " next year")]
    );

    // Words that changed or went: the verdicts are stale, said why, withdrawn, and in history.
    for (record, collection) in
        [(&signed, "quotes"), (&prices, "quotes"), (&agreed, "quotes"), (&homes, "claims")]
    {
        let now = json(app.get(&format!("/{collection}/{}", id(record))).await, StatusCode::OK).await;
        let stale = record == &signed || record == &prices;
        assert_eq!(now["verdict_stale"], stale, "{now}");
        assert_eq!(now["status"], "verified");
        if stale {
            assert_eq!(now["stale_reasons"], json!(["source_text"]));
            assert_eq!(now["version"].as_i64(), record["version"].as_i64().map(|v| v + 1));
            // The fact-check still shows what was judged; its publisher sees that it needs a new
            // verdict and a correction.
            let document =
                json(app.get(&format!("/quotes/{}/claimreview", id(record))).await, StatusCode::OK).await;
            assert_eq!(document["claimReviewed"], record["text"]);
            keep_for_jsonld_check("claim-review-of-a-quote", &document);
            let publication =
                json(app.get(&format!("/quotes/{}/publication", id(record))).await, StatusCode::OK).await;
            assert_eq!(publication["verdict_stale"], true, "{publication}");
            let history =
                json(app.get(&format!("/quotes/{}/history", id(record))).await, StatusCode::OK).await;
            let last = history["items"].as_array().unwrap().last().unwrap().clone();
            assert_eq!(last["action"], "mark_stale", "{last}");
            assert_eq!(last["after"]["cause"]["recheck_source_id"], v2["id"]);
            assert_eq!(last["after"]["stale_reasons"], json!(["source_text"]));
        } else {
            assert_eq!(now["version"], record["version"], "untouched");
        }
    }
    let queue = app
        .request_as(Some(&app.reviewer.token), Method::GET, "/review-queue?status=stale")
        .send()
        .await
        .unwrap();
    let queue = json(queue, StatusCode::OK).await;
    let mut needing: Vec<&str> =
        queue["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    needing.sort_unstable();
    let mut expected = [id(&signed), id(&prices)];
    expected.sort_unstable();
    assert_eq!(needing, expected);

    // One outcome at a time, a page at a time.
    let only_changed = json(app.get(&format!("{recheck_path}?outcome=changed")).await, StatusCode::OK).await;
    assert_eq!(only_changed["items"].as_array().unwrap().len(), 1);
    assert_eq!(only_changed["items"][0]["quote_id"], prices["id"]);
    assert_eq!(only_changed["counts"], summary["counts"], "the summary is the whole re-check's");
    let first = app.get(&format!("{recheck_path}?limit=3")).await;
    assert!(first.headers().get("link").is_some());
    let first = json(first, StatusCode::OK).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let rest = json(app.get(&format!("{recheck_path}?limit=3&cursor={cursor}")).await, StatusCode::OK).await;
    assert_eq!(first["items"].as_array().unwrap().len() + rest["items"].as_array().unwrap().len(), 5);
    assert!(rest["next_cursor"].is_null());

    // A third version is checked against every earlier version's records, each by its own
    // anchor; a verdict already stale for this reason is not marked again.
    let v3_text = format!("{v2_text} Updated at noon.");
    let v3 = app.create("/sources", json!({"url": url, "kind": "article", "content": v3_text})).await;
    assert_eq!(v3["supersedes_id"], v2["id"]);
    assert_eq!(v3["recheck"]["counts"], summary["counts"], "{}", v3["recheck"]);
    assert_eq!(v3["recheck"]["made_stale"], 0);

    // The first version superseded nothing; a bad outcome is refused; an unknown source is not found.
    let none = json(app.get(&format!("/sources/{}/recheck", id(&v1))).await, StatusCode::OK).await;
    assert_eq!(
        (&none["supersedes_id"], &none["checked_at"], &none["items"]),
        (&Value::Null, &Value::Null, &json!([]))
    );
    assert!(v1.get("recheck").is_none(), "a first version has no re-check: {v1}");
    problem(app.get(&format!("{recheck_path}?outcome=lost")).await, StatusCode::BAD_REQUEST).await;
    problem(app.get(&format!("/sources/{}/recheck", uuid::Uuid::now_v7())).await, StatusCode::NOT_FOUND)
        .await;

    // A verdict recorded again makes the record current.
    let reaffirmed = app.verified("quotes", &signed).await;
    assert_eq!((&reaffirmed["verdict_stale"], &reaffirmed["stale_reasons"]), (&json!(false), &json!([])));
}
