//! Settings from flags and environment variables (`ATTEST_*`, `DATABASE_URL`), checked by
//! clap before anything starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::db::{self, local};
use crate::domain::kinds::Role;

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL to use. Without it, Attest runs its own cluster under --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where the managed local PostgreSQL cluster lives.
    #[arg(long, env = "ATTEST_DATA_DIR", default_value = ".attest")]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// The database to use: `--database-url`, or the managed local cluster's own database,
    /// started when `serving`, else attached to if a running server owns it. A cluster this
    /// process started stops when the returned handle is dropped.
    pub async fn open(&self, serving: bool) -> anyhow::Result<(String, Option<local::RunningCluster>)> {
        if let Some(url) = &self.database_url {
            return Ok((url.clone(), None));
        }
        let cluster = local::LocalCluster::new(&self.data_dir, true)?;
        let cluster = if serving { cluster.start()? } else { cluster.start_or_attach()? };
        db::create_database(&cluster.url("postgres"), local::DATABASE, None).await?;
        Ok((cluster.url(local::DATABASE), Some(cluster)))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Streaming replicas of DATABASE_URL, comma-separated (a multi-host URL's own commas
    /// stay within it: see `replica_urls`). Reads that tolerate lag (records,
    /// lists, exports, search) go to them; writes, and reads that carry the `Attest-Lsn` of a
    /// write the replica has not replayed yet, go to the primary.
    #[arg(
        long,
        env = "ATTEST_DATABASE_REPLICA_URLS",
        value_delimiter = ',',
        hide_env_values = true,
        requires = "database_url"
    )]
    pub database_replica_urls: Vec<String>,

    /// Address to listen on.
    #[arg(long, env = "ATTEST_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "ATTEST_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,

    /// Database connections to each server (the primary, each replica), split among the workers.
    #[arg(long, env = "ATTEST_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub pool_size: u16,

    /// How long a request waits for a database connection before answering 503.
    #[arg(long, env = "ATTEST_POOL_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub pool_timeout_ms: u64,

    /// Let anonymous callers read (lists, records, review history). Writes always need a
    /// signed-in caller.
    #[arg(long, env = "ATTEST_PUBLIC_READ", default_value_t = false)]
    pub public_read: bool,

    /// JWT signing keys, `kid=hex,kid2=hex` (at least 32 bytes each); the first signs, all
    /// verify. Default: one key generated and kept in <data-dir>/jwt-keys.
    #[arg(long, env = "ATTEST_JWT_KEYS", hide_env_values = true)]
    pub jwt_keys: Option<String>,

    /// The transparency log's signing key, a signed-note Ed25519 private key
    /// (`PRIVATE+KEY+<origin>+<id>+<key>`, as `attest log key --generate` prints); every server
    /// of a deployment uses the same. Default: one generated and kept in <data-dir>/log-key.
    #[arg(long, env = "ATTEST_LOG_KEY", hide_env_values = true)]
    pub log_key: Option<String>,

    /// The log's name (its origin) when a key is generated: by default the public base URL's
    /// host and port, then `/log`.
    #[arg(long, env = "ATTEST_LOG_ORIGIN")]
    pub log_origin: Option<String>,

    /// Whether this server may sequence the log. Every server may: one at a time does, by a
    /// PostgreSQL lock, and another takes over when it stops.
    #[arg(long, env = "ATTEST_LOG_SEQUENCER", default_value_t = true, action = clap::ArgAction::Set)]
    pub log_sequencer: bool,

    /// How often the sequencer integrates new events and signs a checkpoint, in milliseconds.
    #[arg(long, env = "ATTEST_LOG_INTERVAL_MS", default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub log_interval_ms: u64,

    /// Browser origins allowed to call the API (CORS), comma-separated, e.g.
    /// `https://desk.example.org`. None by default; a wildcard is not accepted.
    #[arg(long, env = "ATTEST_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// How long a verified caller (token or API key) is remembered, in milliseconds; 0 checks
    /// the database on every request. Ending a caller's access takes effect at once on the
    /// server that did it, and within this time on the others.
    #[arg(long, env = "ATTEST_AUTH_CACHE_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub auth_cache_ms: u64,

    /// Memory for answers to reads by id, in MiB; 0 turns the cache off. Other servers'
    /// changes reach it within 50 ms (it reads PostgreSQL's table of changes); with replicas
    /// it is off.
    #[arg(long, env = "ATTEST_RECORD_CACHE_MB", default_value_t = 32, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub record_cache_mb: u64,

    /// A direct connection to the primary when DATABASE_URL is a pooler in transaction mode
    /// (PgBouncer): the record cache follows changes there, and the log's sequencer holds
    /// its session lock there. One connection each.
    #[arg(long, env = "ATTEST_RECORD_CACHE_LISTEN_URL", hide_env_values = true, requires = "database_url")]
    pub record_cache_listen_url: Option<String>,

    /// Longest any one SQL statement of a request may run, in milliseconds (PostgreSQL's
    /// statement_timeout); past it the request answers 503.
    #[arg(long, env = "ATTEST_STATEMENT_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=3_600_000))]
    pub statement_timeout_ms: u64,

    /// Proxies (load balancers) whose `X-Forwarded-For` is believed, comma-separated
    /// addresses or CIDR ranges (`10.0.0.0/8`). A request from one of them is taken to come
    /// from the last address in that header that is not itself a trusted proxy; from any other
    /// peer, the header is ignored.
    #[arg(long, env = "ATTEST_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// The public address of the API, as ClaimReview documents name it (default: http:// and
    /// --bind). Never taken from a request's Host or X-Forwarded-Host.
    #[arg(long, env = "ATTEST_PUBLIC_BASE_URL", value_parser = parse_base_url)]
    pub public_base_url: Option<String>,

    /// The organisation that publishes the verdicts, as ClaimReview's author.
    #[arg(long, env = "ATTEST_PUBLISHER_NAME", default_value = "Attest")]
    pub publisher_name: String,

    /// The address of that organisation's logo, as ClaimReview's publisher carries it.
    #[arg(long, env = "ATTEST_PUBLISHER_LOGO_URL", value_parser = parse_web_url)]
    pub publisher_logo_url: Option<String>,

    /// Let webhook subscriptions name private, loopback and link-local addresses (a receiver
    /// inside the newsroom's own network). Off: such targets are refused when written and
    /// when a name resolves to one at delivery.
    #[arg(long, env = "ATTEST_WEBHOOK_ALLOW_PRIVATE_TARGETS", default_value_t = false)]
    pub webhook_allow_private_targets: bool,

    /// Whether this server delivers webhooks (one or more servers of a deployment may; they
    /// share the work).
    #[arg(long, env = "ATTEST_WEBHOOK_DELIVERY", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_delivery: bool,

    /// How long a webhook receiver may take to answer, in milliseconds.
    #[arg(long, env = "ATTEST_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub webhook_timeout_ms: u64,

    /// The wait before a failed webhook is retried, in milliseconds; it doubles after each
    /// failure, up to --webhook-longest-retry-ms, less a random part (jitter).
    #[arg(long, env = "ATTEST_WEBHOOK_FIRST_RETRY_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_first_retry_ms: u64,

    /// The longest wait between retries of a failed webhook, in milliseconds.
    #[arg(long, env = "ATTEST_WEBHOOK_LONGEST_RETRY_MS", default_value_t = 3_600_000, value_parser = clap::value_parser!(u64).range(10..=86_400_000))]
    pub webhook_longest_retry_ms: u64,

    /// How long a webhook delivery is retried before it fails, in hours.
    #[arg(long, env = "ATTEST_WEBHOOK_RETRY_HOURS", default_value_t = 26, value_parser = clap::value_parser!(u64).range(24..=720))]
    pub webhook_retry_hours: u64,

    /// Webhook requests in flight at once.
    #[arg(long, env = "ATTEST_WEBHOOK_CONCURRENCY", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub webhook_concurrency: u16,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "ATTEST_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024, value_parser = clap::value_parser!(u32).range(1024..))]
    pub max_body_bytes: u32,
}

impl ServeArgs {
    /// The replicas' connection strings. The list is split at commas, and a piece that does
    /// not start a connection string (a `postgres://` or `postgresql://` URL, or `key=value`
    /// words) continues the one before it: the next host of a multi-host URL.
    pub fn replica_urls(&self) -> Vec<String> {
        let keyword =
            |key: &str| !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let mut urls: Vec<String> = Vec::new();
        for piece in &self.database_replica_urls {
            let starts = piece.starts_with("postgres://")
                || piece.starts_with("postgresql://")
                || piece.trim_start().split_once('=').is_some_and(|(key, _)| keyword(key.trim_end()));
            match urls.last_mut() {
                Some(url) if !starts => {
                    url.push(',');
                    url.push_str(piece);
                }
                _ => urls.push(piece.clone()),
            }
        }
        urls
    }

    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.statement_timeout_ms)
    }

    pub fn public_base_url(&self) -> String {
        self.public_base_url.clone().unwrap_or_else(|| format!("http://{}", self.bind))
    }

    /// The log's origin for a new key: the public base URL without its scheme, then `/log`.
    pub fn log_origin(&self) -> String {
        self.log_origin.clone().unwrap_or_else(|| {
            let base = self.public_base_url();
            let host = base.split_once("://").map_or(base.as_str(), |(_, rest)| rest);
            format!("{}/log", host.trim_end_matches('/'))
        })
    }

    pub fn pool_timeout(&self) -> Duration {
        Duration::from_millis(self.pool_timeout_ms)
    }

    pub fn workers(&self) -> usize {
        self.workers
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[arg(long)]
    pub email: String,

    #[arg(long)]
    pub name: String,

    /// The role in --workspace.
    #[arg(long, value_enum)]
    pub role: RoleArg,

    /// The workspace the user joins, by its slug.
    #[arg(long, default_value = crate::domain::workspace::DEFAULT_SLUG)]
    pub workspace: String,

    /// Also make the user an instance administrator (creates workspaces, manages members).
    #[arg(long)]
    pub instance_admin: bool,

    /// Read the password from standard input (one line); it is never taken as an argument.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Roles as the command line spells them.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Submitter,
    Reviewer,
    Editor,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Submitter => Role::Submitter,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Editor => Role::Editor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// An origin: scheme, host and optional port, nothing else (no wildcard, no path).
fn parse_origin(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("{value:?} is not an origin: {e}"))?;
    let origin = url.origin().ascii_serialization();
    if !matches!(url.scheme(), "http" | "https") || origin == "null" || url.path() != "/" {
        return Err(format!("{value:?} is not an origin such as https://desk.example.org"));
    }
    Ok(origin)
}

/// A trusted proxy: one address, or a CIDR range.
fn parse_proxy(value: &str) -> Result<ipnet::IpNet, String> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{value:?} is not an address or a CIDR range such as 10.0.0.0/8"))
}

/// An http(s) URL without query or fragment; kept without a trailing slash.
fn parse_web_url(value: &str) -> Result<String, String> {
    crate::domain::text::WebUrl::parse(value.trim().to_owned()).map(|url| url.into_inner())
}

fn parse_base_url(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("{value:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{value:?} is not a base URL such as https://facts.example.org"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Serve {
        #[command(flatten)]
        args: ServeArgs,
    }

    fn replicas(list: &str) -> Vec<String> {
        Serve::parse_from(["attest", "--database-url", "postgres://p/db", "--database-replica-urls", list])
            .args
            .replica_urls()
    }

    #[test]
    fn replica_lists_keep_multi_host_urls_whole() {
        assert_eq!(
            replicas("postgres://r1/db,postgresql://r2/db"),
            ["postgres://r1/db", "postgresql://r2/db"]
        );
        let standby = "postgresql://u@h1:6001,h2:6002/db?target_session_attrs=read-only&connect_timeout=2";
        assert_eq!(replicas(&format!("{standby},postgres://r3/db")), [standby, "postgres://r3/db"]);
        assert_eq!(
            replicas("host=h1,h2 port=5432 dbname=db,host=h3 dbname=db"),
            ["host=h1,h2 port=5432 dbname=db", "host=h3 dbname=db"]
        );
    }
}
