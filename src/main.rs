//! The `attest` command: `serve` and `migrate`.

use std::net::TcpListener;

use anyhow::Context;
use attest::config::{DatabaseArgs, ServeArgs};
use attest::db::{self, local};
use attest::startup::{self, HttpSettings};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "attest", version, about = "Fact-tracking database server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (with its own PostgreSQL unless DATABASE_URL is set).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_env("ATTEST_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            let (url, _cluster) = database(&args).await?;
            let applied = db::migrate(&url).await?;
            println!(
                "applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            );
            Ok(())
        }
    }
}

/// The database to use, starting the managed local cluster when no URL is given. The
/// returned cluster stops when dropped.
async fn database(args: &DatabaseArgs) -> anyhow::Result<(String, Option<local::RunningCluster>)> {
    if let Some(url) = &args.database_url {
        return Ok((url.clone(), None));
    }
    let cluster = local::LocalCluster::new(&args.data_dir, true)?.start()?;
    db::create_database(&cluster.url("postgres"), local::DATABASE, None).await?;
    Ok((cluster.url(local::DATABASE), Some(cluster)))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let (url, cluster) = database(&args.database).await?;
    let applied = db::migrate(&url).await?;
    tracing::info!(applied = applied.len(), "migrations are current");
    let pool = db::build_pool(&url, args.pool_size.into(), args.pool_timeout())?;
    let listener =
        TcpListener::bind(args.bind).with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(address = %listener.local_addr()?, "attest is listening");
    let settings = HttpSettings {
        workers: args.workers(),
        max_body_bytes: args.max_body_bytes as usize,
    };
    // Runs until SIGINT/SIGTERM, after in-flight requests finish.
    let served = startup::run(listener, pool, &settings)?.await;
    drop(cluster);
    served.context("serving HTTP")
}
