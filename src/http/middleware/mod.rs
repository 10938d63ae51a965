//! What runs around every handler: who may call (access), the access log and metrics,
//! security headers and CORS, the wait after a write, and conditional reads and HEAD.

pub mod access;
pub mod after_write;
pub mod conditional;
pub mod idempotency;
pub mod request_log;
pub mod security;
