//! The transparency log, for anyone: its key and checkpoint, and the proofs that a leaf is in
//! a signed tree and that each signed tree extends the ones before.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::log::{self, ConsistencyProof, InclusionProof, LogView};

pub async fn view(state: web::Data<AppState>) -> Result<web::Json<LogView>, ApiError> {
    Ok(web::Json(log::view(&mut *state.primary().await?, &state.log_key).await?))
}

/// The latest checkpoint as a C2SP signed note: the text a witness saves.
pub async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let note = log::checkpoint(&mut *state.primary().await?).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(note))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    leaf_index: u64,
    /// A signed checkpoint's size; the latest by default.
    tree_size: Option<u64>,
}

pub async fn inclusion(
    state: web::Data<AppState>,
    query: web::Query<InclusionQuery>,
) -> Result<web::Json<InclusionProof>, ApiError> {
    let proof = log::inclusion(&mut *state.primary().await?, query.leaf_index, query.tree_size).await?;
    Ok(web::Json(proof))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    from: u64,
    /// A signed checkpoint's size; the latest by default.
    to: Option<u64>,
}

pub async fn consistency(
    state: web::Data<AppState>,
    query: web::Query<ConsistencyQuery>,
) -> Result<web::Json<ConsistencyProof>, ApiError> {
    Ok(web::Json(log::consistency(&mut *state.primary().await?, query.from, query.to).await?))
}
