//! Builds the application from a bound listener, so tests and `serve` run the same server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::ErrorHandlers;
use actix_web::{App, HttpServer, web};

use crate::auth::jwt::KeyRing;
use crate::db::DbPool;
use crate::error::{ApiError, problem_for_plain_errors};
use crate::routes;

/// What every handler can reach.
pub struct AppState {
    pub pool: DbPool,
    pub keys: KeyRing,
    /// Whether anonymous callers may read.
    pub public_read: bool,
    pub max_body_bytes: usize,
}

pub struct HttpSettings {
    pub workers: usize,
    pub max_body_bytes: usize,
    pub public_read: bool,
}

pub fn run(
    listener: TcpListener,
    pool: DbPool,
    keys: KeyRing,
    settings: &HttpSettings,
) -> std::io::Result<Server> {
    let state = web::Data::new(AppState {
        pool,
        keys,
        public_read: settings.public_read,
        max_body_bytes: settings.max_body_bytes,
    });
    let access = web::Data::new(routes::access_table());
    let max_body_bytes = settings.max_body_bytes;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(access.clone())
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .app_data(web::PathConfig::default().error_handler(|error, _| {
                ApiError::BadParameter(format!("invalid path: {error}; ids are UUIDs")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|error, _| {
                ApiError::BadParameter(format!("invalid query string: {error}")).into()
            }))
            .wrap(ErrorHandlers::new().default_handler(problem_for_plain_errors))
            .wrap(tracing_actix_web::TracingLogger::default())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .workers(settings.workers)
    .listen(listener)?
    .run();
    Ok(server)
}
