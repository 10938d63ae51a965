//! The transparency log: every audit event becomes a leaf of a Merkle tree that a sequencer
//! grows and signs; anyone checks proofs against its checkpoints, with its public key only.

use attest::domain::log::{self, Checkpoint, Hash, check_consistency, check_inclusion, open_checkpoint};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, id, json, problem, test_log_key};

fn hashes(values: &Value) -> Vec<Hash> {
    values.as_array().unwrap().iter().map(|h| Hash::parse_hash(h.as_str().unwrap()).unwrap()).collect()
}

async fn checkpoint_text(app: &TestApp) -> String {
    let response = app.request_as(None, Method::GET, "/log/checkpoint").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    response.text().await.unwrap()
}

fn opened(note: &str) -> Checkpoint {
    open_checkpoint(note, test_log_key().public_key()).unwrap()
}

/// The leaf hashes of the log as the owner of the database recomputes them from the events.
async fn leaves_from_events(app: &TestApp) -> Vec<Hash> {
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    let events: Vec<attest::db::audit::StoredEvent> = diesel::sql_query(
        "SELECT e.* FROM log_leaves l JOIN audit_events e ON e.seq = l.event_seq ORDER BY l.leaf_index",
    )
    .load(&mut conn)
    .await
    .unwrap();
    events.iter().map(|event| event.entry().leaf_hash()).collect()
}

async fn speakers(app: &TestApp, from: usize, to: usize) {
    for n in from..to {
        app.create("/speakers", json!({"name": format!("Speaker {n}"), "kind": "person"})).await;
    }
}

#[tokio::test]
async fn anyone_gets_signed_checkpoints_and_proofs_that_verify_against_them() {
    let app = TestApp::spawn().await;
    speakers(&app, 0, 6).await;
    let size = app.integrated().await as u64;
    let info = json(app.request_as(None, Method::GET, "/log").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(info["origin"], "attest.test/log");
    assert_eq!(info["public_key"], test_log_key().public_key());
    assert_eq!((info["tree_size"].as_u64(), info["pending"].as_i64()), (Some(size), Some(0)));
    let first = opened(&checkpoint_text(&app).await);
    assert_eq!(first.size(), size);
    assert_eq!(first.hash().to_string(), info["root_hash"].as_str().unwrap());

    // Every leaf is its event's entry, and its audit path leads to the signed root.
    let leaves = leaves_from_events(&app).await;
    assert_eq!(leaves.len() as u64, size);
    for (index, leaf) in leaves.iter().enumerate() {
        let proof = json(
            app.request_as(None, Method::GET, &format!("/log/proof/inclusion?leaf_index={index}"))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(proof["leaf_hash"], leaf.to_string());
        assert_eq!(opened(proof["checkpoint"].as_str().unwrap()), first);
        check_inclusion(&hashes(&proof["inclusion_proof"]), index as u64, size, *first.hash(), *leaf)
            .unwrap();
        let other = leaves[(index + 1) % leaves.len()];
        assert!(
            check_inclusion(&hashes(&proof["inclusion_proof"]), index as u64, size, *first.hash(), other)
                .is_err()
        );
    }

    // The log grows; the checkpoint saved before is a prefix of the new one.
    speakers(&app, 6, 13).await;
    let grown = app.integrated().await as u64;
    let latest = opened(&checkpoint_text(&app).await);
    assert_eq!(latest.size(), grown);
    let proof = json(
        app.request_as(None, Method::GET, &format!("/log/proof/consistency?from={size}"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!((proof["from"].as_u64(), proof["to"].as_u64()), (Some(size), Some(grown)));
    check_consistency(&hashes(&proof["consistency_proof"]), &first, &latest).unwrap();
    // A proof for the older checkpoint by its size, too.
    let old = json(
        app.request_as(None, Method::GET, &format!("/log/proof/inclusion?leaf_index=0&tree_size={size}"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    check_inclusion(&hashes(&old["inclusion_proof"]), 0, size, *first.hash(), leaves[0]).unwrap();

    // Bad questions get clear answers and change nothing.
    for (path, status) in [
        (format!("/log/proof/inclusion?leaf_index={grown}"), StatusCode::UNPROCESSABLE_ENTITY),
        ("/log/proof/inclusion?leaf_index=-1".to_owned(), StatusCode::BAD_REQUEST),
        ("/log/proof/inclusion".to_owned(), StatusCode::BAD_REQUEST),
        ("/log/proof/inclusion?leaf_index=0&tree_size=999999".to_owned(), StatusCode::NOT_FOUND),
        ("/log/proof/inclusion?leaf_index=0&extra=1".to_owned(), StatusCode::BAD_REQUEST),
        (format!("/log/proof/consistency?from={}", grown + 1), StatusCode::UNPROCESSABLE_ENTITY),
        ("/log/proof/consistency?from=1&to=999999".to_owned(), StatusCode::NOT_FOUND),
        ("/log/proof/consistency?from=x".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        problem(app.request_as(None, Method::GET, &path).send().await.unwrap(), status).await;
    }
    assert_eq!(app.integrated().await as u64, grown);
}

#[tokio::test]
async fn a_published_verdict_carries_its_proof_and_anyone_verifies_it_offline() {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    app.published("claims", &claim).await;
    let path = format!("/claims/{}", id(&claim));
    app.integrated().await;
    let document = json(app.get(&format!("{path}/publication")).await, StatusCode::OK).await;
    let block = &document["transparency"];
    assert_eq!(block["state"], "included", "{document}");
    assert!(block["entry"].as_str().unwrap().starts_with("attest.event/v1\n"));
    assert!(block["entry"].as_str().unwrap().contains("\naction publish\n"));
    assert_eq!(block["record"]["claim_reviewed"], document["claim_reviewed"]);
    assert!(block["record"].get("transparency").is_none(), "the record is what was logged");
    let included = log::verify_document(&document, test_log_key().public_key()).unwrap();
    assert_eq!(Some(included.leaf_index), block["leaf_index"].as_u64());

    // The ClaimReview document and the list of fact-checks carry the same.
    let claimreview = json(app.get(&format!("{path}/claimreview")).await, StatusCode::OK).await;
    log::verify_document(&claimreview, test_log_key().public_key()).unwrap();
    let listed = json(app.get("/fact-checks").await, StatusCode::OK).await;
    log::verify_document(&listed["items"][0], test_log_key().public_key()).unwrap();

    // The command line, with files only: no database, no network.
    let dir = std::env::temp_dir().join(format!("attest-log-{}", id(&claim)));
    std::fs::create_dir_all(&dir).unwrap();
    let verify = |file: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_attest"))
            .args(["log", "verify-inclusion", "--public-key", test_log_key().public_key()])
            .arg(dir.join(file))
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    std::fs::write(dir.join("claimreview.json"), claimreview.to_string()).unwrap();
    let output = verify("claimreview.json");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("included: leaf "), "{stdout}");

    // A document whose rating was changed after the fact, or whose proof was, fails.
    let mut doctored = claimreview.clone();
    doctored["reviewRating"]["ratingValue"] = json!(1);
    std::fs::write(dir.join("doctored.json"), doctored.to_string()).unwrap();
    let output = verify("doctored.json");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("rating"));
    let mut rerated = claimreview.clone();
    rerated["transparency"]["record"]["rating"]["value"] = json!(1);
    rerated["reviewRating"]["ratingValue"] = json!(1);
    std::fs::write(dir.join("rerated.json"), rerated.to_string()).unwrap();
    assert_eq!(verify("rerated.json").status.code(), Some(1), "the record no longer matches its entry");
    if block["inclusion_proof"].as_array().is_some_and(|p| !p.is_empty()) {
        let mut forged = claimreview.clone();
        forged["transparency"]["inclusion_proof"][0] = json!(Hash::default().to_string());
        std::fs::write(dir.join("forged.json"), forged.to_string()).unwrap();
        assert_eq!(verify("forged.json").status.code(), Some(1));
    }
    let other_key = attest::domain::log::LogKey::parse(
        &attest::domain::log::LogKey::generate("attest.test/log").unwrap(),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(["log", "verify-inclusion", "--public-key", other_key.public_key()])
        .arg(dir.join("claimreview.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "another log's key");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_rewritten_event_is_found_and_fails_the_consistency_check_from_a_saved_checkpoint() {
    let app = TestApp::spawn().await;
    speakers(&app, 0, 5).await;
    app.integrated().await;
    let saved = checkpoint_text(&app).await;
    let saved_size = opened(&saved).size();
    let dir = std::env::temp_dir().join(format!("attest-rewrite-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("old.checkpoint"), &saved).unwrap();
    let cli = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_attest")).args(args).output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (key, old) = (test_log_key().public_key().to_owned(), dir.join("old.checkpoint"));
    let consistency = || {
        cli(&[
            "log",
            "verify-consistency",
            "--public-key",
            &key,
            "--old",
            old.to_str().unwrap(),
            "--server",
            &app.address,
        ])
    };
    speakers(&app, 5, 7).await;
    app.integrated().await;
    let (code, stdout) = consistency();
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.starts_with("consistent: "), "{stdout}");
    let audit_verify =
        || cli(&["audit", "verify", "--database-url", &app.database_url, "--public-key", &key]);
    let (code, stdout) = audit_verify();
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("the audit trail is intact"), "{stdout}");

    // The application's role cannot touch the tree.
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    conn.batch_execute("SET ROLE attest_app").await.unwrap();
    for statement in
        ["UPDATE log_hashes SET hash = hash", "DELETE FROM log_leaves", "TRUNCATE log_checkpoints"]
    {
        let refused = diesel::sql_query(statement).execute(&mut conn).await.unwrap_err().to_string();
        assert!(
            refused.contains("append-only") || refused.contains("permission denied"),
            "{statement}: {refused}"
        );
    }

    // A superuser with the triggers off edits an event: the tree no longer matches it.
    app.forge_speaker_event(2).await;
    let (code, stdout) = audit_verify();
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("BROKEN at leaf 2: its event does not match its leaf"), "{stdout}");

    // Then rebuilds the whole tree over the forged event, so that it adds up again, and the
    // sequencer signs on from there: only a checkpoint saved outside shows the rewrite.
    let leaves = leaves_from_events(&app).await;
    let mut rebuilt = log::KnownHashes::default();
    for (size, leaf) in (0u64..).zip(&leaves) {
        let grown = log::grow(size, log::KnownHashes(rebuilt.0.clone()), &[*leaf]).unwrap();
        rebuilt.0.extend(grown.stored);
    }
    let mut rewrite = String::from(
        "ALTER TABLE log_hashes DISABLE TRIGGER log_hashes_append_only;
         ALTER TABLE log_checkpoints DISABLE TRIGGER log_checkpoints_append_only;
         DELETE FROM log_checkpoints WHERE tree_size > 0;",
    );
    for (at, hash) in &rebuilt.0 {
        rewrite.push_str(&format!(
            "UPDATE log_hashes SET hash = '\\x{}' WHERE stored_index = {at};",
            hex::encode(hash.0)
        ));
    }
    let size = leaves.len() as u64;
    let root = log::root(size, &rebuilt).unwrap();
    rewrite.push_str(&format!(
        "INSERT INTO log_checkpoints (tree_size, root_hash, note) VALUES ({size}, '\\x{}', '{}');
         ALTER TABLE log_hashes ENABLE TRIGGER log_hashes_append_only;
         ALTER TABLE log_checkpoints ENABLE TRIGGER log_checkpoints_append_only;",
        hex::encode(root.0),
        test_log_key().sign(size, root).unwrap()
    ));
    let mut owner = attest::db::connect(&app.database_url).await.unwrap();
    owner.batch_execute(&rewrite).await.unwrap();
    speakers(&app, 7, 8).await;
    app.integrated().await;
    let (code, stdout) = audit_verify();
    assert_eq!(code, Some(0), "the rewritten tree adds up by itself: {stdout}");
    assert!(opened(&checkpoint_text(&app).await).size() > saved_size);
    let (code, stdout) = consistency();
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("history was rewritten"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn concurrent_writers_on_two_servers_make_one_tree_without_gaps() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn_beside(&first).await;
    let before = first.count("audit_events").await;
    let write = async |app: &TestApp, from: usize| {
        for n in from..from + 25 {
            let created =
                app.post("/speakers", &json!({"name": format!("Writer {n}"), "kind": "person"})).await;
            assert_eq!(created.status(), StatusCode::CREATED);
        }
    };
    let mut writers = Vec::new();
    for (app, from) in [(&first, 0), (&second, 100), (&first, 200), (&second, 300)] {
        writers.push(write(app, from));
    }
    futures_util::future::join_all(writers).await;
    let size = first.integrated().await;
    let events = first.count("audit_events").await;
    assert_eq!(events, before + 100);
    assert_eq!(size, events, "every event is one leaf");
    let mut conn = attest::db::connect(&first.database_url).await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Shape {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        leaves: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        highest: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        events: i64,
    }
    let shape: Shape = diesel::sql_query(
        "SELECT count(*) AS leaves, max(leaf_index) AS highest, count(DISTINCT event_seq) AS events FROM log_leaves",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        (shape.leaves, shape.highest + 1, shape.events),
        (events, events, events),
        "no gaps, no repeats"
    );
    // Every checkpoint either server's sequencer signed extends the one before it.
    let notes: Vec<(i64, String)> = {
        #[derive(diesel::QueryableByName)]
        struct Note {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            tree_size: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            note: String,
        }
        let rows: Vec<Note> =
            diesel::sql_query("SELECT tree_size, note FROM log_checkpoints ORDER BY tree_size")
                .load(&mut conn)
                .await
                .unwrap();
        rows.into_iter().map(|n| (n.tree_size, n.note)).collect()
    };
    assert!(notes.len() >= 2);
    for pair in notes.windows(2) {
        let (old, new) = (opened(&pair[0].1), opened(&pair[1].1));
        let proof = json(
            second
                .request_as(
                    None,
                    Method::GET,
                    &format!("/log/proof/consistency?from={}&to={}", old.size(), new.size()),
                )
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        check_consistency(&hashes(&proof["consistency_proof"]), &old, &new).unwrap();
    }
    let verified =
        first.request_as(Some(&first.admin.token), Method::GET, "/audit/verify").send().await.unwrap();
    let verified = json(verified, StatusCode::OK).await;
    assert_eq!(
        (verified["ok"].clone(), verified["leaves"].as_i64()),
        (json!(true), Some(events)),
        "{verified}"
    );
}
