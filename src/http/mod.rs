//! The HTTP edge: the route table and thin handlers, the error type rendered as
//! problem+json, request extractors, responders, middleware and the application state.

pub mod error;
pub mod extractors;
pub mod middleware;
pub mod responders;
pub mod routes;
pub mod state;
