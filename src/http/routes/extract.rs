//! From article to records: extraction candidates for a stored source, and accepting the
//! chosen ones as quotes and claims.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::middleware::access::Caller;
use crate::http::state::AppState;
use crate::services::extraction::{self, Acceptance, Proposals};

/// Candidates found in the source's text; nothing is stored.
pub async fn propose(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Proposals>, ApiError> {
    Ok(web::Json(extraction::propose(&mut *state.primary().await?, *id).await?))
}

/// Stores the chosen candidates as quotes and claims, all or nothing.
pub async fn accept(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    body: JsonBody<Acceptance>,
) -> Result<HttpResponse, ApiError> {
    let accepted = extraction::accept(&mut *state.primary().await?, caller, *id, body.0).await?;
    Ok(HttpResponse::Created().json(accepted))
}
