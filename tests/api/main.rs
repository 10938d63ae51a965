//! The integration tests: one binary, a real PostgreSQL cluster for the whole run (started by
//! the same code as `attest serve`'s embedded default), a fresh database cloned from a
//! migrated template for every test, and the real server over real HTTP.

mod access;
mod attacks;
mod audit;
mod auth;
mod cache;
mod claims;
mod conditional;
mod contract;
mod corpus;
mod errors;
mod helpers;
mod log;
mod migrations;
mod paging;
mod provenance;
mod publication;
mod quotes;
mod reads;
mod reviews;
mod search;
mod sources;
mod speakers;
mod webhooks;
mod workspaces;

#[path = "../support/receiver.rs"]
mod receiver;
