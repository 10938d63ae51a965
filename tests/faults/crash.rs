//! `kill -9` of `attest serve` (or the kernel's out-of-memory kill) leaves its embedded
//! PostgreSQL running. The next `attest serve` on the same data directory stops that orphan,
//! starts the cluster again and serves, with what was acknowledged still there; while a live
//! server owns the directory, a second one refuses to start and touches nothing.

use std::path::Path;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::support::{Scratch, Server, sign_in, source};

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(data_dir.join("pgdata").join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// Running, not merely a zombie waiting for its parent (init, here) to reap it.
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .is_some_and(|zombie| !zombie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_after_a_kill_9_recovers_its_own_cluster() {
    let scratch = Scratch::new("crash");
    let data_dir = scratch.0.join("server");
    let data = [("ATTEST_DATA_DIR", data_dir.display().to_string())];
    let first = Server::start(&scratch.0, "server", &[]).await;
    first.wait_ready(Duration::from_secs(120)).await;
    let token = sign_in(&first, &data).await;
    let created = Client::new()
        .post(format!("{}/sources", first.address))
        .bearer_auth(&token)
        .json(&source(1))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // A second server on the same directory while the first lives: refused, nothing touched.
    let orphan = postmaster_pid(&data_dir).expect("the embedded cluster runs");
    let mut second = crate::support::attest();
    second.args(["serve", "--bind", "127.0.0.1:0"]).env("ATTEST_DATA_DIR", &data_dir);
    let refused = second.output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("another `attest serve`"), "{refused:?}");
    assert_eq!(postmaster_pid(&data_dir), Some(orphan));

    first.signal(libc::SIGKILL);
    drop(first);
    assert!(alive(orphan), "the embedded PostgreSQL should have outlived its server");

    let started = std::time::Instant::now();
    let restarted = Server::start(&scratch.0, "server", &[]).await;
    restarted.wait_ready(Duration::from_secs(10)).await;
    let took = started.elapsed();
    println!("ready {took:?} after the kill");
    assert!(took < Duration::from_secs(10), "ready only after {took:?}");
    assert!(!alive(orphan), "the orphaned postmaster {orphan} is still running");
    let read = Client::new()
        .get(format!("{}/sources/{id}", restarted.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
}
