//! The access log of a real server: one JSON line per answer, with the request's ids and
//! route, and never a credential.

use std::time::Duration;

use reqwest::Client;
use serde_json::Value;

use crate::support::{PASSWORD, Scratch, Server, sign_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_is_one_json_log_line_with_its_ids_and_no_secrets() {
    let scratch = Scratch::new("logs");
    let server = Server::start(&scratch.0, "api", &[("ATTEST_LOG", "info".to_owned())]).await;
    server.wait_ready(Duration::from_secs(120)).await;
    let data_dir = [("ATTEST_DATA_DIR", scratch.0.join("api").display().to_string())];
    let token = sign_in(&server, &data_dir).await;
    let client = Client::new();
    let answer = client
        .get(format!("{}/claims/0192f0c0-0000-7000-8000-000000000000", server.address))
        .bearer_auth(&token)
        .header("X-Request-Id", "desk-trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let refused = client.get(format!("{}/sources", server.address)).bearer_auth("not-a-token").send().await;
    assert_eq!(refused.unwrap().status(), 401);
    server.signal(libc::SIGTERM);
    let mut server = server;
    server.child.wait().unwrap();

    let log = server.log_text();
    let lines: Vec<Value> =
        log.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect();
    let traced = lines
        .iter()
        .find(|line| {
            line["span"]["client_request_id"] == "desk-trace-42" && line["fields"]["message"] == "answered"
        })
        .unwrap_or_else(|| panic!("no access log line for the traced request: {log}"));
    assert_eq!(traced["fields"]["http.route"], "/claims/{id}");
    assert_eq!(traced["fields"]["http.status_code"], 404);
    assert!(traced["span"]["request_id"].as_str().is_some_and(|id| id.len() == 36));
    let answered = lines.iter().filter(|line| line["fields"]["message"] == "answered").count();
    assert!(answered >= 4, "sign-in, readiness, the read and the refusal: {answered} lines");
    for secret in [token.as_str(), PASSWORD, "not-a-token"] {
        assert!(!log.contains(secret), "a credential reached the log");
    }
}
