//! The handlers of the stored records (sources, speakers, quotes, claims), one set for all
//! four: each parses the request, calls the record flow of the same name
//! (`services::records`) for the collection's kind, and responds.

use std::future::Future;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use serde_json::Value;

use crate::cache::CachedRecord;
use crate::db::{Page, PageRequest, Versioned};
use crate::http::error::ApiError;
use crate::http::extractors::{Batch, IfMatch, JsonBody, Paged};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Created, Listed, Tagged};
use crate::http::state::Scope;
use crate::services::ServiceError;
use crate::services::claims::ClaimView;
use crate::services::quotes::QuoteView;
use crate::services::reads::ReadBatches;
use crate::services::records::{self as flows, Record, Saved, Submission};
use crate::services::sources::SourceView;
use crate::services::speakers::SpeakerView;

/// A kind of stored record as the API serves it, at `/{PATH}`.
pub trait Collection: Record {
    const PATH: &'static str;
    /// The columns of its CSV export: `id`, then the record's other fields in alphabetical
    /// order, but those a record has only in the answer to a write.
    const COLUMNS: &'static [&'static str];
}

impl Collection for SourceView {
    const PATH: &'static str = "sources";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "author",
        "canonical_url",
        "content",
        "content_sha256",
        "created_at",
        "created_by",
        "kind",
        "language",
        "published_at",
        "publisher",
        "retrieved_at",
        "supersedes_id",
        "title",
        "updated_at",
        "url",
        "version",
    ];
}

impl Collection for SpeakerView {
    const PATH: &'static str = "speakers";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "aliases",
        "created_at",
        "created_by",
        "description",
        "identified_as",
        "kind",
        "name",
        "updated_at",
        "version",
        "wikidata_qid",
    ];
}

impl Collection for QuoteView {
    const PATH: &'static str = "quotes";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "anchor",
        "assignee_id",
        "canonical_quote_id",
        "created_at",
        "created_by",
        "kind",
        "language",
        "language_inherited",
        "relayed_by",
        "reviewed_at",
        "said_at",
        "source_id",
        "speaker_id",
        "speaker_identified_as",
        "speaker_role",
        "stale_reasons",
        "stale_since",
        "status",
        "text",
        "updated_at",
        "verdict_stale",
        "version",
    ];
}

impl Collection for ClaimView {
    const PATH: &'static str = "claims";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "anchor",
        "as_of",
        "assignee_id",
        "claimant_id",
        "claimant_identified_as",
        "claimant_role",
        "created_at",
        "created_by",
        "language",
        "language_inherited",
        "lower_bound",
        "metric",
        "period_end",
        "period_start",
        "place",
        "qualifier",
        "reviewed_at",
        "source_id",
        "stale_reasons",
        "stale_since",
        "statement",
        "status",
        "unit",
        "updated_at",
        "upper_bound",
        "value",
        "verdict_stale",
        "version",
    ];
}

type Filter<K> = <<K as Record>::Row as Versioned>::Filter;

pub async fn create<K: Collection>(
    scope: Scope,
    Caller(caller): Caller,
    body: JsonBody<K::Input>,
) -> Result<Tagged<K>, ApiError> {
    let created =
        scope.write(async |conn| flows::create::<K>(conn, caller, Submission::One(body.0)).await).await?;
    Tagged::created(K::PATH, created)
}

pub async fn create_batch<K: Collection>(
    scope: Scope,
    Caller(caller): Caller,
    body: JsonBody<Batch<K::Input>>,
) -> Result<Created<K>, ApiError> {
    let batch = Submission::Batch(body.0.items);
    Ok(Created::from(scope.write(async |conn| flows::create::<K>(conn, caller, batch).await).await?))
}

/// A record by id, from this server's record cache when it can (see `crate::cache`), else
/// from the database. The database read's future is made, on the heap, only then: a cached
/// answer neither builds nor moves it.
pub async fn get<K: Collection>(
    scope: Scope,
    reads: web::Data<ReadBatches>,
    id: web::Path<Uuid>,
) -> Result<CachedRecord, ApiError> {
    let id = *id;
    let read = async {
        Box::pin(scope.read_by_id::<K>(reads.into_inner(), K::PATH, id)).await.map_err(|error| match error {
            ServiceError::Moved(survivor) => ApiError::MovedPermanently(format!("/{}/{survivor}", K::PATH)),
            other => other.into(),
        })
    };
    match scope.record_cache() {
        Some(cache) => cache.get_or_read(K::PATH, scope.workspace(), id, read).await,
        None => read.await,
    }
}

pub async fn list<K: Collection>(scope: Scope, query: Paged<Filter<K>>) -> Result<Listed<K>, ApiError> {
    let page = query.sorted_page()?;
    let filter = &query.filter;
    Ok(Listed::of_records(scope.read(async |conn| flows::list::<K>(conn, filter, page).await).await?))
}

/// The filtered list as CSV (see `export`).
pub async fn export_csv<K: Collection>(
    scope: Scope,
    query: Paged<Filter<K>>,
) -> Result<HttpResponse, ApiError> {
    let page = query.sorted_page()?;
    let (filter, pages) = (std::rc::Rc::new(query.filter), scope.clone());
    export(&scope, K::PATH, K::COLUMNS, page, move |page| {
        let (filter, scope) = (filter.clone(), pages.clone());
        async move { Ok(scope.read(async |conn| flows::list::<K>(conn, &filter, page).await).await?) }
    })
    .await
}

/// A JSON Merge Patch at the version the client read (`If-Match`).
pub async fn update<K: Collection>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
    patch: JsonBody<Value>,
) -> Result<Tagged<K>, ApiError> {
    let id = *id;
    let saved =
        scope.write(async |conn| flows::update::<K>(conn, caller, id, expected, patch.0).await).await?;
    Ok(Tagged::ok(saved))
}

pub async fn delete<K: Collection>(
    scope: Scope,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    IfMatch(expected): IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    scope.write(async |conn| flows::delete::<K>(conn, caller, id, expected).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Most rows fetched per round trip while exporting. The first page is one row: how large
/// the rows are is not known until one is read.
const EXPORT_BATCH: i64 = 1000;
const EXPORT_FIRST_PAGE: i64 = 1;
/// CSV an export aims to write per page: the page size follows the rows' size, so a page of
/// sources with megabyte texts is a few rows, and one of claims a thousand.
const EXPORT_CHUNK_BYTES: usize = 1 << 20;
/// Exports streaming at once on one server; more answer 503. Each holds a database
/// connection only while it reads a page, but reads a page as fast as its client takes them.
pub const MAX_CONCURRENT_EXPORTS: usize = 4;
/// How long an export waits for its client to take the next chunk before it gives up.
const EXPORT_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The filtered list as CSV, streamed: pages are read and written one at a time, so memory
/// stays flat however many rows match. Each page takes a connection and gives it back, so a
/// client that stops reading holds no connection, and its export ends after
/// `EXPORT_SEND_TIMEOUT`. The header row names `columns` (an export that matches nothing is
/// that row alone); nested values are written as JSON.
///
/// `read_page` reads one page of the list with a connection of its own (from `scope`).
pub async fn export<V, F>(
    scope: &Scope,
    name: &'static str,
    columns: &'static [&'static str],
    mut page: PageRequest,
    read_page: impl Fn(PageRequest) -> F + 'static,
) -> Result<HttpResponse, ApiError>
where
    V: Serialize + Send + 'static,
    F: Future<Output = Result<Page<Saved<V>>, ApiError>> + 'static,
{
    let slot = scope.state().exports.clone().try_acquire_owned().map_err(|_| {
        ServiceError::Overloaded(format!("{MAX_CONCURRENT_EXPORTS} exports are running; try again shortly"))
    })?;
    page.limit = EXPORT_FIRST_PAGE;
    // The first page is read before answering, so a bad filter still gets a proper error.
    let first = read_page(page).await?;
    let (sender, receiver) = mpsc::channel::<Result<web::Bytes, ApiError>>(4);
    actix_web::rt::spawn(async move {
        let _slot = slot;
        send_pages(Ok(first), columns, page, read_page, sender).await;
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .streaming(body))
}

/// Sends `next` and the pages after it as CSV until the last, the client goes away (the
/// channel closes) or stops reading (the channel stays full for `EXPORT_SEND_TIMEOUT`).
/// Each page is sized to about `EXPORT_CHUNK_BYTES` by the rows before it.
async fn send_pages<V: Serialize + Send + 'static, F: Future<Output = Result<Page<Saved<V>>, ApiError>>>(
    mut next: Result<Page<Saved<V>>, ApiError>,
    columns: &'static [&'static str],
    mut page: PageRequest,
    read_page: impl Fn(PageRequest) -> F,
    sender: mpsc::Sender<Result<web::Bytes, ApiError>>,
) {
    let send = async |chunk| {
        matches!(tokio::time::timeout(EXPORT_SEND_TIMEOUT, sender.send(chunk)).await, Ok(Ok(())))
    };
    let mut header = true;
    loop {
        let batch = match next {
            Ok(batch) => batch,
            Err(error) => {
                send(Err(error)).await;
                return;
            }
        };
        page.after = batch.rows.last().map(|row| row.id);
        let (has_more, rows) = (batch.has_more, batch.rows.len().max(1));
        let chunk = csv_off_the_workers(batch.rows, columns, std::mem::take(&mut header)).await;
        if let Ok(bytes) = &chunk {
            let per_row = bytes.len() / rows + 1;
            page.limit = (EXPORT_CHUNK_BYTES / per_row).clamp(1, EXPORT_BATCH as usize) as i64;
        }
        if !send(chunk).await || !has_more {
            return;
        }
        next = read_page(page).await;
    }
}

/// Turning rows into CSV is CPU work in proportion to their size: off the async workers.
async fn csv_off_the_workers<V: Serialize + Send + 'static>(
    rows: Vec<Saved<V>>,
    columns: &'static [&'static str],
    header: bool,
) -> Result<web::Bytes, ApiError> {
    crate::services::cpu::run(move || csv_chunk(rows, columns, header)).await?
}

/// CSV lines for `rows` in `columns`, after the header row if `header`.
fn csv_chunk<V: Serialize>(
    rows: Vec<Saved<V>>,
    columns: &[&str],
    header: bool,
) -> Result<web::Bytes, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if header {
        writer.write_record(columns).map_err(ApiError::internal)?;
    }
    for row in rows {
        let serde_json::Value::Object(record) = serde_json::to_value(row.view).map_err(ApiError::internal)?
        else {
            return Err(ApiError::internal("a record did not serialise to an object"));
        };
        let cells = columns.iter().map(|name| match record.get(*name) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => spreadsheet_safe(text),
            Some(other) => spreadsheet_safe(&other.to_string()),
        });
        writer.write_record(cells).map_err(ApiError::internal)?;
    }
    writer.into_inner().map(web::Bytes::from).map_err(ApiError::internal)
}

/// A cell that a spreadsheet would read as a formula (it begins with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) gets a leading apostrophe, as OWASP's "CSV Injection" advises;
/// a plain negative number such as `-12.5` is left as it is.
fn spreadsheet_safe(text: &str) -> String {
    let is_negative_number = text.strip_prefix('-').is_some_and(|digits| {
        let mut parts = digits.splitn(2, '.');
        parts.all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    });
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_negative_number {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        for formula in ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\r=x", "-", "-1.", "--1"] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for plain in ["-12.5", "-300000", "300000", "Ana = Bob", "", "a-b"] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }
}
