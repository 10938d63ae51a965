//! Scale-out: a primary and a streaming replica (pg_basebackup) on this machine, and two
//! `attest serve` instances on both. Writes through one are readable through the other,
//! lag-tolerant reads go to the replica, a read carrying `Attest-Lsn` sees its write, and the
//! service survives the loss of an instance and of the replica.

use std::process::Command;
use std::time::{Duration, Instant};

use attest::db::local;
use diesel_async::SimpleAsyncConnection;
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::support::{Cluster, Scratch, Server, sign_in, source};

/// `pg_basebackup -R` of the primary into `root/pgdata`, as the account PostgreSQL runs as.
fn base_backup(primary: &Cluster, root: &std::path::Path) {
    use std::os::unix::process::CommandExt;
    std::fs::create_dir_all(root).unwrap();
    let pgdata = root.join("pgdata");
    let mut command = Command::new(local::find_bindir().unwrap().join("pg_basebackup"));
    command.arg("-h").arg(primary.data_dir()).args(["-p", "5432", "-U", local::SUPERUSER, "-D"]).arg(&pgdata);
    command.args(["-R", "-X", "stream", "--checkpoint", "fast"]);
    if nix::unistd::Uid::effective().is_root() {
        use std::os::unix::fs::PermissionsExt;
        let postgres = nix::unistd::User::from_name("postgres").unwrap().unwrap();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o711)).unwrap();
        std::fs::create_dir_all(&pgdata).unwrap();
        std::fs::set_permissions(&pgdata, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&pgdata, Some(postgres.uid.as_raw()), Some(postgres.gid.as_raw())).unwrap();
        command.uid(postgres.uid.as_raw()).gid(postgres.gid.as_raw()).current_dir("/");
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&output.stderr));
    // The copy carries the primary's socket lock file (the socket lives in its data
    // directory); the replica's own postmaster writes a fresh one.
    std::fs::remove_file(pgdata.join(".s.PGSQL.5432.lock")).unwrap();
}

async fn get(client: &Client, server: &Server, token: &str, path: &str, lsn: Option<&str>) -> StatusCode {
    let mut request = client.get(format!("{}{path}", server.address)).bearer_auth(token);
    if let Some(lsn) = lsn {
        request = request.header("Attest-Lsn", lsn);
    }
    request.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_a_primary_and_a_streaming_replica() {
    let scratch = Scratch::new("replica");
    let primary = Cluster::start(&scratch.0.join("primary"), false).await;
    attest::db::migrate(&primary.url(local::DATABASE)).await.unwrap();
    base_backup(&primary, &scratch.0.join("replica"));
    let mut replica = Cluster::start(&scratch.0.join("replica"), false).await;
    let env = [
        ("DATABASE_URL", primary.database_url()),
        ("ATTEST_DATABASE_REPLICA_URLS", replica.database_url()),
        ("ATTEST_POOL_TIMEOUT_MS", "1000".to_owned()),
    ];
    let a = Server::start(&scratch.0, "a", &env).await;
    let b = Server::start(&scratch.0, "b", &env).await;
    a.wait_ready(Duration::from_secs(60)).await;
    b.wait_ready(Duration::from_secs(60)).await;
    let token = sign_in(&a, &env[..1]).await;
    let client = Client::new();

    // A write through A is readable through B: at once with its Attest-Lsn, and, once the
    // replica has streamed it, without.
    let created = client.post(format!("{}/sources", a.address)).bearer_auth(&token).json(&source(1)).send();
    let created = created.await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let lsn = created.headers().get("attest-lsn").expect("a write answers with its Attest-Lsn");
    let lsn = lsn.to_str().unwrap().to_owned();
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(get(&client, &b, &token, &format!("/sources/{id}"), Some(&lsn)).await, StatusCode::OK);
    let streamed = Instant::now();
    while get(&client, &b, &token, &format!("/sources/{id}"), None).await != StatusCode::OK {
        assert!(streamed.elapsed() < Duration::from_secs(10), "the replica never had the write");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("replica: a write through A was on the replica within {:?}", streamed.elapsed());

    // Lag-tolerant reads come from the replica: with replay paused there, a new write is
    // not found without its token, and found with it (the primary answers).
    let mut on_replica = attest::db::connect(&replica.url(local::DATABASE)).await.unwrap();
    on_replica.batch_execute("SELECT pg_wal_replay_pause()").await.unwrap();
    let created = client.post(format!("{}/sources", a.address)).bearer_auth(&token).json(&source(2)).send();
    let created = created.await.unwrap();
    let lsn = created.headers()["attest-lsn"].to_str().unwrap().to_owned();
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(get(&client, &b, &token, &format!("/sources/{id}"), None).await, StatusCode::NOT_FOUND);
    assert_eq!(get(&client, &b, &token, &format!("/sources/{id}"), Some(&lsn)).await, StatusCode::OK);
    on_replica.batch_execute("SELECT pg_wal_replay_resume()").await.unwrap();
    drop(on_replica);

    // Losing instance A: B goes on reading and writing.
    drop(a);
    let created = client.post(format!("{}/sources", b.address)).bearer_auth(&token).json(&source(3)).send();
    assert_eq!(created.await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(get(&client, &b, &token, "/sources?limit=10", None).await, StatusCode::OK);

    // Losing the replica: reads fall back to the primary.
    replica.stop();
    assert_eq!(get(&client, &b, &token, &format!("/sources/{id}"), None).await, StatusCode::OK);
    assert_eq!(get(&client, &b, &token, "/search?q=fault", None).await, StatusCode::OK);
}
