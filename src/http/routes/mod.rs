//! The route table: every endpoint of the API with who may call it, in one list that the
//! router and the access middleware are built from, and that the contract test compares
//! with `openapi.yaml`.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod claimreview;
pub mod extract;
pub mod health;
pub mod log;
pub mod provenance;
pub mod publication;
pub mod records;
pub mod reviews;
pub mod search;
pub mod speakers;
pub mod users;
pub mod webhooks;
pub mod workspaces;

use std::collections::HashSet;
use std::rc::Rc;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{Route, web};

use crate::domain::kinds::Role;
use crate::http::error::ApiError;
use crate::http::middleware::access::{Access, RouteRules, enforce_access};
use crate::http::middleware::idempotency::idempotent_posts;
use crate::services::ServiceError;
use crate::services::claims::ClaimView;
use crate::services::quotes::QuoteView;
use crate::services::sources::SourceView;
use crate::services::speakers::SpeakerView;
use records::Collection;
use reviews::Reviewed;

pub struct Endpoint {
    pub method: Method,
    pub path: String,
    pub access: Access,
    route: fn() -> Route,
}

fn endpoint(method: Method, path: impl Into<String>, access: Access, route: fn() -> Route) -> Endpoint {
    Endpoint { method, path: path.into(), access, route }
}

pub fn endpoints() -> Vec<Endpoint> {
    use Access::Public;
    use Method as M;
    let admin = Access::Role(Role::Admin);
    let account = Access::Account;
    let mut table = vec![
        endpoint(M::GET, "/healthz", Public, || web::route().to(health::healthz)),
        endpoint(M::GET, "/readyz", Public, || web::route().to(health::readyz)),
        endpoint(M::GET, "/metrics", Public, || web::route().to(crate::http::routes::health::render)),
        endpoint(M::POST, "/auth/token", Public, || web::route().to(auth::token)),
        endpoint(M::POST, "/auth/refresh", Public, || web::route().to(auth::refresh)),
        endpoint(M::GET, "/me", account, || web::route().to(auth::me)),
        endpoint(M::POST, "/me/password", account, || web::route().to(auth::change_password)),
        endpoint(M::GET, "/workspaces", account, || web::route().to(workspaces::list)),
        endpoint(M::POST, "/workspaces", account, || web::route().to(workspaces::create)),
        endpoint(M::GET, "/workspace", Access::Role(Role::Submitter), || web::route().to(workspaces::get)),
        endpoint(M::PATCH, "/workspace", admin, || web::route().to(workspaces::update)),
        endpoint(M::POST, "/members", admin, || web::route().to(users::add_member)),
        endpoint(M::DELETE, "/members/{id}", admin, || web::route().to(users::remove_member)),
        endpoint(M::POST, "/users", admin, || web::route().to(users::create)),
        endpoint(M::GET, "/users", admin, || web::route().to(users::list)),
        endpoint(M::GET, "/users/{id}", admin, || web::route().to(users::get)),
        endpoint(M::PATCH, "/users/{id}", admin, || web::route().to(users::update)),
        endpoint(M::POST, "/api-keys", admin, || web::route().to(api_keys::create)),
        endpoint(M::GET, "/api-keys", admin, || web::route().to(api_keys::list)),
        endpoint(M::DELETE, "/api-keys/{id}", admin, || web::route().to(api_keys::revoke)),
        endpoint(M::POST, "/webhooks", admin, || web::route().to(webhooks::create)),
        endpoint(M::GET, "/webhooks", admin, || web::route().to(webhooks::list)),
        endpoint(M::GET, "/webhooks/{id}", admin, || web::route().to(webhooks::get)),
        endpoint(M::PATCH, "/webhooks/{id}", admin, || web::route().to(webhooks::update)),
        endpoint(M::DELETE, "/webhooks/{id}", admin, || web::route().to(webhooks::delete)),
        endpoint(M::GET, "/webhooks/{id}/deliveries", admin, || web::route().to(webhooks::deliveries)),
        endpoint(M::GET, "/webhooks/{id}/deliveries/{delivery_id}", admin, || {
            web::route().to(webhooks::delivery)
        }),
        endpoint(M::POST, "/webhooks/{id}/deliveries/{delivery_id}/redeliver", admin, || {
            web::route().to(webhooks::redeliver)
        }),
        endpoint(M::GET, "/search", Access::Read, || web::route().to(search::search)),
        endpoint(M::GET, "/claimreview", Access::Read, || web::route().to(claimreview::feed)),
        endpoint(M::GET, "/fact-checks", Access::Open, || web::route().to(claimreview::fact_checks)),
        endpoint(M::GET, "/claims:search", Access::Shared, || web::route().to(claimreview::search_claims)),
        endpoint(M::GET, "/claims/{id}/claimreview", Access::Read, || {
            web::route().to(claimreview::for_item::<reviews::Claims>)
        }),
        endpoint(M::GET, "/quotes/{id}/claimreview", Access::Read, || {
            web::route().to(claimreview::for_item::<reviews::Quotes>)
        }),
        endpoint(M::GET, "/claims/{id}/matches", Access::Read, || {
            web::route().to(claimreview::claim_matches)
        }),
        endpoint(M::GET, "/quotes/{id}/matches", Access::Read, || {
            web::route().to(claimreview::quote_matches)
        }),
        endpoint(M::GET, "/audit", Access::Read, || web::route().to(audit::list)),
        endpoint(M::GET, "/audit/verify", admin, || web::route().to(audit::verify)),
        endpoint(M::GET, "/log", Public, || web::route().to(log::view)),
        endpoint(M::GET, "/log/checkpoint", Public, || web::route().to(log::checkpoint)),
        endpoint(M::GET, "/log/proof/inclusion", Public, || web::route().to(log::inclusion)),
        endpoint(M::GET, "/log/proof/consistency", Public, || web::route().to(log::consistency)),
        endpoint(M::GET, "/review-queue", Access::Role(Role::Reviewer), || web::route().to(reviews::queue)),
    ];
    table.extend(provenance_routes());
    table.extend(crud::<SourceView>());
    table.extend(crud::<SpeakerView>());
    table.extend(crud::<QuoteView>());
    table.extend(reviewed::<reviews::Quotes>());
    table.extend(crud::<ClaimView>());
    table.extend(reviewed::<reviews::Claims>());
    // HEAD for every GET: the same handler and rules; the HTTP layer sends the headers only.
    let heads: Vec<Endpoint> = table
        .iter()
        .filter(|e| e.method == M::GET)
        .map(|e| endpoint(M::HEAD, e.path.clone(), e.access, e.route))
        .collect();
    table.extend(heads);
    table
}

/// The seven routes of a stored record collection: `/{collection}`, `/{collection}/batch`,
/// `/{collection}/export` and `/{collection}/{id}`. Anyone who may read reads; submitters
/// write (their own records).
fn crud<K: Collection>() -> Vec<Endpoint> {
    use Method as M;
    let submitter = Access::Role(Role::Submitter);
    let collection = format!("/{}", K::PATH);
    let item = format!("/{}/{{id}}", K::PATH);
    vec![
        endpoint(M::POST, &collection, submitter, || web::route().to(records::create::<K>)),
        endpoint(M::GET, &collection, Access::Read, || web::route().to(records::list::<K>)),
        endpoint(M::POST, format!("{collection}/batch"), submitter, || {
            web::route().to(records::create_batch::<K>)
        }),
        endpoint(M::GET, format!("{collection}/export"), Access::Read, || {
            web::route().to(records::export_csv::<K>)
        }),
        endpoint(M::GET, &item, Access::Read, || web::route().to(records::get::<K>)),
        endpoint(M::PATCH, &item, submitter, || web::route().to(records::update::<K>)),
        endpoint(M::DELETE, item, submitter, || web::route().to(records::delete::<K>)),
    ]
}

/// Variants, provenance and source snapshots.
fn provenance_routes() -> Vec<Endpoint> {
    use Method as M;
    let reviewer = Access::Role(Role::Reviewer);
    vec![
        endpoint(M::POST, "/sources/{id}/extract", Access::Role(Role::Submitter), || {
            web::route().to(extract::propose)
        }),
        endpoint(M::POST, "/sources/{id}/candidates/accept", Access::Role(Role::Submitter), || {
            web::route().to(extract::accept)
        }),
        endpoint(M::GET, "/sources/{id}/versions", Access::Read, || {
            web::route().to(provenance::source_versions)
        }),
        endpoint(M::GET, "/sources/{id}/diff", Access::Read, || web::route().to(provenance::source_diff)),
        endpoint(M::GET, "/sources/{id}/recheck", Access::Read, || {
            web::route().to(provenance::source_recheck)
        }),
        endpoint(M::POST, "/speakers/{id}/merge", Access::Role(Role::Editor), || {
            web::route().to(speakers::merge)
        }),
        endpoint(M::POST, "/speaker-merges/{id}/undo", Access::Role(Role::Editor), || {
            web::route().to(speakers::undo_merge)
        }),
        endpoint(M::PUT, "/speakers/{id}/identification", Access::Role(Role::Editor), || {
            web::route().to(speakers::identify)
        }),
        endpoint(M::DELETE, "/speakers/{id}/identification", Access::Role(Role::Editor), || {
            web::route().to(speakers::withdraw_identification)
        }),
        endpoint(M::GET, "/quotes/{id}/similar", Access::Read, || web::route().to(provenance::similar)),
        endpoint(M::GET, "/quotes/{id}/provenance", Access::Read, || web::route().to(provenance::provenance)),
        endpoint(M::POST, "/quotes/{id}/variant-of", reviewer, || web::route().to(provenance::link_variant)),
        endpoint(M::DELETE, "/quotes/{id}/variant-of", reviewer, || {
            web::route().to(provenance::unlink_variant)
        }),
    ]
}

/// The review history of a reviewable record, recording a review, its audit history, and
/// its sign-off and publication.
fn reviewed<R: Reviewed>() -> Vec<Endpoint> {
    use Method as M;
    let (reviewer, editor) = (Access::Role(Role::Reviewer), Access::Role(Role::Editor));
    let at = |rest: &str| format!("/{}/{{id}}/{rest}", R::COLLECTION);
    vec![
        endpoint(M::GET, at("history"), Access::Read, || web::route().to(audit::history::<R>)),
        endpoint(M::POST, at("reviews"), reviewer, || web::route().to(reviews::create::<R>)),
        endpoint(M::GET, at("reviews"), Access::Read, || web::route().to(reviews::history::<R>)),
        endpoint(M::GET, at("sign-offs"), Access::Read, || web::route().to(publication::sign_offs::<R>)),
        endpoint(M::POST, at("sign-offs"), reviewer, || web::route().to(publication::sign_off::<R>)),
        endpoint(M::POST, at("publish"), editor, || web::route().to(publication::publish::<R>)),
        endpoint(M::GET, at("publication"), Access::Read, || web::route().to(publication::get::<R>)),
        endpoint(M::POST, at("publication/corrections"), editor, || {
            web::route().to(publication::correct::<R>)
        }),
        endpoint(M::POST, at("publication/unpublish"), editor, || {
            web::route().to(publication::unpublish::<R>)
        }),
        endpoint(M::POST, at("publication/retract"), editor, || web::route().to(publication::retract::<R>)),
    ]
}

/// Registers the table: one resource per path, so a known path with an unknown method
/// answers 405 with `Allow`, not 404. Every resource runs the access middleware with its own
/// rules. Resources are grouped in one scope per first path segment, so the router compares
/// a static prefix before it tries the few patterns under it; within a scope, the router
/// tries them in the order of `matching_order`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let endpoints = endpoints();
    let paths = paths_in_matching_order(&endpoints);
    let mut scopes: Vec<(String, actix_web::Scope)> = Vec::new();
    for path in paths {
        let here: Vec<&Endpoint> = endpoints.iter().filter(|e| e.path == path).collect();
        let allowed: Vec<Method> = here.iter().map(|e| e.method.clone()).collect();
        let rules = Rc::new(RouteRules {
            pattern: path.as_str().into(),
            methods: here.iter().map(|e| (e.method.clone(), e.access)).collect(),
        });
        let (prefix, rest) = split_first_segment(&path);
        // The last wrap runs first: access, then replays of POSTs sent again with their key.
        let mut resource = web::resource(rest)
            .wrap(from_fn(idempotent_posts))
            .wrap(from_fn(move |req, next| enforce_access(rules.clone(), req, next)))
            .default_service(web::to(move || {
                let allowed = allowed.clone();
                async move { Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed(allowed)) }
            }));
        for endpoint in here {
            resource = resource.route((endpoint.route)().method(endpoint.method.clone()));
        }
        match scopes.iter().position(|(p, _)| p == prefix) {
            Some(i) => {
                let (p, scope) = scopes.remove(i);
                scopes.insert(i, (p, scope.service(resource)));
            }
            None => scopes.push((prefix.to_owned(), web::scope(prefix).service(resource))),
        }
    }
    for (_, scope) in scopes {
        cfg.service(scope.default_service(web::to(not_found)));
    }
}

/// The table's paths, each once, in the order the router tries them within a scope.
fn paths_in_matching_order(endpoints: &[Endpoint]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut paths: Vec<String> =
        endpoints.iter().filter(|e| seen.insert(e.path.clone())).map(|e| e.path.clone()).collect();
    paths.sort_by_key(|path| matching_order(path));
    paths
}

/// Static paths before patterns, so `/claims/batch` is never taken for `/claims/{id}`; then
/// patterns by their number of segments, so the common read by id is tried before the paths
/// below it (a pattern matches a whole path, never a shorter one, so this order cannot change
/// which resource answers; each pattern tried costs a regular expression).
fn matching_order(path: &str) -> (bool, usize) {
    (path.contains('{'), path.matches('/').count())
}

/// `/claims/{id}/reviews` → (`/claims`, `/{id}/reviews`); `/search` → (`/search`, ``).
fn split_first_segment(path: &str) -> (&str, &str) {
    let end = path[1..].find('/').map_or(path.len(), |i| i + 1);
    path.split_at(end)
}

/// Any path not in the table.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ServiceError::NotFound("no such route".into()).into())
}

#[cfg(test)]
mod tests {
    use actix_web::dev::ResourceDef;

    use super::{endpoints, paths_in_matching_order};

    /// The matching order tries some patterns earlier than the table lists them: none of
    /// them may then take a path that a resource tried after it is there to answer.
    #[test]
    fn no_path_is_taken_by_a_resource_tried_before_its_own() {
        let paths = paths_in_matching_order(&endpoints());
        let instance = |path: &str| {
            let segments = path
                .split('/')
                .map(|s| if s.starts_with('{') { "0192f0c0-0000-7000-8000-000000000000" } else { s });
            segments.collect::<Vec<_>>().join("/")
        };
        for (at, path) in paths.iter().enumerate() {
            let concrete = instance(path);
            assert!(ResourceDef::new(path.as_str()).is_match(&concrete), "{path} does not match {concrete}");
            if let Some(earlier) =
                paths[..at].iter().find(|earlier| ResourceDef::new(earlier.as_str()).is_match(&concrete))
            {
                panic!("{concrete} would be answered by {earlier}, not by {path}");
            }
        }
        let first_pattern = paths.iter().position(|path| path.contains('{')).unwrap();
        assert!(paths[..first_pattern].iter().all(|path| !path.contains('{')));
        assert!(
            paths.iter().position(|path| path == "/claims/{id}")
                < paths.iter().position(|path| path == "/claims/{id}/reviews")
        );
    }
}
