//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::web;
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

/// The database answers through the pool, and its schema is the one this build expects.
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let mut conn = state.database.primary.get().await?;
    if !crate::db::schema_is_current(&mut conn).await? {
        return Err(ApiError::NotReady("the database schema is not at this build's latest migration".into()));
    }
    Ok(web::Json(Health { status: "ready" }))
}
