//! Prometheus metrics: requests and their latency by route and status, the connection pool,
//! and database errors, in one registry that `GET /metrics` renders.

use std::sync::LazyLock;

use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Database failures (lost connections, pool timeouts, unexpected errors), across the process.
pub static DATABASE_ERRORS: LazyLock<IntCounter> = LazyLock::new(|| {
    IntCounter::new(
        "attest_database_errors_total",
        "Database errors: lost connections, pool timeouts, failed queries",
    )
    .expect("a valid metric")
});

pub struct Metrics {
    pub registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub pool_size: IntGauge,
    pub pool_available: IntGauge,
    pub pool_waiting: IntGauge,
    pub record_cache_bytes: IntGauge,
}

impl Metrics {
    /// `others`: collectors kept elsewhere (the record cache's hit and miss counters).
    pub fn new(others: impl IntoIterator<Item = Box<dyn prometheus::core::Collector>>) -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("attest_http_requests_total", "HTTP requests answered, by route and status"),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("attest_http_request_duration_seconds", "Time to answer, by route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )
        .expect("a valid metric");
        let pool_size =
            IntGauge::new("attest_db_pool_connections", "Connections in the pool").expect("a valid metric");
        let pool_available = IntGauge::new("attest_db_pool_idle_connections", "Idle connections in the pool")
            .expect("a valid metric");
        let pool_waiting =
            IntGauge::new("attest_db_pool_waiting_requests", "Requests waiting for a connection")
                .expect("a valid metric");
        let record_cache_bytes =
            IntGauge::new("attest_record_cache_bytes", "Memory held by the record cache, in bytes")
                .expect("a valid metric");
        let collectors = [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_size.clone()),
            Box::new(pool_available.clone()),
            Box::new(pool_waiting.clone()),
            Box::new(DATABASE_ERRORS.clone()),
            Box::new(record_cache_bytes.clone()),
        ];
        for collector in collectors.into_iter().chain(others) {
            registry.register(collector).expect("metric names are unique");
        }
        Self { registry, requests, latency, pool_size, pool_available, pool_waiting, record_cache_bytes }
    }
}
