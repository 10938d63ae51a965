//! One access-log line and the request metrics for every answer, inside a root span that
//! carries the request's ids; the id goes back in `X-Request-Id`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use crate::http::middleware::access::MatchedRoute;
use crate::http::state::AppState;

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
            && let Some(route) = response.request().extensions().get::<MatchedRoute>()
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
        .get::<MatchedRoute>()
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
