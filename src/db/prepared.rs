//! Statements kept prepared on their connection.
//!
//! Diesel prepares some statements afresh every time they run: every `sql_query`, every
//! UPDATE, and inserts whose optional values may become `DEFAULT`, because their SQL text may
//! differ from one run to the next. Each such run costs PostgreSQL a parse and a plan, and
//! the connection an extra round trip to prepare it before it runs. A statement whose text
//! takes only a few forms (fixed SQL, or a table name picked from a short list) is safe to
//! keep: the connection's statement cache keys it by its text and bind types, so each form is
//! prepared once per connection.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// A statement the connection prepares once and reuses (see the module's documentation).
#[derive(Debug, Clone)]
pub struct Prepared<Q>(Q);

/// `.prepare_once()` on a statement whose SQL text takes only a few forms. Never on SQL
/// built from values: each distinct text would stay prepared for the connection's lifetime.
pub trait PrepareOnce: Sized {
    fn prepare_once(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: QueryFragment<Pg>> PrepareOnce for Q {}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the cache keys the statement by its SQL text, so each form is its own entry.
impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}
