//! Attest: a fact-tracking database server for attributed quotes, numeric claims, their
//! sources and what reviewers concluded.
//!
//! Layers, each importing only from those before it (`tests/architecture.rs` holds the rule):
//! `domain` ← `db` ← `services` ← `http` ← `startup` ← `main`; `telemetry` sits before `db`,
//! `config` and `cache` between `db` and `services`, and none of them imports `http` or `startup`.

pub mod cache;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod services;
pub mod startup;
pub mod telemetry;
