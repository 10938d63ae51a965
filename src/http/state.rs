//! What every handler reaches: the application state, with the primary for writes and
//! reads that must see the latest state, and `Reader` for reads that tolerate replica lag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel_async::AsyncPgConnection;

use crate::cache::{CachedRecord, RecordCache};
use crate::db::{Database, DbConn, DbPool, WalPosition, workspace};
use crate::domain::Principal;
use crate::domain::workspace::Slug;
use crate::http::error::ApiError;
use crate::services::auth::jwt::KeyRing;
use crate::services::auth::principals::PrincipalCache;
use crate::services::auth::throttle::Throttle;
use crate::services::claimreview::Publisher;
use crate::services::reads::{ReadBatches, ReadFrom};
use crate::services::records::Record;
use crate::services::webhooks::TargetPolicy;
use crate::services::{Connections, ServiceError, ServiceResult, workspaces};
use crate::telemetry::metrics::Metrics;

/// Most workspace slugs `AppState::workspace_named` remembers; past it, the map starts over.
const WORKSPACE_IDS: usize = 10_000;

/// What every handler can reach: its worker's own database pools, and the rest shared by
/// all workers.
#[derive(Clone)]
pub struct AppState {
    pub database: Database,
    /// Every worker's primary pool, so `/metrics` counts the server's connections.
    pub primary_pools: Arc<[DbPool]>,
    /// Set once the primary is seen at this build's latest migration; until then requests
    /// answer 503 rather than query a schema that is not there yet.
    pub schema_ready: Arc<AtomicBool>,
    /// Where the next lag-tolerant read starts looking among the replicas (round robin).
    pub next_replica: Arc<AtomicUsize>,
    pub keys: KeyRing,
    /// The transparency log's key: its origin and public key are served at `GET /log`.
    pub log_key: crate::domain::log::LogKey,
    /// Whether anonymous callers may read.
    pub public_read: bool,
    pub max_body_bytes: usize,
    pub throttle: Arc<Throttle>,
    pub principals: Arc<PrincipalCache>,
    pub records: Arc<RecordCache>,
    pub metrics: Arc<Metrics>,
    /// Exports streaming at once (see `routes::records::export`).
    pub exports: Arc<tokio::sync::Semaphore>,
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    pub publisher: Arc<Publisher>,
    /// Which addresses webhook subscriptions may name.
    pub webhook_targets: TargetPolicy,
    /// Workspace ids by slug, for anonymous readers (slugs never change, nor go away).
    pub workspace_ids: Arc<std::sync::Mutex<std::collections::HashMap<Slug, uuid::Uuid>>>,
}

impl AppState {
    /// A connection to the primary for work outside any workspace's scope (accounts, the
    /// list of workspaces): its session is bound to no workspace.
    pub async fn primary(&self) -> ServiceResult<DbConn> {
        let mut conn = self.checkout_primary().await?;
        conn.unbind().await?;
        Ok(conn)
    }

    /// A connection to the primary, as the pool has it: for writes, and for reads that must
    /// see the latest state, which set their workspace themselves (`Scope`).
    async fn checkout_primary(&self) -> ServiceResult<DbConn> {
        let mut conn = self.database.primary.get().await?;
        if !self.schema_ready.load(Ordering::Relaxed) {
            if !crate::db::schema_is_current(&mut conn).await? {
                return Err(ServiceError::NotReady("the database schema is being brought up to date".into()));
            }
            self.schema_ready.store(true, Ordering::Relaxed);
        }
        Ok(conn)
    }

    /// A connection for a read that tolerates replication lag: the next replica that
    /// answers and has replayed `after` (the caller's last write, when it says), else the
    /// primary. A replica that is down or behind costs a fallback, never an error.
    async fn replica_after(&self, after: Option<WalPosition>) -> ServiceResult<DbConn> {
        let replicas = &self.database.replicas;
        // Until the primary's schema is known to be current, nothing reads anywhere else.
        if !replicas.is_empty() && self.schema_ready.load(Ordering::Relaxed) {
            let first = self.next_replica.fetch_add(1, Ordering::Relaxed);
            for offset in 0..replicas.len() {
                let Ok(mut conn) = replicas[(first + offset) % replicas.len()].get().await else { continue };
                let caught_up = match after {
                    None => true,
                    Some(wanted) => crate::db::has_replayed(&mut conn, wanted).await.unwrap_or(false),
                };
                if caught_up {
                    return Ok(conn);
                }
            }
        }
        self.checkout_primary().await
    }

    /// The workspace named `slug`, for a caller who is not signed in.
    pub async fn workspace_named(&self, slug: &Slug) -> ServiceResult<uuid::Uuid> {
        let remembered = || self.workspace_ids.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some(id) = remembered().get(slug) {
            return Ok(*id);
        }
        let id = workspaces::id_of(&mut *self.primary().await?, slug).await?;
        let mut ids = remembered();
        if ids.len() >= WORKSPACE_IDS {
            ids.clear();
        }
        ids.insert(slug.clone(), id);
        Ok(id)
    }
}

impl Connections for AppState {
    async fn primary(&self) -> ServiceResult<DbConn> {
        AppState::primary(self).await
    }

    async fn reader(&self, from: ReadFrom) -> ServiceResult<DbConn> {
        match from {
            ReadFrom::Primary => self.checkout_primary().await,
            ReadFrom::Replayed(after) => self.replica_after(after).await,
        }
    }
}

/// The header that carries a WAL position: on the answer to a write when replicas are
/// configured, and on a later read that must see that write (read-your-writes).
pub static WAL_POSITION_HEADER: header::HeaderName = header::HeaderName::from_static("attest-lsn");

/// The workspace a request acts in, as the access middleware resolved it: the caller's
/// membership, or for an anonymous reader the workspace named (or the default).
#[derive(Debug, Clone, Copy)]
pub struct RequestWorkspace(pub uuid::Uuid);

/// Where a workspace route's work runs: one transaction in the request's workspace (see
/// `db::workspace::scoped`), on the primary for writes and for reads that must see the
/// latest state, or on a replica for reads that tolerate lag. A request carrying
/// `Attest-Lsn` reads from a node that has replayed that position; an unreadable value is
/// taken as "latest", which only the primary is sure to have.
#[derive(Clone)]
pub struct Scope {
    state: web::Data<AppState>,
    workspace: uuid::Uuid,
    caller: Option<uuid::Uuid>,
    after: Option<Option<WalPosition>>,
}

impl Scope {
    /// Runs `work` on the primary in the request's workspace, in one transaction.
    pub async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut AsyncPgConnection) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let mut conn = self.state.checkout_primary().await?;
        workspace::scoped(&mut conn, self.workspace, self.caller, work).await
    }

    /// Runs a read that tolerates replication lag (unless the request says otherwise) in the
    /// request's workspace.
    pub async fn read<T>(
        &self,
        work: impl AsyncFnOnce(&mut AsyncPgConnection) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let mut conn = self.state.reader(self.read_from()).await?;
        workspace::scoped(&mut conn, self.workspace, self.caller, work).await
    }

    /// The record `id` of the collection `K`, as `GET` answers it: gathered with this
    /// worker's other reads of the collection in the workspace (see `services::reads`), each
    /// statement on a session bound to the workspace, with no transaction around it (see
    /// `db::session`).
    pub async fn read_by_id<K: Record>(
        &self,
        reads: Arc<ReadBatches>,
        collection: &'static str,
        id: uuid::Uuid,
    ) -> ServiceResult<CachedRecord> {
        reads
            .get::<K>(self.state.clone().into_inner(), collection, self.workspace, self.read_from(), id)
            .await
    }

    fn read_from(&self) -> ReadFrom {
        match self.after {
            Some(None) => ReadFrom::Primary,
            after => ReadFrom::Replayed(after.flatten()),
        }
    }

    /// The record cache, unless the request must see a write made elsewhere (it carries
    /// `Attest-Lsn`): that write's notice may not have reached this server yet.
    pub fn record_cache(&self) -> Option<&RecordCache> {
        self.after.is_none().then_some(&*self.state.records)
    }

    pub fn workspace(&self) -> uuid::Uuid {
        self.workspace
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl FromRequest for Scope {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let after = req
            .headers()
            .get(&WAL_POSITION_HEADER)
            .map(|value| value.to_str().ok().and_then(|text| text.parse::<WalPosition>().ok()));
        let extensions = req.extensions();
        let workspace = extensions.get::<RequestWorkspace>().map(|w| w.0);
        let caller = extensions.get::<Principal>().map(|p| p.user_id);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        std::future::ready(match (state, workspace) {
            (Some(state), Some(workspace)) => Ok(Self { state, workspace, caller, after }),
            _ => Err(ApiError::internal("a workspace route without its workspace")),
        })
    }
}
