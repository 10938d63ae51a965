//! `GET /search`: ranked full-text search with highlighted snippets.

use actix_web::{HttpRequest, HttpResponse, Responder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::search::{SearchFilter, SearchType};
use crate::domain::kinds::ReviewStatus;
use crate::http::error::ApiError;
use crate::http::extractors::Paged;
use crate::http::responders::{Listed, page_response};
use crate::http::state::Scope;
use crate::services::ServiceError;
use crate::services::search::{self, HitView};

/// Longest query, in characters.
const MAX_QUERY_CHARS: usize = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    q: String,
    #[serde(rename = "type", default)]
    kind: Option<SearchType>,
    speaker_id: Option<Uuid>,
    source_id: Option<Uuid>,
    publisher: Option<String>,
    language: Option<String>,
    status: Option<ReviewStatus>,
    published_from: Option<DateTime<Utc>>,
    published_to: Option<DateTime<Utc>>,
}

/// A page of hits, and whether the query reached the number of matches search ranks.
#[derive(Serialize)]
pub struct SearchPage {
    #[serde(flatten)]
    page: Listed<HitView>,
    /// More may match than are ranked (see `services::search::Found`).
    capped: bool,
}

impl Responder for SearchPage {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        page_response(req, self.page.next_cursor.as_deref(), &self)
    }
}

pub async fn search(scope: Scope, query: Paged<SearchQuery>) -> Result<SearchPage, ApiError> {
    let page = query.page()?;
    let SearchQuery {
        q,
        kind,
        speaker_id,
        source_id,
        publisher,
        language,
        status,
        published_from,
        published_to,
    } = query.filter;
    let filter =
        SearchFilter { speaker_id, source_id, publisher, language, status, published_from, published_to };
    let q = q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS || q.contains('\0') {
        return Err(ApiError::BadParameter(format!("q must hold 1 to {MAX_QUERY_CHARS} characters")));
    }
    let kind = kind.unwrap_or(SearchType::Quote);
    // Each parameter is well formed; together they ask for what does not exist (422).
    if kind == SearchType::Speaker && filter != SearchFilter::default() {
        return Err(ServiceError::validation(
            "/type",
            "speakers are found by name only: type=speaker takes no filter",
        )
        .into());
    }
    let found = scope.read(async |conn| search::search(conn, kind, q, &filter, page).await).await?;
    let page = Listed::from_page(found.hits, |hit| hit, |hit| (hit.rank, hit.id));
    Ok(SearchPage { page, capped: found.capped })
}
