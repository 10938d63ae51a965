//! Speaker identity: merging two records of the same person, and undoing it.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody};
use crate::http::middleware::access::Caller;
use crate::http::state::Scope;
use crate::services::speakers::{self, MergeView};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeInto {
    /// The speaker that stays.
    into: Uuid,
}

/// An editor merges this speaker (at the version read) into another.
pub async fn merge(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<MergeInto>,
) -> Result<HttpResponse, ApiError> {
    let (id, into) = (*id, body.0.into);
    let merged = scope.write(async |conn| speakers::merge(conn, caller, id, expected, into).await).await?;
    Ok(created(merged))
}

/// An editor undoes a merge.
pub async fn undo_merge(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MergeView>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.write(async |conn| speakers::undo_merge(conn, caller, id).await).await?))
}

fn created(merge: MergeView) -> HttpResponse {
    HttpResponse::Created().insert_header(("location", format!("/speaker-merges/{}", merge.id()))).json(merge)
}
