//! Sign-off and publication of a quote's or a claim's verdict.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::reviews::Reviewed;
use crate::domain::publication::{
    CorrectionDraft, CorrectionInput, NoticeInput, PublicationDraft, PublicationInput, SignOffDraft,
    SignOffInput, Withdrawal,
};
use crate::domain::text::Text;
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody};
use crate::http::middleware::access::Caller;
use crate::http::responders::Tagged;
use crate::http::state::Scope;
use crate::services::ServiceError;
use crate::services::publication::{self, PublicationView, SignOffStatus};

/// Where the item's current verdict stands under the workspace's sign-off policy.
pub async fn sign_offs<R: Reviewed>(
    scope: Scope,
    id: web::Path<Uuid>,
) -> Result<web::Json<SignOffStatus>, ApiError> {
    let item = R::item(*id);
    Ok(web::Json(scope.read(async |conn| publication::status(conn, item).await).await?))
}

/// Approves of or objects to the item's current verdict.
pub async fn sign_off<R: Reviewed>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    body: JsonBody<SignOffInput>,
) -> Result<HttpResponse, ApiError> {
    let (item, draft) = (R::item(*id), SignOffDraft::try_from(body.0).map_err(ServiceError::from)?);
    let status = scope.write(async |conn| publication::sign(conn, caller, item, draft).await).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, format!("/{}/{id}/sign-offs", R::COLLECTION)))
        .json(status))
}

/// The item's fact-check, as its workspace sees it.
pub async fn get<R: Reviewed>(
    scope: Scope,
    id: web::Path<Uuid>,
) -> Result<Tagged<PublicationView>, ApiError> {
    let item = R::item(*id);
    Ok(Tagged::ok(scope.read(async |conn| publication::publication(conn, item).await).await?))
}

/// Publishes the item's signed-off verdict as a fact-check.
pub async fn publish<R: Reviewed>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    body: JsonBody<PublicationInput>,
) -> Result<Tagged<PublicationView>, ApiError> {
    let (item, draft) = (R::item(*id), PublicationDraft::try_from(body.0).map_err(ServiceError::from)?);
    let saved = scope.write(async |conn| publication::publish(conn, caller, item, draft).await).await?;
    Ok(Tagged::created_at(format!("/{}/{id}/publication", R::COLLECTION), saved))
}

/// Corrects the published fact-check (`If-Match`: the publication's version).
pub async fn correct<R: Reviewed>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<CorrectionInput>,
) -> Result<Tagged<PublicationView>, ApiError> {
    let (item, draft) = (R::item(*id), CorrectionDraft::try_from(body.0).map_err(ServiceError::from)?);
    let saved =
        scope.write(async |conn| publication::correct(conn, caller, item, expected, draft).await).await?;
    Ok(Tagged::ok(saved))
}

async fn take_down<R: Reviewed>(
    scope: Scope,
    caller: crate::domain::Principal,
    id: Uuid,
    expected: crate::domain::ExpectedVersion,
    withdrawal: Withdrawal,
    body: NoticeInput,
) -> Result<Tagged<PublicationView>, ApiError> {
    let (item, notice) = (R::item(id), Text::try_from(body).map_err(ServiceError::from)?);
    let saved = scope
        .write(async |conn| publication::take_down(conn, caller, item, expected, withdrawal, notice).await)
        .await?;
    Ok(Tagged::ok(saved))
}

/// Unpublishes the fact-check (published in error), with a public notice.
pub async fn unpublish<R: Reviewed>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<NoticeInput>,
) -> Result<Tagged<PublicationView>, ApiError> {
    take_down::<R>(scope, caller, *id, expected, Withdrawal::Unpublished, body.0).await
}

/// Retracts the fact-check (its verdict no longer stands), with a public notice; final.
pub async fn retract<R: Reviewed>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    body: JsonBody<NoticeInput>,
) -> Result<Tagged<PublicationView>, ApiError> {
    take_down::<R>(scope, caller, *id, expected, Withdrawal::Retracted, body.0).await
}
