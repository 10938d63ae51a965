//! The answer to a successful write waits until what it changed is visible to its client.

use actix_web::http::header::HeaderValue;
use actix_web::web;

use crate::http::state::{AppState, WAL_POSITION_HEADER};

/// What the answer to a successful write waits for: this server's record cache has dropped
/// what the write changed, and, with replicas, the primary's WAL position is in `Attest-Lsn`
/// for the client to send back on reads that must see the write.
pub async fn after_write(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let writes = !req.method().is_safe();
    let mut response = next.call(req).await?;
    let Some(state) = state.filter(|_| writes && response.status().is_success()) else {
        return Ok(response);
    };
    state.records.settle().await;
    if !state.database.replicas.is_empty()
        && let Ok(mut conn) = state.database.primary.get().await
        && let Ok(Some(position)) = crate::db::current_wal_position(&mut conn).await
        && let Ok(value) = HeaderValue::from_str(&position.to_string())
    {
        response.headers_mut().insert(WAL_POSITION_HEADER.clone(), value);
    }
    Ok(response)
}
