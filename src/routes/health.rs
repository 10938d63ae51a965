//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::web;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
}

/// The process is up and answering.
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// The database answers a query through the pool.
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let mut conn = state.conn().await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(web::Json(Health { status: "ready" }))
}
