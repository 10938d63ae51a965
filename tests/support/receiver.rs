//! A webhook receiver on loopback for the tests: keeps every request it gets, answers with
//! the status it is told to, and can be taken down and brought back on the same port.

// Shared by the api and faults test binaries; each uses a part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    /// Whether it was answered with a 2xx status.
    pub accepted: bool,
}

impl Received {
    /// `webhook-id`: the event's id, the same on every attempt.
    pub fn id(&self) -> String {
        self.headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a webhook's body is JSON")
    }

    /// Checks the request with the Standard Webhooks specification's own verifier.
    pub fn verify(&self, secret: &str) -> Result<(), standardwebhooks::WebhookError> {
        standardwebhooks::Webhook::new(secret)?.verify(&self.body, &self.headers)
    }
}

struct Shared {
    answer: AtomicU16,
    got: Mutex<Vec<Received>>,
}

pub struct Receiver {
    pub url: String,
    address: std::net::SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<ServerHandle>>,
}

async fn receive(shared: web::Data<Shared>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let status = shared.answer.load(Ordering::SeqCst);
    let accepted = (200..300).contains(&status);
    shared.got.lock().unwrap().push(Received { headers, body: body.to_vec(), accepted });
    let status = actix_web::http::StatusCode::from_u16(status).unwrap();
    HttpResponse::build(status).body(if accepted { "thanks" } else { "the receiver is failing on purpose" })
}

impl Receiver {
    /// A receiver on a free loopback port, answering 200.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared { answer: AtomicU16::new(200), got: Mutex::new(Vec::new()) });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let receiver =
            Self { url: format!("http://{address}/hooks"), address, shared, server: Mutex::new(None) };
        receiver.serve(listener);
        receiver
    }

    fn serve(&self, listener: std::net::TcpListener) {
        let shared = web::Data::from(self.shared.clone());
        let server =
            HttpServer::new(move || App::new().app_data(shared.clone()).default_service(web::to(receive)))
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
        *self.server.lock().unwrap() = Some(server.handle());
        tokio::spawn(server);
    }

    /// Answers every request from now on with `status`.
    pub fn answer_with(&self, status: u16) {
        self.shared.answer.store(status, Ordering::SeqCst);
    }

    /// Stops listening: connections are refused until `restart`.
    pub async fn stop(&self) {
        let handle = self.server.lock().unwrap().take();
        if let Some(handle) = handle {
            handle.stop(false).await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match std::net::TcpListener::bind(self.address) {
                Ok(listener) => return self.serve(listener),
                Err(error) if Instant::now() > deadline => panic!("rebinding {}: {error}", self.address),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.got.lock().unwrap().clone()
    }

    /// The accepted requests, once there are at least `count` (panics after `within`).
    pub async fn accepted(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let accepted: Vec<Received> = self.received().into_iter().filter(|r| r.accepted).collect();
            if accepted.len() >= count {
                return accepted;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} webhooks arrived within {within:?}: {:?}",
                accepted.len(),
                accepted.iter().map(|r| r.json()["type"].clone()).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
