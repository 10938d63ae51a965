use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::lower;
use crate::db::schema::users;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub token_generation: i32,
    pub disabled_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub instance_admin: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub instance_admin: bool,
}

/// An admin's change to an account. A new password or disabling also bumps the token
/// generation, which ends every access token issued before.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
}

impl UserChanges {
    pub fn ends_sessions(&self) -> bool {
        self.password_hash.is_some() || matches!(self.disabled_at, Some(Some(_)))
    }

    pub fn is_empty(&self) -> bool {
        self.display_name.is_none() && self.password_hash.is_none() && self.disabled_at.is_none()
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, user: NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table).values(user).returning(User::as_returning()).get_result(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn).await
}

pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::email).eq(lower(email.to_owned())))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Applies `changes` if the user is still at `expected_version`.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: i32,
    changes: UserChanges,
) -> QueryResult<Option<User>> {
    let generation_bump = i32::from(changes.ends_sessions());
    diesel::update(users::table)
        .filter(users::id.eq(id))
        .filter(users::version.eq(expected_version))
        .set((
            changes,
            users::token_generation.eq(users::token_generation + generation_bump),
            users::version.eq(users::version + 1),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// Ends every access token of the user at once (their token generation moves on); refresh
/// tokens that were not revoked can still get new ones.
pub async fn end_access_tokens(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::token_generation.eq(users::token_generation + 1))
        .execute(conn)
        .await
}
