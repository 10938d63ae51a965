//! Prometheus metrics: requests and their latency by route and status, the connection pool,
//! and database errors. `GET /metrics` renders them in the text exposition format.

use std::sync::LazyLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::cache::RecordCache;
use crate::startup::AppState;

/// Database failures (lost connections, pool timeouts, unexpected errors), across the process.
pub static DATABASE_ERRORS: LazyLock<IntCounter> = LazyLock::new(|| {
    IntCounter::new(
        "attest_database_errors_total",
        "Database errors: lost connections, pool timeouts, failed queries",
    )
    .expect("a valid metric")
});

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_size: IntGauge,
    pool_available: IntGauge,
    pool_waiting: IntGauge,
    record_cache_bytes: IntGauge,
}

impl Metrics {
    pub fn new(records: &RecordCache) -> Self {
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
        for collector in collectors.into_iter().chain(records.collectors()) {
            registry.register(collector).expect("metric names are unique");
        }
        Self { registry, requests, latency, pool_size, pool_available, pool_waiting, record_cache_bytes }
    }
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The caller's own `X-Request-Id`, when it is a sane one (1 to 128 letters, digits and
/// `-_.:`), so a request can be followed from the client or a proxy through our logs.
pub fn incoming_request_id(request: &ServiceRequest) -> Option<&str> {
    let id = request.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let sane = (1..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    sane.then_some(id)
}

/// The root span of every request's log lines: method, path, the generated request id and
/// the caller's own, then the route pattern and status once answered. (tracing-actix-web's
/// own span looks the route up again when the request starts: a second pass through the
/// router on every request.)
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let request_id = request.extensions().get::<tracing_actix_web::RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %request.path(),
            http.route = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
            request_id = request_id.map(tracing::field::display),
            client_request_id = incoming_request_id(request).unwrap_or_default(),
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        if let Ok(response) = outcome
            && let Some(route) = response.request().extensions().get::<crate::auth::MatchedRoute>()
        {
            span.record("http.route", &*route.0);
        }
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Counts and times every answer by its route pattern (not its path: ids would explode the
/// label set), and returns the request's id in `X-Request-Id`: the caller's own if it sent a sane one,
/// else the one generated for the logs.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let client_id = incoming_request_id(&req).map(str::to_owned);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let mut response = next.call(req).await?;
    let route = response
        .request()
        .extensions()
        .get::<crate::auth::MatchedRoute>()
        .map_or_else(|| "unmatched".to_owned(), |matched| matched.0.to_string());
    let status = response.status().as_u16();
    let took = started.elapsed();
    if let Some(state) = state {
        let status = status.to_string();
        state.metrics.requests.with_label_values(&[method, route.as_str(), status.as_str()]).inc();
        state.metrics.latency.with_label_values(&[method, route.as_str()]).observe(took.as_secs_f64());
    }
    // The access log: one line per answer, inside the request's span (which carries its ids).
    // Never the headers, query string or body: they may hold credentials.
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status_code = status,
        duration_ms = took.as_secs_f64() * 1000.0,
        "answered"
    );
    let id = client_id.or_else(|| {
        response.request().extensions().get::<tracing_actix_web::RequestId>().map(ToString::to_string)
    });
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    Ok(response)
}

/// A method as a metric label: the standard ones by name, anything else as `OTHER`, so that
/// made-up methods cannot grow the label set.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "OTHER",
    }
}

/// `GET /metrics`, in the Prometheus text format.
pub async fn render(state: web::Data<AppState>) -> Result<HttpResponse, crate::error::ApiError> {
    let (mut size, mut available, mut waiting) = (0, 0, 0);
    for status in state.primary_pools.iter().map(|pool| pool.status()) {
        size += status.size;
        available += status.available;
        waiting += status.waiting;
    }
    state.metrics.pool_size.set(size as i64);
    state.metrics.pool_available.set(available as i64);
    state.metrics.pool_waiting.set(waiting as i64);
    state.metrics.record_cache_bytes.set(i64::try_from(state.records.weight()).unwrap_or(i64::MAX));
    let mut buffer = Vec::new();
    let encoder = TextEncoder::new();
    encoder
        .encode(&state.metrics.registry.gather(), &mut buffer)
        .map_err(crate::error::ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(encoder.format_type()).body(buffer))
}
