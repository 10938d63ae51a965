//! The handlers every stored resource shares — create, batch create, read, list, update,
//! delete — written once over the `Resource` trait that each resource file implements.

use actix_web::{HttpResponse, web};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::common::{
    Batch, Created, IfMatch, JsonBody, Listed, Tagged, editable, merge_patch, written,
};
use crate::auth::{Caller, Principal};
use crate::domain::kinds::Role;
use crate::error::ApiError;
use crate::models::{Page, Versioned};
use crate::startup::AppState;

/// One REST resource: its wire types, and how its rows are prepared, stored and read.
// Actix runs each worker's handlers on a single-threaded runtime, so these futures need not
// be `Send`; the lint's concern does not apply to this crate-internal trait.
#[allow(async_fn_in_trait)]
pub trait Resource: 'static {
    /// The collection's path segment, e.g. `"quotes"`.
    const COLLECTION: &'static str;
    /// View fields the server owns; a patch naming them is refused as an unknown field.
    const READ_ONLY: &'static [&'static str];
    /// Fields set at creation that an update may repeat but not change.
    const FIXED: &'static [&'static str];

    type Row: Versioned;
    type View: Serialize + From<Self::Row>;
    /// A create body; an update is merged into the current record and read as one too.
    type Input: DeserializeOwned + 'static;
    /// A checked row, ready to insert (or to update with).
    type Fields;
    /// The list's query string: filters, `limit` and `cursor`.
    type Query: DeserializeOwned + 'static;

    /// Validates inputs (and what they refer to); errors point at `/items/N/...` in a batch.
    async fn prepare(
        conn: &mut AsyncPgConnection,
        inputs: Vec<Self::Input>,
        batch: bool,
    ) -> Result<Vec<Self::Fields>, ApiError>;
    async fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<Self::Fields>,
        created_by: Uuid,
    ) -> QueryResult<Vec<Self::Row>>;
    async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Self::Row>;
    async fn list(
        conn: &mut AsyncPgConnection,
        query: Self::Query,
    ) -> Result<Page<Self::Row>, ApiError>;
    async fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
        fields: Self::Fields,
    ) -> QueryResult<Option<Self::Row>>;
    async fn soft_delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        version: i32,
    ) -> QueryResult<Option<Self::Row>>;
    /// Refuses to delete a record others still cite.
    async fn check_deletable(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError>;
    /// Whether reviewers have started on the record (then only editors change it).
    fn under_review(_row: &Self::Row) -> bool {
        false
    }
}

/// Submitters change only what they submitted; once reviewers have started on a record,
/// only editors change it, so a verdict never silently covers different words.
fn check_may_change<R: Resource>(caller: &Principal, row: &R::Row) -> Result<(), ApiError> {
    if !caller.at_least(Role::Reviewer) && row.created_by() != Some(caller.user_id) {
        return Err(ApiError::Forbidden(
            "submitters may change only what they submitted".into(),
        ));
    }
    if R::under_review(row) && !caller.at_least(Role::Editor) {
        return Err(ApiError::Forbidden(
            "this record is under review; only an editor may change it now".into(),
        ));
    }
    Ok(())
}

fn tagged<R: Resource>(row: R::Row) -> Tagged<R::View> {
    Tagged::ok(row.version(), row.into())
}

async fn create_all<R: Resource>(
    state: &AppState,
    caller: Principal,
    inputs: Vec<R::Input>,
    batch: bool,
) -> Result<Vec<R::Row>, ApiError> {
    let mut conn = state.conn().await?;
    let rows = R::prepare(&mut conn, inputs, batch).await?;
    // One multi-row INSERT: a batch is stored whole or not at all.
    Ok(R::insert(&mut conn, rows, caller.user_id).await?)
}

pub async fn create<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<R::Input>,
) -> Result<Tagged<R::View>, ApiError> {
    let row = create_all::<R>(&state, caller, vec![body.0], false)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("an insert returned no row"))?;
    let location = format!("/{}/{}", R::COLLECTION, row.id());
    Ok(Tagged::created(location, row.version(), row.into()))
}

pub async fn create_batch<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    body: JsonBody<Batch<R::Input>>,
) -> Result<Created<R::View>, ApiError> {
    let rows = create_all::<R>(&state, caller, body.0.items, true).await?;
    Ok(Created {
        items: rows.into_iter().map(R::View::from).collect(),
    })
}

pub async fn get<R: Resource>(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<Tagged<R::View>, ApiError> {
    Ok(tagged::<R>(R::find(&mut *state.conn().await?, *id).await?))
}

pub async fn list<R: Resource>(
    state: web::Data<AppState>,
    query: web::Query<R::Query>,
) -> Result<Listed<R::View>, ApiError> {
    let page = R::list(&mut *state.conn().await?, query.into_inner()).await?;
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
    let mut conn = state.conn().await?;
    let current = R::find(&mut conn, *id).await?;
    check_may_change::<R>(&caller, &current)?;
    let version = if_match.version_to_replace(current.version())?;
    let current = editable(R::View::from(current), R::READ_ONLY)?;
    let input: R::Input = merge_patch(current, patch.0, R::FIXED)?;
    let fields = R::prepare(&mut conn, vec![input], false)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a prepared update vanished"))?;
    Ok(tagged::<R>(written(
        R::update(&mut conn, *id, version, fields).await?,
    )?))
}

pub async fn delete<R: Resource>(
    state: web::Data<AppState>,
    Caller(caller): Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let current = R::find(&mut conn, *id).await?;
    check_may_change::<R>(&caller, &current)?;
    let version = if_match.version_to_replace(current.version())?;
    R::check_deletable(&mut conn, *id).await?;
    written(R::soft_delete(&mut conn, *id, version).await?)?;
    Ok(HttpResponse::NoContent().finish())
}
