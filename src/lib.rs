//! Attest: a fact-tracking database server for attributed quotes, numeric claims, their
//! sources and what reviewers concluded.

pub mod auth;
pub mod cache;
pub mod config;
pub mod cpu;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod generate;
pub mod logs;
pub mod metrics;
pub mod routes;
pub mod startup;
