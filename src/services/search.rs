//! Ranked full-text search with highlighted snippets.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::ServiceResult;
use crate::db::search::{self, Hit, SearchCursor, SearchFilter, SearchType};
use crate::db::{Page, PageRequest};

#[derive(Serialize)]
pub struct HitView {
    #[serde(rename = "type")]
    kind: SearchType,
    pub id: Uuid,
    pub rank: f64,
    snippet: String,
    text: String,
    speaker_id: Option<Uuid>,
    source_id: Option<Uuid>,
    publisher: Option<String>,
    published_at: Option<DateTime<Utc>>,
}

/// A page of hits, and whether the query reached the number of matches search ranks.
pub struct Found {
    pub hits: Page<HitView>,
    /// As many matched as are ranked (`search::MAX_RANKED`, the first found): more may match,
    /// the pages hold the best of those only, and a more specific query reaches the rest.
    pub capped: bool,
}

/// The records of `kind` matching `q` and the filter, best first, after the page's key
/// `(rank, id)`.
pub async fn search(
    conn: &mut AsyncPgConnection,
    kind: SearchType,
    q: &str,
    filter: &SearchFilter,
    page: PageRequest<(f64, Uuid)>,
) -> ServiceResult<Found> {
    let after = page.after.map(|(rank, id)| SearchCursor { rank, id });
    let hits = search::search(conn, kind, q, filter, after, page.limit + 1).await?;
    // Every hit carries it, so a page without hits says false.
    let capped = hits.first().is_some_and(|hit| hit.capped);
    let hits = Page::from_overfetch(hits, page.limit);
    let view = |hit: Hit| HitView {
        kind,
        id: hit.id,
        rank: hit.rank,
        snippet: hit.snippet,
        text: hit.text,
        speaker_id: hit.speaker_id,
        source_id: hit.source_id,
        publisher: hit.publisher,
        published_at: hit.published_at,
    };
    Ok(Found { hits: super::records::page_of(hits, view), capped })
}
