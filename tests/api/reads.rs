//! Reads by id gathered into one statement (`services::reads`): reads that arrive together
//! each get their own record, or the answer a lone read gives, never another workspace's
//! record; no statement reads more than `MAX_IDS` ids; and a statement that fails costs its
//! reads nothing but a second try.
//!
//! Each test holds the table locked, so that the first read's statement waits and the reads
//! sent after it gather behind it, whatever the box's speed.

use std::time::{Duration, Instant};

use attest::domain::kinds::Role;
use attest::services::reads::MAX_IDS;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::helpers::{TestApp, add_user_to, etag, id, json, metric, problem, test_keys};

const STATEMENTS: &str = "attest_gathered_read_statements_total";
const READS: &str = "attest_gathered_reads_total";
const WAITING: &str = "attest_gathered_reads_waiting";

/// A transaction that keeps `table` from being read until it ends.
async fn hold(app: &TestApp, table: &str) -> AsyncPgConnection {
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    conn.batch_execute(&format!("BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")).await.unwrap();
    conn
}

#[derive(diesel::QueryableByName)]
struct Backend {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The backends of reads that wait for the lock `hold` took on `table`, once `count` do.
async fn blocked_reads(conn: &mut AsyncPgConnection, table: &str, count: usize) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: Vec<Backend> = diesel::sql_query(format!(
            "SELECT pid FROM pg_locks WHERE relation = '{table}'::regclass AND NOT granted"
        ))
        .load(conn)
        .await
        .unwrap();
        if waiting.len() >= count {
            return waiting.into_iter().map(|backend| backend.pid).collect();
        }
        assert!(
            Instant::now() < deadline,
            "{} reads, not {count}, wait for the lock on {table}",
            waiting.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A read by id: the caller's token, the path, and the workspace it names (else its own).
struct Read {
    token: String,
    path: String,
    workspace: Option<&'static str>,
}

impl Read {
    fn of(token: &str, path: String) -> Self {
        Self { token: token.to_string(), path, workspace: None }
    }

    /// Sent now, from the database (`Attest-Lsn` passes the record cache); a redirect is
    /// an answer, not followed.
    fn send(&self, app: &TestApp, client: &Client) -> JoinHandle<Response> {
        let mut request = client
            .get(format!("{}{}", app.address, self.path))
            .bearer_auth(&self.token)
            .header("attest-lsn", "0/0");
        if let Some(slug) = self.workspace {
            request = request.header("attest-workspace", slug);
        }
        tokio::spawn(async move { request.send().await.unwrap() })
    }
}

/// Sends the reads while `table` is held, then lets it go: the answers, in order. The first
/// `leaders` reads go one at a time, each until its statement waits for the table (one per
/// gathering: a workspace's and collection's first read goes alone); then the others, which
/// wait behind them.
async fn gathered(
    app: &TestApp,
    table: &str,
    leaders: usize,
    reads: &[Read],
    before_release: impl AsyncFnOnce(&mut AsyncPgConnection, Vec<i32>),
) -> Vec<Response> {
    let mut held = hold(app, table).await;
    let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut sent = Vec::new();
    let mut blocked = Vec::new();
    for (count, read) in reads[..leaders].iter().enumerate() {
        sent.push(read.send(app, &client));
        blocked = blocked_reads(&mut held, table, count + 1).await;
    }
    sent.extend(reads[leaders..].iter().map(|read| read.send(app, &client)));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = metric(app, WAITING).await;
        if waiting == (reads.len() - leaders) as u64 {
            break;
        }
        assert!(Instant::now() < deadline, "{waiting} of {} reads wait", reads.len() - leaders);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    before_release(&mut held, blocked).await;
    held.batch_execute("COMMIT").await.unwrap();
    let mut answers = Vec::new();
    for read in sent {
        answers.push(read.await.unwrap());
    }
    answers
}

async fn sources(app: &TestApp, count: usize) -> Vec<Value> {
    let items: Vec<_> = (0..count)
        .map(|i| json!({"url": format!("https://wire.example/{i}"), "kind": "article", "title": format!("Story {i}")}))
        .collect();
    let created = app.create("/sources/batch", json!({ "items": items })).await;
    created["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn reads_that_arrive_together_share_statements_of_at_most_max_ids_and_each_gets_its_own_answer() {
    let app = TestApp::spawn().await;
    let live = sources(&app, MAX_IDS + 11).await;
    let deleted = sources(&app, 2).await;
    for source in &deleted {
        let path = format!("/sources/{}", id(source));
        assert_eq!(app.delete(&path, &etag(source)).await.status(), StatusCode::NO_CONTENT);
    }
    // Every live source, five of them twice, the deleted ones and three that never were.
    let mut wanted: Vec<(String, Option<&Value>)> =
        live.iter().map(|source| (id(source).to_string(), Some(source))).collect();
    wanted.extend(live.iter().take(5).map(|source| (id(source).to_string(), Some(source))));
    wanted.extend(deleted.iter().map(|source| (id(source).to_string(), None)));
    wanted.extend((0..3).map(|_| (Uuid::now_v7().to_string(), None)));
    let (statements, gathered_reads) = (metric(&app, STATEMENTS).await, metric(&app, READS).await);

    let reads: Vec<_> =
        wanted.iter().map(|(id, _)| Read::of(&app.submitter.token, format!("/sources/{id}"))).collect();
    let answers = gathered(&app, "sources", 1, &reads, async |_, _| {}).await;

    for ((wanted_id, record), answer) in wanted.iter().zip(answers) {
        match record {
            Some(record) => {
                let body = json(answer, StatusCode::OK).await;
                assert_eq!(body["id"], wanted_id.as_str());
                assert_eq!((&body["url"], &body["title"]), (&record["url"], &record["title"]));
            }
            None => {
                problem(answer, StatusCode::NOT_FOUND).await;
            }
        }
    }
    // The first read alone, then the rest in statements of at most MAX_IDS ids.
    let behind = wanted.len() - 1;
    assert_eq!(metric(&app, STATEMENTS).await - statements, 1 + behind.div_ceil(MAX_IDS) as u64);
    assert_eq!(metric(&app, READS).await - gathered_reads, wanted.len() as u64);
}

#[tokio::test]
async fn a_merged_speaker_read_among_others_still_points_to_its_survivor() {
    let app = TestApp::spawn().await;
    let survivor = app.speaker("Bashar al-Jaafari").await;
    let merged = app.speaker("Bashar Jaafari").await;
    let others = [app.speaker("Ayesha Raza").await, app.speaker("Tomas Lind").await];
    let merge = app
        .request_as(Some(&app.editor.token), Method::POST, &format!("/speakers/{}/merge", id(&merged)))
        .header("if-match", etag(&merged))
        .json(&json!({"into": id(&survivor)}))
        .send()
        .await
        .unwrap();
    json(merge, StatusCode::CREATED).await;

    let order = [id(&others[0]), id(&merged), id(&survivor), id(&others[1])];
    let reads: Vec<_> =
        order.iter().map(|id| Read::of(&app.submitter.token, format!("/speakers/{id}"))).collect();
    let mut answers = gathered(&app, "speakers", 1, &reads, async |_, _| {}).await.into_iter();

    assert_eq!(json(answers.next().unwrap(), StatusCode::OK).await["name"], "Ayesha Raza");
    let moved = answers.next().unwrap();
    assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(moved.headers()["location"], format!("/speakers/{}", id(&survivor)).as_str());
    assert_eq!(json(answers.next().unwrap(), StatusCode::OK).await["id"], id(&survivor));
    assert_eq!(json(answers.next().unwrap(), StatusCode::OK).await["name"], "Tomas Lind");
}

#[tokio::test]
async fn reads_in_two_workspaces_at_once_never_see_each_others_records() {
    let app = TestApp::spawn().await;
    let created = app
        .request_as(Some(&app.admin.token), Method::POST, "/workspaces")
        .json(&json!({"slug": "north", "name": "The north desk", "publisher_name": "North Fact Check"}))
        .send()
        .await
        .unwrap();
    json(created, StatusCode::CREATED).await;
    let north =
        add_user_to(&app.database_url, &test_keys(), "north", Role::Submitter, "reader@north.example").await;
    let ours = sources(&app, 6).await;
    let theirs = {
        let request = app
            .request_as(Some(&north.token), Method::POST, "/sources")
            .header("attest-workspace", "north")
            .json(&json!({"url": "https://north.example/1", "kind": "article", "title": "North's own"}));
        json(request.send().await.unwrap(), StatusCode::CREATED).await
    };

    // Interleaved: each of ours read by both workspaces' members, then theirs by both. The
    // first two reads lead their workspace's gathering.
    let (mut reads, mut visible) = (Vec::new(), Vec::new());
    for record in ours.iter().chain([&theirs]) {
        let path = format!("/sources/{}", id(record));
        reads.push(Read::of(&app.submitter.token, path.clone()));
        visible.push(record != &theirs);
        reads.push(Read { workspace: Some("north"), ..Read::of(&north.token, path) });
        visible.push(record == &theirs);
    }
    let answers = gathered(&app, "sources", 2, &reads, async |_, _| {}).await;

    for ((read, visible), answer) in reads.iter().zip(visible).zip(answers) {
        if visible {
            let body = json(answer, StatusCode::OK).await;
            assert!(read.path.ends_with(body["id"].as_str().unwrap()), "{} answered {body}", read.path);
        } else {
            problem(answer, StatusCode::NOT_FOUND).await;
        }
    }
}

#[tokio::test]
async fn when_a_gathered_statement_fails_each_of_its_reads_is_tried_alone() {
    let app = TestApp::spawn().await;
    let records = sources(&app, 20).await;
    let (statements, gathered_reads) = (metric(&app, STATEMENTS).await, metric(&app, READS).await);

    let reads: Vec<_> = records
        .iter()
        .map(|record| Read::of(&app.submitter.token, format!("/sources/{}", id(record))))
        .collect();
    // The first read's statement is cancelled while it waits (as a statement timeout would).
    let answers = gathered(&app, "sources", 1, &reads, async |held, blocked| {
        diesel::sql_query(format!("SELECT pg_cancel_backend({})", blocked[0])).execute(held).await.unwrap();
    })
    .await;

    for (record, answer) in records.iter().zip(answers) {
        assert_eq!(json(answer, StatusCode::OK).await["id"], id(record));
    }
    // The failed statement, and the one behind it, whose 19 reads were answered together.
    assert_eq!(metric(&app, STATEMENTS).await - statements, 2);
    assert_eq!(metric(&app, READS).await - gathered_reads, 20);
}

#[derive(diesel::QueryableByName)]
struct Plans {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    generic_plans: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    custom_plans: i64,
}

/// PostgreSQL plans a gathered statement once per connection, whatever the number of ids it
/// is given: planning it again on every run would cost more than the reads.
#[tokio::test]
async fn a_gathered_statement_is_planned_once_whatever_the_number_of_its_ids() {
    use attest::db::Versioned;
    use attest::db::source::Source;

    let app = TestApp::spawn().await;
    let live: Vec<Uuid> =
        sources(&app, MAX_IDS).await.iter().map(|source| id(source).parse().unwrap()).collect();
    // A newsroom's table, not a handful of rows: PostgreSQL prices plans by the table's size.
    app.sql(
        "INSERT INTO sources (id, url, retrieved_at, kind)
         SELECT gen_random_uuid(), 'https://wire.example/archive/' || n, now(), 'article'
           FROM generate_series(1, 20000) n;
         ANALYZE sources",
    )
    .await;
    let mut conn = attest::db::connect(&app.database_url).await.unwrap();
    // As the server's sessions read: its role, bound to the workspace.
    attest::db::workspace::act_in_for_session(&mut conn, "default").await.unwrap();
    conn.batch_execute("SET ROLE attest_app").await.unwrap();

    // Every size from one id to MAX_IDS, few first, as a quiet server sends them; some ids
    // are of no record.
    let runs = MAX_IDS;
    for size in 1..=runs {
        let unknown = size / 4;
        let mut ids: Vec<Uuid> = live.iter().copied().take(size - unknown).collect();
        ids.extend((0..unknown).map(|_| Uuid::now_v7()));
        let found = Source::find_many(&mut conn, &ids).await.unwrap();
        let mut found: Vec<Uuid> = found.iter().map(|row| row.id).collect();
        found.sort_unstable();
        let mut wanted = live[..size - unknown].to_vec();
        wanted.sort_unstable();
        assert_eq!(found, wanted, "{size} ids");
    }

    let plans: Vec<Plans> = diesel::sql_query(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements \
          WHERE statement LIKE '%= ANY(%' AND statement NOT LIKE '%pg_prepared_statements%'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let [plans] = &plans[..] else { panic!("one statement prepared, not {}", plans.len()) };
    // PostgreSQL plans the first five runs of a prepared statement for their values.
    assert_eq!((plans.custom_plans, plans.generic_plans), (5, runs as i64 - 5));
}
