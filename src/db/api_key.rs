use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::db::schema::api_keys;
use crate::domain::kinds::Role;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub secret_sha256: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub secret_sha256: String,
    pub created_by: Uuid,
}

pub async fn insert(conn: &mut AsyncPgConnection, key: NewApiKey) -> QueryResult<ApiKey> {
    diesel::insert_into(api_keys::table).values(key).returning(ApiKey::as_returning()).get_result(conn).await
}

/// What authenticating a key needs of it.
#[derive(QueryableByName)]
pub struct KeyCredential {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub workspace_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub user_id: Uuid,
    #[diesel(sql_type = crate::db::schema::sql_types::UserRole)]
    pub role: Role,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub secret_sha256: String,
}

/// A live key by its public prefix, whatever its workspace: a key is presented before the
/// workspace it acts in is known (see `attest_api_key_by_prefix`).
pub async fn find_live_by_prefix(
    conn: &mut AsyncPgConnection,
    prefix: &str,
) -> QueryResult<Option<KeyCredential>> {
    diesel::sql_query(
        "SELECT id, workspace_id, user_id, role, secret_sha256 FROM attest_api_key_by_prefix($1)",
    )
    .bind::<diesel::sql_types::Text, _>(prefix)
    .get_result(conn)
    .await
    .optional()
}

/// Records use, at most once a minute per key, so busy clients do not write on every call.
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT attest_touch_api_key($1)")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ApiKey> {
    api_keys::table.find(id).select(ApiKey::as_select()).first(conn).await
}

pub async fn list(conn: &mut AsyncPgConnection, page: PageRequest) -> QueryResult<Page<ApiKey>> {
    let mut query =
        api_keys::table.select(ApiKey::as_select()).order(api_keys::id).limit(page.limit + 1).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(api_keys::id.gt(after));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ApiKey>> {
    diesel::update(api_keys::table.filter(api_keys::id.eq(id)).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(diesel::dsl::now))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await
        .optional()
}
