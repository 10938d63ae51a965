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

/// The database answers through the pool, and its schema is the one this build expects.
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    #[derive(diesel::QueryableByName)]
    struct Latest {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        version: Option<String>,
    }
    let mut conn = state.conn().await?;
    let applied: Latest = diesel::sql_query("SELECT max(version) AS version FROM __diesel_schema_migrations")
        .get_result(&mut conn)
        .await?;
    if applied.version.as_deref() != Some(crate::db::latest_migration().as_str()) {
        return Err(ApiError::NotReady("the database schema is not at this build's latest migration".into()));
    }
    Ok(web::Json(Health { status: "ready" }))
}
