//! Findings 1 to 6: single requests that exhausted memory, CPU or connections.

use std::io::Write;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{Hostile, Rng, body, id, problem};

/// Text of about `chars` characters in one of the shapes that once made extraction quadratic:
/// runs of initials and abbreviations (a sentence that never ends), dense numbers (each claim
/// copying its sentence), dense quotation marks, and dense attribution (reporting verbs,
/// names, appositions, pronouns, descriptions, questions and names of no known kind for the
/// article's cast to resolve).
fn pathological_text(rng: &mut Rng, shape: usize, chars: usize) -> String {
    let shapes: [&[&str]; 4] = [
        &["A.", "B.", "J.", "Mr.", "St.", "No.", "Dr.", "K."],
        &["12", "300,000", "more than 4,500", "1.5 million", "almost 6", "A.", "Gen."],
        &["«a»", "“b,” he said.", "\"c\"", "‘d’", "«", "»", "12,000"],
        &[
            "said",
            "told",
            "Ana Ruiz,",
            "the minister,",
            "who",
            "she",
            "according to",
            "The",
            "Union",
            "of",
            "and",
            "«x»,",
            "Dr.",
            "says",
            "that",
            "the company",
            "(ABC)",
            "Federation",
            "quoted him as saying",
            ":",
            "reported a loss.",
            "Kordex",
            "It",
            "the airline",
            "the Frenchman",
            "Asked by",
            ", telling the BBC",
            ", adding that",
            "Velmar,",
            "the shipping firm,",
            "asked whether",
            "she replied.",
            "he began.",
            "analysts at Nordbank",
            ", but gave",
        ],
    ];
    let shape = shapes[shape % shapes.len()];
    let mut text = String::with_capacity(chars + 32);
    while text.len() < chars {
        let piece: &&str = rng.pick(shape);
        text.push_str(piece);
        text.push(if rng.between(0..50) == 0 { '\n' } else { ' ' });
    }
    text
}

/// 1. Extraction of a 200 KB pathological text of each shape answers with bounded candidates, in bounded
/// memory, while the server keeps answering.
#[tokio::test]
async fn extraction_of_pathological_text_is_bounded() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("extraction");
    let texts: Vec<String> = (0..4).map(|shape| pathological_text(&mut rng, shape, 200_000)).collect();
    let mut sources = Vec::new();
    for text in &texts {
        sources.push(id(&app.source(text).await).to_owned());
    }
    let paths: Vec<String> = sources.iter().map(|source| format!("/sources/{source}/extract")).collect();
    let answers = app
        .under_watch(futures_util::future::join_all(
            paths.iter().map(|path| app.send(&app.submitter.token, Method::POST, path, None)),
        ))
        .await;
    for answer in answers {
        if answer.status() == StatusCode::SERVICE_UNAVAILABLE {
            problem(answer, &[StatusCode::SERVICE_UNAVAILABLE]).await;
            continue;
        }
        let bytes = answer.content_length();
        let found = body(answer, StatusCode::OK).await;
        let quotes = found["quotes"].as_array().unwrap().len();
        let claims = found["claims"].as_array().unwrap().len();
        println!("{quotes} quotes, {claims} claims, truncated {}, {bytes:?} bytes", found["truncated"]);
        assert!(quotes <= 500 && claims <= 500);
        let size = serde_json::to_string(&found).unwrap().len();
        assert!(size < 20 * 200_000, "an answer of {size} bytes for 200 KB of text");
    }
}

/// 2a. A claim value of hundreds of thousands of digits is refused at once, without parsing.
#[tokio::test]
async fn huge_decimal_values_are_refused_cheaply() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("decimals");
    let source = app.source("A figure.").await;
    let values: Vec<String> = (0..4)
        .map(|_| {
            let digits = rng.between(100_000..1_000_000);
            (0..digits).map(|_| char::from(b'0' + (rng.next_u64() % 10) as u8)).collect()
        })
        .collect();
    let answers = app
        .under_watch(futures_util::future::join_all(values.iter().map(|value| {
            app.send(
                &app.submitter.token,
                Method::POST,
                "/claims",
                Some(json!({"source_id": id(&source), "statement": "A figure.", "metric": "m", "qualifier": "exact", "value": value})),
            )
        })))
        .await;
    for answer in answers {
        let problem = problem(answer, &[StatusCode::UNPROCESSABLE_ENTITY]).await;
        assert_eq!(problem["errors"][0]["pointer"], "/value");
    }
    assert_eq!(app.count("claims", "true").await, 0);
}

/// 2b. Anchoring long statements in a 1 MB source is linear, off the workers.
#[tokio::test]
async fn anchor_search_in_a_long_source_is_bounded() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("anchors");
    // A megabyte of one letter, broken by a space only every few dozen thousand: a naive
    // search compares nearly the whole needle at every position before it misses.
    let mut content = String::with_capacity(1_000_000);
    while content.len() < 999_000 {
        content.push_str(&"a".repeat(rng.between(20_000..50_000).min(999_000 - content.len())));
        content.push(' ');
    }
    let source = app.source(&content).await;
    // As many batches at once as the server has workers, and more: each could hold one.
    let batches: Vec<_> = (0..4)
        .map(|_| {
            let items: Vec<_> = (0..20)
                .map(|_| {
                    let statement = "a".repeat(rng.between(5_000..15_000)) + "b";
                    json!({"source_id": id(&source), "statement": statement, "metric": "m", "qualifier": "exact", "value": "1", "anchor": {}})
                })
                .collect();
            json!({ "items": items })
        })
        .collect();
    let answers = app
        .under_watch(futures_util::future::join_all(
            batches
                .into_iter()
                .map(|batch| app.send(&app.submitter.token, Method::POST, "/claims/batch", Some(batch))),
        ))
        .await;
    for answer in answers {
        let problem =
            problem(answer, &[StatusCode::UNPROCESSABLE_ENTITY, StatusCode::SERVICE_UNAVAILABLE]).await;
        if problem["status"] == 422 {
            assert_eq!(problem["errors"][0]["pointer"], "/items/0/anchor/exact", "{problem}");
        }
    }
    assert_eq!(app.count("claims", "true").await, 0);
}

/// 2c. Provenance diffs of long linked quotes stay within a time budget; quotes that are not
/// alike cannot be linked at all.
#[tokio::test]
async fn provenance_of_long_variants_is_bounded() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("provenance");
    let first = rng.words(2_500);
    // A variant: every fifth word replaced.
    let second: String = first
        .split(' ')
        .enumerate()
        .map(|(i, w)| if i % 5 == 0 { rng.words(1) } else { w.to_owned() })
        .collect::<Vec<_>>()
        .join(" ");
    let unrelated = rng.words(2_500);
    let speaker = app.speaker("Long Speaker").await;
    let mut quotes = Vec::new();
    for text in [&first, &second, &unrelated] {
        let source = app.source(text).await;
        quotes.push(
            app.create(
                "/quotes",
                json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": text}),
            )
            .await,
        );
    }
    let link = async |quote: &serde_json::Value, to: &serde_json::Value| {
        let current =
            app.send(&app.reviewer.token, Method::GET, &format!("/quotes/{}", id(quote)), None).await;
        let etag = crate::etag(&current);
        app.client
            .post(app.url(&format!("/quotes/{}/variant-of", id(quote))))
            .bearer_auth(&app.reviewer.token)
            .header("if-match", etag)
            .json(&json!({"canonical_id": id(to)}))
            .send()
            .await
            .unwrap()
    };
    let refused = problem(link(&quotes[2], &quotes[0]).await, &[StatusCode::UNPROCESSABLE_ENTITY]).await;
    assert_eq!(refused["errors"][0]["pointer"], "/canonical_id");
    body(link(&quotes[1], &quotes[0]).await, StatusCode::OK).await;
    let path = format!("/quotes/{}/provenance", id(&quotes[1]));
    let answers = app
        .under_watch(futures_util::future::join_all(
            (0..6).map(|_| app.send(&app.submitter.token, Method::GET, &path, None)),
        ))
        .await;
    for answer in answers {
        let provenance = body(answer, StatusCode::OK).await;
        assert_eq!(provenance["appearances"].as_array().unwrap().len(), 2);
    }
}

/// 2b. A batch whose items cite more source text than can be held at once is refused before
/// any text is read; one under the cap is stored.
#[tokio::test]
async fn a_batch_citing_too_much_text_is_refused_unread() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("cited text");
    let sources = rng.between(70..120);
    // Sources of a megabyte each, made in the database: as many uploads would take minutes.
    app.execute(&format!(
        "INSERT INTO sources (id, url, retrieved_at, kind, content, content_sha256)
         SELECT gen_random_uuid(), 'https://hostile.example/cited/' || n, now(), 'article', t, encode(sha256(t::bytea), 'hex')
           FROM generate_series(1, {sources}) AS n, LATERAL (SELECT repeat(md5(n::text), 31250) AS t) AS text"
    ))
    .await;
    let ids: Vec<String> = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            id: uuid::Uuid,
        }
        let mut conn = attest::db::connect(&app.database_url).await.unwrap();
        let rows: Vec<Row> =
            diesel::sql_query("SELECT id FROM sources WHERE url LIKE 'https://hostile.example/cited/%'")
                .load(&mut conn)
                .await
                .unwrap();
        rows.into_iter().map(|r| r.id.to_string()).collect()
    };
    let claim = |source: &String| json!({"source_id": source, "statement": "s", "metric": "m", "qualifier": "exact", "value": "1"});
    let too_much: Vec<_> = ids.iter().map(claim).collect();
    let within: Vec<_> = ids.iter().take(60).map(claim).collect();
    let (refused, stored) = app
        .under_watch(async {
            (
                app.send(
                    &app.submitter.token,
                    Method::POST,
                    "/claims/batch",
                    Some(json!({ "items": too_much })),
                )
                .await,
                app.send(
                    &app.submitter.token,
                    Method::POST,
                    "/claims/batch",
                    Some(json!({ "items": within })),
                )
                .await,
            )
        })
        .await;
    let refused = problem(refused, &[StatusCode::UNPROCESSABLE_ENTITY]).await;
    assert_eq!(refused["errors"][0]["pointer"], "/items", "{refused}");
    assert_eq!(body(stored, StatusCode::CREATED).await["items"].as_array().unwrap().len(), 60);
    assert_eq!(app.count("claims", "true").await, 60);
}

/// 2c. An utterance reported thousands of times: provenance shows the earliest 200 reports,
/// says that there are more, and reads no source's text.
#[tokio::test]
async fn provenance_of_a_huge_cluster_is_capped() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("huge cluster");
    let words = rng.words(20);
    let speaker = app.speaker("Often Quoted").await;
    let source = app.source(&format!("{words} {}", rng.words(150_000))).await;
    let root = app
        .create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": words}),
        )
        .await;
    let reports = rng.between(201..3_000);
    // Thousands of variant links would take as many requests; the rows are what matters here.
    let inserted = app
        .execute(&format!(
            "INSERT INTO quotes (id, source_id, speaker_id, text, kind, canonical_quote_id)
             SELECT gen_random_uuid(), source_id, speaker_id, text || ' (report ' || report || ')', kind, id
               FROM quotes, generate_series(1, {reports}) AS report WHERE id = '{}'",
            id(&root)
        ))
        .await;
    assert_eq!(inserted, reports);
    let path = format!("/quotes/{}/provenance", id(&root));
    let answers = app
        .under_watch(futures_util::future::join_all(
            (0..4).map(|_| app.send(&app.submitter.token, Method::GET, &path, None)),
        ))
        .await;
    for answer in answers {
        let provenance = body(answer, StatusCode::OK).await;
        assert_eq!(provenance["appearances"].as_array().unwrap().len(), 200);
        assert_eq!(provenance["truncated"], true);
        assert_eq!(provenance["first_appearance"], provenance["appearances"][0]["quote_id"]);
        assert!(serde_json::to_string(&provenance).unwrap().len() < 1 << 20);
    }
}

/// 3. Exports that are never read hold no database connection: the API and `/readyz` keep
/// answering, and exports beyond the limit are refused with 503 and Retry-After.
#[tokio::test]
async fn exports_that_are_never_read_pin_nothing() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("exports");
    // Claims of 20,000-character statements: an export of them is far more than the sockets
    // buffer, so an export whose client does not read stays open.
    let source = app.source("Figures.").await;
    for _ in 0..6 {
        let items: Vec<_> = (0..150)
            .map(|_| json!({"source_id": id(&source), "statement": rng.words(2_600), "metric": "m", "qualifier": "exact", "value": "1"}))
            .collect();
        body(
            app.send(&app.submitter.token, Method::POST, "/claims/batch", Some(json!({ "items": items })))
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let address = app.server.address.trim_start_matches("http://").to_owned();
    let clients = rng.between(24..40);
    let request = format!(
        "GET /claims/export HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\r\n",
        app.submitter.token
    );
    let (refused, readyz, reads) = app
        .under_watch(async {
            // Connections that send the request and never read a byte of the answer.
            let mut sockets = Vec::new();
            for _ in 0..clients {
                let mut socket = std::net::TcpStream::connect(&address).unwrap();
                socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                socket.write_all(request.as_bytes()).unwrap();
                sockets.push(socket);
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            let export = app.send(&app.submitter.token, Method::GET, "/claims/export", None).await;
            let readyz = app.client.get(app.url("/readyz")).send().await.unwrap().status();
            let mut reads = Vec::new();
            for _ in 0..20 {
                reads.push(
                    app.send(&app.submitter.token, Method::GET, "/speakers?limit=5", None).await.status(),
                );
            }
            drop(sockets);
            (export, readyz, reads)
        })
        .await;
    problem(refused, &[StatusCode::SERVICE_UNAVAILABLE]).await;
    assert_eq!(readyz, StatusCode::OK);
    assert!(reads.iter().all(|s| *s == StatusCode::OK), "{reads:?}");
}

/// 3. A page of sources carries no texts: however long they are, a list answer stays small,
/// and so do an export of them and a page of the audit trail.
#[tokio::test]
async fn lists_of_long_sources_stay_small() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("long sources");
    let sources = rng.between(8..14);
    for _ in 0..sources {
        app.source(&rng.words(150_000)).await;
    }
    let (pages, export, audit) = app
        .under_watch(async {
            let pages = futures_util::future::join_all(
                (0..8).map(|_| app.send(&app.submitter.token, Method::GET, "/sources?limit=500", None)),
            )
            .await;
            let export = app.send(&app.submitter.token, Method::GET, "/sources/export", None).await;
            let audit = app.send(&app.admin.token, Method::GET, "/audit?limit=500", None).await;
            (pages, export.text().await.unwrap(), audit.text().await.unwrap())
        })
        .await;
    for page in pages {
        let bytes = page.content_length();
        let page = body(page, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), sources);
        assert!(items.iter().all(|s| s["content"].is_null() && s["content_sha256"].is_string()));
        assert!(serde_json::to_string(&page).unwrap().len() < 64 * 1024, "{bytes:?} bytes");
    }
    assert!(export.len() < 64 * 1024, "an export of {} bytes", export.len());
    assert_eq!(export.lines().count(), sources + 1);
    // The trail names each text by its hash rather than keeping a second copy of it.
    let audit: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let created: Vec<_> =
        audit["items"].as_array().unwrap().iter().filter(|e| e["entity_type"] == "source").collect();
    assert_eq!(created.len(), sources);
    assert!(
        created.iter().all(|e| e["after"]["content"].is_null() && e["after"]["content_sha256"].is_string())
    );
    assert!(serde_json::to_string(&audit).unwrap().len() < 64 * 1024);
}

/// 4. Concurrent wrong passwords for one account are counted before hashing: at most the
/// limit is hashed, the rest are refused at once, and memory stays flat.
#[tokio::test]
async fn concurrent_password_guesses_are_cut_off_before_hashing() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("guesses");
    let guesses: Vec<String> = (0..300).map(|_| rng.words(3)).collect();
    let answers = app
        .under_watch(futures_util::future::join_all(
            guesses.iter().map(|g| app.sign_in(&app.reviewer.email, g)),
        ))
        .await;
    let mut wrong = 0;
    for answer in answers {
        match answer.status() {
            StatusCode::UNAUTHORIZED => wrong += 1,
            _ => {
                problem(answer, &[StatusCode::TOO_MANY_REQUESTS, StatusCode::SERVICE_UNAVAILABLE]).await;
            }
        }
    }
    assert!(wrong <= 5, "{wrong} wrong passwords were checked");
}

/// 4. The throttle cannot be used to lock a user out from elsewhere, and every way of
/// writing the email that finds the account counts against it.
#[tokio::test]
async fn lockout_is_per_address_and_case_variants_share_it() {
    let app = Hostile::start_with(&[("ATTEST_TRUSTED_PROXIES", "127.0.0.1".into())]).await;
    let mut rng = Rng::new("lockout");
    let app = &app;
    let from = |address: String| {
        move |email: &str, password: &str| {
            app.client
                .post(app.url("/auth/token"))
                .header("x-forwarded-for", address.clone())
                .json(&json!({"email": email, "password": password}))
                .send()
        }
    };
    let attacker = from(format!("198.51.100.{}", rng.between(1..255)));
    // Variants of reviewer@hostile.example the database finds: ASCII case, and a dotted
    // capital I that lower-cases to i in PostgreSQL but to i + U+0307 in Rust.
    let variants = [
        "REVIEWER@hostile.example",
        "Reviewer@Hostile.Example",
        "revİewer@hostile.example",
        "reviewer@HOSTILE.example",
        "rEvIeWeR@hostile.example",
    ];
    for _ in 0..5 {
        let email = rng.pick(&variants);
        problem(attacker(email, &rng.words(2)).await.unwrap(), &[StatusCode::UNAUTHORIZED]).await;
    }
    let email: &&str = rng.pick(&variants);
    let locked = attacker(email, PASSWORD_OF_REVIEWER).await.unwrap();
    problem(locked, &[StatusCode::TOO_MANY_REQUESTS]).await;
    // The user, from another address, with the right password: slowed, not refused.
    let user = from(format!("203.0.113.{}", rng.between(1..255)));
    let signed_in = app.under_watch(user(&app.reviewer.email, PASSWORD_OF_REVIEWER)).await.unwrap();
    body(signed_in, StatusCode::OK).await;
    // A peer that is not a trusted proxy cannot choose its address with the header.
    assert!(!app.server.address.contains("198.51.100"));
}

const PASSWORD_OF_REVIEWER: &str = crate::PASSWORD;

/// 5. Made-up HTTP methods do not grow /metrics.
#[tokio::test]
async fn made_up_methods_do_not_grow_metrics() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("methods");
    let size =
        async || app.send(&app.admin.token, Method::GET, "/metrics", None).await.text().await.unwrap().len();
    let before = size().await;
    let methods: Vec<String> = (0..2_000)
        .map(|_| (0..rng.between(3..12)).map(|_| char::from(b'A' + (rng.next_u64() % 26) as u8)).collect())
        .collect();
    app.under_watch(async {
        for chunk in methods.chunks(50) {
            futures_util::future::join_all(chunk.iter().map(|m| {
                app.client.request(Method::from_bytes(m.as_bytes()).unwrap(), app.url("/claims")).send()
            }))
            .await;
        }
    })
    .await;
    let after = size().await;
    println!("/metrics: {before} bytes before, {after} after 2,000 made-up methods");
    assert!(after < before + 16 * 1024, "/metrics grew from {before} to {after} bytes");
}

/// 6. Long valid values in indexed fields are refused with a field pointer, never a 500, and
/// a batch says which item; the longest accepted value is stored.
#[tokio::test]
async fn long_values_in_indexed_fields_are_refused_with_a_pointer() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("long values");
    let cjk = |rng: &mut Rng, n: usize| -> String {
        (0..n).map(|_| char::from_u32(0x4E00 + (rng.next_u64() % 0x5000) as u32).unwrap()).collect()
    };
    let length = rng.between(501..1_000);
    let long = cjk(&mut rng, length);
    let longest = cjk(&mut rng, 500);
    let source = app.source("Figures.").await;
    let bad_item = rng.between(0..1000);
    let items: Vec<_> = (0..1000)
        .map(|i| {
            let metric = if i == bad_item { long.clone() } else { longest.clone() };
            json!({"source_id": id(&source), "statement": "s", "metric": metric, "qualifier": "exact", "value": "1"})
        })
        .collect();
    let (speaker, publisher, batch) = app
        .under_watch(async {
            (
                app.send(
                    &app.submitter.token,
                    Method::POST,
                    "/speakers",
                    Some(json!({"name": long, "kind": "person"})),
                )
                .await,
                app.send(
                    &app.submitter.token,
                    Method::POST,
                    "/sources",
                    Some(json!({"url": "https://hostile.example/cjk", "kind": "article", "publisher": long})),
                )
                .await,
                app.send(&app.submitter.token, Method::POST, "/claims/batch", Some(json!({"items": items})))
                    .await,
            )
        })
        .await;
    assert_eq!(problem(speaker, &[StatusCode::UNPROCESSABLE_ENTITY]).await["errors"][0]["pointer"], "/name");
    assert_eq!(
        problem(publisher, &[StatusCode::UNPROCESSABLE_ENTITY]).await["errors"][0]["pointer"],
        "/publisher"
    );
    let batch = problem(batch, &[StatusCode::UNPROCESSABLE_ENTITY]).await;
    assert_eq!(batch["errors"][0]["pointer"], format!("/items/{bad_item}/metric"));
    assert_eq!(app.count("claims", "true").await, 0);
    app.create("/speakers", json!({"name": longest, "kind": "person"})).await;
    app.create(
        "/sources",
        json!({"url": "https://hostile.example/cjk", "kind": "article", "publisher": longest}),
    )
    .await;
}

/// 6. A short quote that occurs thousands of times gets a short error: a few positions and
/// the count, not every position.
#[tokio::test]
async fn an_ambiguous_anchor_gets_a_short_error() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("ambiguous");
    let phrase = rng.words(2);
    let times = rng.between(2_000..20_000);
    let content = format!("{phrase}. ").repeat(times);
    let source = app.source(&content).await;
    let speaker = app.speaker("Repeated Speaker").await;
    let answer = app
        .under_watch(app.send(
            &app.submitter.token,
            Method::POST,
            "/quotes",
            Some(json!({"source_id": id(&source), "speaker_id": id(&speaker), "kind": "direct", "text": phrase})),
        ))
        .await;
    let problem = problem(answer, &[StatusCode::UNPROCESSABLE_ENTITY]).await;
    let detail = problem["errors"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with(&format!("occurs {times} times")), "{detail}");
    assert!(serde_json::to_string(&problem).unwrap().len() < 2_048, "{detail}");
}

/// A word diff of two of the longest sources, unrelated (the diff's worst case) and one word
/// in five changed, answers whole and exact within its refining budget, several at once,
/// while the server keeps answering.
#[tokio::test]
async fn diffs_of_the_longest_sources_are_bounded() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("diff");
    let longest =
        |text: String| -> String { text.chars().take(attest::domain::text::MAX_CONTENT_CHARS).collect() };
    let first = longest(rng.words(180_000));
    let edited = longest(
        first
            .split(' ')
            .enumerate()
            .map(|(i, w)| if i % 5 == 0 { rng.words(1) } else { w.to_owned() })
            .collect::<Vec<_>>()
            .join(" "),
    );
    let unrelated = longest(rng.words(180_000));
    let (first_source, edited_source, unrelated_source) =
        (app.source(&first).await, app.source(&edited).await, app.source(&unrelated).await);
    let pairs = [
        (&first_source, &first, &edited_source, &edited),
        (&first_source, &first, &unrelated_source, &unrelated),
    ];
    let paths: Vec<String> = pairs
        .iter()
        .cycle()
        .take(4)
        .map(|(from, _, to, _)| format!("/sources/{}/diff?against={}", id(to), id(from)))
        .collect();
    let answers = app
        .under_watch(futures_util::future::join_all(
            paths.iter().map(|path| app.send(&app.submitter.token, Method::GET, path, None)),
        ))
        .await;
    for (answer, (_, from_text, _, to_text)) in answers.into_iter().zip(pairs.iter().cycle()) {
        let diff = body(answer, StatusCode::OK).await;
        let side = |left_out: &str| -> String {
            diff["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["op"] != left_out)
                .map(|c| c["text"].as_str().unwrap())
                .collect()
        };
        assert_eq!(&side("insert"), *from_text, "the changes rebuild the older text");
        assert_eq!(&side("delete"), *to_text, "and the newer one");
    }
}

/// A new version of the longest source, superseding one that holds the most anchored
/// records one request re-checks, each of them a costly case (words of a small vocabulary,
/// so that every window of the new text looks promising and the exact words are found
/// nowhere; or a refrain past the occurrence cap), answers whole within a bound while the
/// server keeps answering, and marks every verdict stale. One record more is refused before
/// anything is stored.
#[tokio::test]
async fn rechecking_the_most_anchored_records_in_the_longest_text_is_bounded() {
    use attest::services::rechecks::MAX_RECHECKED_RECORDS;
    let app = Hostile::start().await;
    let mut rng = Rng::new("recheck");
    let vocabulary: Vec<String> = (0..12).map(|_| rng.words(1)).collect();
    let sentence = |rng: &mut Rng, words: usize| -> String {
        (0..words).map(|_| rng.pick(&vocabulary).as_str()).collect::<Vec<_>>().join(" ")
    };
    let longest =
        |text: String| -> String { text.chars().take(attest::domain::text::MAX_CONTENT_CHARS).collect() };
    let refrain = "no more war";
    let url = "https://wire.example/long-recheck";
    let old_text = longest(sentence(&mut rng, 200_000));
    let v1 = app.create("/sources", json!({"url": url, "kind": "article", "content": old_text})).await;
    let speaker = app.speaker("The envoy").await;

    let records = usize::try_from(MAX_RECHECKED_RECORDS).unwrap();
    let refrains = records / 4;
    let values: Vec<String> = (0..records)
        .map(|i| {
            let words = rng.between(6..40);
            let exact = if i < refrains { refrain.to_owned() } else { sentence(&mut rng, words) };
            // A start of its own, so that two records of the same words are never one record.
            let start = i * 900 + rng.between(0..900);
            format!(
                "(gen_random_uuid(), '{}', '{}', '{exact}', 'direct', 'verified', 'x ', '{exact}', ' y', {start}, {})",
                id(&v1),
                id(&speaker),
                start + exact.chars().count()
            )
        })
        .collect();
    let inserted = app
        .execute(&format!(
            "INSERT INTO quotes (id, source_id, speaker_id, text, kind, status, anchor_prefix, anchor_exact,
                                 anchor_suffix, anchor_start, anchor_end) VALUES {}",
            values.join(", ")
        ))
        .await;
    assert_eq!(inserted, records);

    // The refrain first, so that cutting the text to the longest keeps every occurrence.
    let mut new_text = format!("{refrain}, ").repeat(attest::domain::reanchor::MAX_OCCURRENCES + 1);
    new_text.push_str(&sentence(&mut rng, 150_000));
    let new_text = longest(new_text);
    let started = std::time::Instant::now();
    let answer = app
        .under_watch(app.send(
            &app.submitter.token,
            Method::POST,
            "/sources",
            Some(json!({"url": url, "kind": "article", "content": new_text})),
        ))
        .await;
    let elapsed = started.elapsed();
    let v2 = body(answer, StatusCode::CREATED).await;
    println!("re-checked {records} records in a text of {} chars in {elapsed:?}", new_text.chars().count());
    assert!(elapsed < Duration::from_secs(30), "the re-check took {elapsed:?}");
    let counts = &v2["recheck"]["counts"];
    assert_eq!(counts["ambiguous"], refrains, "{counts}");
    let classified: u64 = ["unchanged", "moved", "changed", "gone", "ambiguous"]
        .iter()
        .map(|outcome| counts[outcome].as_u64().unwrap())
        .sum();
    assert_eq!(classified, records as u64, "{counts}");
    let stale = v2["recheck"]["made_stale"].as_u64().unwrap();
    let words_kept = counts["unchanged"].as_u64().unwrap() + counts["moved"].as_u64().unwrap();
    assert_eq!(stale + words_kept, records as u64, "every verdict on changed or lost words is stale");
    assert_eq!(app.count("anchor_rechecks", &format!("source_id = '{}'", id(&v2))).await, records as i64);

    // One anchored record more than a request re-checks: refused, and nothing stored.
    app.execute(&format!(
        "INSERT INTO quotes (id, source_id, speaker_id, text, kind, anchor_prefix, anchor_exact, anchor_suffix,
                             anchor_start, anchor_end)
         VALUES (gen_random_uuid(), '{}', '{}', 'one more', 'direct', '', 'one more', '', 0, 8)",
        id(&v2),
        id(&speaker)
    ))
    .await;
    let sources_before = app.count("sources", "true").await;
    let refused = app
        .send(
            &app.submitter.token,
            Method::POST,
            "/sources",
            Some(json!({"url": url, "kind": "article", "content": "A short third version."})),
        )
        .await;
    let refused = problem(refused, &[StatusCode::UNPROCESSABLE_ENTITY]).await;
    assert_eq!(refused["errors"][0]["pointer"], "/content", "{refused}");
    assert_eq!(app.count("sources", "true").await, sources_before);
}

/// Extraction looks up what was already fact-checked for at most `MAX_MATCHED_CANDIDATES`
/// quotes and as many claims: an article of hundreds of numbers and quotes, worded like
/// thousands of published verdicts (a vocabulary of a few words, so that every trigram is
/// common), answers in bounded time with the rest marked as not looked up.
#[tokio::test]
async fn matches_of_an_article_of_many_candidates_are_bounded() {
    use attest::services::extraction::MAX_MATCHED_CANDIDATES;
    let app = Hostile::start().await;
    let mut rng = Rng::new("matches");
    let vocabulary: Vec<String> = (0..8).map(|_| rng.words(1)).collect();
    let array = vocabulary.iter().map(|word| format!("'{word}'")).collect::<Vec<_>>().join(", ");
    let speaker = app.speaker("Often Quoted").await;
    let published = app.source(&rng.words(20)).await;
    let verdicts = rng.between(8_000..12_000);
    // Tens of thousands of records, reviews and verdicts would take as many requests.
    let statement = format!(
        "(SELECT string_agg(word[1 + (random() * 7)::int], ' ') FROM generate_series(1, 14 + (g % 2)),
                 (SELECT ARRAY[{array}]) AS vocabulary(word))"
    );
    let inserted = app
        .execute(&format!(
            "WITH claim AS (
                 INSERT INTO claims (id, source_id, statement, metric, qualifier, value, unit)
                 SELECT gen_random_uuid(), '{source}', {statement} || ' rose to ' || g || ' percent', 'share',
                        'exact', g, 'percent'
                   FROM generate_series(1, {verdicts}) AS g RETURNING id, statement),
             quote AS (
                 INSERT INTO quotes (id, source_id, speaker_id, text, kind)
                 SELECT gen_random_uuid(), '{source}', '{speaker}', {statement} || ' ' || g, 'direct'
                   FROM generate_series(1, {verdicts}) AS g RETURNING id, text),
             review AS (
                 INSERT INTO reviews (id, claim_id, quote_id, reviewer_id, status, item_version)
                 SELECT gen_random_uuid(), claim.id, NULL::uuid, '{reviewer}'::uuid, 'verified'::review_status, 1 FROM claim
                  UNION ALL
                 SELECT gen_random_uuid(), NULL, quote.id, '{reviewer}'::uuid, 'verified'::review_status, 1 FROM quote
                 RETURNING id, claim_id, quote_id)
             INSERT INTO fact_checks (id, claim_id, quote_id, review_id, claim_reviewed, speaker_name, rating_value,
                                      rating_label, rating_worst, rating_best, published_at)
             SELECT gen_random_uuid(), review.claim_id, review.quote_id, review.id,
                    coalesce(claim.statement, quote.text), CASE WHEN quote.id IS NOT NULL THEN 'Often Quoted' END,
                    5, 'True', 1, 5, now()
               FROM review LEFT JOIN claim ON claim.id = review.claim_id LEFT JOIN quote ON quote.id = review.quote_id",
            source = id(&published),
            speaker = id(&speaker),
            reviewer = app.reviewer.id,
        ))
        .await;
    assert_eq!(inserted, 2 * verdicts);

    let sentence =
        |rng: &mut Rng| (0..14).map(|_| rng.pick(&vocabulary).as_str()).collect::<Vec<_>>().join(" ");
    let mut article = String::new();
    for n in 0..MAX_MATCHED_CANDIDATES * 3 {
        article.push_str(&format!("The {} rose to {} percent. ", sentence(&mut rng), 100 + n));
        article.push_str(&format!("“{},” Often Quoted said. ", sentence(&mut rng)));
    }
    let source = app.source(&article).await;
    let started = std::time::Instant::now();
    let answer = app
        .under_watch(app.send(
            &app.submitter.token,
            Method::POST,
            &format!("/sources/{}/extract", id(&source)),
            None,
        ))
        .await;
    let elapsed = started.elapsed();
    let found = body(answer, StatusCode::OK).await;
    let (quotes, claims) = (found["quotes"].as_array().unwrap(), found["claims"].as_array().unwrap());
    let looked_up =
        |candidates: &[serde_json::Value]| candidates.iter().filter(|c| c["matches"].is_array()).count();
    let matched = |candidates: &[serde_json::Value]| {
        candidates.iter().filter(|c| c["matches"].as_array().is_some_and(|m| !m.is_empty())).count()
    };
    println!(
        "{} quotes ({} matched), {} claims ({} matched) against {verdicts} verdicts of each in {elapsed:?}",
        quotes.len(),
        matched(quotes),
        claims.len(),
        matched(claims)
    );
    assert!(quotes.len() > MAX_MATCHED_CANDIDATES && claims.len() > MAX_MATCHED_CANDIDATES);
    assert_eq!(found["matches_truncated"], true);
    assert_eq!(looked_up(quotes), MAX_MATCHED_CANDIDATES);
    assert_eq!(looked_up(claims), MAX_MATCHED_CANDIDATES);
    assert!(quotes[..MAX_MATCHED_CANDIDATES].iter().all(|q| q["matches"].is_array()));
    assert!(claims[MAX_MATCHED_CANDIDATES..].iter().all(|c| c["matches"].is_null()));
    assert!(matched(claims) > 0, "no claim matched a verdict worded alike");
    assert!(elapsed < Duration::from_secs(60), "the proposal took {elapsed:?}");
}

/// Proofs of the transparency log cost a few dozen stored hashes, whatever the log's size and
/// whichever leaf or sizes are asked: generated positions across a log of tens of thousands of
/// events, its edges and past them, answer at once with proofs no longer than the tree is deep,
/// or with a clear 4xx.
#[tokio::test]
async fn log_proofs_of_any_leaf_and_size_are_bounded() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("log proofs");
    let events = rng.between(40_000..60_000);
    // As many writers would; the sequencer integrates them in batches.
    app.execute(&format!(
        "INSERT INTO audit_events (id, occurred_at, action, entity_type, entity_id, after, workspace_id)
         SELECT gen_random_uuid(), clock_timestamp(), 'create', 'claim', gen_random_uuid(), jsonb_build_object('n', g),
                attest_current_workspace()
           FROM generate_series(1, {events}) AS g"
    ))
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while app.count("log_pending", "true").await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the sequencer did not integrate {events} events in 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let client = reqwest::Client::new();
    let log = body(client.get(app.url("/log")).send().await.unwrap(), StatusCode::OK).await;
    let size = log["tree_size"].as_u64().unwrap();
    assert!(size >= events as u64);
    let depth = 64 - size.leading_zeros() as usize;
    let mut paths = Vec::new();
    for _ in 0..300 {
        let leaf = rng.next_u64() % size;
        let from = rng.next_u64() % (size + 1);
        paths.push((format!("/log/proof/inclusion?leaf_index={leaf}"), StatusCode::OK));
        paths.push((format!("/log/proof/consistency?from={from}"), StatusCode::OK));
    }
    for (path, status) in [
        ("/log/proof/inclusion?leaf_index=0".to_owned(), StatusCode::OK),
        (format!("/log/proof/inclusion?leaf_index={}", size - 1), StatusCode::OK),
        (format!("/log/proof/inclusion?leaf_index={size}"), StatusCode::UNPROCESSABLE_ENTITY),
        (format!("/log/proof/inclusion?leaf_index={}", u64::MAX), StatusCode::UNPROCESSABLE_ENTITY),
        (format!("/log/proof/inclusion?leaf_index=0&tree_size={}", u64::MAX), StatusCode::NOT_FOUND),
        (format!("/log/proof/inclusion?leaf_index={}0", u64::MAX), StatusCode::BAD_REQUEST),
        (format!("/log/proof/consistency?from={}", u64::MAX), StatusCode::UNPROCESSABLE_ENTITY),
        (format!("/log/proof/consistency?from=1&to={}", i64::MAX), StatusCode::NOT_FOUND),
        ("/log/proof/consistency?from=1&to=-1".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        paths.push((path, status));
    }
    let started = std::time::Instant::now();
    let answers = app
        .under_watch(futures_util::future::join_all(
            paths.iter().map(|(path, _)| client.get(app.url(path)).send()),
        ))
        .await;
    let elapsed = started.elapsed();
    for ((path, status), answer) in paths.iter().zip(answers) {
        let answer = answer.unwrap();
        if *status == StatusCode::OK {
            let proof = body(answer, StatusCode::OK).await;
            let hashes =
                proof["inclusion_proof"].as_array().or(proof["consistency_proof"].as_array()).unwrap();
            assert!(hashes.len() <= 2 * depth, "{path}: {} hashes in a tree {depth} deep", hashes.len());
        } else {
            problem(answer, &[*status]).await;
        }
    }
    println!("{} proofs of a {size}-leaf log in {elapsed:?}", paths.len());
    assert!(elapsed < Duration::from_secs(30), "{} proofs took {elapsed:?}", paths.len());
}

/// Reads by id in a flood, from hundreds of connections at once: most name no record, or a
/// deleted one, so each costs a place in a gathered statement and then a read alone. Every
/// answer is the record or a 404 problem, and the server stays quick and small.
#[tokio::test]
async fn a_flood_of_reads_by_id_gets_each_its_own_answer() {
    let app = Hostile::start().await;
    let mut rng = Rng::new("reads by id");
    let mut known = Vec::new();
    for i in 0..20 {
        known.push(("sources", app.source(&format!("Report number {i}.")).await));
        known.push(("speakers", app.speaker(&format!("{} {i}", rng.words(2))).await));
    }
    let deleted = app.speaker("Gone Speaker").await;
    let delete = app
        .client
        .delete(app.url(&format!("/speakers/{}", id(&deleted))))
        .bearer_auth(&app.editor.token)
        .header("if-match", format!("\"{}\"", deleted["version"]));
    assert_eq!(delete.send().await.unwrap().status(), StatusCode::NO_CONTENT);

    // (path, the record it must answer, whether it skips the record cache)
    let reads: Vec<(String, Option<&serde_json::Value>, bool)> = (0..3_000)
        .map(|_| {
            let from_database = rng.between(0..2) == 0;
            match rng.between(0..4) {
                0 => {
                    let (collection, record) = rng.pick(&known);
                    (format!("/{collection}/{}", id(record)), Some(record), from_database)
                }
                1 => (format!("/speakers/{}", id(&deleted)), None, from_database),
                _ => {
                    let collection = rng.pick(&["sources", "speakers", "quotes", "claims"]);
                    (format!("/{collection}/{}", uuid::Uuid::now_v7()), None, from_database)
                }
            }
        })
        .collect();
    let answers = app
        .under_watch(async {
            let mut answers = Vec::new();
            for chunk in reads.chunks(300) {
                answers.extend(
                    futures_util::future::join_all(chunk.iter().map(|(path, _, from_database)| {
                        let request = app.client.get(app.url(path)).bearer_auth(&app.submitter.token);
                        match from_database {
                            true => request.header("attest-lsn", "0/0").send(),
                            false => request.send(),
                        }
                    }))
                    .await,
                );
            }
            answers
        })
        .await;
    for ((path, record, _), answer) in reads.iter().zip(answers) {
        let answer = answer.unwrap();
        match record {
            Some(record) => {
                let got = body(answer, StatusCode::OK).await;
                assert_eq!((&got["id"], &got["version"]), (&record["id"], &record["version"]), "{path}");
            }
            None => {
                problem(answer, &[StatusCode::NOT_FOUND]).await;
            }
        }
    }
}
