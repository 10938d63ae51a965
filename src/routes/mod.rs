//! The route table: every endpoint of the API, in one list that the router is built from
//! and that the OpenAPI contract test compares with `openapi.yaml`.

pub mod claims;
pub mod common;
pub mod health;
pub mod quotes;
pub mod sources;
pub mod speakers;

use actix_web::http::Method;
use actix_web::{Route, web};

use crate::error::ApiError;

pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    route: fn() -> Route,
}

impl Endpoint {
    fn new(method: Method, path: &'static str, route: fn() -> Route) -> Self {
        Self {
            method,
            path,
            route,
        }
    }
}

pub fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    vec![
        Endpoint::new(M::GET, "/healthz", || web::route().to(health::healthz)),
        Endpoint::new(M::GET, "/readyz", || web::route().to(health::readyz)),
        Endpoint::new(M::POST, "/sources", || web::route().to(sources::create)),
        Endpoint::new(M::GET, "/sources", || web::route().to(sources::list)),
        Endpoint::new(M::POST, "/sources/batch", || {
            web::route().to(sources::create_batch)
        }),
        Endpoint::new(M::GET, "/sources/{id}", || web::route().to(sources::get)),
        Endpoint::new(M::PATCH, "/sources/{id}", || {
            web::route().to(sources::update)
        }),
        Endpoint::new(M::DELETE, "/sources/{id}", || {
            web::route().to(sources::delete)
        }),
        Endpoint::new(M::POST, "/speakers", || web::route().to(speakers::create)),
        Endpoint::new(M::GET, "/speakers", || web::route().to(speakers::list)),
        Endpoint::new(M::POST, "/speakers/batch", || {
            web::route().to(speakers::create_batch)
        }),
        Endpoint::new(M::GET, "/speakers/{id}", || web::route().to(speakers::get)),
        Endpoint::new(M::PATCH, "/speakers/{id}", || {
            web::route().to(speakers::update)
        }),
        Endpoint::new(M::DELETE, "/speakers/{id}", || {
            web::route().to(speakers::delete)
        }),
        Endpoint::new(M::POST, "/quotes", || web::route().to(quotes::create)),
        Endpoint::new(M::GET, "/quotes", || web::route().to(quotes::list)),
        Endpoint::new(M::POST, "/quotes/batch", || {
            web::route().to(quotes::create_batch)
        }),
        Endpoint::new(M::GET, "/quotes/{id}", || web::route().to(quotes::get)),
        Endpoint::new(M::PATCH, "/quotes/{id}", || web::route().to(quotes::update)),
        Endpoint::new(M::DELETE, "/quotes/{id}", || {
            web::route().to(quotes::delete)
        }),
        Endpoint::new(M::POST, "/claims", || web::route().to(claims::create)),
        Endpoint::new(M::GET, "/claims", || web::route().to(claims::list)),
        Endpoint::new(M::POST, "/claims/batch", || {
            web::route().to(claims::create_batch)
        }),
        Endpoint::new(M::GET, "/claims/{id}", || web::route().to(claims::get)),
        Endpoint::new(M::PATCH, "/claims/{id}", || web::route().to(claims::update)),
        Endpoint::new(M::DELETE, "/claims/{id}", || {
            web::route().to(claims::delete)
        }),
    ]
}

/// Registers the table: one resource per path, so a known path with an unknown method
/// answers 405 with `Allow`, not 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let endpoints = endpoints();
    let mut paths: Vec<&'static str> = endpoints.iter().map(|e| e.path).collect();
    paths.dedup();
    for path in paths {
        let here: Vec<&Endpoint> = endpoints.iter().filter(|e| e.path == path).collect();
        let allowed: Vec<Method> = here.iter().map(|e| e.method.clone()).collect();
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allowed = allowed.clone();
            async move { Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed(allowed)) }
        }));
        for endpoint in here {
            resource = resource.route((endpoint.route)().method(endpoint.method.clone()));
        }
        cfg.service(resource);
    }
}

/// Any path not in the table.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such route".into()))
}
