//! What the handlers of the stored records share: a read by id through the record cache,
//! and a filtered list exported as CSV.

use std::future::Future;
use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;

use crate::cache::CachedRecord;
use crate::db::{Page, PageRequest};
use crate::http::error::ApiError;
use crate::http::state::Reader;
use crate::services::records::Saved;

/// A record by id, from this server's record cache when it can (see `crate::cache`): `read`
/// reads it from the database otherwise.
pub async fn cached<V: Serialize>(
    reader: &Reader,
    collection: &'static str,
    id: Uuid,
    read: impl Future<Output = Result<Saved<V>, ApiError>>,
) -> Result<CachedRecord, ApiError> {
    let read = async {
        let record = read.await?;
        CachedRecord::new(collection, record.version, &record.view).map_err(ApiError::internal)
    };
    match reader.record_cache() {
        Some(cache) => cache.get_or_read(collection, id, read).await,
        None => read.await,
    }
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
/// `EXPORT_SEND_TIMEOUT`. Columns are the record's fields (`id` first, then alphabetical);
/// nested values are written as JSON.
///
/// `read_page` reads one page of the list with a connection of its own (from `reader`).
pub async fn export<V, F>(
    reader: &Reader,
    name: &'static str,
    mut page: PageRequest,
    read_page: impl Fn(PageRequest) -> F + 'static,
) -> Result<HttpResponse, ApiError>
where
    V: Serialize + Send + 'static,
    F: Future<Output = Result<Page<Saved<V>>, ApiError>> + 'static,
{
    let slot = reader.state().exports.clone().try_acquire_owned().map_err(|_| {
        ApiError::Overloaded(format!("{MAX_CONCURRENT_EXPORTS} exports are running; try again shortly"))
    })?;
    page.limit = EXPORT_FIRST_PAGE;
    // The first page is read before answering, so a bad filter still gets a proper error.
    let first = read_page(page).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<web::Bytes, ApiError>>(4);
    actix_web::rt::spawn(async move {
        let _slot = slot;
        let mut columns: Option<Vec<String>> = None;
        let mut next = Some(first);
        loop {
            let batch = match next.take() {
                Some(batch) => Ok(batch),
                None => read_page(page).await,
            };
            let batch = match batch {
                Ok(batch) => batch,
                Err(error) => {
                    let _ = tokio::time::timeout(EXPORT_SEND_TIMEOUT, sender.send(Err(error))).await;
                    return;
                }
            };
            page.after = batch.rows.last().map(|row| row.id);
            let has_more = batch.has_more;
            let rows = batch.rows.len().max(1);
            // Turning rows into CSV is CPU work in proportion to their size: off the workers.
            let mut known = columns.take();
            let chunk =
                match crate::services::cpu::run(move || (csv_chunk(batch.rows, &mut known), known)).await {
                    Ok((chunk, known)) => {
                        columns = known;
                        chunk
                    }
                    Err(error) => Err(error.into()),
                };
            if let Ok(bytes) = &chunk {
                let per_row = bytes.len() / rows + 1;
                page.limit = (EXPORT_CHUNK_BYTES / per_row).clamp(1, EXPORT_BATCH as usize) as i64;
            }
            // A closed channel means the client went away; a full one for too long, that it
            // stopped reading: either way, stop.
            let sent = tokio::time::timeout(EXPORT_SEND_TIMEOUT, sender.send(chunk)).await;
            if !matches!(sent, Ok(Ok(()))) || !has_more {
                return;
            }
        }
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

/// CSV lines for `rows`; the header comes with the first batch.
fn csv_chunk<V: Serialize>(
    rows: Vec<Saved<V>>,
    columns: &mut Option<Vec<String>>,
) -> Result<web::Bytes, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let serde_json::Value::Object(record) = serde_json::to_value(row.view).map_err(ApiError::internal)?
        else {
            return Err(ApiError::internal("a record did not serialise to an object"));
        };
        if columns.is_none() {
            let mut names: Vec<String> = record.keys().filter(|k| *k != "id").cloned().collect();
            names.insert(0, "id".to_owned());
            writer.write_record(&names).map_err(ApiError::internal)?;
            *columns = Some(names);
        }
        let cells = columns.iter().flatten().map(|name| match record.get(name) {
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
