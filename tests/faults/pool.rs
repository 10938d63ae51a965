//! Pool exhaustion: more concurrent slow requests than connections are queued, then answered
//! 503 when the wait passes the pool timeout; the server never deadlocks.

use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use futures_util::future::join_all;
use reqwest::{Client, StatusCode};

use crate::support::{Answer, Cluster, Scratch, Server, sign_in, source, tally};

/// The server's connections in all: its two workers hold one each.
const POOL_SIZE: usize = 2;
const POOL_TIMEOUT: Duration = Duration::from_millis(1000);

/// `count` concurrent creates of sources while `hold` keeps the table locked.
async fn creates_while_locked(
    server: &Server,
    token: &str,
    database_url: &str,
    count: usize,
    hold: Duration,
) -> Vec<Answer> {
    let mut locker = attest::db::connect(database_url).await.unwrap();
    locker.batch_execute("BEGIN; LOCK TABLE sources IN EXCLUSIVE MODE").await.unwrap();
    let client = Client::new();
    let requests = (0..count).map(|n| {
        let request = client.post(format!("{}/sources", server.address)).bearer_auth(token).json(&source(n));
        async move {
            let started = Instant::now();
            Answer::of(started, request.send().await).await
        }
    });
    let release = async {
        tokio::time::sleep(hold).await;
        locker.batch_execute("COMMIT").await.unwrap();
    };
    let (answers, ()) = tokio::join!(join_all(requests), release);
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_slow_requests_than_connections_queue_then_get_503_never_deadlock() {
    let scratch = Scratch::new("pool");
    let cluster = Cluster::start(&scratch.0.join("db"), false).await;
    let database = [("DATABASE_URL", cluster.database_url())];
    let env = [
        database[0].clone(),
        ("ATTEST_POOL_SIZE", POOL_SIZE.to_string()),
        ("ATTEST_POOL_TIMEOUT_MS", POOL_TIMEOUT.as_millis().to_string()),
    ];
    let server = Server::start(&scratch.0, "api", &env).await;
    server.wait_ready(Duration::from_secs(60)).await;
    let token = sign_in(&server, &database).await;
    let url = cluster.url(attest::db::local::DATABASE);

    // Slow but brief: 6 requests on 2 connections wait their turn, and all succeed.
    let queued = creates_while_locked(&server, &token, &url, 6, Duration::from_millis(300)).await;
    println!("pool: held 300 ms, {{{}}}", tally(&queued));
    assert!(queued.iter().all(|a| a.status == Some(201)), "queued requests failed: {}", tally(&queued));

    // Slow past the pool timeout: the 2 holding connections finish once the lock goes, the
    // others are told 503 with Retry-After after about the pool timeout, not left hanging.
    let starved = creates_while_locked(&server, &token, &url, 6, Duration::from_millis(3000)).await;
    let refused: Vec<_> = starved.iter().filter(|a| a.status == Some(503)).collect();
    let slowest_refusal = refused.iter().map(|a| a.took).max().unwrap_or_default();
    println!("pool: held 3 s, {{{}}}, 503s answered within {slowest_refusal:?}", tally(&starved));
    assert_eq!(starved.iter().filter(|a| a.status == Some(201)).count(), POOL_SIZE, "{}", tally(&starved));
    assert_eq!(refused.len(), 6 - POOL_SIZE);
    for answer in refused {
        assert!(answer.problem_json && answer.retry_after);
        assert!(answer.took >= POOL_TIMEOUT && answer.took < POOL_TIMEOUT + Duration::from_secs(2));
    }

    // And nothing is stuck afterwards.
    let after = Client::new()
        .post(format!("{}/sources", server.address))
        .bearer_auth(&token)
        .json(&source(99))
        .send();
    assert_eq!(after.await.unwrap().status(), StatusCode::CREATED);
}
