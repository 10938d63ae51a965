//! PostgreSQL stopped under load, and a server started before its database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use tokio::sync::Mutex;

use crate::support::{Answer, Cluster, Scratch, Server, sign_in, source, tally};

/// The pool timeout the servers here run with: a request must be answered within it
/// (plus a margin for the query itself) even when the database is gone.
const POOL_TIMEOUT: Duration = Duration::from_millis(1000);
const CLIENTS: usize = 4;

/// Every answer, with the phase its request was sent in.
type Answers = Arc<Mutex<Vec<(usize, Answer)>>>;

/// Clients writing and reading in a loop until `stop`; every answer is kept with the
/// phase it was sent in.
fn load(
    server: &Server,
    token: &str,
    clients: usize,
    stop: Arc<AtomicBool>,
    phase: Arc<AtomicUsize>,
) -> (Answers, Vec<tokio::task::JoinHandle<()>>) {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let tasks = (0..clients)
        .map(|client_number| {
            let (address, token) = (server.address.clone(), token.to_owned());
            let (stop, phase, answers) = (stop.clone(), phase.clone(), answers.clone());
            tokio::spawn(async move {
                let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
                let mut n = client_number * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sent_in = phase.load(Ordering::Relaxed);
                    let started = Instant::now();
                    let result = if n % 2 == 0 {
                        client
                            .post(format!("{address}/sources"))
                            .bearer_auth(&token)
                            .json(&source(n))
                            .send()
                            .await
                    } else {
                        client.get(format!("{address}/sources?limit=5")).bearer_auth(&token).send().await
                    };
                    let answer = Answer::of(started, result).await;
                    answers.lock().await.push((sent_in, answer));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    (answers, tasks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_gives_503_then_recovers_without_restart() {
    let scratch = Scratch::new("outage");
    let mut cluster = Cluster::start(&scratch.0.join("db"), false).await;
    let database = [("DATABASE_URL", cluster.database_url())];
    let env = [
        database[0].clone(),
        ("ATTEST_POOL_SIZE", "4".to_owned()),
        ("ATTEST_POOL_TIMEOUT_MS", POOL_TIMEOUT.as_millis().to_string()),
    ];
    let server = Server::start(&scratch.0, "api", &env).await;
    server.wait_ready(Duration::from_secs(60)).await;
    let token = sign_in(&server, &database).await;

    let (stop, phase) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let (answers, tasks) = load(&server, &token, CLIENTS, stop.clone(), phase.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Phase 1: the database goes away.
    phase.store(1, Ordering::Relaxed);
    let stopped_at = Instant::now();
    cluster.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready = Client::new().get(format!("{}/readyz", server.address)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().contains_key("retry-after"));
    tokio::time::sleep(Duration::from_millis(2000)).await;

    // Phase 2: it is back; the same server process recovers on its own.
    phase.store(2, Ordering::Relaxed);
    cluster.restart();
    let restarted_at = Instant::now();
    let client = Client::new();
    let recovered_after = loop {
        let response =
            client.get(format!("{}/sources?limit=1", server.address)).bearer_auth(&token).send().await;
        if response.is_ok_and(|r| r.status() == StatusCode::OK) {
            break restarted_at.elapsed();
        }
        assert!(restarted_at.elapsed() < Duration::from_secs(30), "no recovery: {}", server.log_text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    server.wait_ready(Duration::from_secs(10)).await;
    phase.store(3, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    assert!(server.child.id() > 0 && std::fs::metadata(format!("/proc/{}", server.child.id())).is_ok());

    let answers = answers.lock().await;
    let in_phase =
        |p: usize| answers.iter().filter(|(s, _)| *s == p).map(|(_, a)| a.clone()).collect::<Vec<_>>();
    let (before, outage, back, after) = (in_phase(0), in_phase(1), in_phase(2), in_phase(3));
    let slowest = outage.iter().map(|a| a.took).max().unwrap_or_default();
    println!(
        "outage: before {{{}}}; while down {{{}}} (slowest {slowest:?}); restarting {{{}}}; recovered {recovered_after:?} after the restart (down for {:?}); after {{{}}}",
        tally(&before),
        tally(&outage),
        tally(&back),
        stopped_at.elapsed() - restarted_at.elapsed(),
        tally(&after),
    );
    for answer in answers.iter().map(|(_, a)| a) {
        let status = answer.status.unwrap_or_else(|| panic!("a request got no answer: {:?}", answer.error));
        assert!(
            (200..300).contains(&status) || status == 503,
            "answered {status}, not 2xx or 503: {}",
            server.log_text()
        );
        if status == 503 {
            assert!(answer.problem_json && answer.retry_after, "503 without problem+json and Retry-After");
        }
        // No hang: every answer came within the pool timeout plus a generous margin.
        assert!(answer.took < POOL_TIMEOUT + Duration::from_secs(4), "a request hung for {:?}", answer.took);
    }
    // Sent before the stop, a request still in flight when it came may be a 503; one per
    // client at most.
    assert!(before.iter().filter(|a| a.status != Some(200) && a.status != Some(201)).count() <= CLIENTS);
    assert!(outage.iter().any(|a| a.status == Some(503)), "the outage was never seen");
    assert!(after.iter().all(|a| a.status.is_some_and(|s| s < 300)), "errors after recovery");
    assert!(!after.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_started_before_its_database_becomes_ready_when_it_comes_up() {
    let scratch = Scratch::new("late-db");
    let mut cluster = Cluster::start(&scratch.0.join("db"), false).await;
    cluster.stop();
    let database = [("DATABASE_URL", cluster.database_url())];
    let env = [database[0].clone(), ("ATTEST_POOL_TIMEOUT_MS", POOL_TIMEOUT.as_millis().to_string())];
    let server = Server::start(&scratch.0, "api", &env).await;

    // Alive but not ready, and an API call is a clean 503, for as long as the database is away.
    let client = Client::new();
    for _ in 0..5 {
        let health = client.get(format!("{}/healthz", server.address)).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        let ready = client.get(format!("{}/readyz", server.address)).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        let api = client.get(format!("{}/sources", server.address)).bearer_auth("x").send().await.unwrap();
        assert!(matches!(api.status().as_u16(), 401 | 503), "answered {}", api.status());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(server.child.id() > 0 && std::fs::metadata(format!("/proc/{}", server.child.id())).is_ok());

    cluster.restart();
    let took = server.wait_ready(Duration::from_secs(30)).await;
    println!("late database: ready {took:?} after PostgreSQL came up");
    let token = sign_in(&server, &database).await;
    let created =
        client.post(format!("{}/sources", server.address)).bearer_auth(&token).json(&source(1)).send().await;
    assert_eq!(created.unwrap().status(), StatusCode::CREATED);
}
