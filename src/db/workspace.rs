//! Workspaces, their members, and the transaction every workspace's work runs in.

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::user::User;
use super::{Page, PageRequest};
use crate::db::schema::{memberships, users, workspaces};
use crate::domain::kinds::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspaces, check_for_backend(diesel::pg::Pg))]
pub struct Workspace {
    pub id: Uuid,
    pub slug: String,
    #[diesel(embed)]
    pub settings: Settings,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a workspace's admins set.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = workspaces, check_for_backend(diesel::pg::Pg))]
pub struct Settings {
    pub name: String,
    pub rating_scale: Value,
    pub sign_off: Value,
    pub figure_tolerance_percent: BigDecimal,
    pub publisher_name: Option<String>,
    pub publisher_url: Option<String>,
    pub publisher_logo_url: Option<String>,
    pub public_fact_checks: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = workspaces)]
pub struct NewWorkspace {
    pub id: Uuid,
    pub slug: String,
    #[diesel(embed)]
    pub settings: Settings,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = workspaces)]
pub struct WorkspaceChanges {
    pub name: Option<String>,
    pub rating_scale: Option<Value>,
    pub sign_off: Option<Value>,
    pub figure_tolerance_percent: Option<BigDecimal>,
    pub publisher_name: Option<Option<String>>,
    pub publisher_url: Option<Option<String>>,
    pub publisher_logo_url: Option<Option<String>>,
    pub public_fact_checks: Option<bool>,
}

/// Runs `work` in one transaction acting in `workspace`: row-level security shows it that
/// workspace's rows and no other's, and lets it write only there (none: no workspace's). `caller` is the signed-in
/// user, if any (published fact-checks of every workspace are theirs to read). Both settings
/// are `SET LOCAL`: they end with the transaction, so a pooled connection never carries them
/// into the next request. Use cases run inside it as part of it (`transaction::atomically`).
pub async fn scoped<T, E>(
    conn: &mut AsyncPgConnection,
    workspace: impl Into<Option<Uuid>>,
    caller: Option<Uuid>,
    work: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    // Both values are UUIDs, formatted here: nothing a client wrote reaches the SQL text. One
    // round trip opens the transaction and sets both.
    let caller = caller.map(|id| id.to_string()).unwrap_or_default();
    let workspace = workspace.into().map(|id| id.to_string()).unwrap_or_default();
    let begin =
        format!("BEGIN; SET LOCAL attest.workspace = '{workspace}'; SET LOCAL attest.caller = '{caller}'");
    super::transaction::run(conn, &begin, work).await
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewWorkspace) -> QueryResult<Workspace> {
    diesel::insert_into(workspaces::table)
        .values(new)
        .returning(Workspace::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Workspace> {
    workspaces::table.find(id).select(Workspace::as_select()).first(conn).await
}

pub async fn find_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<Workspace>> {
    workspaces::table
        .filter(workspaces::slug.eq(slug))
        .select(Workspace::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every workspace (`member: None`), or those `member` belongs to, in id order.
pub async fn list(
    conn: &mut AsyncPgConnection,
    member: Option<Uuid>,
    page: PageRequest,
) -> QueryResult<Page<Workspace>> {
    let mut query = workspaces::table
        .select(Workspace::as_select())
        .order(workspaces::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(user) = member {
        let theirs =
            memberships::table.filter(memberships::user_id.eq(user)).select(memberships::workspace_id);
        query = query.filter(workspaces::id.eq_any(theirs));
    }
    if let Some(after) = page.after {
        query = query.filter(workspaces::id.gt(after));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

/// Applies `changes` if the workspace is still at `expected_version`.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: i32,
    changes: WorkspaceChanges,
) -> QueryResult<Option<Workspace>> {
    diesel::update(
        workspaces::table.filter(workspaces::id.eq(id)).filter(workspaces::version.eq(expected_version)),
    )
    .set((
        changes,
        workspaces::version.eq(workspaces::version + 1),
        workspaces::updated_at.eq(diesel::dsl::now),
    ))
    .returning(Workspace::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// The workspace named `slug` and `user`'s role there (`None`: not a member), in one round
/// trip; `None` if there is no such workspace. Memberships are read under row-level
/// security: run it acting for `user` (see `scoped`).
pub async fn membership_by_slug(
    conn: &mut AsyncPgConnection,
    slug: &str,
    user: Uuid,
) -> QueryResult<Option<(Uuid, Option<Role>)>> {
    workspaces::table
        .left_join(
            memberships::table
                .on(memberships::workspace_id.eq(workspaces::id).and(memberships::user_id.eq(user))),
        )
        .filter(workspaces::slug.eq(slug))
        .select((workspaces::id, memberships::role.nullable()))
        .first(conn)
        .await
        .optional()
}

/// `user`'s role in `workspace`, if a member.
pub async fn role_of(conn: &mut AsyncPgConnection, workspace: Uuid, user: Uuid) -> QueryResult<Option<Role>> {
    memberships::table.find((workspace, user)).select(memberships::role).first(conn).await.optional()
}

/// Every workspace `user` belongs to, with the role there.
pub async fn memberships_of(conn: &mut AsyncPgConnection, user: Uuid) -> QueryResult<Vec<(Workspace, Role)>> {
    workspaces::table
        .inner_join(memberships::table.on(memberships::workspace_id.eq(workspaces::id)))
        .filter(memberships::user_id.eq(user))
        .order(workspaces::slug)
        .select((Workspace::as_select(), memberships::role))
        .load(conn)
        .await
}

/// Makes `user` a member of `workspace` as `role`, or changes the role of one who is.
pub async fn set_role(
    conn: &mut AsyncPgConnection,
    workspace: Uuid,
    user: Uuid,
    role: Role,
) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::workspace_id.eq(workspace),
            memberships::user_id.eq(user),
            memberships::role.eq(role),
        ))
        .on_conflict((memberships::workspace_id, memberships::user_id))
        .do_update()
        .set(memberships::role.eq(role))
        .execute(conn)
        .await
        .map(drop)
}

/// Ends `user`'s membership of `workspace`; whether they were a member.
pub async fn remove_member(conn: &mut AsyncPgConnection, workspace: Uuid, user: Uuid) -> QueryResult<bool> {
    let removed = diesel::delete(memberships::table.find((workspace, user))).execute(conn).await?;
    Ok(removed > 0)
}

/// The members of `workspace`, each with the role there, in user id order.
pub async fn members(
    conn: &mut AsyncPgConnection,
    workspace: Uuid,
    page: PageRequest,
) -> QueryResult<Page<(User, Role)>> {
    let mut query = users::table
        .inner_join(memberships::table.on(memberships::user_id.eq(users::id)))
        .filter(memberships::workspace_id.eq(workspace))
        .select((User::as_select(), memberships::role))
        .order(users::id)
        .limit(page.limit + 1)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after));
    }
    Ok(Page::from_overfetch(query.load(conn).await?, page.limit))
}

/// How many workspaces `user` belongs to, whichever they are (see
/// `attest_membership_count`).
pub async fn workspace_count(conn: &mut AsyncPgConnection, user: Uuid) -> QueryResult<i64> {
    diesel::select(membership_count(user)).get_result(conn).await
}

diesel::define_sql_function! {
    #[sql_name = "attest_membership_count"]
    fn membership_count(member: diesel::sql_types::Uuid) -> diesel::sql_types::BigInt;
}

/// The workspace the current transaction acts in (see `scoped`).
pub async fn current(conn: &mut AsyncPgConnection) -> QueryResult<Workspace> {
    workspaces::table
        .filter(workspaces::id.nullable().eq(current_workspace()))
        .select(Workspace::as_select())
        .first(conn)
        .await
}

diesel::define_sql_function! {
    /// The workspace the transaction set (`SET LOCAL attest.workspace`), NULL if none.
    #[sql_name = "attest_current_workspace"]
    fn current_workspace() -> diesel::sql_types::Nullable<diesel::sql_types::Uuid>;
}

/// For tools that work straight on the database as the tables' owner (the data generator,
/// set-up in tests): acts in the workspace `slug` for the rest of the session, so rows they
/// insert are that workspace's. The server never does this: it sets the workspace per
/// transaction (`scoped`).
pub async fn act_in_for_session(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Uuid> {
    let workspace = find_by_slug(conn, slug).await?.ok_or(diesel::result::Error::NotFound)?;
    diesel::sql_query("SELECT set_config('attest.workspace', $1, false)")
        .bind::<diesel::sql_types::Text, _>(workspace.id.to_string())
        .execute(conn)
        .await?;
    Ok(workspace.id)
}
