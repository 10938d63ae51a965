//! The delivery worker: leases due deliveries of every workspace, sends each signed per the
//! Standard Webhooks specification, and records the attempt, retrying with backoff and jitter
//! until the retry window is spent. At least once: a delivery leased by a server that dies is
//! leased again once its lease runs out.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Utc;
use tokio::task::JoinSet;

use super::webhooks::TargetPolicy;
use crate::db::DbPool;
use crate::db::webhook::{self, Attempt, Leased};
use crate::domain::webhook::{is_public, retry_delay, signature};

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub targets: TargetPolicy,
    /// Longest a receiver may take to answer; past it the attempt failed.
    pub timeout: Duration,
    /// The wait after the first failed attempt, doubling after each failure up to `longest_retry`.
    pub first_retry: Duration,
    pub longest_retry: Duration,
    /// How long a delivery is retried before it fails (and its subscription, if nothing was
    /// accepted since, is disabled).
    pub retry_for: Duration,
    /// Requests in flight at once, all subscriptions together.
    pub concurrency: usize,
    /// How often an idle worker looks for due deliveries.
    pub poll: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            targets: TargetPolicy { allow_private: false },
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(5),
            longest_retry: Duration::from_secs(3600),
            retry_for: Duration::from_secs(24 * 3600),
            concurrency: 32,
            poll: Duration::from_millis(200),
        }
    }
}

/// The most of a receiver's answer the delivery log keeps.
const EXCERPT_BYTES: usize = 512;

/// Attempts recorded in one statement, at most.
const SETTLE_BATCH: usize = 256;

/// Runs until the process ends. `pool` is the worker's own, on the primary.
pub async fn run(pool: DbPool, settings: DeliverySettings) {
    let client = match client(&settings) {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhooks are not delivered: the HTTP client could not be built");
            return;
        }
    };
    let settings = Arc::new(settings);
    // Finished attempts go to one recorder, which writes all that are waiting at once.
    let (finished, attempts) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(record(pool.clone(), attempts));
    let mut in_flight = JoinSet::new();
    // Leasing waits for a batch's worth of room, so that a busy worker leases many at a time.
    let refill = settings.concurrency.div_ceil(2);
    loop {
        while in_flight.try_join_next().is_some() {}
        let room = settings.concurrency.saturating_sub(in_flight.len());
        let leased = lease(&pool, &settings, room).await;
        let idle = leased.is_empty();
        for delivery in leased {
            let (client, settings, finished) = (client.clone(), settings.clone(), finished.clone());
            in_flight.spawn(async move {
                let attempt = send(&client, &settings, delivery).await;
                let _ = finished.send(attempt);
            });
        }
        if idle {
            // Wake for a finished delivery (the next of its subject may be due) or the poll.
            tokio::select! {
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                () = tokio::time::sleep(settings.poll) => {}
            }
        }
        while settings.concurrency - in_flight.len() < refill {
            in_flight.join_next().await;
        }
    }
}

async fn lease(pool: &DbPool, settings: &DeliverySettings, room: usize) -> Vec<Leased> {
    // Long enough for the request and recording it; a worker that dies holds it no longer.
    let lease_for = settings.timeout + Duration::from_secs(15);
    let leased = async {
        let mut conn = pool.get().await.map_err(|error| error.to_string())?;
        webhook::lease(&mut conn, i32::try_from(room).unwrap_or(i32::MAX), lease_for)
            .await
            .map_err(|error| error.to_string())
    };
    match leased.await {
        Ok(leased) => leased,
        Err(error) => {
            tracing::warn!(%error, "leasing webhook deliveries");
            tokio::time::sleep(settings.poll).await;
            Vec::new()
        }
    }
}

/// Records finished attempts as they come, together when several are waiting.
async fn record(pool: DbPool, mut attempts: tokio::sync::mpsc::UnboundedReceiver<Attempt>) {
    let mut batch = Vec::with_capacity(SETTLE_BATCH);
    while attempts.recv_many(&mut batch, SETTLE_BATCH).await > 0 {
        let settled = async {
            let mut conn = pool.get().await.map_err(|error| error.to_string())?;
            webhook::settle(&mut conn, &batch).await.map_err(|error| error.to_string())
        };
        if let Err(error) = settled.await {
            // Their leases run out and they are sent again: at least once.
            tracing::warn!(%error, attempts = batch.len(), "recording webhook attempts");
        }
        batch.clear();
    }
}

fn client(settings: &DeliverySettings) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Attest-Webhooks/", env!("CARGO_PKG_VERSION")));
    match settings.targets.allow_private {
        true => builder.build(),
        false => builder.dns_resolver(Arc::new(PublicOnly)).build(),
    }
}

/// Resolves names to their public addresses only, at the moment of connecting: a name that
/// pointed elsewhere when the subscription was written cannot lead a delivery inside.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                found.into_iter().filter(|address| is_public(address.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// One attempt, and what it came to.
async fn send(client: &reqwest::Client, settings: &DeliverySettings, delivery: Leased) -> Attempt {
    let (started, attempted_at) = (Instant::now(), Utc::now());
    let (status, error, excerpt) = match attempt(client, settings, &delivery).await {
        Ok((status, excerpt)) => (Some(status), None, excerpt),
        Err(error) => (None, Some(error), None),
    };
    let delivered = status.is_some_and(|status| (200..300).contains(&status));
    let attempts = u32::try_from(delivery.attempts).unwrap_or(0).saturating_add(1);
    let now = Utc::now();
    let spent = (now - delivery.created_at).to_std().unwrap_or_default();
    let retry_at = match delivered || spent >= settings.retry_for {
        true => None,
        false => {
            let jitter = f64::from(OsRng.next_u32()) / f64::from(u32::MAX);
            let wait = retry_delay(attempts, settings.first_retry, settings.longest_retry, jitter);
            Some(now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX))
        }
    };
    if !delivered {
        tracing::info!(delivery = %delivery.delivery_id, attempts, ?status, error, retry = retry_at.is_some(), "webhook not accepted");
    }
    Attempt {
        delivery_id: delivery.delivery_id,
        delivered,
        status: status.map(i32::from),
        error,
        response_excerpt: excerpt,
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        retry_at,
        attempted_at,
    }
}

/// Posts the event; the receiver's status and the start of its answer, or why there was none.
async fn attempt(
    client: &reqwest::Client,
    settings: &DeliverySettings,
    delivery: &Leased,
) -> Result<(u16, Option<String>), String> {
    let url = url::Url::parse(&delivery.url).map_err(|error| format!("the target is not a URL: {error}"))?;
    // Names are checked as they resolve (`PublicOnly`); addresses written out are checked here.
    let literal = match url.host() {
        Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        _ => None,
    };
    if literal.is_some_and(|address| !is_public(address)) && !settings.targets.allow_private {
        return Err("the target is a private address, which this server does not send to".into());
    }
    let id = delivery.event_id.to_string();
    let timestamp = Utc::now().timestamp();
    let signed = signature(&delivery.secret, &id, timestamp, &delivery.body)
        .ok_or("the subscription's secret is not a whsec_ key")?;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|error| describe(&error.without_url()))?;
    let status = response.status().as_u16();
    Ok((status, excerpt(response).await))
}

/// The first bytes of an answer's body, read no further.
async fn excerpt(mut response: reqwest::Response) -> Option<String> {
    let mut kept = Vec::with_capacity(EXCERPT_BYTES);
    while kept.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(EXCERPT_BYTES - kept.len())]),
            _ => break,
        }
    }
    (!kept.is_empty()).then(|| String::from_utf8_lossy(&kept).into_owned())
}

/// An error with its causes: "connection refused" is in the source, not the top.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
