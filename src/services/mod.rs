//! The use cases: each runs one transaction, applies the rules and writes the typed audit
//! event. HTTP handlers, the CLI and tests call them alike.

pub mod auth;
pub mod cpu;
mod error;

pub use error::{ServiceError, ServiceResult};
