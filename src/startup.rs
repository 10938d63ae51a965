//! Builds the application from a bound listener, so tests and `serve` run the same server.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};

use crate::cache::RecordCache;
use crate::db::DatabaseSettings;
use crate::http::error::{ApiError, problem_for_plain_errors};
use crate::http::middleware::{after_write, conditional, request_log, security};
use crate::http::routes;
use crate::http::state::AppState;
use crate::services::auth::jwt::KeyRing;
use crate::services::auth::principals::PrincipalCache;
use crate::services::claimreview::Publisher;
use crate::services::log::SequencerSettings;
use crate::services::reads::{ReadBatches, ReadCounters};
use crate::services::webhook_delivery::DeliverySettings;
use crate::services::webhooks::TargetPolicy;
use crate::telemetry::metrics::Metrics;

pub struct HttpSettings {
    pub workers: usize,
    pub max_body_bytes: usize,
    pub public_read: bool,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// How long a verified caller is remembered (see `auth::cache`).
    pub auth_cache_ttl: Duration,
    /// Memory for answers to reads by id (see `cache`); 0 turns the cache off, and so do replicas.
    pub record_cache_bytes: u64,
    /// Peers whose `X-Forwarded-For` names the client (see `auth::client_address`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub publisher: Publisher,
    /// How webhooks are delivered; none sends none (a server beside one that delivers).
    pub webhooks: Option<DeliverySettings>,
    /// Which addresses webhook subscriptions may name.
    pub webhook_targets: TargetPolicy,
    /// The transparency log's key and pace; whether this server may sequence it.
    pub log: SequencerSettings,
    pub log_sequencer: bool,
}

/// The webhook worker's connections: one leases while the others record attempts.
const WEBHOOK_CONNECTIONS: usize = 2;

/// How long a client may take to send a request's headers.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(
    listener: TcpListener,
    database: &DatabaseSettings,
    keys: KeyRing,
    settings: &HttpSettings,
) -> anyhow::Result<Server> {
    let databases = database.pools_per_worker(settings.workers)?;
    let record_cache_bytes = if database.replica_urls.is_empty() { settings.record_cache_bytes } else { 0 };
    let records = Arc::new(RecordCache::new(record_cache_bytes));
    if records.is_on() {
        let follow_url = database.listen_url.as_ref().unwrap_or(&database.primary_url);
        tokio::spawn(crate::cache::follow(
            Arc::downgrade(&records),
            follow_url.clone(),
            database.primary_url.clone(),
        ));
    }
    if let Some(delivery) = &settings.webhooks {
        let pool = database.background_pool(WEBHOOK_CONNECTIONS)?;
        tokio::spawn(crate::services::webhook_delivery::run(pool, delivery.clone()));
    }
    if settings.log_sequencer {
        // Its lock lasts as long as its session: a direct connection, never a pooler's.
        let session_url = database.listen_url.as_ref().unwrap_or(&database.primary_url);
        tokio::spawn(crate::services::log::run_sequencer(session_url.clone(), settings.log.clone()));
    }
    let read_counters = ReadCounters::new();
    let shared = AppState {
        database: databases[0].clone(),
        primary_pools: databases.iter().map(|database| database.primary.clone()).collect(),
        schema_ready: Arc::default(),
        next_replica: Arc::default(),
        keys,
        log_key: settings.log.key.clone(),
        public_read: settings.public_read,
        max_body_bytes: settings.max_body_bytes,
        throttle: Arc::default(),
        principals: Arc::new(PrincipalCache::new(settings.auth_cache_ttl)),
        metrics: Arc::new(Metrics::new(records.collectors().into_iter().chain(read_counters.collectors()))),
        records,
        exports: Arc::new(tokio::sync::Semaphore::new(routes::records::MAX_CONCURRENT_EXPORTS)),
        trusted_proxies: settings.trusted_proxies.clone().into(),
        publisher: Arc::new(settings.publisher.clone()),
        webhook_targets: settings.webhook_targets,
        workspace_ids: Arc::default(),
    };
    let cors_origins = settings.cors_origins.clone();
    let max_body_bytes = settings.max_body_bytes;
    // actix calls the factory once on each worker's thread (again if a worker is restarted).
    let next_worker = Arc::new(AtomicUsize::new(0));
    let server = HttpServer::new(move || {
        let database = databases[next_worker.fetch_add(1, Ordering::Relaxed) % databases.len()].clone();
        let state = web::Data::new(AppState { database, ..shared.clone() });
        App::new()
            .app_data(state.clone())
            .app_data(web::Data::new(ReadBatches::new(read_counters.clone())))
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .app_data(web::PathConfig::default().error_handler(|error, _| {
                ApiError::BadParameter(format!("invalid path: {error}; ids are UUIDs")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::BadParameter(format!("invalid query string: {error}")).into()
            }))
            .wrap(from_fn(conditional::conditional_reads))
            .wrap(from_fn(security::reject_control_characters))
            .wrap(from_fn(after_write::after_write))
            .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
            .wrap(security::cors(&cors_origins))
            .wrap(security::security_headers())
            .wrap(from_fn(request_log::record))
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .workers(settings.workers)
    .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
    // actix stops at once on SIGINT; `attest serve` handles both signals itself, gracefully.
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}
