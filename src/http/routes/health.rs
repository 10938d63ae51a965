//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, web};
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::ServiceError;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
}

/// The process is up and answering.
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers through the pool, and its schema is the one this build expects.
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let mut conn = state.database.primary.get().await?;
    if !crate::db::schema_is_current(&mut conn).await? {
        return Err(ServiceError::NotReady(
            "the database schema is not at this build's latest migration".into(),
        )
        .into());
    }
    Ok(web::Json(Health { status: "ready" }))
}

/// `GET /metrics`, in the Prometheus text format.
pub async fn render(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
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
    encoder.encode(&state.metrics.registry.gather(), &mut buffer).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(encoder.format_type()).body(buffer))
}
