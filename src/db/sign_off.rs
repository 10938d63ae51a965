//! Approvals and objections of verdicts (append-only).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::review::Item;
use crate::db::schema::sign_offs;
use crate::domain::kinds::Role;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sign_offs, check_for_backend(diesel::pg::Pg))]
pub struct SignOffRow {
    pub id: Uuid,
    pub review_id: Uuid,
    pub approves: bool,
    pub signer_id: Uuid,
    pub signer_role: Role,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One approval or objection of the verdict `review_id` on `item`.
pub struct NewSignOff<'a> {
    pub item: Item,
    pub review_id: Uuid,
    pub approves: bool,
    pub signer_id: Uuid,
    pub signer_role: Role,
    pub note: Option<&'a str>,
}

/// Records it; a second one by the same signer on the same verdict is a unique violation.
pub async fn record(conn: &mut AsyncPgConnection, new: NewSignOff<'_>) -> QueryResult<()> {
    let (quote_id, claim_id) = new.item.columns();
    diesel::insert_into(sign_offs::table)
        .values((
            sign_offs::id.eq(Uuid::now_v7()),
            sign_offs::review_id.eq(new.review_id),
            sign_offs::quote_id.eq(quote_id),
            sign_offs::claim_id.eq(claim_id),
            sign_offs::approves.eq(new.approves),
            sign_offs::signer_id.eq(new.signer_id),
            sign_offs::signer_role.eq(new.signer_role),
            sign_offs::note.eq(new.note),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Every approval and objection of a verdict, oldest first. A policy asks for at most ten
/// approvals and each member signs once, so the list stays short.
pub async fn of_review(conn: &mut AsyncPgConnection, review_id: Uuid) -> QueryResult<Vec<SignOffRow>> {
    sign_offs::table
        .filter(sign_offs::review_id.eq(review_id))
        .order(sign_offs::id)
        .select(SignOffRow::as_select())
        .load(conn)
        .await
}
