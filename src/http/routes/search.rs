//! `GET /search`: ranked full-text search with highlighted snippets.

use actix_web::{HttpRequest, HttpResponse, Responder, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::search::{self, Hit, SearchCursor, SearchFilter, SearchType};
use crate::domain::kinds::ReviewStatus;
use crate::http::error::ApiError;
use crate::http::extractors::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::http::responders::{Listed, page_response};
use crate::http::state::Reader;

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
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct HitView {
    #[serde(rename = "type")]
    kind: SearchType,
    id: Uuid,
    rank: f64,
    snippet: String,
    text: String,
    speaker_id: Option<Uuid>,
    source_id: Option<Uuid>,
    publisher: Option<String>,
    published_at: Option<DateTime<Utc>>,
}

/// A page of hits, and whether the query reached the number of matches search ranks.
#[derive(Serialize)]
pub struct SearchPage {
    #[serde(flatten)]
    page: Listed<HitView>,
    /// As many matched as are ranked (`search::MAX_RANKED`, the first found): more may match,
    /// the pages hold the best of those only, and a more specific query reaches the rest.
    capped: bool,
}

impl Responder for SearchPage {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        page_response(req, self.page.next_cursor.as_deref(), &self)
    }
}

fn parse_cursor(cursor: &str) -> Result<SearchCursor, ApiError> {
    let bad = || ApiError::BadParameter("cursor is not one this server issued".into());
    let (rank, id) = cursor.split_once('_').ok_or_else(bad)?;
    Ok(SearchCursor { rank: rank.parse().map_err(|_| bad())?, id: Uuid::try_parse(id).map_err(|_| bad())? })
}

pub async fn search(reader: Reader, query: web::Query<SearchQuery>) -> Result<SearchPage, ApiError> {
    let query = query.into_inner();
    let q = query.q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS || q.contains('\0') {
        return Err(ApiError::BadParameter(format!("q must hold 1 to {MAX_QUERY_CHARS} characters")));
    }
    let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ApiError::BadParameter(format!("limit must be between 1 and {MAX_PAGE_SIZE}")));
    }
    let after = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let kind = query.kind.unwrap_or(SearchType::Quote);
    let filter = SearchFilter {
        speaker_id: query.speaker_id,
        source_id: query.source_id,
        publisher: query.publisher,
        language: query.language,
        status: query.status,
        published_from: query.published_from,
        published_to: query.published_to,
    };
    let mut hits = search::search(&mut *reader.conn().await?, kind, q, &filter, after, limit + 1).await?;
    let has_more = hits.len() as i64 > limit;
    hits.truncate(limit as usize);
    let next_cursor = has_more.then(|| hits.last().map(|h| format!("{}_{}", h.rank, h.id))).flatten();
    // Every hit carries it, so a page without hits says false.
    let capped = hits.first().is_some_and(|hit| hit.capped);
    let items = hits
        .into_iter()
        .map(|hit: Hit| HitView {
            kind,
            id: hit.id,
            rank: hit.rank,
            snippet: hit.snippet,
            text: hit.text,
            speaker_id: hit.speaker_id,
            source_id: hit.source_id,
            publisher: hit.publisher,
            published_at: hit.published_at,
        })
        .collect();
    Ok(SearchPage { page: Listed { items, next_cursor }, capped })
}
