//! The pool's connections, each knowing which workspace its session is bound to.
//!
//! Work in a workspace runs in a transaction that sets it (`workspace::scoped`). A read by id
//! is one statement: wrapping it in `BEGIN`, `SET LOCAL` and `COMMIT` costs more than the read
//! itself (see benches/README, "Workspaces"). So a read of one statement binds the session
//! instead (`set_config(..., false)`), once, and again only when the connection next serves
//! another workspace; a connection handed out for work outside any workspace is unbound
//! first. Whatever a query forgets, it sees at most the workspace its request named.

use std::ops::{Deref, DerefMut};

use diesel::QueryResult;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Where a session's `attest.workspace` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    Unbound,
    Workspace(Uuid),
    /// A change was sent and not confirmed (its request went away): set it again.
    Unknown,
}

pub struct Session {
    conn: AsyncPgConnection,
    binding: Binding,
}

impl Session {
    /// Binds the session to `workspace`, unless it is already.
    pub async fn bind(&mut self, workspace: Uuid) -> QueryResult<()> {
        self.set(Binding::Workspace(workspace)).await
    }

    /// Unbinds the session, unless it is already.
    pub async fn unbind(&mut self) -> QueryResult<()> {
        self.set(Binding::Unbound).await
    }

    async fn set(&mut self, wanted: Binding) -> QueryResult<()> {
        if self.binding == wanted {
            return Ok(());
        }
        let value = match wanted {
            Binding::Workspace(id) => id.to_string(),
            Binding::Unbound | Binding::Unknown => String::new(),
        };
        self.binding = Binding::Unknown;
        diesel::select(set_config("attest.workspace", value, false)).execute(&mut self.conn).await?;
        self.binding = wanted;
        Ok(())
    }
}

diesel::define_sql_function! {
    /// PostgreSQL's set_config(): a setting for the session (`false`) or the transaction.
    fn set_config(name: diesel::sql_types::Text, value: diesel::sql_types::Text, is_local: diesel::sql_types::Bool) -> diesel::sql_types::Text;
}

impl Deref for Session {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.conn
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.conn
    }
}

/// diesel-async's manager, with sessions that start unbound.
pub struct SessionManager(pub AsyncDieselConnectionManager<AsyncPgConnection>);

impl deadpool::managed::Manager for SessionManager {
    type Type = Session;
    type Error = diesel_async::pooled_connection::PoolError;

    async fn create(&self) -> Result<Session, Self::Error> {
        Ok(Session { conn: self.0.create().await?, binding: Binding::Unbound })
    }

    async fn recycle(
        &self,
        session: &mut Session,
        metrics: &deadpool::managed::Metrics,
    ) -> deadpool::managed::RecycleResult<Self::Error> {
        self.0.recycle(&mut session.conn, metrics).await
    }
}
