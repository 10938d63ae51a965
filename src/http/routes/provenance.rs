//! Provenance: where a quote first appeared, who relayed it, how its wording drifted, and
//! which snapshots of a source exist.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::reanchor::Outcome;
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Listed, Tagged, large_json, page_response};
use crate::http::state::Scope;
use crate::services::provenance::{self, LookalikeView, Provenance, SourceVersion};
use crate::services::quotes::QuoteView;
use crate::services::rechecks::{self, RecheckSummary, RecheckView};

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
) -> Result<HttpResponse, ApiError> {
    let (id, against) = (*id, query.against);
    large_json(scope.read(async |conn| provenance::source_diff(conn, id, against).await).await?).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecheckQuery {
    /// Only the records of this outcome.
    outcome: Option<Outcome>,
}

/// A version's re-check: its summary, and a page of its records.
#[derive(Serialize)]
struct RecheckBody {
    #[serde(flatten)]
    summary: RecheckSummary,
    #[serde(flatten)]
    records: Listed<RecheckView>,
}

/// How the quotes and claims anchored in the version this one superseded fared in its text.
pub async fn source_recheck(
    req: HttpRequest,
    scope: Scope,
    id: web::Path<Uuid>,
    query: Paged<RecheckQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, page) = (*id, query.page()?);
    let outcome = query.filter.outcome;
    let found = scope.read(async |conn| rechecks::get(conn, id, outcome, page).await).await?;
    let records = Listed::from_page(found.page, |view| view, RecheckView::id);
    let next_cursor = records.next_cursor.clone();
    Ok(page_response(&req, next_cursor.as_deref(), &RecheckBody { summary: found.summary, records }))
}
