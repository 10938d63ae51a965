//! Faults survived, with real processes: `attest serve` binaries and PostgreSQL clusters of
//! their own (one per test, started and stopped, killed and restarted by the test).
//!
//! Each test prints what it saw (run with `--nocapture` to read the figures).

mod crash;
mod durability;
mod logs;
mod outage;
mod pool;
mod replicas;
mod shutdown;
mod support;
mod webhooks;

#[path = "../support/receiver.rs"]
mod receiver;
