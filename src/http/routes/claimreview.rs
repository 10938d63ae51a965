//! schema.org ClaimReview (JSON-LD) for reviewed quotes and claims, one at a time or as a
//! feed of everything reviewed since a given time.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::reviews::Reviewed;
use crate::db::PageRequest;
use crate::domain::Principal;
use crate::domain::publication::{ClaimSearch, ClaimSearchInput};
use crate::http::error::ApiError;
use crate::http::extractors::NoFilter;
use crate::http::extractors::{Cursor, Paged};
use crate::http::responders::Listed;
use crate::http::responders::page_response;
use crate::http::state::{AppState, Scope};
use crate::services::claimreview::{self, FactCheckView};
use crate::services::matches::{self, MatchView};

pub const JSON_LD: &str = "application/ld+json";

fn json_ld(document: Value) -> HttpResponse {
    HttpResponse::Ok().content_type(JSON_LD).json(document)
}

/// The ClaimReview of the verdict on a quote or a claim.
pub async fn for_item<R: Reviewed>(scope: Scope, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (publisher, item) = (scope.state().publisher.clone(), R::item(*id));
    Ok(json_ld(scope.read(async |conn| claimreview::document_for(conn, &publisher, item).await).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Items reviewed at or after this time.
    since: DateTime<Utc>,
}

/// Every quote and claim whose latest verdict was recorded since `since`, oldest first, as
/// one JSON-LD document per item (`@graph`), a page at a time.
pub async fn feed(scope: Scope, req: HttpRequest, query: Paged<FeedQuery>) -> Result<HttpResponse, ApiError> {
    let (publisher, since, page) = (scope.state().publisher.clone(), query.filter.since, query.page()?);
    let found = scope.read(async |conn| claimreview::feed(conn, &publisher, since, page).await).await?;
    let next_cursor = found.has_more.then(|| found.rows.last().map(|(key, _)| key.encode())).flatten();
    let graph: Vec<Value> = found.rows.into_iter().map(|(_, document)| document).collect();
    // `next_cursor` is paging, not a schema.org term: the context maps it to nothing.
    let body = json!({
        "@context": ["https://schema.org", {"next_cursor": null}],
        "@graph": graph,
        "next_cursor": next_cursor,
    });
    let mut response = page_response(&req, next_cursor.as_deref(), &body);
    response.headers_mut().insert(
        actix_web::http::header::CONTENT_TYPE,
        actix_web::http::header::HeaderValue::from_static(JSON_LD),
    );
    Ok(response)
}

/// Published fact-checks of every workspace, newest first: all of them for a signed-in
/// caller, those of workspaces that publish publicly for anyone else.
pub async fn fact_checks(
    state: web::Data<AppState>,
    caller: Option<web::ReqData<Principal>>,
    query: Paged<NoFilter>,
) -> Result<Listed<FactCheckView>, ApiError> {
    let caller = caller.map(|c| *c);
    let found = claimreview::published(&mut *state.primary().await?, caller, query.page()?).await?;
    Ok(Listed::from_page(found, |(_, view)| view, |(id, _)| *id))
}

/// Published verdicts on claims that say the same thing as this one.
pub async fn claim_matches(scope: Scope, id: web::Path<Uuid>) -> Result<web::Json<Vec<MatchView>>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.read(async |conn| matches::of_claim(conn, id).await).await?))
}

/// Published verdicts on quotes of the same speaker worded like this one.
pub async fn quote_matches(scope: Scope, id: web::Path<Uuid>) -> Result<web::Json<Vec<MatchView>>, ApiError> {
    let id = *id;
    Ok(web::Json(scope.read(async |conn| matches::of_quote(conn, id).await).await?))
}

/// Google Fact Check Tools' `claims:search`, served from published fact-checks: the same
/// parameters (`pageToken` is this API's cursor) and the same answer.
pub async fn search_claims(
    state: web::Data<AppState>,
    caller: Option<web::ReqData<Principal>>,
    query: web::Query<ClaimSearchInput>,
) -> Result<HttpResponse, ApiError> {
    let search = ClaimSearch::try_from(query.into_inner()).map_err(|e| {
        ApiError::BadParameter(format!("{}: {}", e.pointer.trim_start_matches('/'), e.detail))
    })?;
    let after = match &search.page_token {
        Some(token) => Some(
            <(f64, Uuid)>::decode(token)
                .ok_or_else(|| ApiError::BadParameter("pageToken: not one this API gave".into()))?,
        ),
        None => None,
    };
    let page = PageRequest { after, limit: i64::from(search.page_size), newest_first: false };
    let (publisher, caller) = (state.publisher.clone(), caller.map(|c| *c));
    let found =
        claimreview::search_claims(&mut *state.primary().await?, &publisher, caller, search, page).await?;
    let next = found.has_more.then(|| found.rows.last().map(|(key, _)| key.encode())).flatten();
    let claims: Vec<Value> = found.rows.into_iter().map(|(_, claim)| claim).collect();
    let mut body = json!({ "claims": claims });
    if let Some(token) = next {
        body["nextPageToken"] = json!(token);
    }
    Ok(HttpResponse::Ok().json(body))
}
