//! Provenance: where a quote first appeared, who relayed it, how its wording drifted, and
//! which snapshots of a source exist.

use actix_web::web;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody};
use crate::http::middleware::access::Caller;
use crate::http::responders::Tagged;
use crate::http::state::Scope;
use crate::services::provenance::{self, LookalikeView, Provenance, SourceDiff, SourceVersion};
use crate::services::quotes::QuoteView;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantLink {
    /// Any quote of the cluster to join.
    canonical_id: Uuid,
}

/// Quotes of the same speaker worded like this one, outside its cluster: candidates for a
/// reviewer to confirm as variants.
pub async fn similar(scope: Scope, id: web::Path<Uuid>) -> Result<web::Json<Vec<LookalikeView>>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.read(async |conn| provenance::similar(conn, id).await).await?))
}

/// A reviewer confirms that this quote reports the same utterance as `canonical_id`.
pub async fn link_variant(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<VariantLink>,
) -> Result<Tagged<QuoteView>, ApiError> {
    let (id, canonical) = (*id, body.0.canonical_id);
    let saved = scope
        .write(async |conn| provenance::link_variant(conn, caller, id, expected, canonical).await)
        .await?;
    Ok(Tagged::ok(saved))
}

/// A reviewer splits this quote out of its cluster.
pub async fn unlink_variant(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<Tagged<QuoteView>, ApiError> {
    let id = *id;
    let saved =
        scope.write(async |conn| provenance::unlink_variant(conn, caller, id, expected).await).await?;
    Ok(Tagged::ok(saved))
}

pub async fn provenance(scope: Scope, id: web::Path<Uuid>) -> Result<web::Json<Provenance>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.read(async |conn| provenance::provenance(conn, id).await).await?))
}

/// Every stored snapshot of the source's URL, oldest first.
pub async fn source_versions(
    scope: Scope,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<SourceVersion>>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.read(async |conn| provenance::source_versions(conn, id).await).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The snapshot the changes are counted from.
    against: Uuid,
}

/// The word-level changes from snapshot `against` to this one.
pub async fn source_diff(
    scope: Scope,
    id: web::Path<Uuid>,
    query: web::Query<DiffQuery>,
) -> Result<web::Json<SourceDiff>, ApiError> {
    let (id, against) = (*id, query.against);
    Ok(web::Json(scope.read(async |conn| provenance::source_diff(conn, id, against).await).await?))
}
