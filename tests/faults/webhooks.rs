//! Webhooks through a receiver outage and a server killed mid-backlog: a steady stream of
//! events, the receiver down for 30 seconds, `attest serve` killed with SIGKILL and started
//! again while the backlog waits. Every event whose write was acknowledged arrives, each id
//! at least once, signed, and in order per item.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::receiver::Receiver;
use crate::support::{Scratch, Server, sign_in};

/// Items the events are about; each gets its reviews one after another.
const ITEMS: usize = 8;
const OUTAGE: Duration = Duration::from_secs(30);
const WRITES_PER_SECOND: u32 = 100;

struct Stream {
    address: Mutex<String>,
    token: String,
    /// Per claim, the item versions whose review the server acknowledged.
    acknowledged: Mutex<BTreeMap<String, Vec<i64>>>,
    refused: Mutex<usize>,
    stop: std::sync::atomic::AtomicBool,
}

/// Records reviews on the claims round and round, following the server wherever it is, at
/// most `WRITES_PER_SECOND`: the backlog the outage builds is the test's, not the server's speed.
async fn write(stream: Arc<Stream>, claims: Vec<(String, String)>) {
    let client = Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut tags: HashMap<String, String> = claims.iter().cloned().collect();
    let mut pace = tokio::time::interval(Duration::from_secs(1) / WRITES_PER_SECOND);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stream.stop.load(std::sync::atomic::Ordering::SeqCst) {
        for (claim, _) in &claims {
            pace.tick().await;
            let address = stream.address.lock().unwrap().clone();
            let answer = client
                .post(format!("{address}/claims/{claim}/reviews"))
                .bearer_auth(&stream.token)
                .header("if-match", &tags[claim])
                .json(&json!({"status": "in_review", "rationale": "Looking again."}))
                .send()
                .await;
            match answer {
                Ok(answer) if answer.status() == StatusCode::CREATED => {
                    let tag = answer.headers()["etag"].to_str().unwrap().to_owned();
                    let version: i64 = tag.trim_matches('"').parse().unwrap();
                    stream.acknowledged.lock().unwrap().entry(claim.clone()).or_default().push(version);
                    tags.insert(claim.clone(), tag);
                }
                _ => {
                    *stream.refused.lock().unwrap() += 1;
                    // The server is away, or a write was lost with it: read the claim again.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Ok(read) = client
                        .get(format!("{address}/claims/{claim}"))
                        .bearer_auth(&stream.token)
                        .send()
                        .await
                        && read.status() == StatusCode::OK
                    {
                        tags.insert(claim.clone(), read.headers()["etag"].to_str().unwrap().to_owned());
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_30_seconds_and_a_server_killed_mid_backlog_lose_no_event() {
    let scratch = Scratch::new("webhooks");
    let data = [("ATTEST_DATA_DIR", scratch.0.join("server").display().to_string())];
    let env = [
        ("ATTEST_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true".to_owned()),
        ("ATTEST_WEBHOOK_FIRST_RETRY_MS", "200".to_owned()),
        ("ATTEST_WEBHOOK_LONGEST_RETRY_MS", "2000".to_owned()),
        ("ATTEST_WEBHOOK_TIMEOUT_MS", "2000".to_owned()),
    ];
    let server = Server::start(&scratch.0, "server", &env).await;
    server.wait_ready(Duration::from_secs(120)).await;
    let token = sign_in(&server, &data).await;
    let client = Client::new();
    let post = |path: &str, body: Value| {
        client.post(format!("{}{path}", server.address)).bearer_auth(&token).json(&body).send()
    };

    let receiver = Receiver::start().await;
    let hook =
        post("/webhooks", json!({"url": receiver.url, "event_types": ["review.recorded"]})).await.unwrap();
    assert_eq!(hook.status(), StatusCode::CREATED);
    let secret = hook.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_owned();
    let mut claims = Vec::new();
    for n in 0..ITEMS {
        let statement = format!("Item {n}: 1,200 homes lost power.");
        let source = post("/sources", json!({"url": format!("https://faults.example/hooks/{n}"), "kind": "article", "content": statement}))
            .await
            .unwrap();
        let source = source.json::<Value>().await.unwrap();
        let claim = post(
            "/claims",
            json!({"source_id": source["id"], "statement": statement, "metric": "homes", "qualifier": "exact", "value": "1200"}),
        )
        .await
        .unwrap();
        assert_eq!(claim.status(), StatusCode::CREATED);
        let tag = claim.headers()["etag"].to_str().unwrap().to_owned();
        claims.push((claim.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned(), tag));
    }

    let stream = Arc::new(Stream {
        address: Mutex::new(server.address.clone()),
        token: token.clone(),
        acknowledged: Mutex::default(),
        refused: Mutex::new(0),
        stop: false.into(),
    });
    let writer = tokio::spawn(write(stream.clone(), claims.clone()));
    tokio::time::sleep(Duration::from_secs(3)).await;

    // The receiver goes away for 30 seconds while events keep coming; halfway, the server is
    // killed and started again on the same data directory, the backlog still waiting.
    receiver.stop().await;
    let down = Instant::now();
    tokio::time::sleep(OUTAGE / 2).await;
    server.signal(libc::SIGKILL);
    drop(server);
    let server = Server::start(&scratch.0, "server", &env).await;
    server.wait_ready(Duration::from_secs(60)).await;
    *stream.address.lock().unwrap() = server.address.clone();
    tokio::time::sleep(OUTAGE.saturating_sub(down.elapsed())).await;
    receiver.restart().await;
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stream.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();

    let acknowledged = stream.acknowledged.lock().unwrap().clone();
    let expected: usize = acknowledged.values().map(Vec::len).sum();
    assert!(expected > 100, "only {expected} reviews were acknowledged");
    // Every acknowledged review's event arrives: wait for the last of each item.
    let deadline = Instant::now() + Duration::from_secs(120);
    let (arrived, first_arrivals) = loop {
        let received: Vec<_> = receiver.received().into_iter().filter(|r| r.accepted).collect();
        let mut seen = HashSet::new();
        let mut per_item: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for one in &received {
            one.verify(&secret).unwrap_or_else(|e| panic!("a webhook failed verification: {e}"));
            if seen.insert(one.id()) {
                let data = one.json()["data"].clone();
                per_item
                    .entry(data["item_id"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(data["item_version"].as_i64().unwrap());
            }
        }
        let all_there = acknowledged.iter().all(|(claim, versions)| {
            let got: HashSet<i64> = per_item.get(claim).into_iter().flatten().copied().collect();
            versions.iter().all(|v| got.contains(v))
        });
        if all_there {
            break (received, per_item);
        }
        assert!(Instant::now() < deadline, "events still missing two minutes after the receiver came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let drained = back.elapsed();
    let distinct = first_arrivals.values().map(Vec::len).sum::<usize>();
    let duplicates = arrived.len() - distinct;
    println!(
        "acknowledged {expected} events ({} writes refused while the server was down); received {} requests, \
         {distinct} distinct events, {duplicates} duplicates; the backlog drained {drained:?} after the receiver came back",
        stream.refused.lock().unwrap(),
        arrived.len(),
    );
    for (claim, versions) in &first_arrivals {
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "events about {claim} out of order: {versions:?}");
    }
    assert!(distinct >= expected, "{distinct} distinct of {expected} acknowledged");
}
