//! One access-log line and the request metrics for every answer, inside a root span that
//! carries the request's ids; the id goes back in `X-Request-Id`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;
use uuid::Uuid;

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

/// Counts and times every answer by its route pattern (not its path: ids would explode the
/// label set), and writes its access-log line; all of the request's log lines are in one span
/// that carries its ids: method, path, a generated request id and the caller's own. The
/// request's id goes back in `X-Request-Id`: the caller's own if it sent a sane one, else the
/// generated one.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let client_id = incoming_request_id(&req).map(str::to_owned);
    let mut generated = Uuid::encode_buffer();
    let request_id = &*Uuid::new_v4().hyphenated().encode_lower(&mut generated);
    let span = tracing::info_span!(
        "HTTP request",
        http.method = req.method().as_str(),
        http.target = req.path(),
        request_id,
        client_request_id = client_id.as_deref().unwrap_or_default(),
    );
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // The access log line is written inside the instrumented future: it is in the span
    // without entering it again.
    let answered = async {
        let response = next.call(req).await?;
        let route = response.request().extensions().get::<MatchedRoute>().map(|matched| matched.0.clone());
        let route = route.as_deref().unwrap_or("unmatched");
        let status = response.status();
        let took = started.elapsed();
        if let Some(state) = state {
            state.metrics.requests.with_label_values(&[method, route, status.as_str()]).inc();
            state.metrics.latency.with_label_values(&[method, route]).observe(took.as_secs_f64());
        }
        // The access log: one line per answer. Never the headers, query string or body: they
        // may hold credentials.
        tracing::info!(
            http.method = method,
            http.route = route,
            http.status_code = status.as_u16(),
            duration_ms = took.as_secs_f64() * 1000.0,
            "answered"
        );
        Ok::<_, actix_web::Error>(response)
    };
    let mut response = answered.instrument(span).await?;
    let id = client_id.as_deref().unwrap_or(request_id);
    if let Ok(value) = HeaderValue::from_str(id) {
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
