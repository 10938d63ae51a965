//! What runs around every handler: who may call (access), the access log and metrics,
//! security headers and CORS, and the wait after a write.

pub mod access;
pub mod after_write;
pub mod idempotency;
pub mod request_log;
pub mod security;
