//! The record cache: reads by id come from memory, and never outlive a change, whoever made
//! it: this server (read back at once), or anyone else (seen once its follower reads the
//! change from PostgreSQL's table of changes).

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, fresh_database, id, json, metric};

/// Reads `path` until `done` holds of the answer (status and body), for at most five seconds:
/// a change made elsewhere is read from the table of changes, not at once.
async fn read_until(app: &TestApp, path: &str, done: impl Fn(StatusCode, &Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = app.get(path).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if done(status, &body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} still answers {status} {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The process id of the PostgreSQL backend serving a record cache's follower, once one is
/// connected to the database at `database_url`.
async fn follower_backend(database_url: &str) -> Option<i32> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let mut conn = attest::db::connect(database_url).await.unwrap();
    let backends: Vec<Backend> = diesel::sql_query(
        "SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'attest record cache'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    backends.into_iter().next().map(|backend| backend.pid)
}

async fn wait_for_follower(database_url: &str) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pid) = follower_backend(database_url).await {
            return pid;
        }
        assert!(Instant::now() < deadline, "the record cache's follower never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the server's record cache is live, and returns its follower's backend. The
/// follower connects before it has read the writes' changes, and the cache is unused until it
/// has: so this reads `path` until an answer comes from memory.
async fn wait_until_live(app: &TestApp, path: &str) -> i32 {
    let follower = wait_for_follower(&app.database_url).await;
    let hits = metric(app, "attest_record_cache_hits_total").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
        if metric(app, "attest_record_cache_hits_total").await > hits {
            return follower;
        }
        assert!(Instant::now() < deadline, "the record cache never answered {path}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server whose record cache is following changes, and a claim of its, read once (so cached).
struct Cached {
    app: TestApp,
    claim: Value,
    path: String,
    /// The follower's PostgreSQL backend.
    follower: i32,
}

async fn cached_claim() -> Cached {
    let app = TestApp::spawn().await;
    let claim = app.claim().await;
    let path = format!("/claims/{}", id(&claim));
    assert_eq!(json(app.get(&path).await, StatusCode::OK).await, claim);
    let follower = wait_until_live(&app, &path).await;
    Cached { app, claim, path, follower }
}

/// A process stopped (SIGSTOP) until dropped, even when the test fails.
struct Stopped(i32);

impl Stopped {
    fn new(pid: i32) -> Self {
        // SAFETY: kill(2) with a valid signal; the worst outcome is an error code.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0, "stopping backend {pid}");
        Self(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        // SAFETY: as above.
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

#[tokio::test]
async fn a_second_read_comes_from_memory() {
    let app = TestApp::spawn().await;
    let another = app.claim().await;
    wait_until_live(&app, &format!("/claims/{}", id(&another))).await;
    let claim = app.claim().await;
    let path = format!("/claims/{}", id(&claim));
    let first = app.get(&path).await;
    assert_eq!(first.headers()["etag"], etag(&claim).as_str());
    assert_eq!(first.headers()["content-type"], "application/json");
    let first: Value = first.json().await.unwrap();
    let (hits, misses) = (
        metric(&app, "attest_record_cache_hits_total").await,
        metric(&app, "attest_record_cache_misses_total").await,
    );
    let second = app.get(&path).await;
    assert_eq!(second.headers()["etag"], etag(&claim).as_str());
    assert_eq!(second.json::<Value>().await.unwrap(), first, "the same answer");
    assert_eq!(metric(&app, "attest_record_cache_hits_total").await, hits + 1);
    assert_eq!(metric(&app, "attest_record_cache_misses_total").await, misses);
    assert!(metric(&app, "attest_record_cache_bytes").await > 0);

    // Another collection's path with this id is not answered from the claim's entry.
    json(app.get(&format!("/quotes/{}", id(&claim))).await, StatusCode::NOT_FOUND).await;
    // Nor is a reader that carries the position of a write made elsewhere.
    let behind = app.request(Method::GET, &path).header("attest-lsn", "0/0").send().await.unwrap();
    assert_eq!(json(behind, StatusCode::OK).await, first);
    assert_eq!(metric(&app, "attest_record_cache_hits_total").await, hits + 1);
}

/// How many times the write-then-read races below are run: one alone is often won by the
/// follower's regular read even without waiting for it.
const ROUNDS: usize = 20;

#[tokio::test]
async fn changes_made_here_are_read_back_at_once() {
    let Cached { app, claim, path, .. } = cached_claim().await;
    let mut current = claim;
    for round in 0..ROUNDS {
        let place = format!("Camp {round}");
        let updated =
            json(app.patch(&path, &etag(&current), &json!({"place": place})).await, StatusCode::OK).await;
        current = json(app.get(&path).await, StatusCode::OK).await;
        assert_eq!(current, updated, "round {round}");
    }

    let review = app
        .request_as(Some(&app.reviewer.token), Method::POST, &format!("{path}/reviews"))
        .header("if-match", etag(&current))
        .json(&json!({"status": "in_review"}))
        .send()
        .await
        .unwrap();
    json(review, StatusCode::CREATED).await;
    let reviewed = json(app.get(&path).await, StatusCode::OK).await;
    assert_eq!(reviewed["status"], "in_review");
    assert_eq!(reviewed["version"], current["version"].as_i64().unwrap() + 1);

    let deleted = app
        .request_as(Some(&app.editor.token), Method::DELETE, &path)
        .header("if-match", etag(&reviewed))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    json(app.get(&path).await, StatusCode::NOT_FOUND).await;
}

/// Joining a cluster moves the joining quote's own variants too: rows the request's path
/// does not name, which are read back at once all the same.
#[tokio::test]
async fn records_a_write_changes_besides_its_own_are_read_back_at_once() {
    let app = TestApp::spawn().await;
    let source = app.source("«We are ready to talk» he said.").await;
    wait_until_live(&app, &format!("/sources/{}", id(&source))).await;
    // Each round's quotes are its own speaker's: the same quote twice would be refused.
    let quote = async |speaker: &Value, text: &str| {
        app.create(
            "/quotes",
            json!({"source_id": id(&source), "speaker_id": id(speaker), "kind": "direct", "text": text}),
        )
        .await
    };
    let link = async |quote: &Value, canonical: &Value| {
        let path = format!("/quotes/{}", id(quote));
        let current = json(app.get(&path).await, StatusCode::OK).await;
        let response = app
            .request_as(Some(&app.reviewer.token), Method::POST, &format!("{path}/variant-of"))
            .header("if-match", etag(&current))
            .json(&json!({"canonical_id": id(canonical)}))
            .send()
            .await
            .unwrap();
        json(response, StatusCode::OK).await;
    };
    for round in 0..ROUNDS / 2 {
        let speaker = app.speaker(&format!("The envoy, round {round}")).await;
        let (root, variant, other_root) = (
            quote(&speaker, "We are ready to talk").await,
            quote(&speaker, "We are ready").await,
            quote(&speaker, "ready to talk").await,
        );
        link(&variant, &root).await;
        let variant_path = format!("/quotes/{}", id(&variant));
        let before = json(app.get(&variant_path).await, StatusCode::OK).await;
        assert_eq!(before["canonical_quote_id"], root["id"]);

        link(&root, &other_root).await;
        let after = json(app.get(&variant_path).await, StatusCode::OK).await;
        assert_eq!(after["canonical_quote_id"], other_root["id"], "round {round}: {after}");
        assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    }
}

/// With its follower stalled, no change is read: a write here still never leaves its old
/// version in the cache. Its answer waits for the read at most a second, then the cache is
/// emptied instead.
#[tokio::test]
async fn a_write_is_read_back_at_once_even_when_its_change_is_read_late() {
    let Cached { app, claim, path, follower } = cached_claim().await;
    json(app.get(&path).await, StatusCode::OK).await;

    let stalled = Stopped::new(follower);
    let started = Instant::now();
    let updated =
        json(app.patch(&path, &etag(&claim), &json!({"place": "Mali"})).await, StatusCode::OK).await;
    let waited = started.elapsed();
    assert_eq!(json(app.get(&path).await, StatusCode::OK).await, updated);
    drop(stalled);
    assert!(waited >= Duration::from_millis(900), "the answer did not wait for the read: {waited:?}");
}

#[tokio::test]
async fn changes_made_elsewhere_are_read_from_the_table_of_changes() {
    let Cached { app, claim, path, .. } = cached_claim().await;

    // Another server, the CLI or an operator changes the row.
    app.sql(&format!("UPDATE claims SET place = 'Chad', version = version + 1 WHERE id = '{}'", id(&claim)))
        .await;
    let read = read_until(&app, &path, |_, body| body["place"] == "Chad").await;
    assert_eq!(read["version"], claim["version"].as_i64().unwrap() + 1);
    let etag_now = app.get(&path).await.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag_now, etag(&read));

    // A table emptied names no row: everything goes.
    app.sql("TRUNCATE claims CASCADE").await;
    read_until(&app, &path, |status, _| status == StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_lost_follower_turns_the_cache_off_until_it_is_back() {
    let Cached { app, claim, path, .. } = cached_claim().await;

    // The follower's connection is cut while the change below is made.
    app.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'attest record cache'",
    )
    .await;
    app.sql(&format!("UPDATE claims SET place = 'Niger', version = version + 1 WHERE id = '{}'", id(&claim)))
        .await;
    let read = read_until(&app, &path, |_, body| body["place"] == "Niger").await;

    // It reconnects, and the cache answers again.
    wait_for_follower(&app.database_url).await;
    let hits = metric(&app, "attest_record_cache_hits_total").await;
    read_until(&app, &path, |_, _| true).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while metric(&app, "attest_record_cache_hits_total").await == hits {
        assert!(Instant::now() < deadline, "the cache never answered again");
        assert_eq!(json(app.get(&path).await, StatusCode::OK).await, read);
    }
}

/// A follower that reads none of the writes' changes (its URL names another database) never
/// turns the cache on: the row it writes where the writes go never shows up where it reads.
#[tokio::test]
async fn a_follower_that_reads_no_writes_leaves_the_cache_off() {
    let elsewhere = fresh_database().await;
    let app = TestApp::spawn_listening_on(elsewhere.clone()).await;
    let claim = app.claim().await;
    let path = format!("/claims/{}", id(&claim));
    // It listens there, and stays off past its check (2 s), not for want of time.
    wait_for_follower(&elsewhere).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for _ in 0..3 {
        assert_eq!(json(app.get(&path).await, StatusCode::OK).await, claim);
    }
    assert_eq!(metric(&app, "attest_record_cache_hits_total").await, 0);
    assert_eq!(metric(&app, "attest_record_cache_bytes").await, 0);
    app.sql(&format!("UPDATE claims SET place = 'Chad', version = version + 1 WHERE id = '{}'", id(&claim)))
        .await;
    assert_eq!(
        json(app.get(&path).await, StatusCode::OK).await["place"],
        "Chad",
        "read from the database at once"
    );
}

/// The table of changes names records of every workspace: the server's role can neither read
/// nor write it (the triggers and the follower's own session do), and every kind of change,
/// made however, leaves its row.
#[tokio::test]
async fn the_table_of_changes_is_written_by_triggers_only() {
    use diesel::sql_types::{BigInt, Nullable, Uuid};
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = Nullable<Uuid>)]
        record_id: Option<uuid::Uuid>,
        #[diesel(sql_type = BigInt)]
        rows: i64,
    }
    let Cached { app, claim, .. } = cached_claim().await;
    let claim_id: uuid::Uuid = id(&claim).parse().unwrap();
    let mut as_server = attest::db::connect(&app.database_url).await.unwrap();
    as_server.batch_execute("SET ROLE attest_app").await.unwrap();
    for statement in [
        "SELECT * FROM record_changes",
        "INSERT INTO record_changes (record_id) VALUES (NULL)",
        "DELETE FROM record_changes",
    ] {
        let refused = diesel::sql_query(statement).execute(&mut as_server).await.unwrap_err();
        assert!(refused.to_string().contains("permission denied"), "{statement}: {refused}");
    }

    app.sql("TRUNCATE record_changes").await;
    app.sql(&format!("UPDATE claims SET place = 'Chad', version = version + 1 WHERE id = '{claim_id}'"))
        .await;
    app.sql(&format!("DELETE FROM claims WHERE id = '{claim_id}'")).await;
    app.sql("TRUNCATE claims CASCADE").await;
    let mut owner = attest::db::connect(&app.database_url).await.unwrap();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT record_id, count(*) AS rows FROM record_changes GROUP BY record_id ORDER BY record_id NULLS LAST",
    )
    .load(&mut owner)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [Row { record_id: Some(claim_id), rows: 2 }, Row { record_id: None, rows: 1 }],
        "an update and a delete of the claim, and the emptied table"
    );
}
