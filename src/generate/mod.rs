//! `attest generate`: fills a database with realistic synthetic volumes for benchmarks and
//! demos, inside PostgreSQL (one INSERT ... SELECT per table), so a million rows take minutes,
//! not hours of HTTP.

use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};

/// Row counts at scale 1.0.
const SOURCES: f64 = 100_000.0;
const SPEAKERS: f64 = 50_000.0;
const QUOTES: f64 = 1_000_000.0;
const CLAIMS: f64 = 1_000_000.0;

/// The target totals for `scale` (1.0: 100,000 sources, 50,000 speakers, 1,000,000 quotes
/// and 1,000,000 claims).
pub struct Volumes {
    pub sources: u64,
    pub speakers: u64,
    pub quotes: u64,
    pub claims: u64,
}

impl Volumes {
    pub fn at_scale(scale: f64) -> Self {
        let of = |full: f64| (full * scale).round().max(1.0) as u64;
        Self { sources: of(SOURCES), speakers: of(SPEAKERS), quotes: of(QUOTES), claims: of(CLAIMS) }
    }
}

/// Grows each table to its target; a third of the quotes and claims get a verdict and the
/// review behind it. `password_hash` is stored for the generated reviewers.
pub async fn generate(
    conn: &mut AsyncPgConnection,
    volumes: &Volumes,
    password_hash: &str,
) -> anyhow::Result<()> {
    let script = include_str!("generate.sql")
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
