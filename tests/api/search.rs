//! Finding and sharing: full-text search, filtered lists with stable cursors, ClaimReview
//! JSON-LD and CSV exports.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use attest::db::search::MAX_RANKED;

use crate::helpers::{TestApp, etag, id, json, keep_for_jsonld_check, prepared_statements, problem};

async fn quote_in(app: &TestApp, speaker: &Value, text: &str, language: &str) -> Value {
    let source = app.source(&format!("«{text}»")).await;
    app.create(
        "/quotes",
        json!({"source_id": id(&source), "speaker_id": id(speaker), "kind": "direct", "text": text, "language": language}),
    )
    .await
}

#[tokio::test]
async fn an_exact_phrase_ranks_first_and_snippets_are_highlighted() {
    let app = TestApp::spawn().await;
    let envoy = app.speaker("The envoy").await;
    let scattered = quote_in(
        &app,
        &envoy,
        "We will see whether the talks resume; the resumption of talks will take time",
        "en",
    )
    .await;
    let exact = quote_in(&app, &envoy, "The talks will resume next week in Geneva", "en").await;
    let unrelated = quote_in(&app, &envoy, "The river has already risen", "en").await;
    let found = json(app.get("/search?q=talks%20will%20resume&type=quote").await, StatusCode::OK).await;
    let ids: Vec<&str> =
        found["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids.first(), Some(&id(&exact)), "{found}");
    assert!(ids.contains(&id(&scattered)));
    assert!(!ids.contains(&id(&unrelated)));
    let snippet = found["items"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>talks</mark>"), "{snippet}");

    // Stemming in the record's language: French plural and singular meet.
    let french = quote_in(&app, &envoy, "Les négociations reprendront lundi", "fr").await;
    let found = json(app.get("/search?q=n%C3%A9gociation&type=quote").await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], french["id"], "{found}");
    // Ranked against the French reading of the query, the one its words were indexed in.
    assert!(found["items"][0]["rank"].as_f64().unwrap() > 0.0, "{found}");

    // A language no record used before: its reading is looked for once a record uses it.
    let german = quote_in(&app, &envoy, "Die Verhandlungen werden fortgesetzt", "en").await;
    let search = "/search?q=Verhandlung&type=quote";
    assert_eq!(json(app.get(search).await, StatusCode::OK).await["items"], json!([]));
    let path = format!("/quotes/{}", id(&german));
    json(app.patch(&path, &etag(&german), &json!({"language": "de"})).await, StatusCode::OK).await;
    let found = json(app.get(search).await, StatusCode::OK).await;
    assert_eq!(found["items"][0]["id"], german["id"], "{found}");

    // Nothing left to look for in any language: an empty page, not an error.
    let nothing = json(app.get("/search?q=%21%3F%20-&type=quote").await, StatusCode::OK).await;
    assert_eq!(nothing["items"], json!([]), "{nothing}");

    problem(app.get("/search?q=").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/search?q=x&type=tweet").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/search?q=x&cursor=zzz").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn search_filters_combine_and_page_by_rank() {
    let app = TestApp::spawn().await;
    let minister = app.speaker("The minister").await;
    let mayor = app.speaker("The mayor").await;
    for n in 0..5 {
        quote_in(&app, &minister, &format!("Power will be restored in district {n}"), "en").await;
    }
    let mayors = quote_in(&app, &mayor, "Power will be restored by Friday", "en").await;
    let by_mayor =
        json(app.get(&format!("/search?q=power%20restored&speaker_id={}", id(&mayor))).await, StatusCode::OK)
            .await;
    assert_eq!(by_mayor["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_mayor["items"][0]["id"], mayors["id"]);
    let verified = json(app.get("/search?q=power&status=verified").await, StatusCode::OK).await;
    assert_eq!(verified["items"].as_array().unwrap().len(), 0);

    let mut seen = Vec::new();
    let mut path = "/search?q=power%20restored&limit=2".to_owned();
    loop {
        let page = json(app.get(&path).await, StatusCode::OK).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/search?q=power%20restored&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (6, 6));

    // Claims and sources are searchable too.
    let source = app.source("The port authority says 12,000 containers are waiting.").await;
    app.create(
        "/claims",
        json!({"source_id": id(&source), "statement": "12,000 containers are waiting",
        "metric": "containers waiting at the port", "qualifier": "exact", "value": 12000}),
    )
    .await;
    let claims = json(app.get("/search?q=containers&type=claim").await, StatusCode::OK).await;
    assert_eq!(claims["items"].as_array().unwrap().len(), 1);
    let sources = json(app.get("/search?q=%22port%20authority%22&type=source").await, StatusCode::OK).await;
    assert_eq!(sources["items"][0]["id"], source["id"]);
}

#[tokio::test]
async fn list_filters_combine() {
    let app = TestApp::spawn().await;
    let wire = |publisher: &str, published: &str| {
        json!({"url": format!("https://{}.example/{published}", publisher.to_lowercase()), "kind": "article",
               "publisher": publisher, "published_at": published, "content": "More than 300,000 people"})
    };
    let early_a = app.create("/sources", wire("Alpha", "2026-01-10T00:00:00Z")).await;
    let late_a = app.create("/sources", wire("Alpha", "2026-06-10T00:00:00Z")).await;
    let late_b = app.create("/sources", wire("Beta", "2026-06-11T00:00:00Z")).await;
    let claim = |source: &Value, metric: &str| {
        json!({"source_id": id(source), "statement": "More than 300,000 people", "metric": metric,
               "qualifier": "more_than", "value": 300000})
    };
    let c1 = app.create("/claims", claim(&early_a, "people killed")).await;
    let c2 = app.create("/claims", claim(&late_a, "people killed")).await;
    let c3 = app.create("/claims", claim(&late_b, "people killed")).await;
    app.create("/claims", claim(&late_a, "people displaced")).await;

    let listed = |query: String| {
        let app = &app;
        async move {
            let page = json(app.get(&format!("/claims?{query}")).await, StatusCode::OK).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("publisher=Alpha&metric=people%20killed".into()).await, [id(&c1), id(&c2)]);
    assert_eq!(
        listed("publisher=Alpha&metric=people%20killed&published_from=2026-03-01T00:00:00Z".into()).await,
        [id(&c2)]
    );
    assert_eq!(
        listed("metric=people%20killed&published_from=2026-03-01T00:00:00Z&sort=-created_at".into()).await,
        [id(&c3), id(&c2)]
    );

    // Reviewed claims, by status and review time.
    let reviewed = app
        .request_as(Some(&app.reviewer.token), Method::POST, &format!("/claims/{}/reviews", id(&c2)))
        .header("if-match", etag(&c2))
        .json(&json!({"status": "verified", "rationale": "Matches the UN figure."}))
        .send()
        .await
        .unwrap();
    assert_eq!(reviewed.status(), StatusCode::CREATED);
    assert_eq!(listed("status=verified&publisher=Alpha".into()).await, [id(&c2)]);
    assert_eq!(listed("reviewed_from=2000-01-01T00:00:00Z".into()).await, [id(&c2)]);
    assert_eq!(listed("status=verified&publisher=Beta".into()).await, Vec::<String>::new());
    problem(app.get("/claims?sort=value").await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/claims?published_from=yesterday").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn paging_while_rows_are_inserted_neither_skips_nor_repeats() {
    let app = TestApp::spawn().await;
    let mut expected = Vec::new();
    for n in 0..10 {
        expected.push(
            app.create("/speakers", json!({"name": format!("Speaker {n}"), "kind": "person"})).await["id"]
                .clone(),
        );
    }
    let mut seen: Vec<Value> = Vec::new();
    let mut path = "/speakers?limit=3".to_owned();
    let mut inserted = 0;
    loop {
        let response = app.get(&path).await;
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        let page = json(response, StatusCode::OK).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|s| s["id"].clone()));
        // Someone adds speakers between our page reads.
        app.create("/speakers", json!({"name": format!("Late {inserted}"), "kind": "person"})).await;
        inserted += 1;
        match link {
            Some(link) => path = link.trim_start_matches('<').split('>').next().unwrap().to_owned(),
            None => break,
        }
        assert!(inserted < 50, "paging never ends");
    }
    let unique: std::collections::BTreeSet<String> = seen.iter().map(|v| v.to_string()).collect();
    assert_eq!(unique.len(), seen.len(), "a row was repeated");
    for id in &expected {
        assert!(seen.contains(id), "{id} was skipped");
    }
}

#[tokio::test]
async fn claimreview_json_ld_carries_every_field() {
    let app = TestApp::spawn().await;
    let envoy = app
        .create("/speakers", json!({"name": "Geir Pedersen", "kind": "person", "description": "UN Syria envoy", "wikidata_qid": "Q123"}))
        .await;
    let source = app
        .create(
            "/sources",
            json!({"url": "https://wire.example/syria", "kind": "article", "title": "Envoy on the war",
            "publisher": "Example Wire", "published_at": "2026-03-15T09:00:00Z",
            "content": "More than 300,000 civilians have been killed, the envoy said."}),
        )
        .await;
    let claim = app
        .create("/claims", json!({"source_id": id(&source), "claimant_id": id(&envoy),
            "statement": "More than 300,000 civilians have been killed", "metric": "civilians killed in the Syrian conflict",
            "qualifier": "more_than", "value": 300000, "unit": "people", "anchor": {}}))
        .await;
    let path = format!("/claims/{}/claimreview", id(&claim));
    problem(app.get(&path).await, StatusCode::NOT_FOUND).await;

    let review = app
        .request_as(Some(&app.reviewer.token), Method::POST, &format!("/claims/{}/reviews", id(&claim)))
        .header("if-match", etag(&claim))
        .json(&json!({"status": "verified", "rating": {"value": 4, "label": "Mostly true"}, "rationale": "UN OHCHR count.",
                      "evidence": [{"url": "https://www.ohchr.org/syria-count", "note": "OHCHR count, June 2022"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(review.status(), StatusCode::CREATED);
    // A verdict is not public until an editor publishes it.
    problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
    let published = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("/claims/{}/publish", id(&claim)))
        .json(&json!({"headline": "Syria death toll of 300,000 is supported by UN count",
                      "summary": "The UN human rights office documented 306,887 civilian deaths.",
                      "url": "https://news.example/fact-checks/syria-toll", "language": "en", "authors": ["Ana Ruiz"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), StatusCode::CREATED);

    let response = app.get(&path).await;
    assert_eq!(response.headers()["content-type"], "application/ld+json");
    let doc: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    keep_for_jsonld_check("claim-review-of-a-claim", &doc);
    assert_eq!(doc["@context"], json!(["https://schema.org", {"transparency": null}]));
    assert!(doc["transparency"]["entry"].as_str().is_some(), "its place in the log: {doc}");
    assert_eq!(doc["@type"], "ClaimReview");
    assert_eq!(doc["claimReviewed"], "More than 300,000 civilians have been killed");
    assert_eq!(doc["url"], "https://news.example/fact-checks/syria-toll", "the article, not the API");
    assert_eq!(doc["name"], "Syria death toll of 300,000 is supported by UN count");
    assert_eq!(doc["reviewBody"], "The UN human rights office documented 306,887 civilian deaths.");
    assert_eq!(doc["inLanguage"], "en");
    assert!(doc["datePublished"].is_string());
    assert_eq!(doc["dateModified"], doc["datePublished"]);
    assert_eq!(doc["author"][0]["@type"], "Organization");
    assert_eq!(doc["author"][1], json!({"@type": "Person", "name": "Ana Ruiz"}));
    assert_eq!(doc["publisher"], doc["author"][0]);
    assert_eq!(
        doc["publisher"]["logo"],
        json!({"@type": "ImageObject", "url": crate::helpers::PUBLISHER_LOGO})
    );
    assert_eq!(
        doc["citation"],
        json!([{"@type": "CreativeWork", "url": "https://www.ohchr.org/syria-count", "name": "OHCHR count, June 2022"}])
    );
    let item = &doc["itemReviewed"];
    assert_eq!(item["@type"], "Claim");
    assert_eq!(
        item["author"],
        json!({"@type": "Person", "name": "Geir Pedersen", "jobTitle": "UN Syria envoy", "sameAs": "https://www.wikidata.org/wiki/Q123"})
    );
    assert_eq!(item["firstAppearance"]["url"], "https://wire.example/syria");
    assert_eq!(item["firstAppearance"]["publisher"]["name"], "Example Wire");
    assert_eq!(item["appearance"][0]["headline"], "Envoy on the war");
    assert_eq!(
        doc["reviewRating"],
        json!({"@type": "Rating", "ratingValue": 4, "bestRating": 5, "worstRating": 1, "alternateName": "Mostly true"})
    );

    // The feed of everything published since a time.
    let feed = app.get("/claimreview?since=2000-01-01T00:00:00Z").await;
    assert_eq!(feed.headers()["content-type"], "application/ld+json");
    let feed: Value = feed.json().await.unwrap();
    keep_for_jsonld_check("claim-review-feed", &feed);
    assert_eq!(feed["@graph"].as_array().unwrap().len(), 1);
    assert_eq!(feed["@graph"][0]["claimReviewed"], doc["claimReviewed"]);
    let later: Value = app.get("/claimreview?since=2999-01-01T00:00:00Z").await.json().await.unwrap();
    assert_eq!(later["@graph"].as_array().unwrap().len(), 0);
    problem(app.get("/claimreview").await, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn csv_exports_stream_the_filtered_list() {
    let app = TestApp::spawn().await;
    let source = app.source("Figures.").await;
    let items: Vec<Value> = (0..1200)
        .map(|n| json!({"source_id": id(&source), "statement": format!("Statement, \"{n}\""), "metric": if n % 2 == 0 { "even" } else { "odd" },
                         "qualifier": "exact", "value": format!("{n}.5")}))
        .collect();
    for chunk in items.chunks(600) {
        app.create("/claims/batch", json!({ "items": chunk })).await;
    }
    let response = app.get("/claims/export?metric=even").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("claims.csv"));
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let value_column = headers.iter().position(|h| h == "value").unwrap();
    let statement_column = headers.iter().position(|h| h == "statement").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 600, "every even claim, across export batches");
    assert_eq!(&rows[0][value_column], "0.5");
    assert_eq!(&rows[0][statement_column], "Statement, \"0\"");
    assert_eq!(&rows[599][value_column], "1198.5");
    problem(app.get("/claims/export?colour=red").await, StatusCode::BAD_REQUEST).await;
    let anonymous = app.request_as(None, Method::GET, "/claims/export").send().await.unwrap();
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

/// Words in every record: search looks through the table a slice of arrivals at a time, ranks
/// the first MAX_RANKED matches found (the oldest), and pages through exactly those.
#[tokio::test]
async fn a_search_of_everyday_words_ranks_the_first_matches_found() {
    let app = TestApp::spawn().await;
    let harbourmaster = app.speaker("The harbourmaster").await;
    let early = quote_in(&app, &harbourmaster, "The harbour reopened at dawn", "en").await;
    let source = early["source_id"].as_str().unwrap();
    let speaker = id(&harbourmaster);
    // 12,000 more, the words apart: more than one arrival slice (8,192), all matching.
    app.sql(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind, language)
         SELECT gen_random_uuid(), '{source}', '{speaker}', 'The harbour was reopened, report ' || n, 'direct', 'en'
           FROM generate_series(1, 12000) n"
    ))
    .await;
    // The words in order again, but after the first MAX_RANKED matches: never ranked.
    let late = quote_in(&app, &harbourmaster, "The harbour reopened at noon", "en").await;

    let mut seen = std::collections::BTreeSet::new();
    let mut path = "/search?q=harbour%20reopened&type=quote&limit=100".to_owned();
    let first = json(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(first["items"][0]["id"], early["id"], "the exact words rank first: {}", first["items"][0]);
    loop {
        let page = json(app.get(&path).await, StatusCode::OK).await;
        assert_eq!(page["capped"], true, "every page says the cap was reached");
        for hit in page["items"].as_array().unwrap() {
            assert!(seen.insert(hit["id"].as_str().unwrap().to_owned()), "{hit} came twice");
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/search?q=harbour%20reopened&type=quote&limit=100&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, MAX_RANKED);
    assert!(!seen.contains(id(&late)), "a match after the first {MAX_RANKED} was ranked");

    // A filter is applied before the cap: the late quote's source alone finds it.
    let late_source = late["source_id"].as_str().unwrap();
    let by_source =
        json(app.get(&format!("/search?q=harbour%20reopened&source_id={late_source}")).await, StatusCode::OK)
            .await;
    assert_eq!(by_source["items"][0]["id"], late["id"], "{by_source}");
    assert_eq!(by_source["capped"], false, "one match is not capped: {by_source}");
}

/// Past the oldest arrival slice, a word that slice holds often is looked for slice by slice, and
/// a rarer one in one bitmap of the rest of the table: either way the candidates are the oldest
/// slice's matches, then the next slices', up to MAX_RANKED, each once.
#[tokio::test]
async fn the_rest_of_the_table_is_looked_through_after_the_oldest_slice() {
    let app = TestApp::spawn().await;
    let pilot = app.speaker("The pilot").await;
    let first = quote_in(&app, &pilot, "The pilot boarded", "en").await;
    let (source, speaker) = (first["source_id"].as_str().unwrap(), id(&pilot));
    // 20,000 reports arriving in order, three slices: "tide" in every 30th (273 of the oldest
    // slice, 666 in all), "squall" in every 5,000th (one in the oldest slice, four in all).
    app.sql(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind, language)
         SELECT gen_random_uuid(), '{source}', '{speaker}',
                'Report ' || n || CASE WHEN n % 30 = 0 THEN ' of the tide' ELSE '' END
                               || CASE WHEN n % 5000 = 0 THEN ' of a squall' ELSE '' END,
                'direct', 'en'
           FROM generate_series(1, 20000) n"
    ))
    .await;
    let reports = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let mut numbers = Vec::new();
            let mut path = format!("/search?q={q}&type=quote&limit=100");
            loop {
                let page = json(app.get(&path).await, StatusCode::OK).await;
                for hit in page["items"].as_array().unwrap() {
                    let text = hit["text"].as_str().unwrap();
                    numbers.push(text.split(' ').nth(1).unwrap().parse::<i64>().unwrap());
                }
                match page["next_cursor"].as_str() {
                    Some(cursor) => path = format!("/search?q={q}&type=quote&limit=100&cursor={cursor}"),
                    None => return (numbers, page["capped"].clone()),
                }
            }
        }
    };

    // Report n is the (n + 1)th quote to arrive: the oldest slice holds reports up to 8,190, the
    // next up to 16,382.
    let (tides, capped) = reports("tide").await;
    let slice_of = |n: i64| (n + 1) / 8192;
    let in_slice = |slice: i64| tides.iter().filter(|&&n| slice_of(n) == slice).count() as i64;
    let unique: std::collections::BTreeSet<_> = tides.iter().collect();
    assert_eq!((unique.len() as i64, capped), (MAX_RANKED, json!(true)), "MAX_RANKED candidates, each once");
    // All of the oldest slice's, the rest from the next slice, none from the one after.
    assert_eq!((in_slice(0), in_slice(1), in_slice(2)), (273, MAX_RANKED - 273, 0), "{tides:?}");

    let (mut squalls, capped) = reports("squall").await;
    squalls.sort_unstable();
    assert_eq!((squalls, capped), (vec![5000, 10000, 15000, 20000], json!(false)));
}

/// A search runs the same statements whatever it finds and however it finds them (slice by
/// slice, or one bitmap of every match), each prepared once per connection: the searches after
/// the first prepare nothing new (a statement prepared on every run costs a parse and a plan).
#[tokio::test]
async fn searches_prepare_their_statements_once_per_connection() {
    use attest::db::search::{SearchFilter, SearchType};
    use attest::db::{self, PageRequest};
    use attest::services::search;

    let app = TestApp::spawn().await;
    let keeper = app.speaker("The lighthouse keeper").await;
    let first = quote_in(&app, &keeper, "The lighthouse stays lit", "en").await;
    let (source, speaker) = (first["source_id"].as_str().unwrap(), id(&keeper));
    // An everyday word in 10,000 quotes (more than an arrival slice) is looked for slice by
    // slice; the lighthouse, in one, from the bitmap of its matches.
    app.sql(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind, language)
         SELECT gen_random_uuid(), '{source}', '{speaker}', 'The harbour at night, ' || n, 'direct', 'en'
           FROM generate_series(1, 10000) n"
    ))
    .await;
    let mut conn = db::connect(&app.database_url).await.unwrap();
    let workspace = db::workspace::find_by_slug(&mut conn, "default").await.unwrap().unwrap().id;
    let mut prepared_after_each = Vec::new();
    for (q, matches) in
        [("harbour", 10_000), ("lighthouse", 1), ("harbour night", 10_000), ("lighthouse lit", 1)]
    {
        let page = PageRequest { after: None, limit: 5, newest_first: false };
        let found = db::workspace::scoped(&mut conn, workspace, None, async |conn| {
            search::search(conn, SearchType::Quote, q, &SearchFilter::default(), page).await
        })
        .await
        .unwrap();
        assert_eq!(
            (found.hits.rows.len() as i64, found.capped),
            (matches.min(5), matches >= MAX_RANKED),
            "{q}"
        );
        prepared_after_each.push(prepared_statements(&mut conn).await);
    }
    let first = &prepared_after_each[0];
    for wanted in ["-- Query $1 read", "-- A page of hits"] {
        assert_eq!(
            first.iter().filter(|statement| statement.trim_start().starts_with(wanted)).count(),
            1,
            "{wanted} prepared once: {first:#?}"
        );
    }
    for (n, prepared) in prepared_after_each.iter().enumerate().skip(1) {
        assert_eq!(prepared, first, "search {} prepared something new", n + 1);
    }
}

/// `capped` is true once a query finds as many matches as are ranked (MAX_RANKED): more may match.
#[tokio::test]
async fn capped_says_when_a_query_reaches_the_ranking_cap() {
    let app = TestApp::spawn().await;
    let keeper = app.speaker("The lighthouse keeper").await;
    let first = quote_in(&app, &keeper, "The lighthouse stays lit", "en").await;
    let (source, speaker) = (first["source_id"].as_str().unwrap(), id(&keeper));
    let insert = |n: i64| {
        format!(
            "INSERT INTO quotes (id, source_id, speaker_id, text, kind, language)
             SELECT gen_random_uuid(), '{source}', '{speaker}', 'The lighthouse, night ' || gen_random_uuid(), 'direct', 'en'
               FROM generate_series(1, {n}) n"
        )
    };
    async fn search(app: &TestApp) -> Value {
        json(app.get("/search?q=lighthouse&type=quote&limit=5").await, StatusCode::OK).await
    }

    assert_eq!(search(&app).await["capped"], false, "one match");
    app.sql(&insert(MAX_RANKED - 2)).await;
    let below = search(&app).await;
    assert_eq!(
        (below["capped"].clone(), below["items"].as_array().unwrap().len()),
        (false.into(), 5),
        "one short of the cap: {below}"
    );
    app.sql(&insert(1)).await;
    assert_eq!(search(&app).await["capped"], true, "MAX_RANKED matches: the cap is reached");
    app.sql(&insert(1)).await;
    assert_eq!(search(&app).await["capped"], true, "more than MAX_RANKED");
    // A search that matches nothing has no hits, and nothing left out.
    let none = json(app.get("/search?q=foghorn&type=quote").await, StatusCode::OK).await;
    assert_eq!((none["capped"].clone(), none["items"].clone()), (false.into(), json!([])));
}

/// A quote or claim that names no language is in its source's, so search stems it
/// ("ceasefires" finds "ceasefire"); a source's new language reaches those that inherited it,
/// and a language given explicitly stays the record's own.
#[tokio::test]
async fn records_without_a_language_speak_their_sources() {
    let app = TestApp::spawn().await;
    let text = "The ceasefire held through the night.";
    let source = app
        .create(
            "/sources",
            json!({"url": "https://news.example/truce", "kind": "article", "language": "en", "content": text}),
        )
        .await;
    let envoy = app.speaker("The envoy").await;
    let quote = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&envoy), "kind": "direct", "text": text}),
        )
        .await;
    assert_eq!((&quote["language"], &quote["language_inherited"]), (&json!("en"), &json!(true)));
    let claim = app
        .create(
            "/claims",
            json!({"source_id": id(&source), "statement": text, "metric": "ceasefires", "qualifier": "exact", "value": "1"}),
        )
        .await;
    assert_eq!((&claim["language"], &claim["language_inherited"]), (&json!("en"), &json!(true)));
    let own = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&app.speaker("Another envoy").await), "kind": "direct",
                   "text": text, "language": "fr"}),
        )
        .await;
    assert_eq!((&own["language"], &own["language_inherited"]), (&json!("fr"), &json!(false)));

    for kind in ["quote", "claim"] {
        let found = json(app.get(&format!("/search?q=ceasefires&type={kind}")).await, StatusCode::OK).await;
        let ids: Vec<&str> =
            found["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
        let expected = if kind == "quote" { id(&quote) } else { id(&claim) };
        assert!(ids.contains(&expected), "{kind}: stemmed by the source's language: {found}");
    }

    // An edit that leaves the language alone keeps it inherited.
    let quote_path = format!("/quotes/{}", id(&quote));
    let edited = app.patch(&quote_path, &etag(&quote), &json!({"relayed_by": "Wire"})).await;
    let edited = json(edited, StatusCode::OK).await;
    assert_eq!((&edited["language"], &edited["language_inherited"]), (&json!("en"), &json!(true)));

    // The source turns out to be in German: those that inherited follow (as new versions).
    let source_path = format!("/sources/{}", id(&source));
    let corrected = app.patch(&source_path, &etag(&source), &json!({"language": "de"})).await;
    assert_eq!(corrected.status(), StatusCode::OK);
    let quote_now = json(app.get(&quote_path).await, StatusCode::OK).await;
    assert_eq!((&quote_now["language"], &quote_now["language_inherited"]), (&json!("de"), &json!(true)));
    assert!(quote_now["version"].as_i64() > edited["version"].as_i64(), "{quote_now}");
    let claim_now = json(app.get(&format!("/claims/{}", id(&claim))).await, StatusCode::OK).await;
    assert_eq!(claim_now["language"], "de");
    let own_now = json(app.get(&format!("/quotes/{}", id(&own))).await, StatusCode::OK).await;
    assert_eq!((&own_now["language"], &own_now["language_inherited"]), (&json!("fr"), &json!(false)));

    // Choosing a language makes it the record's own; sending null hands it back to the source.
    let chosen = app.patch(&quote_path, &etag(&quote_now), &json!({"language": "en"})).await;
    let chosen = json(chosen, StatusCode::OK).await;
    assert_eq!((&chosen["language"], &chosen["language_inherited"]), (&json!("en"), &json!(false)));
    let handed_back = app.patch(&quote_path, &etag(&chosen), &json!({"language": null})).await;
    let handed_back = json(handed_back, StatusCode::OK).await;
    assert_eq!((&handed_back["language"], &handed_back["language_inherited"]), (&json!("de"), &json!(true)));
}
