//! SIGTERM or Ctrl-C while requests are in flight: they finish, new connections are refused, and the
//! embedded PostgreSQL stops cleanly with everything acknowledged on disk.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Scratch, Server, sign_in, source};

const IN_FLIGHT: usize = 4;

/// A create whose body is half sent: the server is inside the request, waiting for the rest.
async fn half_sent_create(address: &str, token: &str, n: usize) -> (TcpStream, Vec<u8>) {
    let body = serde_json::to_vec(&source(n)).unwrap();
    let host = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /sources HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let half = body.len() / 2;
    stream.write_all(&body[..half]).await.unwrap();
    (stream, body[half..].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_refuses_new_ones_and_stops_postgres() {
    drains_on(libc::SIGTERM, "sigterm").await;
}

/// Ctrl-C too: actix alone would drop in-flight requests on SIGINT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_drains_the_same_way() {
    drains_on(libc::SIGINT, "sigint").await;
}

async fn drains_on(signal: i32, name: &str) {
    let scratch = Scratch::new(name);
    let server = Server::start(&scratch.0, "api", &[]).await;
    server.wait_ready(Duration::from_secs(120)).await;
    let data_dir = [("ATTEST_DATA_DIR", scratch.0.join("api").display().to_string())];
    let token = sign_in(&server, &data_dir).await;

    let mut in_flight = Vec::new();
    for n in 0..IN_FLIGHT {
        in_flight.push(half_sent_create(&server.address, &token, n).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    server.signal(signal);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A new connection is refused now (the process is still up, finishing the others).
    let host = server.address.trim_start_matches("http://").to_owned();
    let refused = TcpStream::connect(&host).await;
    assert!(refused.is_err(), "a new connection was accepted after {name}");
    assert!(std::fs::metadata(format!("/proc/{}", server.child.id())).is_ok());

    // The in-flight requests complete normally.
    let mut ids = Vec::new();
    for (mut stream, rest) in in_flight {
        stream.write_all(&rest).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 201"), "in-flight request answered: {answer}");
        let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }

    // The process exits cleanly, and its PostgreSQL is stopped, not orphaned.
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit after {name}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!(
        "{name}: {IN_FLIGHT} in-flight creates answered 201, {status} {:?} after the signal",
        signalled.elapsed()
    );
    assert!(status.success(), "exit status {status}: {}", server.log_text());
    let pgdata = scratch.0.join("api").join("pgdata");
    assert!(!pgdata.join("postmaster.pid").exists(), "PostgreSQL was left running");

    // Everything acknowledged is there when the server comes back on the same directory.
    drop(server);
    let server = Server::start(&scratch.0, "api", &[]).await;
    server.wait_ready(Duration::from_secs(120)).await;
    let client = Client::new();
    for id in &ids {
        let found =
            client.get(format!("{}/sources/{id}", server.address)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(found.status(), StatusCode::OK, "source {id} acknowledged before {name} is missing");
    }
}
