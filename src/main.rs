//! The `attest` command: `serve`, `migrate` and `user add`.

use std::io::BufRead;
use std::net::TcpListener;
use std::time::Duration;

use anyhow::{Context, bail};
use attest::config::{DatabaseArgs, ServeArgs, UserAddArgs};
use attest::db;
use attest::domain::log::{Hash, LogError, LogKey, check_consistency, open_checkpoint};
use attest::domain::workspace::Slug;
use attest::services::ServiceError;
use attest::services::auth::jwt::KeyRing;
use attest::services::claimreview::Publisher;
use attest::services::log::{self, SequencerSettings};
use attest::services::users::{self, UserInput};
use attest::services::webhook_delivery::DeliverySettings;
use attest::services::webhooks::TargetPolicy;
use attest::services::workspaces;
use attest::startup::{self, HttpSettings};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Allocates with mimalloc, which costs the server less per request than the system's
/// malloc (see benches/README, "The allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "attest", version, about = "Fact-tracking database server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (with its own PostgreSQL unless DATABASE_URL is set).
    // Boxed: its settings outweigh every other command's.
    Serve(Box<ServeArgs>),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The transparency log: its key, and checks anyone can run offline.
    #[command(subcommand)]
    Log(LogCommand),
    /// Extract quotes and numeric claims from an article file and print them as a table.
    Ingest {
        /// A plain-text article (UTF-8).
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the transparency log's whole tree against the stored events and its signed
    /// checkpoints; report the first leaf that does not add up. Exits 1 if it was tampered with.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The log's public key, to check every checkpoint's signature (default: the key in
        /// <data-dir>/log-key, when there is one).
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Print the log's origin and public key (generating the key in <data-dir>, as `serve`
    /// would, if there is none yet).
    Key {
        #[arg(long, env = "ATTEST_DATA_DIR", default_value = ".attest")]
        data_dir: std::path::PathBuf,
        /// The origin of a key generated now.
        #[arg(long, env = "ATTEST_LOG_ORIGIN", default_value = "localhost/log")]
        origin: String,
    },
    /// Check, offline, that a published fact-check or ClaimReview document (JSON, with its
    /// `transparency` block) is in a checkpoint signed by the log's key. Exits 1 if not.
    VerifyInclusion {
        /// The log's public key (`GET /log` or `attest log key`).
        #[arg(long)]
        public_key: String,
        /// A checkpoint you saved (optional): the document's must be the same tree.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        /// The document, as served.
        document: std::path::PathBuf,
    },
    /// Check that a checkpoint saved earlier is a prefix of a later one: the log was only
    /// appended to. Exits 1 if its history was rewritten.
    VerifyConsistency {
        #[arg(long)]
        public_key: String,
        /// The checkpoint saved earlier.
        #[arg(long)]
        old: std::path::PathBuf,
        /// The later checkpoint, and the consistency proof between them as `GET
        /// /log/proof/consistency` serves it (JSON); or else --server.
        #[arg(long, requires = "proof", conflicts_with = "server")]
        new: Option<std::path::PathBuf>,
        #[arg(long)]
        proof: Option<std::path::PathBuf>,
        /// The server to fetch its current checkpoint and the proof from, e.g. https://attest.example.org.
        #[arg(long)]
        server: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (the first admin, typically).
    Add(UserAddArgs),
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // Log lines are written by a thread of their own: a request never waits on stderr. That
    // thread flushes whenever it has written all the lines queued, so the buffer saves a
    // write(2) per line under load and never holds a line back.
    let (writer, _flush_on_exit) = tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    tracing_subscriber::fmt()
        .fmt_fields(attest::telemetry::logs::JsonObjectFields)
        .event_format(attest::telemetry::logs::JsonLines)
        .with_writer(writer)
        .with_env_filter(EnvFilter::try_from_env("ATTEST_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(args) => {
            let (url, _cluster) = args.open(false).await?;
            let applied = db::migrate(&url).await?;
            println!("applied {} migration(s): {}", applied.len(), applied.join(", "));
            Ok(())
        }
        Command::User(UserCommand::Add(args)) => add_user(args).await,
        Command::Audit(AuditCommand::Verify { database, public_key }) => {
            verify_audit(database, public_key).await
        }
        Command::Log(command) => log_command(command).await,
        Command::Ingest { file } => ingest(&file),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let keys = KeyRing::configured(args.jwt_keys.as_deref(), &args.database.data_dir)?;
    let log_key = log::configured_key(args.log_key.as_deref(), &args.log_origin(), &args.database.data_dir)?;
    tracing::info!(
        origin = log_key.origin(),
        public_key = log_key.public_key(),
        "the transparency log's key"
    );
    let (url, cluster) = args.database.open(true).await?;
    match db::migrate(&url).await {
        Ok(applied) => tracing::info!(applied = applied.len(), "migrations are current"),
        // An external database may come up after us: serve 503 until it does, not crash-loop.
        Err(error) if cluster.is_none() => {
            tracing::warn!(error = %format!("{error:#}"), "the database is not reachable yet; retrying in the background");
            actix_web::rt::spawn(migrate_when_reachable(url.clone()));
        }
        Err(error) => return Err(error),
    }
    let database = db::DatabaseSettings {
        primary_url: url,
        replica_urls: args.replica_urls(),
        listen_url: args.record_cache_listen_url.clone(),
        pool_size: args.pool_size.into(),
        wait_timeout: args.pool_timeout(),
        statement_timeout: args.statement_timeout(),
    };
    let listener = TcpListener::bind(args.bind).with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(
        address = %listener.local_addr()?,
        public_read = args.public_read,
        replicas = database.replica_urls.len(),
        "attest is listening"
    );
    let settings = HttpSettings {
        workers: args.workers(),
        max_body_bytes: args.max_body_bytes as usize,
        public_read: args.public_read,
        cors_origins: args.cors_origins.clone(),
        auth_cache_ttl: Duration::from_millis(args.auth_cache_ms),
        record_cache_bytes: args.record_cache_mb << 20,
        trusted_proxies: args.trusted_proxies.clone(),
        publisher: Publisher {
            base_url: args.public_base_url(),
            name: args.publisher_name.clone(),
            logo_url: args.publisher_logo_url.clone(),
        },
        webhooks: args.webhook_delivery.then(|| webhook_delivery(&args)),
        webhook_targets: TargetPolicy { allow_private: args.webhook_allow_private_targets },
        log: SequencerSettings {
            interval: Duration::from_millis(args.log_interval_ms),
            ..SequencerSettings::new(log_key)
        },
        log_sequencer: args.log_sequencer,
    };
    let server = startup::run(listener, &database, keys, &settings)?;
    actix_web::rt::spawn(stop_on_signal(server.handle()));
    // Runs until SIGINT/SIGTERM, after in-flight requests finish.
    let served = server.await;
    drop(cluster);
    served.context("serving HTTP")
}

/// How this server delivers webhooks, from its flags.
fn webhook_delivery(args: &ServeArgs) -> DeliverySettings {
    DeliverySettings {
        targets: TargetPolicy { allow_private: args.webhook_allow_private_targets },
        timeout: Duration::from_millis(args.webhook_timeout_ms),
        first_retry: Duration::from_millis(args.webhook_first_retry_ms),
        longest_retry: Duration::from_millis(args.webhook_longest_retry_ms),
        retry_for: Duration::from_secs(args.webhook_retry_hours * 3600),
        concurrency: args.webhook_concurrency.into(),
        ..DeliverySettings::default()
    }
}

/// Ctrl-C (SIGINT) or SIGTERM: stop accepting connections, let in-flight requests finish
/// (up to 30 s), then return from `serve`, which stops the managed cluster.
async fn stop_on_signal(server: actix_web::dev::ServerHandle) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        tracing::error!("cannot listen for SIGINT/SIGTERM; stop the server with SIGKILL");
        return;
    };
    let name = tokio::select! {
        _ = interrupt.recv() => "SIGINT",
        _ = terminate.recv() => "SIGTERM",
    };
    tracing::info!(signal = name, "stopping: finishing in-flight requests");
    server.stop(true).await;
}

/// Applies the migrations once the database answers, retrying with a capped backoff.
async fn migrate_when_reachable(url: String) {
    let mut delay = Duration::from_millis(250);
    loop {
        actix_web::rt::time::sleep(delay).await;
        match db::migrate(&url).await {
            Ok(applied) => {
                tracing::info!(applied = applied.len(), "the database is reachable; migrations are current");
                return;
            }
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "the database is still not reachable")
            }
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

async fn add_user(args: UserAddArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        bail!("give the password on standard input with --password-stdin (it is never taken as an argument)");
    };
    let (url, _cluster) = args.database.open(false).await?;
    db::migrate(&url).await?;
    let mut conn = db::connect(&url).await?;
    let input = UserInput {
        email: args.email,
        display_name: args.name,
        role: args.role.into(),
        password,
        instance_admin: args.instance_admin,
    };
    let slug = Slug::parse(&args.workspace).map_err(|e| anyhow::anyhow!("--workspace {e}"))?;
    let refused = |e: ServiceError| anyhow::anyhow!("{e}: {}", problem_detail(&e));
    let workspace = workspaces::id_of(&mut conn, &slug).await.map_err(refused)?;
    let user = db::workspace::scoped(&mut conn, workspace, None, async |conn| {
        users::create(conn, None, workspace, input).await
    })
    .await
    .map_err(refused)?
    .view;
    println!("created {:?} of {} {} ({})", user.role, slug.as_str(), user.email, user.id);
    Ok(())
}

/// The field-level reasons behind a refusal, for the command line.
fn problem_detail(error: &ServiceError) -> String {
    match error {
        ServiceError::Validation(errors) | ServiceError::InvalidShape(errors) => errors
            .iter()
            .map(|e| format!("{} {}", e.pointer.trim_start_matches('/'), e.detail))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

async fn verify_audit(args: DatabaseArgs, public_key: Option<String>) -> anyhow::Result<()> {
    let public_key = match public_key {
        Some(key) => Some(key),
        None => match std::fs::read_to_string(args.data_dir.join("log-key")) {
            Ok(secret) => Some(LogKey::parse(&secret)?.public_key().to_owned()),
            Err(_) => None,
        },
    };
    let (url, _cluster) = args.open(false).await?;
    let mut conn = db::connect(&url).await?;
    let report = log::verify(&mut conn, public_key.as_deref()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("leaves verified: {} ({} events recomputed)", report.leaves, report.events_recomputed);
    println!(
        "checkpoints verified: {}{}",
        report.checkpoints,
        match public_key {
            Some(_) => ", signatures included",
            None => " (no public key given: signatures not checked)",
        }
    );
    println!("events waiting for the sequencer: {}", report.pending);
    println!("root hash: {}", report.root_hash);
    match report.first_broken {
        None => {
            println!("the audit trail is intact");
            Ok(())
        }
        Some(broken) => {
            let at = broken.leaf_index.map(|i| format!(" at leaf {i}")).unwrap_or_default();
            println!("BROKEN{at}: {}", broken.reason);
            std::process::exit(1);
        }
    }
}

async fn log_command(command: LogCommand) -> anyhow::Result<()> {
    let outcome = match command {
        LogCommand::Key { data_dir, origin } => {
            let key = log::configured_key(None, &origin, &data_dir)?;
            println!("origin: {}", key.origin());
            println!("public key: {}", key.public_key());
            return Ok(());
        }
        LogCommand::VerifyInclusion { public_key, checkpoint, document } => {
            let document: serde_json::Value = serde_json::from_str(&read(&document)?)
                .with_context(|| format!("{} is not JSON", document.display()))?;
            attest::domain::log::verify_document(&document, &public_key).and_then(|included| {
                if let Some(saved) = &checkpoint {
                    let saved = open_checkpoint(&read(saved).map_err(|e| LogError::Checkpoint(e.to_string()))?, &public_key)?;
                    if saved != included.checkpoint {
                        return Err(LogError::Proof(format!(
                            "the document is proven in the tree of size {}, not in your checkpoint's ({}): fetch GET /log/proof/inclusion?leaf_index={}&tree_size={}",
                            included.checkpoint.size(), saved.size(), included.leaf_index, saved.size()
                        )));
                    }
                }
                Ok(format!(
                    "included: leaf {} of the tree of size {} signed by {}",
                    included.leaf_index,
                    included.checkpoint.size(),
                    included.checkpoint.origin()
                ))
            })
        }
        LogCommand::VerifyConsistency { public_key, old, new, proof, server } => {
            let old = read(&old)?;
            let (new, proof) = match (new, proof, server) {
                (Some(new), Some(proof), _) => (read(&new)?, serde_json::from_str(&read(&proof)?)?),
                (_, _, Some(server)) => fetch_consistency(&server, &old, &public_key).await?,
                _ => bail!("give --new and --proof, or --server"),
            };
            verify_consistency(&public_key, &old, &new, &proof)
        }
    };
    match outcome {
        Ok(verdict) => {
            println!("{verdict}");
            Ok(())
        }
        Err(error) => {
            println!("FAILED: {error}");
            std::process::exit(1);
        }
    }
}

fn read(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The server's current checkpoint and its consistency proof from `old`'s size.
async fn fetch_consistency(
    server: &str,
    old: &str,
    public_key: &str,
) -> anyhow::Result<(String, serde_json::Value)> {
    let size = open_checkpoint(old, public_key)?.size();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let base = server.trim_end_matches('/');
    let answer = client.get(format!("{base}/log/proof/consistency?from={size}")).send().await?;
    let proof: serde_json::Value = serde_json::from_slice(&answer.error_for_status()?.bytes().await?)?;
    let new = proof["checkpoint"].as_str().context("the server's proof carries no checkpoint")?.to_owned();
    Ok((new, proof))
}

fn verify_consistency(
    public_key: &str,
    old: &str,
    new: &str,
    proof: &serde_json::Value,
) -> Result<String, LogError> {
    let (old, new) = (open_checkpoint(old, public_key)?, open_checkpoint(new, public_key)?);
    let hashes: Vec<Hash> = proof["consistency_proof"]
        .as_array()
        .ok_or_else(|| LogError::Proof("the proof has no consistency_proof".into()))?
        .iter()
        .map(|hash| hash.as_str().and_then(|h| Hash::parse_hash(h).ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| LogError::Proof("a proof hash is not base64 of 32 bytes".into()))?;
    if proof["from"].as_u64() != Some(old.size()) || proof["to"].as_u64() != Some(new.size()) {
        return Err(LogError::Proof("the proof is not between these two checkpoints' sizes".into()));
    }
    check_consistency(&hashes, &old, &new)?;
    Ok(format!(
        "consistent: the tree of size {} extends the tree of size {} you saved",
        new.size(),
        old.size()
    ))
}

/// Prints what the extractor finds in `file`: quotes with their speakers, then claims.
fn ingest(file: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let found = attest::domain::extract::extract(&text);
    let cut = |s: &str, n: usize| {
        let short: String = s.chars().take(n).collect();
        if s.chars().count() > n { format!("{short}…") } else { short }
    };
    println!("{:<9} {:>6} {:<28} {:<58} {:>4}", "KIND", "AT", "SPEAKER", "QUOTE", "CONF");
    for q in &found.quotes {
        let speaker = q.speaker.as_ref().map_or("?".to_owned(), |s| s.name.clone());
        let relay = q.relayed_by.as_ref().map(|r| format!(" (via {r})")).unwrap_or_default();
        println!(
            "{:<9} {:>6} {:<28} {:<58} {:>4.2}",
            label(q.kind),
            q.start,
            cut(&format!("{speaker}{relay}"), 28),
            cut(&q.text, 58),
            q.confidence
        );
    }
    println!();
    println!("{:<14} {:>18} {:<12} {:<40}", "QUALIFIER", "VALUE", "UNIT", "METRIC");
    for c in &found.claims {
        println!(
            "{:<14} {:>18} {:<12} {:<40}",
            label(c.qualifier),
            c.value,
            c.unit.as_deref().unwrap_or("-"),
            cut(&c.metric, 40)
        );
    }
    println!("\n{} quotes, {} numeric claims", found.quotes.len(), found.claims.len());
    Ok(())
}

/// An enum as the API spells it ("more_than").
fn label(value: impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
