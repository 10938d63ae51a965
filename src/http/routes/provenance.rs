//! Provenance: where a quote first appeared, who relayed it, how its wording drifted, and
//! which snapshots of a source exist.

use actix_web::web;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody};
use crate::http::middleware::access::Caller;
use crate::http::responders::Tagged;
use crate::http::state::AppState;
use crate::services::provenance::{self, LookalikeView, Provenance, SourceVersion};
use crate::services::quotes::QuoteView;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantLink {
    /// Any quote of the cluster to join.
    canonical_id: Uuid,
}

/// Quotes of the same speaker worded like this one, outside its cluster: candidates for a
/// reviewer to confirm as variants.
pub async fn similar(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<LookalikeView>>, ApiError> {
    Ok(web::Json(provenance::similar(&mut *state.primary().await?, *id).await?))
}

/// A reviewer confirms that this quote reports the same utterance as `canonical_id`.
pub async fn link_variant(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<VariantLink>,
) -> Result<Tagged<QuoteView>, ApiError> {
    let mut conn = state.primary().await?;
    let saved = provenance::link_variant(&mut conn, caller, *id, expected, body.0.canonical_id).await?;
    Ok(Tagged::ok(saved))
}

/// A reviewer splits this quote out of its cluster.
pub async fn unlink_variant(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<Tagged<QuoteView>, ApiError> {
    let saved = provenance::unlink_variant(&mut *state.primary().await?, caller, *id, expected).await?;
    Ok(Tagged::ok(saved))
}

pub async fn provenance(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Provenance>, ApiError> {
    Ok(web::Json(provenance::provenance(&mut *state.primary().await?, *id).await?))
}

/// Every stored snapshot of the source's URL, oldest first.
pub async fn source_versions(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<SourceVersion>>, ApiError> {
    Ok(web::Json(provenance::source_versions(&mut *state.primary().await?, *id).await?))
}
