//! Who is calling, and whether they may: bearer credentials (JWT access tokens for people,
//! API keys for machines) are checked once per request by a middleware that also enforces
//! the route table's access rule, before any handler runs.

use std::collections::HashMap;
use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::domain::Principal;
use crate::domain::kinds::Role;
use crate::domain::workspace::Slug;
use crate::http::error::ApiError;
use crate::http::state::{AppState, RequestWorkspace};
use crate::services::ServiceError;
use crate::services::auth::{self, Acting};

/// Who a route admits. `Read` and `Role` routes act in a workspace (the one the request
/// names in `Attest-Workspace`, else the default); the others act in none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, always (health probes, signing in).
    Public,
    /// Any signed-in caller, about their own account or the workspaces there are.
    Account,
    /// Anyone; a caller who signs in is known (what is shared with every workspace).
    Open,
    /// What every workspace publishes, searched: anyone when the deployment allows anonymous
    /// reading, else any signed-in caller.
    Shared,
    /// Anyone when the deployment allows anonymous reading, else any member of the workspace.
    Read,
    /// Members of the workspace with at least this role.
    Role(Role),
}

/// The request header that names the workspace a request acts in, by its slug.
pub static WORKSPACE_HEADER: actix_web::http::header::HeaderName =
    actix_web::http::header::HeaderName::from_static("attest-workspace");

/// One route pattern of the route table, with the access rule of each of its methods; every
/// resource's access middleware holds its own, so no request looks its route up again.
pub struct RouteRules {
    pub pattern: std::rc::Rc<str>,
    pub methods: HashMap<Method, Access>,
}

/// The route pattern a request matched (`/claims/{id}`), left in its extensions for metrics.
#[derive(Clone)]
pub struct MatchedRoute(pub std::rc::Rc<str>);

/// Runs on every routed request: authenticates the caller (if any credentials were sent)
/// and applies the route's access rule. The principal is left in the request extensions.
pub async fn enforce_access(
    route: std::rc::Rc<RouteRules>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    req.extensions_mut().insert(MatchedRoute(route.pattern.clone()));
    // No rule for this method: one the path does not have; the 405 handler answers.
    let access = route.methods.get(req.method()).copied();
    if let Some(access) = access {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("no application state"))?;
        // Public routes (probes, signing in) never touch credentials or the database.
        let acting = match access {
            Access::Public => None,
            Access::Account | Access::Open | Access::Shared => Some(Acting::OnAccount),
            Access::Read | Access::Role(_) => Some(Acting::InWorkspace(named_workspace(req.request())?)),
        };
        let principal = match &acting {
            None => None,
            Some(acting) => authenticate(req.request(), &state, acting).await?,
        };
        admits(access, principal.as_ref(), state.public_read)?;
        let workspace = match (&acting, principal.and_then(|p| p.membership)) {
            (Some(Acting::InWorkspace(_)), Some(membership)) => Some(membership.workspace),
            (Some(Acting::InWorkspace(named)), None) => {
                let slug = named.clone().unwrap_or_else(Slug::default_workspace);
                Some(state.workspace_named(&slug).await.map_err(ApiError::from)?)
            }
            _ => None,
        };
        let mut extensions = req.extensions_mut();
        if let Some(principal) = principal {
            extensions.insert(principal);
        }
        if let Some(workspace) = workspace {
            extensions.insert(RequestWorkspace(workspace));
        }
    }
    // The answer depends on who asks and in which workspace: shared caches must key on both.
    let mut response = next.call(req).await?;
    let vary = actix_web::http::header::HeaderValue::from_static("Authorization, Attest-Workspace");
    response.headers_mut().append(actix_web::http::header::VARY, vary);
    Ok(response)
}

/// Whether the route's rule admits the caller (none: anonymous).
fn admits(access: Access, caller: Option<&Principal>, public_read: bool) -> Result<(), ApiError> {
    match (access, caller) {
        (Access::Read | Access::Shared, None) if !public_read => {
            Err(ServiceError::Unauthenticated("reading needs a signed-in caller".into()).into())
        }
        (Access::Role(_) | Access::Account, None) => {
            Err(ServiceError::Unauthenticated("this needs a signed-in caller".into()).into())
        }
        (Access::Role(role), Some(principal)) if !principal.at_least(role) => {
            Err(ServiceError::Forbidden(format!("this needs the {role:?} role or higher").to_lowercase())
                .into())
        }
        (
            Access::Public | Access::Account | Access::Open | Access::Shared | Access::Read | Access::Role(_),
            _,
        ) => Ok(()),
    }
}

/// The workspace the request names, if it names one.
fn named_workspace(req: &HttpRequest) -> Result<Option<Slug>, ApiError> {
    let Some(value) = req.headers().get(&WORKSPACE_HEADER) else { return Ok(None) };
    let slug = value.to_str().ok().and_then(|text| Slug::parse(text).ok()).ok_or_else(|| {
        ApiError::BadParameter(
            "Attest-Workspace must be a workspace's slug (lower-case letters, digits, hyphens)".into(),
        )
    })?;
    Ok(Some(slug))
}

/// The caller behind the request's bearer credential; `None` without one. A credential
/// that is present but not valid is refused, never ignored.
async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    acting: &Acting,
) -> Result<Option<Principal>, ApiError> {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || ServiceError::Unauthenticated("the credentials are not valid".into());
    let value = header.to_str().map_err(|_| invalid())?;
    let (scheme, credential) = value.split_once(' ').ok_or_else(invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ServiceError::Unauthenticated("use the Bearer scheme".into()).into());
    }
    let principal =
        auth::authenticate(state, &state.keys, &state.principals, credential.trim(), acting).await?;
    Ok(Some(principal))
}

/// The signed-in caller; only on routes whose access rule requires one.
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().copied();
        ready(
            principal
                .map(Caller)
                .ok_or_else(|| ServiceError::Unauthenticated("this needs a signed-in caller".into()).into()),
        )
    }
}
