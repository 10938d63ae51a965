//! Fills a database with realistic synthetic volumes for benchmarks and demos, inside
//! PostgreSQL (one INSERT ... SELECT per table), so a million rows take minutes, not hours of
//! HTTP. Not part of the server: `cargo run --release --example generate -- --scale 0.1`.
//!
//! SCALE 1.0 is 1,000,000 quotes and claims, 100,000 sources and 50,000 speakers, a third of
//! them reviewed. Running again with a larger scale adds the difference.

use anyhow::bail;
use attest::config::DatabaseArgs;
use clap::Parser;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    database: DatabaseArgs,
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// The workspace the rows go to (created if there is none of that slug).
    #[arg(long, default_value = attest::domain::workspace::DEFAULT_SLUG)]
    workspace: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(args.scale > 0.0 && args.scale <= 100.0) {
        bail!("--scale must be above 0 and at most 100");
    }
    let (url, _cluster) = args.database.open(false).await?;
    attest::db::migrate(&url).await?;
    let mut conn = attest::db::connect(&url).await?;
    let workspace_number = enter_workspace(&mut conn, &args.workspace).await?;
    let volumes = Volumes::at_scale(args.scale);
    // A real hash of a password nobody keeps: generated reviewers exist but cannot sign in.
    let unknown = uuid::Uuid::now_v7().to_string();
    let hash = attest::services::auth::password::hash(unknown).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    generate(&mut conn, &volumes, &hash, workspace_number).await?;
    println!(
        "generated up to {} sources, {} speakers, {} quotes, {} claims in {:.1} s",
        volumes.sources,
        volumes.speakers,
        volumes.quotes,
        volumes.claims,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Acts in the workspace `slug` for the session, creating it if need be; its number (by
/// creation order) keeps its generated ids apart from other workspaces'.
async fn enter_workspace(conn: &mut AsyncPgConnection, slug: &str) -> anyhow::Result<i64> {
    let slug =
        attest::domain::workspace::Slug::parse(slug).map_err(|e| anyhow::anyhow!("--workspace {e}"))?;
    let create = format!(
        "INSERT INTO workspaces (id, slug, name, rating_scale) SELECT gen_random_uuid(), '{0}', '{0}', \
         rating_scale FROM workspaces WHERE slug = 'default' ON CONFLICT DO NOTHING",
        slug.as_str()
    );
    conn.batch_execute(&create).await?;
    let workspace = attest::db::workspace::act_in_for_session(conn, slug.as_str()).await?;
    #[derive(diesel::QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        number: i64,
    }
    let number: Number = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) - 1 AS number FROM workspaces WHERE created_at <= (SELECT created_at FROM workspaces WHERE id = $1)")
            .bind::<diesel::sql_types::Uuid, _>(workspace),
        conn,
    )
    .await?;
    Ok(number.number)
}

/// Row counts at scale 1.0.
const SOURCES: f64 = 100_000.0;
const SPEAKERS: f64 = 50_000.0;
const QUOTES: f64 = 1_000_000.0;
const CLAIMS: f64 = 1_000_000.0;

/// The target totals for `scale` (1.0: 100,000 sources, 50,000 speakers, 1,000,000 quotes
/// and 1,000,000 claims).
struct Volumes {
    sources: u64,
    speakers: u64,
    quotes: u64,
    claims: u64,
}

impl Volumes {
    fn at_scale(scale: f64) -> Self {
        let of = |full: f64| (full * scale).round().max(1.0) as u64;
        Self { sources: of(SOURCES), speakers: of(SPEAKERS), quotes: of(QUOTES), claims: of(CLAIMS) }
    }
}

/// Grows each table to its target; a third of the quotes and claims get a verdict and the
/// review behind it. `password_hash` is stored for the generated reviewers.
async fn generate(
    conn: &mut AsyncPgConnection,
    volumes: &Volumes,
    password_hash: &str,
    workspace_number: i64,
) -> anyhow::Result<()> {
    let script = include_str!("generate.sql")
        .replace("{workspace_number}", &workspace_number.to_string())
        .replace("{sources}", &volumes.sources.to_string())
        .replace("{speakers}", &volumes.speakers.to_string())
        .replace("{quotes}", &volumes.quotes.to_string())
        .replace("{claims}", &volumes.claims.to_string())
        .replace("{password_hash}", &password_hash.replace('\'', "''"));
    conn.batch_execute(&script).await?;
    // As after any bulk load: statistics for the planner, and every row's commit status and
    // page visibility recorded once, with GIN's pending entries merged into the index. Left
    // to autovacuum, that work would land on the first reads (and benchmarks) instead.
    // VACUUM runs on its own: it cannot share a multi-statement string.
    conn.batch_execute("VACUUM (ANALYZE) sources, speakers, quotes, claims, reviews").await?;
    Ok(())
}
