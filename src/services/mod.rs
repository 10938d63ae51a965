//! The use cases: each makes its writes all or none (`db::transaction::atomically`), applies
//! the rules and writes the typed audit event. HTTP handlers, the CLI and tests call them
//! alike, inside the transaction of the workspace they act in (`db::workspace::scoped`), which
//! a failed use case rolls back whole.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod claimreview;
pub mod claims;
pub mod cpu;
mod error;
pub mod events;
pub mod extraction;
pub mod idempotency;
pub mod log;
pub mod matches;
pub mod provenance;
pub mod publication;
pub mod quotes;
pub mod reads;
pub mod rechecks;
pub mod records;
pub mod reviews;
pub mod search;
pub mod sources;
pub mod speakers;
pub mod users;
pub mod webhook_delivery;
pub mod webhooks;
pub mod workspaces;

pub use error::{ServiceError, ServiceResult};

/// Where a use case that holds a connection only part of the time (not while it hashes a
/// password or waits) gets one: the HTTP state's pools.
pub trait Connections {
    /// The primary, its session bound to no workspace.
    fn primary(&self) -> impl Future<Output = ServiceResult<crate::db::DbConn>>;
    /// A connection for a read (see `reads::ReadFrom`), its session bound as the pool left it.
    fn reader(&self, from: reads::ReadFrom) -> impl Future<Output = ServiceResult<crate::db::DbConn>>;
}
