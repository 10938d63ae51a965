//! Nothing acknowledged is lost: PostgreSQL is killed with SIGKILL in the middle of a write
//! load and restarted; every id whose create was answered 2xx is there afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::support::{Cluster, Scratch, Server, sign_in, source};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_create_survives_a_postgres_sigkill() {
    let scratch = Scratch::new("sigkill");
    // Durable, as in production: fsync and synchronous commit stay on.
    let mut cluster = Cluster::start(&scratch.0.join("db"), true).await;
    let database = [("DATABASE_URL", cluster.database_url())];
    let env = [database[0].clone(), ("ATTEST_POOL_TIMEOUT_MS", "1000".to_owned())];
    let server = Server::start(&scratch.0, "api", &env).await;
    server.wait_ready(Duration::from_secs(60)).await;
    let token = sign_in(&server, &database).await;

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let failed = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..6)
        .map(|writer| {
            let (address, token) = (server.address.clone(), token.clone());
            let (acknowledged, failed, stop) = (acknowledged.clone(), failed.clone(), stop.clone());
            tokio::spawn(async move {
                let client = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
                let mut n = writer * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sent =
                        client.post(format!("{address}/sources")).bearer_auth(&token).json(&source(n)).send();
                    match sent.await {
                        Ok(response) if response.status().is_success() => {
                            let body: Value = response.json().await.unwrap();
                            acknowledged.lock().await.push(body["id"].as_str().unwrap().to_owned());
                        }
                        _ => {
                            *failed.lock().await += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(2000)).await;
    let before_crash = acknowledged.lock().await.len();
    cluster.kill();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    cluster.restart();
    server.wait_ready(Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    let acknowledged = acknowledged.lock().await;
    let client = Client::new();
    let mut missing = Vec::new();
    for id in acknowledged.iter() {
        let found =
            client.get(format!("{}/sources/{id}", server.address)).bearer_auth(&token).send().await.unwrap();
        if found.status() != StatusCode::OK {
            missing.push(id.clone());
        }
    }
    println!(
        "sigkill: {} creates acknowledged ({before_crash} before the crash), {} found afterwards, {} requests failed during the crash",
        acknowledged.len(),
        acknowledged.len() - missing.len(),
        failed.lock().await
    );
    assert!(before_crash > 0 && acknowledged.len() > before_crash, "the load did not span the crash");
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
}
