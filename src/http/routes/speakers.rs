//! Speaker identity: merging two records of the same person, and undoing it; identifying an
//! anonymous speaker.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::speaker::IdentificationInput;
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody};
use crate::http::middleware::access::Caller;
use crate::http::responders::Tagged;
use crate::http::state::Scope;
use crate::services::speakers::{self, MergeView, SpeakerView};

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

/// An editor identifies this anonymous speaker (at the version read) as a named one.
pub async fn identify(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<IdentificationInput>,
) -> Result<Tagged<SpeakerView>, ApiError> {
    let (id, input) = (*id, body.0);
    let saved =
        scope.write(async |conn| speakers::identify(conn, caller, id, expected, Some(input)).await).await?;
    Ok(Tagged::ok(saved))
}

/// An editor withdraws the identification of this anonymous speaker (at the version read).
pub async fn withdraw_identification(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<Tagged<SpeakerView>, ApiError> {
    let id = *id;
    let saved = scope.write(async |conn| speakers::identify(conn, caller, id, expected, None).await).await?;
    Ok(Tagged::ok(saved))
}
