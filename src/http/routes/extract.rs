//! From article to records: extraction candidates for a stored source, and accepting the
//! chosen ones as quotes and claims.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::JsonBody;
use crate::http::middleware::access::Caller;
use crate::http::state::Scope;
use crate::services::extraction::{self, Acceptance, Proposals};

/// Candidates found in the source's text; nothing is stored.
pub async fn propose(scope: Scope, id: web::Path<Uuid>) -> Result<web::Json<Proposals>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.read(async |conn| extraction::propose(conn, id).await).await?))
}

/// Stores the chosen candidates as quotes and claims, all or nothing.
pub async fn accept(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    body: JsonBody<Acceptance>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let accepted = scope.write(async |conn| extraction::accept(conn, caller, id, body.0).await).await?;
    Ok(HttpResponse::Created().json(accepted))
}
