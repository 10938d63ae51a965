//! Full-text search over quotes, claims and sources: PostgreSQL tsvector columns with GIN
//! indexes, stemmed in each record's language, ranked, with highlighted snippets.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use uuid::Uuid;

use super::prepared::PrepareOnce;
use crate::domain::kinds::ReviewStatus;

/// Matches ranked per query, at most: the first this many found (with every filter applied)
/// are ranked and paged; a query matching more should be made more specific. Hits of a query
/// that reached the cap say so (`capped`). Fetching and ranking the candidates is most of what
/// such a search costs, so the cap is what keeps a search of everyday words as fast in a large
/// table as in a small one (benches/README, "Search's ranking cap").
pub const MAX_RANKED: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchType {
    Quote,
    Claim,
    Source,
    /// Found by name or alias (`speakers`), not by full text.
    Speaker,
}

#[derive(Debug, Default, PartialEq)]
pub struct SearchFilter {
    pub speaker_id: Option<Uuid>,
    pub source_id: Option<Uuid>,
    pub publisher: Option<String>,
    pub language: Option<String>,
    pub status: Option<ReviewStatus>,
    pub published_from: Option<DateTime<Utc>>,
    pub published_to: Option<DateTime<Utc>>,
}

/// Where the previous page ended: its last rank and id.
#[derive(Debug, Clone, Copy)]
pub struct SearchCursor {
    pub rank: f64,
    pub id: Uuid,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Double)]
    pub rank: f64,
    /// The matching passage, matches wrapped in `<mark>` and `</mark>`.
    #[diesel(sql_type = Text)]
    pub snippet: String,
    #[diesel(sql_type = Text)]
    pub text: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub speaker_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub source_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub publisher: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    /// As many matched as are ranked (MAX_RANKED): more may match, and the ranked ones are
    /// the first found only.
    #[diesel(sql_type = Bool)]
    pub capped: bool,
}

/// Per full-text type: the table, and its text expression (over `r`).
fn shape(kind: SearchType) -> Option<(&'static str, &'static str)> {
    match kind {
        SearchType::Quote => Some(("quotes", "r.text")),
        SearchType::Claim => Some(("claims", "r.statement")),
        SearchType::Source => Some(("sources", "coalesce(r.title, '') || ' — ' || coalesce(r.content, '')")),
        SearchType::Speaker => None,
    }
}

/// The query as PostgreSQL reads it, in each configuration the table's records use.
#[derive(QueryableByName)]
struct Reading {
    /// The readings, ORed, each distinct one once (most words read the same in most
    /// languages): what a record must match.
    #[diesel(sql_type = Text)]
    matching: String,
    /// The configurations the table's records use (`search_configs`), in name order.
    #[diesel(sql_type = Array<Text>)]
    configs: Vec<String>,
    /// One reading per entry of `configs`: what a record is ranked against, in its own
    /// language. A language that reads no word of the query (all stopwords) has the whole
    /// `matching` query instead.
    #[diesel(sql_type = Array<Text>)]
    per_config: Vec<String>,
    /// Per entry of `configs`, the query's words next to each other in the order typed, for
    /// ranking records that hold them so first; none where every word is a stopword.
    #[diesel(sql_type = Array<Nullable<Text>>)]
    phrases: Vec<Option<String>>,
    /// The caller's workspace's share of the table's rows, by the planner's statistics (0 when
    /// not known).
    #[diesel(sql_type = Double)]
    workspace_share: f64,
    /// Records that have arrived in the table (its arrival sequence), deleted ones too.
    #[diesel(sql_type = BigInt)]
    arrivals: i64,
    /// Records in an arrival slice (`attest_arrival_slice_rows`).
    #[diesel(sql_type = Integer)]
    slice_rows: i32,
}

async fn read_query(conn: &mut AsyncPgConnection, q: &str, records: &str) -> diesel::QueryResult<Reading> {
    // A record is indexed in its own language's configuration (`attest_search_config`, the
    // one place the languages are listed); the query is read in every configuration the
    // table's records use, at once (OR), so one GIN lookup finds records in any language and
    // an inflected word still meets its stem.
    diesel::sql_query(include_str!("sql/search_readings.sql"))
        .bind::<Text, _>(q)
        .bind::<Text, _>(records)
        .prepare_once()
        .get_result(conn)
        .await
}

/// What looking through one arrival slice costs, in matches of the one bitmap it replaces: a
/// ratio of the two measured on a million quotes (benches/README, "The slice walk in one
/// statement").
const SLICE_SCAN_COST: f64 = 150.0;

/// A workspace with at least this share of a table's rows is checked on each row the full-text
/// index finds rather than looked up in it. The index's list of such a workspace's rows is
/// nearly the table's, and stepping through it beside the words' lists reads about a page per
/// match of the rarest word, up to every page of it: a cost that grows with the table. Checking
/// the rows found instead reads one more row per match in another workspace, and at this share
/// those are fewer than the matches in this one.
const WORKSPACE_SHARE_CHECKED_BY_ROW: f64 = 0.5;

/// Ranked matches for `q` (web search syntax: words, "quoted phrases", -exclusions, or).
/// Records containing the query's words next to each other, in order, rank above all others.
pub async fn search(
    conn: &mut AsyncPgConnection,
    kind: SearchType,
    q: &str,
    filter: &SearchFilter,
    after: Option<SearchCursor>,
    limit: i64,
) -> diesel::QueryResult<Vec<Hit>> {
    let Some((records, text)) = shape(kind) else {
        return speakers(conn, q, after, limit).await;
    };
    let table = format!("{records} r");
    let reading = read_query(conn, q, records).await?;
    if reading.matching.is_empty() {
        // No word of the query survives in any language in use (punctuation, stopwords
        // only), or the table is empty.
        return Ok(Vec::new());
    }
    // The candidates matching the readings ($1) and the filters ($2 to $8), the first
    // MAX_RANKED found, in the order found (`found.n`): the oldest slice's, then the rest slice by
    // slice up to `$15`, or in one bitmap, as `walk_from` ($16) tells. `@@` is not leakproof, so
    // under row-level security it could not use the full-text index written here: a function of
    // the tables' owner finds them (see its migration).
    let workspace_in_index = reading.workspace_share < WORKSPACE_SHARE_CHECKED_BY_ROW;
    let candidates = format!(
        "SELECT * FROM attest_search_candidates('{records}', $1::tsquery, $15::integer, $16::integer, {MAX_RANKED},
                                                {workspace_in_index}, $2, $3, $4, $5, $6, $7, $8)
                         WITH ORDINALITY AS found(id, search_vector, config, speaker_id, source_id, n)
          ORDER BY found.n"
    );
    let max_ranked = MAX_RANKED.to_string();
    let sql = fill(
        include_str!("sql/search_page.sql"),
        &[("candidates", &candidates), ("max_ranked", &max_ranked), ("table", &table), ("text", text)],
    );
    let status = filter.status.map(|s| {
        serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    });
    // The statements' texts take a few forms only (the table, the workspace's place): each is
    // prepared once.
    let page = diesel::sql_query(sql)
        .bind::<Text, _>(&reading.matching)
        .bind::<Nullable<SqlUuid>, _>(filter.speaker_id)
        .bind::<Nullable<SqlUuid>, _>(filter.source_id)
        .bind::<Nullable<Text>, _>(filter.publisher.as_deref())
        .bind::<Nullable<Text>, _>(filter.language.as_deref())
        .bind::<Nullable<Text>, _>(status.as_deref())
        .bind::<Nullable<Timestamptz>, _>(filter.published_from)
        .bind::<Nullable<Timestamptz>, _>(filter.published_to)
        .bind::<Nullable<Double>, _>(after.map(|c| c.rank))
        .bind::<Nullable<SqlUuid>, _>(after.map(|c| c.id))
        .bind::<BigInt, _>(limit)
        .bind::<Array<Text>, _>(&reading.per_config)
        .bind::<Array<Nullable<Text>>, _>(&reading.phrases)
        .bind::<Array<Text>, _>(&reading.configs)
        .bind::<BigInt, _>(reading.arrivals / i64::from(reading.slice_rows))
        .bind::<BigInt, _>(walk_from(reading.arrivals, reading.slice_rows))
        .prepare_once();
    // Part of the request's transaction, as the settings below need one: a transaction of its
    // own inside that would be a savepoint, two round trips more.
    crate::db::transaction::atomically(conn, async move |conn| {
        // The candidates are the first found in the table's order, and the next page must be
        // cut from the same ones: no scan that starts midway to share another's reads, no
        // parallel scan, whose rows come in any order. No JIT: compiling the slice walk's
        // plan, costed as if it read every slice, takes longer than running it.
        conn.batch_execute(
            "SET LOCAL synchronize_seqscans = off; SET LOCAL max_parallel_workers_per_gather = 0;
             SET LOCAL jit = off",
        )
        .await?;
        page.load(conn).await
    })
    .await
}

/// Speakers one of whose names (name or alias) is `q` or holds words like it, without case or
/// accents (as `speaker::lookup` finds them), the first MAX_RANKED found ranked: by trigram word
/// similarity, plus 1 for a name equal to `q`. The snippet is the name or alias most like `q`.
async fn speakers(
    conn: &mut AsyncPgConnection,
    q: &str,
    after: Option<SearchCursor>,
    limit: i64,
) -> diesel::QueryResult<Vec<Hit>> {
    let sql = fill(include_str!("sql/speaker_search.sql"), &[("max_ranked", &MAX_RANKED.to_string())]);
    diesel::sql_query(sql)
        .bind::<Text, _>(q)
        .bind::<Nullable<Double>, _>(after.map(|c| c.rank))
        .bind::<Nullable<SqlUuid>, _>(after.map(|c| c.id))
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
}

/// A SQL template with its `{name}`s replaced: table and column names, and fragments built
/// from them. Values never come from a request; they go in as binds.
fn fill(template: &str, names: &[(&str, &str)]) -> String {
    names.iter().fold(template.to_owned(), |sql, (name, value)| sql.replace(&format!("{{{name}}}"), value))
}

/// The fewest matches in the oldest slice for which the rest are found by reading the next
/// slices in order, until MAX_RANKED are found, rather than by one bitmap of every match, if the
/// table matches as its oldest slice does. With `m` matches a slice, the walk reads MAX_RANKED / m
/// slices at SLICE_SCAN_COST each, and the bitmap holds m of every slice's arrivals: the walk
/// costs less once m² > MAX_RANKED × SLICE_SCAN_COST × slice_rows / arrivals. At MAX_RANKED, no
/// walk: the oldest slice alone has then given every candidate.
fn walk_from(arrivals: i64, slice_rows: i32) -> i64 {
    if arrivals <= 0 {
        return MAX_RANKED;
    }
    let square = MAX_RANKED as f64 * SLICE_SCAN_COST * f64::from(slice_rows) / arrivals as f64;
    (square.sqrt().floor() as i64 + 1).min(MAX_RANKED)
}

#[cfg(test)]
mod tests {
    use super::{MAX_RANKED, walk_from};

    #[test]
    fn common_words_in_a_large_table_are_looked_for_slice_by_slice() {
        let walks = |matches_in_oldest: i64, arrivals: i64| matches_in_oldest >= walk_from(arrivals, 8192);
        // A word in 2% of records walks a million; one in 0.2% is found in one bitmap.
        assert!(walks(164, 1_000_000));
        assert!(!walks(16, 1_000_000));
        // The more records, the rarer a word that walks.
        assert_eq!(walk_from(1_000_000, 8192), 25);
        assert_eq!(walk_from(100_000, 8192), 79);
        assert_eq!(walk_from(10_000_000, 8192), 8);
        // Where the walk's cost meets the bitmap's: 256 matches of a slice at 9,375 records.
        assert_eq!(walk_from(9_376, 8192), 256);
        assert_eq!(walk_from(9_375, 8192), 257);
        // A table that holds less than a slice, or nothing, never walks.
        assert_eq!(walk_from(2_000, 8192), MAX_RANKED);
        assert_eq!(walk_from(0, 8192), MAX_RANKED);
    }
}
