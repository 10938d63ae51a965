//! One file per table: the row (`Queryable`), the insert (`Insertable`), the update
//! (`AsChangeset`) and the queries, as plain async functions on a connection.

pub mod claim;
pub mod quote;
pub mod references;
pub mod source;
pub mod speaker;

use uuid::Uuid;

/// Keyset pagination: rows after `after` in id order (ids are UUIDv7, so creation order).
/// Rows inserted while a client pages appear at the end, never shifting earlier pages.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: i64,
}

/// A page of rows, fetched with one extra row to know whether another page follows.
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    pub fn from_overfetch(mut rows: Vec<T>, limit: i64) -> Self {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Self { rows, has_more }
    }
}
