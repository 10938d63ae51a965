//! The route table: every endpoint of the API, in one list that the router is built from
//! and that the OpenAPI contract test compares with `openapi.yaml`.

pub mod claims;
pub mod common;
pub mod health;
pub mod quotes;
pub mod resource;
pub mod sources;
pub mod speakers;

use actix_web::http::Method;
use actix_web::{Route, web};

use crate::error::ApiError;
use resource::Resource;

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
    let mut table = vec![
        Endpoint::new(M::GET, "/healthz", || web::route().to(health::healthz)),
        Endpoint::new(M::GET, "/readyz", || web::route().to(health::readyz)),
    ];
    table.extend(crud::<sources::Sources>());
    table.extend(crud::<speakers::Speakers>());
    table.extend(crud::<quotes::Quotes>());
    table.extend(crud::<claims::Claims>());
    table
}

/// The six operations of a stored resource, on `/{collection}`, `/{collection}/batch` and
/// `/{collection}/{id}`.
fn crud<R: Resource>() -> Vec<Endpoint> {
    use Method as M;
    let collection: &'static str = Box::leak(format!("/{}", R::COLLECTION).into_boxed_str());
    let batch: &'static str = Box::leak(format!("/{}/batch", R::COLLECTION).into_boxed_str());
    let item: &'static str = Box::leak(format!("/{}/{{id}}", R::COLLECTION).into_boxed_str());
    vec![
        Endpoint::new(M::POST, collection, || {
            web::route().to(resource::create::<R>)
        }),
        Endpoint::new(M::GET, collection, || web::route().to(resource::list::<R>)),
        Endpoint::new(M::POST, batch, || {
            web::route().to(resource::create_batch::<R>)
        }),
        Endpoint::new(M::GET, item, || web::route().to(resource::get::<R>)),
        Endpoint::new(M::PATCH, item, || web::route().to(resource::update::<R>)),
        Endpoint::new(M::DELETE, item, || web::route().to(resource::delete::<R>)),
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
