//! The handlers every stored resource shares — create, batch create, read, list, update,
//! delete — written once over the `Resource` trait that each resource file implements.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::common::{Batch, editable, merge_patch, written};
use crate::cache::CachedRecord;
use crate::db::audit::{self, Change};
use crate::db::{Page, PageRequest, Versioned};
use crate::domain::Principal;
use crate::domain::kinds::Role;
use crate::http::error::ApiError;
use crate::http::extractors::{IfMatch, JsonBody};
use crate::http::middleware::access::Caller;
use crate::http::responders::{Created, Listed, Tagged};
use crate::http::state::AppState;
use crate::http::state::Reader;

/// One REST resource: its wire types, and how its rows are prepared, stored and read.
/// The writes return `Send` futures so that they can run inside a transaction.
pub trait Resource: 'static {
    /// The collection's path segment, e.g. `"quotes"`.
    const COLLECTION: &'static str;
    /// The entity name in the audit trail, e.g. `"quote"`.
    const ENTITY: &'static str;
    /// View fields the server owns; a patch naming them is refused as an unknown field.
    const READ_ONLY: &'static [&'static str];
    /// Fields set at creation that an update may repeat but not change.
    const FIXED: &'static [&'static str];

    type Row: Versioned + Clone + Send + 'static;
    type View: Serialize + From<Self::Row> + Send;
    /// A create body; an update is merged into the current record and read as one too.
    type Input: DeserializeOwned + Send + 'static;
    /// A checked row, ready to insert (or to update with).
    type Fields: Send;
    /// The list's query string: filters, `limit` and `cursor`.
    type Query: DeserializeOwned + 'static;

    /// Validates inputs (and what they refer to); errors point at `/items/N/...` in a batch.
    /// `updating` names the record an update is for.
    fn prepare(
        conn: &mut AsyncPgConnection,
        inputs: Vec<Self::Input>,
        batch: bool,
        updating: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<Self::Fields>, ApiError>> + Send;
    fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<Self::Fields>,
        created_by: Uuid,
    ) -> impl Future<Output = QueryResult<Vec<Self::Row>>> + Send;
    fn find(conn: &mut AsyncPgConnection, id: Uuid) -> impl Future<Output = QueryResult<Self::Row>>;
    /// The page the list's query string asks for.
    fn page(query: &Self::Query) -> Result<PageRequest, ApiError>;
    fn list(
        conn: &mut AsyncPgConnection,
        query: &Self::Query,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Self::Row>, ApiError>>;
    fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        fields: Self::Fields,
    ) -> impl Future<Output = QueryResult<Option<Self::Row>>> + Send;
    fn soft_delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
    ) -> impl Future<Output = QueryResult<Option<Self::Row>>> + Send;
    /// Refuses to delete a record others still cite.
    fn check_deletable(conn: &mut AsyncPgConnection, id: Uuid) -> impl Future<Output = Result<(), ApiError>>;
    /// The record as the audit trail keeps it: the view, or less of it where a field is
    /// large and fixed (a source's text is kept once, in its row, and named by its hash).
    fn audited(view: serde_json::Value) -> serde_json::Value {
        view
    }
    /// Whether reviewers have started on the record (then only editors change it).
    fn under_review(_row: &Self::Row) -> bool {
        false
    }
    /// Fields a published verdict shows of this record, and whether a verdict now rests on it:
    /// then only an editor may change those fields.
    fn fields_verdicts_show(
        _conn: &mut AsyncPgConnection,
        _id: Uuid,
    ) -> impl Future<Output = QueryResult<&'static [&'static str]>> {
        std::future::ready(Ok(&[][..]))
    }
}

/// Submitters change only what they submitted; once reviewers have started on a record,
/// only editors change it, so a verdict never silently covers different words.
fn check_may_change<R: Resource>(caller: &Principal, row: &R::Row) -> Result<(), ApiError> {
    if !caller.at_least(Role::Reviewer) && row.created_by() != Some(caller.user_id) {
        return Err(ApiError::Forbidden("submitters may change only what they submitted".into()));
    }
    if R::under_review(row) && !caller.at_least(Role::Editor) {
        return Err(ApiError::Forbidden(
            "this record is under review; only an editor may change it now".into(),
        ));
    }
    Ok(())
}

/// The record as the API shows it, for responses and the audit trail.
fn snapshot<R: Resource>(row: R::Row) -> Result<(i32, R::View, serde_json::Value), ApiError> {
    let version = row.version();
    let view = R::View::from(row);
    let json = serde_json::to_value(&view).map_err(ApiError::internal)?;
    Ok((version, view, json))
}

/// Inserts prepared rows with one audit event each. Runs inside the caller's transaction.
pub async fn insert_audited<R: Resource>(
    conn: &mut AsyncPgConnection,
    caller: &Principal,
    rows: Vec<R::Fields>,
) -> Result<Vec<(Uuid, i32, R::View)>, ApiError> {
    let mut created = Vec::new();
    let mut changes = Vec::new();
    for row in R::insert(conn, rows, caller.user_id).await? {
        let id = row.id();
        let (version, view, after) = snapshot::<R>(row)?;
        changes.push(Change {
            actor: Some(caller),
            action: "create",
            entity_type: R::ENTITY,
            entity_id: id,
            before: None,
            after: Some(R::audited(after)),
        });
        created.push((id, version, view));
    }
    audit::append_all(conn, changes).await?;
    Ok(created)
}

async fn create_all<R: Resource>(
    state: &AppState,
    caller: Principal,
    inputs: Vec<R::Input>,
    batch: bool,
) -> Result<Vec<(Uuid, i32, R::View)>, ApiError> {
    let mut conn = state.conn().await?;
    let rows = R::prepare(&mut conn, inputs, batch, None).await?;
    // One transaction: every row and its audit event, or nothing.
    conn.transaction::<_, ApiError, _>(async move |conn| insert_audited::<R>(conn, &caller, rows).await).await
}

pub async fn create<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<R::Input>,
) -> Result<Tagged<R::View>, ApiError> {
    let (id, version, view) = create_all::<R>(&state, caller, vec![body.0], false)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("an insert returned no row"))?;
    Ok(Tagged::created(format!("/{}/{id}", R::COLLECTION), version, view))
}

pub async fn create_batch<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<Batch<R::Input>>,
) -> Result<Created<R::View>, ApiError> {
    let created = create_all::<R>(&state, caller, body.0.items, true).await?;
    Ok(Created { items: created.into_iter().map(|(_, _, view)| view).collect() })
}

/// A record by id, from this server's record cache when it can (see `crate::cache`).
pub async fn get<R: Resource>(reader: Reader, id: web::Path<Uuid>) -> Result<CachedRecord, ApiError> {
    let id = *id;
    let read = async {
        let row = R::find(&mut *reader.conn().await?, id).await?;
        CachedRecord::new(R::COLLECTION, row.version(), &R::View::from(row)).map_err(ApiError::internal)
    };
    match reader.record_cache() {
        Some(cache) => cache.get_or_read(R::COLLECTION, id, read).await,
        None => read.await,
    }
}

pub async fn list<R: Resource>(
    reader: Reader,
    query: web::Query<R::Query>,
) -> Result<Listed<R::View>, ApiError> {
    let page = R::page(&query)?;
    let page = R::list(&mut *reader.conn().await?, &query, page).await?;
    Ok(Listed::from_page(page, R::View::from, R::Row::id))
}

/// A JSON Merge Patch over the record's editable fields, validated exactly like a create.
pub async fn update<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    patch: JsonBody<serde_json::Value>,
) -> Result<Tagged<R::View>, ApiError> {
    let id = *id;
    let mut conn = state.conn().await?;
    let current = R::find(&mut conn, id).await?;
    check_may_change::<R>(&caller, &current)?;
    let current_version = current.version();
    let (_, _, before) = snapshot::<R>(current)?;
    if !caller.at_least(Role::Editor)
        && let serde_json::Value::Object(changes) = &patch.0
    {
        let shown = R::fields_verdicts_show(&mut conn, id).await?;
        if let Some(field) =
            shown.iter().find(|f| changes.get(**f).is_some_and(|v| Some(v) != before.get(**f)))
        {
            return Err(ApiError::Forbidden(format!(
                "{field} is shown in published verdicts on records citing this {}; only an editor may change it now",
                R::ENTITY
            )));
        }
    }
    let editable_now = editable(&before, R::READ_ONLY)?;
    // The change is checked first; only a valid change is then held against the version.
    let input: R::Input = merge_patch(editable_now, patch.0, R::FIXED)?;
    let fields = R::prepare(&mut conn, vec![input], false, Some(id))
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a prepared update vanished"))?;
    let version = if_match.version_to_replace(current_version)?;
    let (version, view) = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let row = written(R::update(conn, id, version, fields).await?)?;
            let (version, view, after) = snapshot::<R>(row)?;
            audit::append(
                conn,
                Change {
                    actor: Some(&caller),
                    action: "update",
                    entity_type: R::ENTITY,
                    entity_id: id,
                    before: Some(R::audited(before)),
                    after: Some(R::audited(after)),
                },
            )
            .await?;
            Ok((version, view))
        })
        .await?;
    Ok(Tagged::ok(version, view))
}

pub async fn delete<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let mut conn = state.conn().await?;
    let current = R::find(&mut conn, id).await?;
    check_may_change::<R>(&caller, &current)?;
    let version = if_match.version_to_replace(current.version())?;
    R::check_deletable(&mut conn, id).await?;
    let (_, _, before) = snapshot::<R>(current)?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        written(R::soft_delete(conn, id, version).await?)?;
        audit::append(
            conn,
            Change {
                actor: Some(&caller),
                action: "delete",
                entity_type: R::ENTITY,
                entity_id: id,
                before: Some(R::audited(before)),
                after: None,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
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
/// `EXPORT_SEND_TIMEOUT`. Columns are the record's fields (`id` first, then alphabetical);
/// nested values are written as JSON.
pub async fn export<R: Resource>(
    reader: Reader,
    query: web::Query<R::Query>,
) -> Result<HttpResponse, ApiError> {
    let slot = reader.state().exports.clone().try_acquire_owned().map_err(|_| {
        ApiError::Overloaded(format!("{MAX_CONCURRENT_EXPORTS} exports are running; try again shortly"))
    })?;
    let query = query.into_inner();
    let mut page = R::page(&query)?;
    page.limit = EXPORT_FIRST_PAGE;
    // The first page is read before answering, so a bad filter still gets a proper error.
    let first = R::list(&mut *reader.conn().await?, &query, page).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<web::Bytes, ApiError>>(4);
    actix_web::rt::spawn(async move {
        let _slot = slot;
        let mut columns: Option<Vec<String>> = None;
        let mut next = Some(first);
        loop {
            let batch = match next.take() {
                Some(batch) => Ok(batch),
                None => match reader.conn().await {
                    Ok(mut conn) => R::list(&mut conn, &query, page).await,
                    Err(error) => Err(error),
                },
            };
            let batch = match batch {
                Ok(batch) => batch,
                Err(error) => {
                    let _ = tokio::time::timeout(EXPORT_SEND_TIMEOUT, sender.send(Err(error))).await;
                    return;
                }
            };
            page.after = batch.rows.last().map(Versioned::id);
            let has_more = batch.has_more;
            let rows = batch.rows.len().max(1);
            // Turning rows into CSV is CPU work in proportion to their size: off the workers.
            let mut known = columns.take();
            let chunk = match crate::services::cpu::run(move || {
                (csv_chunk::<R>(batch.rows, &mut known), known)
            })
            .await
            {
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
            format!("attachment; filename=\"{}.csv\"", R::COLLECTION),
        ))
        .streaming(body))
}

/// CSV lines for `rows`; the header comes with the first batch.
fn csv_chunk<R: Resource>(
    rows: Vec<R::Row>,
    columns: &mut Option<Vec<String>>,
) -> Result<web::Bytes, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let serde_json::Value::Object(record) =
            serde_json::to_value(R::View::from(row)).map_err(ApiError::internal)?
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
