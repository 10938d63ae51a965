//! What the server tells its operators: JSON log lines and the Prometheus metrics registry.

pub mod logs;
pub mod metrics;
