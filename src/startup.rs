//! Builds the application from a bound listener, so tests and `serve` run the same server.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::dev::Server;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, web};

use crate::auth::cache::PrincipalCache;
use crate::auth::jwt::KeyRing;
use crate::auth::throttle::Throttle;
use crate::cache::RecordCache;
use crate::db::{Database, DatabaseSettings, DbPool};
use crate::error::{ApiError, problem_for_plain_errors};
use crate::metrics::Metrics;
use crate::routes;
use crate::routes::claimreview::Publisher;

/// What every handler can reach: its worker's own database pools, and the rest shared by
/// all workers.
#[derive(Clone)]
pub struct AppState {
    pub database: Database,
    /// Every worker's primary pool, so `/metrics` counts the server's connections.
    pub primary_pools: Arc<[DbPool]>,
    /// Set once the primary is seen at this build's latest migration; until then requests
    /// answer 503 rather than query a schema that is not there yet.
    pub schema_ready: Arc<AtomicBool>,
    /// Where the next lag-tolerant read starts looking among the replicas (round robin).
    pub next_replica: Arc<AtomicUsize>,
    pub keys: KeyRing,
    /// Whether anonymous callers may read.
    pub public_read: bool,
    pub max_body_bytes: usize,
    pub throttle: Arc<Throttle>,
    pub principals: Arc<PrincipalCache>,
    pub records: Arc<RecordCache>,
    pub metrics: Arc<Metrics>,
    /// Exports streaming at once (see `routes::resource::export`).
    pub exports: Arc<tokio::sync::Semaphore>,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    pub publisher: Arc<Publisher>,
}

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
}

/// How long a client may take to send a request's headers.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers every answer carries: no sniffing, no framing, no referrer, nothing to run.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
}

/// Query strings never carry NUL or other control characters: PostgreSQL text cannot hold
/// NUL, and no filter needs them. Refused up front with 400.
async fn reject_control_characters(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let decoded = url::form_urlencoded::parse(req.query_string().as_bytes());
    if decoded.into_iter().any(|(k, v)| k.chars().chain(v.chars()).any(char::is_control)) {
        return Err(ApiError::BadParameter("the query string holds a control character".into()).into());
    }
    next.call(req).await
}

/// CORS for the configured origins only; credentials are allowed only for those origins,
/// never for a wildcard.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
            crate::routes::common::WAL_POSITION_HEADER.clone(),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            crate::routes::common::WAL_POSITION_HEADER.clone(),
        ])
        .supports_credentials()
        .max_age(3600)
}

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
        let listen_url = database.listen_url.as_ref().unwrap_or(&database.primary_url);
        tokio::spawn(crate::cache::listen(
            Arc::downgrade(&records),
            listen_url.clone(),
            database.primary_url.clone(),
        ));
    }
    let shared = AppState {
        database: databases[0].clone(),
        primary_pools: databases.iter().map(|database| database.primary.clone()).collect(),
        schema_ready: Arc::default(),
        next_replica: Arc::default(),
        keys,
        public_read: settings.public_read,
        max_body_bytes: settings.max_body_bytes,
        throttle: Arc::default(),
        principals: Arc::new(PrincipalCache::new(settings.auth_cache_ttl)),
        metrics: Arc::new(Metrics::new(&records)),
        records,
        exports: Arc::new(tokio::sync::Semaphore::new(routes::resource::MAX_CONCURRENT_EXPORTS)),
        trusted_proxies: settings.trusted_proxies.clone().into(),
        publisher: Arc::new(settings.publisher.clone()),
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
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .app_data(web::PathConfig::default().error_handler(|error, _| {
                ApiError::BadParameter(format!("invalid path: {error}; ids are UUIDs")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::BadParameter(format!("invalid query string: {error}")).into()
            }))
            .wrap(actix_web::middleware::from_fn(reject_control_characters))
            .wrap(actix_web::middleware::from_fn(crate::routes::common::after_write))
            .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
            .wrap(cors(&cors_origins))
            .wrap(security_headers())
            .wrap(actix_web::middleware::from_fn(crate::metrics::record))
            .wrap(tracing_actix_web::TracingLogger::<crate::metrics::RequestSpan>::new())
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
