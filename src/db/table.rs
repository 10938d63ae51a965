//! What every table module shares: keyset pages, versioned rows and their queries, and the
//! list filters of reviewable records.

use diesel::QueryResult;
use diesel::sql_types::Text;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

diesel::define_sql_function! {
    /// PostgreSQL's lower(), for case-insensitive matches against `lower(column)` indexes and
    /// the lower-cased key columns.
    fn lower(text: Text) -> Text;
}

diesel::define_sql_function! {
    /// A review status as the text of the `status_key` columns, which index it.
    fn attest_review_status_key(status: crate::domain::kinds::sql::ReviewStatus) -> Text;
}

/// A new record that would repeat a live stored one: its place among those checked, and the
/// stored one's id.
#[derive(Debug, diesel::QueryableByName)]
pub struct SameAsStored {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub item: i64,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
}

/// Keyset pagination: rows after the key `after` in the list's order (by default, ids: they
/// are UUIDv7, so creation order). Rows inserted while a client pages appear at the end,
/// never shifting earlier pages.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<K = Uuid> {
    pub after: Option<K>,
    pub limit: i64,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
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

/// A stored record with an id and a version (its ETag), and the queries every versioned,
/// soft-deleted table shares: read a live row, and update or delete one only at the version
/// its writer read (optimistic concurrency). `versioned_queries!` implements it for a table.
pub trait Versioned: Clone + Send + Sized + 'static {
    /// What an update sets.
    type Changes: Send;
    /// A checked row to insert.
    type New: Send;
    /// What a list of the table is filtered by.
    type Filter: serde::de::DeserializeOwned + Sync + 'static;
    /// What the audit trail calls a row of the table.
    const ENTITY: crate::domain::audit::Entity;

    fn id(&self) -> Uuid;
    fn version(&self) -> i32;
    /// The user who submitted it (none for rows older than accounts).
    fn created_by(&self) -> Option<Uuid>;
    /// A live (not deleted) row.
    fn find(conn: &mut AsyncPgConnection, id: Uuid) -> impl Future<Output = QueryResult<Self>> + Send;
    /// The live rows among `ids`, in one statement, in no particular order.
    fn find_many(
        conn: &mut AsyncPgConnection,
        ids: &[Uuid],
    ) -> impl Future<Output = QueryResult<Vec<Self>>> + Send;
    /// Inserts the rows, in order, submitted by `created_by`.
    fn insert(
        conn: &mut AsyncPgConnection,
        rows: Vec<Self::New>,
        created_by: Uuid,
    ) -> impl Future<Output = QueryResult<Vec<Self>>> + Send;
    /// A page of the live rows matching the filter.
    fn list(
        conn: &mut AsyncPgConnection,
        filter: &Self::Filter,
        page: PageRequest,
    ) -> impl Future<Output = QueryResult<Page<Self>>> + Send;
    /// Applies `changes` if the row is live at `expected_version`; `None` if it is not.
    fn update(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        expected_version: i32,
        changes: Self::Changes,
    ) -> impl Future<Output = QueryResult<Option<Self>>> + Send;
    /// Marks the row deleted (it stays in the table for history) if it is live at
    /// `expected_version`; `None` if it is not.
    fn soft_delete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        expected_version: i32,
    ) -> impl Future<Output = QueryResult<Option<Self>>> + Send;
}

/// Fewest ids `Versioned::find_many` sends. PostgreSQL plans a prepared `id = ANY($1)` again
/// on every run (a custom plan) while its arrays hold fewer ids than its one generic plan
/// assumes (ten), and planning costs it more than the reads. From this many on, it keeps the
/// generic plan.
const PLANNED_ONCE_IDS: usize = 16;

/// `ids`, the last repeated up to `PLANNED_ONCE_IDS`: the repeats cost nothing, as the index
/// scan drops repeated keys.
pub fn planned_once(ids: &[Uuid]) -> Vec<Uuid> {
    let mut padded = ids.to_vec();
    if let Some(&last) = ids.last() {
        padded.resize(ids.len().max(PLANNED_ONCE_IDS), last);
    }
    padded
}

/// The queries every versioned, soft-deleted table shares (`find`, `update`, `soft_delete`
/// and the keyset `page_query` of its lists), as functions of the table's module and as its
/// row's `Versioned` implementation. A write that finds no live row at the version its writer
/// read returns `None`.
///
/// Its `insert` and `list` are the module's own functions of those names: a table inserts
/// `$new` rows and filters its lists by `$filter`.
macro_rules! versioned_queries {
    ($table:ident, $entity:ident, $row:ty, $changes:ty, $new:ty, $filter:ty) => {
        $crate::db::versioned_queries!($table, $entity, $row, $changes, $new, $filter, listed as $row);
    };
    // `$listed`: what a page of the table reads of each row (the row, or less of it).
    ($table:ident, $entity:ident, $row:ty, $changes:ty, $new:ty, $filter:ty, listed as $listed:ty) => {
        /// Live rows after the page's cursor, in id order, one more than the page holds.
        fn page_query(
            page: $crate::db::PageRequest,
        ) -> $table::BoxedQuery<
            'static,
            diesel::pg::Pg,
            diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<$listed, diesel::pg::Pg>>,
        > {
            let query = $table::table
                .filter($table::deleted_at.is_null())
                .select(<$listed>::as_select())
                .into_boxed();
            let query = match (page.after, page.newest_first) {
                (Some(after), false) => query.filter($table::id.gt(after)),
                (Some(after), true) => query.filter($table::id.lt(after)),
                (None, _) => query,
            };
            let query =
                if page.newest_first { query.order($table::id.desc()) } else { query.order($table::id) };
            query.limit(page.limit + 1)
        }

        impl $crate::db::Versioned for $row {
            type Changes = $changes;
            type New = $new;
            type Filter = $filter;
            const ENTITY: $crate::domain::audit::Entity = $crate::domain::audit::Entity::$entity;

            fn id(&self) -> Uuid {
                self.id
            }

            fn version(&self) -> i32 {
                self.version
            }

            fn created_by(&self) -> Option<Uuid> {
                self.created_by
            }

            fn find(
                conn: &mut AsyncPgConnection,
                id: Uuid,
            ) -> impl Future<Output = QueryResult<Self>> + Send {
                find(conn, id)
            }

            fn find_many(
                conn: &mut AsyncPgConnection,
                ids: &[Uuid],
            ) -> impl Future<Output = QueryResult<Vec<Self>>> + Send {
                use $crate::db::prepared::PrepareOnce as _;
                // `= ANY($1)` with one array: a single text, whatever the number of ids.
                $table::table
                    .filter($table::id.eq_any($crate::db::table::planned_once(ids)))
                    .filter($table::deleted_at.is_null())
                    .select(<$row>::as_select())
                    .prepare_once()
                    .load(conn)
            }

            fn insert(
                conn: &mut AsyncPgConnection,
                rows: Vec<$new>,
                created_by: Uuid,
            ) -> impl Future<Output = QueryResult<Vec<Self>>> + Send {
                insert(conn, rows, created_by)
            }

            fn list(
                conn: &mut AsyncPgConnection,
                filter: &$filter,
                page: $crate::db::PageRequest,
            ) -> impl Future<Output = QueryResult<$crate::db::Page<Self>>> + Send {
                list(conn, filter, page)
            }

            fn update(
                conn: &mut AsyncPgConnection,
                id: Uuid,
                expected_version: i32,
                changes: $changes,
            ) -> impl Future<Output = QueryResult<Option<Self>>> + Send {
                update(conn, id, expected_version, changes)
            }

            fn soft_delete(
                conn: &mut AsyncPgConnection,
                id: Uuid,
                expected_version: i32,
            ) -> impl Future<Output = QueryResult<Option<Self>>> + Send {
                soft_delete(conn, id, expected_version)
            }
        }

        /// A live (not deleted) row.
        pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<$row> {
            $table::table
                .find(id)
                .filter($table::deleted_at.is_null())
                .select(<$row>::as_select())
                .first(conn)
                .await
        }

        pub async fn update(
            conn: &mut AsyncPgConnection,
            id: Uuid,
            expected_version: i32,
            changes: $changes,
        ) -> QueryResult<Option<$row>> {
            diesel::update($table::table)
                .filter($table::id.eq(id))
                .filter($table::version.eq(expected_version))
                .filter($table::deleted_at.is_null())
                .set((
                    changes,
                    $table::version.eq($table::version + 1),
                    $table::updated_at.eq(diesel::dsl::now),
                ))
                .returning(<$row>::as_returning())
                .get_result(conn)
                .await
                .optional()
        }

        /// Marks the row deleted; it stays in the table for history.
        pub async fn soft_delete(
            conn: &mut AsyncPgConnection,
            id: Uuid,
            expected_version: i32,
        ) -> QueryResult<Option<$row>> {
            diesel::update($table::table)
                .filter($table::id.eq(id))
                .filter($table::version.eq(expected_version))
                .filter($table::deleted_at.is_null())
                .set(($table::deleted_at.eq(diesel::dsl::now), $table::version.eq($table::version + 1)))
                .returning(<$row>::as_returning())
                .get_result(conn)
                .await
                .optional()
        }
    };
}
pub(crate) use versioned_queries;

/// Declares a reviewable list's filters: its own, then those every reviewable list shares
/// (source, status, reviewer, publication and review dates, language). A macro because serde's `flatten` cannot be combined with `deny_unknown_fields`.
macro_rules! reviewable_filter {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
            pub source_id: Option<uuid::Uuid>,
            pub status: Option<$crate::domain::kinds::ReviewStatus>,
            /// The reviewer holding the item, or who decided it last.
            pub assignee_id: Option<uuid::Uuid>,
            pub publisher: Option<String>,
            pub published_from: Option<chrono::DateTime<chrono::Utc>>,
            pub published_to: Option<chrono::DateTime<chrono::Utc>>,
            pub reviewed_from: Option<chrono::DateTime<chrono::Utc>>,
            pub reviewed_to: Option<chrono::DateTime<chrono::Utc>>,
            pub language: Option<String>,
        }
    };
}

pub(crate) use reviewable_filter;

/// The list filters quotes and claims share (review status and reviewer, language, review
/// dates, and their source's publisher and publication dates), applied to `$query`.
macro_rules! reviewable_filters {
    ($table:ident, $filter:expr, $query:ident) => {{
        use $crate::db::schema::sources;
        let filter = $filter;
        if let Some(source_id) = filter.source_id {
            $query = $query.filter($table::source_id.eq(source_id));
        }
        if let Some(status) = filter.status {
            $query =
                $query.filter($table::status_key.eq($crate::db::table::attest_review_status_key(status)));
        }
        if let Some(assignee_id) = filter.assignee_id {
            $query = $query.filter($table::assignee_id.eq(assignee_id));
        }
        if let Some(language) = &filter.language {
            $query = $query.filter($table::language.eq(language.clone()));
        }
        if let Some(from) = filter.reviewed_from {
            $query = $query.filter($table::reviewed_at.ge(from));
        }
        if let Some(to) = filter.reviewed_to {
            $query = $query.filter($table::reviewed_at.lt(to));
        }
        // Source-side filters, as one subquery on sources.
        if filter.publisher.is_some() || filter.published_from.is_some() || filter.published_to.is_some() {
            let mut cited = sources::table.select(sources::id).into_boxed();
            if let Some(publisher) = &filter.publisher {
                cited = cited.filter(sources::publisher.eq(publisher.clone()));
            }
            if let Some(from) = filter.published_from {
                cited = cited.filter(sources::published_at.ge(from));
            }
            if let Some(to) = filter.published_to {
                cited = cited.filter(sources::published_at.lt(to));
            }
            $query = $query.filter($table::source_id.eq_any(cited));
        }
        $query
    }};
}
pub(crate) use reviewable_filters;
