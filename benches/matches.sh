#!/usr/bin/env bash
# "Already fact-checked" at scale: GET /claims/{id}/matches and GET /quotes/{id}/matches
# (src/services/matches.rs) against the same SQL run by pgbench, side by side in one run.
#
# Fills a throwaway Attest database with RECORDS quotes and RECORDS claims (default 500,000
# of each, a million records: the generator at scale 0.5). The generator reviews
# a third of them but writes only the reviews, not the published verdicts (`fact_checks` is
# written by the server when a review is recorded: services::claimreview::publish_latest), so
# this script publishes them itself, with the columns fact_check::publish writes. Then it picks
# 500 claims and 500 quotes at random and, ROUNDS times (default 3), for each kind:
#   1. pgbench, 1 client, DURATION seconds (default 20): the request's transaction, statement
#      for statement as the API sends it (below), per-transaction latency from its log;
#   2. the API, one connection, requests one after another, as many as pgbench ran (at most
#      MAX_REQUESTS), on probes drawn the same way (uniformly, with repeats).
# It prints p50 and p99 of both and the ratio API p99 / pgbench p99 for each round, then the
# median ratio over the rounds and its spread. With few samples (slow lookups), p99 is the
# maximum: the sample count is printed beside it.
#
# Usage: benches/matches.sh [RECORDS] [ROUNDS] [DURATION]
#   TOLERANCE=5 benches/matches.sh   # set the workspace's figure tolerance (percent) first;
#                                    # by default it stays at the workspace's own (0)
source "$(dirname "$0")/lib.sh"
RECORDS=${1:-500000}
ROUNDS=${2:-3}
DURATION=${3:-20}
PROBES=500
MAX_REQUESTS=${MAX_REQUESTS:-20000}
start_server

sign_in() {  # a fresh access token (they last 15 minutes; generating a million takes longer)
    TOKEN=$(curl -sf -X POST $API/auth/token -H 'content-type: application/json' \
        -d '{"email":"bench@bench.example","password":"bench passphrase 12345"}' | jq -r .access_token)
}

echo "== generating $RECORDS quotes and $RECORDS claims =="
start=$(date +%s)
generate_quotes "$RECORDS"

# Publishing, as the tables' owner (no policy binds it) in the default workspace (PGOPTIONS in
# lib.sh; fact_checks.workspace_id defaults to it, as in fact_check::publish): for each item, its
# latest review (review::latest: newest created_at, then id) if that is a verdict; the words
# judged (a quote's text, a claim's statement); the live speaker's (a claim's claimant's) name;
# the review's own rating, or else the one the workspace's scale gives its status
# (RatingScale::for_status); published at the review's time. Ids are random rather than
# UUIDv7 (PostgreSQL 15 has no uuidv7()): they only break ties in the matches' order.
publish() {  # table, its column in fact_checks, its words, its speaker
    cat <<SQL
INSERT INTO fact_checks (id, $2, review_id, claim_reviewed, speaker_name, rating_value, rating_label,
                         rating_worst, rating_best, published_at)
SELECT gen_random_uuid(), item.id, r.id, item.$3, s.name,
       coalesce(r.rating_value, (step.v ->> 'value')::smallint), coalesce(r.rating_label, step.v ->> 'label'),
       coalesce(r.rating_worst, (sc.steps -> 0 ->> 'value')::smallint),
       coalesce(r.rating_best, (sc.steps -> (sc.n - 1) ->> 'value')::smallint), r.created_at
  FROM (SELECT DISTINCT ON ($2) * FROM reviews WHERE $2 IS NOT NULL ORDER BY $2, created_at DESC, id DESC) AS r
  JOIN $1 AS item ON item.id = r.$2 AND item.deleted_at IS NULL
  LEFT JOIN speakers s ON s.id = item.$4 AND s.deleted_at IS NULL
  CROSS JOIN bench_scale sc
  CROSS JOIN LATERAL (SELECT sc.steps -> CASE r.status::text WHEN 'verified' THEN sc.n - 1 WHEN 'false' THEN 0
                                         WHEN 'misleading' THEN least(1, sc.n - 1) ELSE (sc.n - 1) / 2 END AS v) AS step
 WHERE r.status::text IN ('verified', 'false', 'misleading', 'disputed', 'unverifiable')
   AND item.workspace_id = attest_current_workspace();
SQL
}
{
    # Memory for the trigram index's pending-list merges during the insert.
    echo "SET work_mem = '256MB';"
    echo "CREATE TEMP TABLE bench_scale AS SELECT rating_scale AS steps, jsonb_array_length(rating_scale) AS n
            FROM workspaces WHERE id = attest_current_workspace();"
    publish quotes quote_id text speaker_id
    publish claims claim_id statement claimant_id
} | "${PSQL[@]}"
if [ -n "${TOLERANCE:-}" ]; then
    "${PSQL[@]}" -c "UPDATE workspaces SET figure_tolerance_percent = $TOLERANCE WHERE id = '$DEFAULT_WORKSPACE'"
fi

# The probes: 500 live claims and 500 live quotes at random, numbered for pgbench's random().
"${PSQL[@]}" <<SQL
CREATE TABLE bench_probe (kind text, n int, id uuid NOT NULL, PRIMARY KEY (kind, n));
INSERT INTO bench_probe
  SELECT 'claim', row_number() OVER (), id
    FROM (SELECT id FROM claims WHERE deleted_at IS NULL ORDER BY random() LIMIT $PROBES) AS sample;
INSERT INTO bench_probe
  SELECT 'quote', row_number() OVER (), id
    FROM (SELECT id FROM quotes WHERE deleted_at IS NULL ORDER BY random() LIMIT $PROBES) AS sample;
GRANT SELECT ON bench_probe TO attest_app;
SQL
# As after any bulk load (the generator does the same for its tables): statistics, visibility,
# the trigram index's pending entries merged; then a checkpoint, so that the checkpointer does
# not write during the measurements.
"${PSQL[@]}" -c "SET maintenance_work_mem = '256MB'" -c "VACUUM (ANALYZE) fact_checks"
"${PSQL[@]}" -c "ANALYZE bench_probe"
"${PSQL[@]}" -c "CHECKPOINT"
echo "generated and published in $(( $(date +%s) - start )) s: $("${PSQL[@]}" -tAc \
    "SELECT format('%s quotes, %s claims, %s fact-checks (%s of claims)', (SELECT count(*) FROM quotes),
            (SELECT count(*) FROM claims), count(*), count(claim_id)) FROM fact_checks")"

# --- The pgbench scripts: the API's statements, in its order, with its parameters ---------
#
# How the API runs (src/http/state.rs Scope::read, src/db/workspace.rs scoped, src/db/mod.rs):
# a pooled connection that ran `SET ROLE attest_app` once (the role row-level security binds);
# per request one transaction opened with `BEGIN; SET LOCAL attest.workspace = ...; SET LOCAL
# attest.caller = ...` in one round trip; statements prepared once per connection and reused
# (diesel-async's statement cache). pgbench does the same: it connects as attest with
# `-c role=attest_app` in PGOPTIONS (the session's role, once, not per transaction), opens each
# transaction with BEGIN and set_config(..., true) (SET LOCAL) pipelined in one flight, and runs
# with -M prepared. The caller is the bench user, as for the API's requests: with a caller set,
# the fact_checks policy lets every workspace's verdicts through, as it does for the API.
#
# Claim (matches::of_claim):
#   claim::find                 SELECT <Claim's columns> FROM claims WHERE id = $ AND deleted_at IS NULL LIMIT 1
#   if it has a value:
#     workspace::current        SELECT <Workspace's columns> FROM workspaces WHERE id = attest_current_workspace()
#                               (low and high, which the API computes in Rust from the tolerance,
#                               are computed here as two extra columns)
#     fact_check::with_figure   fact_checks JOIN claims JOIN workspaces, same metric_key = lower($),
#                               unit IS NOT DISTINCT FROM $, value BETWEEN $ AND $, live, not its own,
#                               ORDER BY abs(value - $), id LIMIT 10
#   set_similarity_threshold    set_config('pg_trgm.similarity_threshold', '0.6', true)
#   fact_check::worded_like     fact_checks JOIN workspaces, id = ANY (SELECT
#                               attest_fact_checks_worded_like($)), not its own, ORDER BY
#                               similarity(claim_reviewed, $) DESC, id LIMIT 10
# Quote (matches::of_quote):
#   quote::find, speaker::identity_names, set_similarity_threshold, then worded_like through
#   attest_fact_checks_of_speakers_worded_like($names, $).
#
# Differences, all small: the probe's id is picked inside the find (one primary-key read of
# bench_probe, as the suite's B1 does), which also returns whether the claim has a value
# (pgbench's \if cannot test a NULL); a NULL unit arrives from \gset as '' and goes back
# through NULLIF; the threshold is a literal where the API binds it.
#
# The columns `find` selects: the row types' (db::claim::Claim, db::quote::Quote), i.e. every
# column but the derived ones, read from the catalog so that the list follows the migrations.
columns() {  # table, the columns its row type leaves out
    "${PSQL[@]}" -tAc "SELECT string_agg(format('%I.%I', '$1', attname), ', ' ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = '$1'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> ALL ('{$2}'::text[])"
}
CLAIM_COLUMNS=$(columns claims search_vector,arrival_slice,workspace_id,metric_key,status_key,same_key,duplicate_of)
QUOTE_COLUMNS=$(columns quotes search_vector,arrival_slice,workspace_id,status_key,same_key,duplicate_of)
WORKSPACE_COLUMNS="workspaces.id, workspaces.slug, workspaces.name, workspaces.rating_scale, workspaces.sign_off,
  workspaces.figure_tolerance_percent, workspaces.publisher_name, workspaces.publisher_url, workspaces.publisher_logo_url,
  workspaces.public_fact_checks, workspaces.version, workspaces.created_at, workspaces.updated_at"
FACT_CHECK_COLUMNS="fact_checks.id, fact_checks.workspace_id, fact_checks.quote_id, fact_checks.claim_id,
  fact_checks.review_id, fact_checks.claim_reviewed, fact_checks.speaker_name, fact_checks.rating_value,
  fact_checks.rating_label, fact_checks.rating_worst, fact_checks.rating_best, fact_checks.published_at"
CALLER=$("${PSQL[@]}" -tAc "SELECT id FROM users WHERE email = 'bench@bench.example'")
BEGIN_SCOPED="\\startpipeline
BEGIN;
SELECT set_config('attest.workspace', '$DEFAULT_WORKSPACE', true), set_config('attest.caller', '$CALLER', true);
\\endpipeline"

cat >"$WORK/claim.sql" <<SQL
\set n random(1, $PROBES)
\set one 1
\set max 10
$BEGIN_SCOPED
SELECT $CLAIM_COLUMNS, (claims.value IS NOT NULL)::int AS bench_has_value
  FROM claims WHERE claims.id = (SELECT id FROM bench_probe WHERE kind = 'claim' AND n = :n)
   AND claims.deleted_at IS NULL LIMIT :one \gset c_
\if :c_bench_has_value
SELECT $WORKSPACE_COLUMNS,
       CAST(:c_value AS numeric) - abs(CAST(:c_value AS numeric)) * workspaces.figure_tolerance_percent / 100 AS low,
       CAST(:c_value AS numeric) + abs(CAST(:c_value AS numeric)) * workspaces.figure_tolerance_percent / 100 AS high
  FROM workspaces WHERE workspaces.id = attest_current_workspace() LIMIT :one \gset w_
SELECT $FACT_CHECK_COLUMNS, workspaces.slug, workspaces.publisher_name, claims.value
  FROM ((fact_checks INNER JOIN claims ON fact_checks.claim_id = claims.id)
        INNER JOIN workspaces ON workspaces.id = fact_checks.workspace_id)
 WHERE claims.metric_key = lower(:c_metric)
   AND claims.unit IS NOT DISTINCT FROM NULLIF(:c_unit, '')
   AND claims.value BETWEEN :w_low AND :w_high
   AND claims.deleted_at IS NULL
   AND claims.id <> :c_id
 ORDER BY abs(claims.value - :c_value), claims.id
 LIMIT :max;
\endif
SELECT set_config('pg_trgm.similarity_threshold', '0.6', true);
SELECT $FACT_CHECK_COLUMNS, workspaces.slug, workspaces.publisher_name,
       similarity(fact_checks.claim_reviewed, :c_statement)
  FROM (fact_checks INNER JOIN workspaces ON workspaces.id = fact_checks.workspace_id)
 WHERE fact_checks.id = ANY (SELECT attest_fact_checks_worded_like(:c_statement))
   AND fact_checks.claim_id IS DISTINCT FROM :c_id
 ORDER BY similarity(fact_checks.claim_reviewed, :c_statement) DESC, fact_checks.id
 LIMIT :max;
COMMIT;
SQL

cat >"$WORK/quote.sql" <<SQL
\set n random(1, $PROBES)
\set one 1
\set max 10
$BEGIN_SCOPED
SELECT $QUOTE_COLUMNS
  FROM quotes WHERE quotes.id = (SELECT id FROM bench_probe WHERE kind = 'quote' AND n = :n)
   AND quotes.deleted_at IS NULL LIMIT :one \gset q_
SELECT speakers.identity_names FROM speakers WHERE speakers.id = :q_speaker_id LIMIT :one \gset s_
SELECT set_config('pg_trgm.similarity_threshold', '0.6', true);
SELECT $FACT_CHECK_COLUMNS, workspaces.slug, workspaces.publisher_name,
       similarity(fact_checks.claim_reviewed, :q_text)
  FROM (fact_checks INNER JOIN workspaces ON workspaces.id = fact_checks.workspace_id)
 WHERE fact_checks.id = ANY (SELECT attest_fact_checks_of_speakers_worded_like(:s_identity_names, :q_text))
   AND fact_checks.quote_id IS DISTINCT FROM :q_id
 ORDER BY similarity(fact_checks.claim_reviewed, :q_text) DESC, fact_checks.id
 LIMIT :max;
COMMIT;
SQL

# The session runs as attest_app, or the comparison would be without row-level security.
role=$(PGOPTIONS="-c role=attest_app" "${PSQL[@]}" -tAc "SELECT current_user")
[ "$role" = attest_app ] || { echo "pgbench would run as $role, not attest_app" >&2; exit 1; }

# --- Measuring ---------------------------------------------------------------------------

# p50 and p99 (nearest rank) in ms, and the count, of a file of latencies in ms.
percentiles() {
    sort -g "$1" | awk '
        function at(p,  r) { r = int(p * NR); if (r < p * NR) r++; return a[r < 1 ? 1 : r] }
        {a[NR] = $1}
        END {printf "%.2f %.2f %d\n", at(0.5), at(0.99), NR}'
}

run_pgbench() {  # kind, seconds, log prefix (none: no log)
    local log=() out
    [ -n "${3:-}" ] && log=(-l "--log-prefix=$3")
    if ! out=$(PGOPTIONS="-c role=attest_app" "$BINDIR/pgbench" -n -M prepared -c 1 -j 1 -T "$2" "${log[@]}" \
            -f "$WORK/$1.sql" -h "$WORK/pgdata" -U attest attest 2>&1); then
        echo "$out" >&2
        exit 1
    fi
}

# The API's requests, one after another on one kept-alive connection (one curl for them all),
# each probe drawn at random with repeats as pgbench's random() does: "status seconds" lines.
run_api() {  # kind, count, output
    "${PSQL[@]}" -tAc "SELECT id FROM bench_probe WHERE kind = '$1'" >"$WORK/ids-$1"
    {
        echo 'silent'
        echo 'show-error'
        echo "header = \"Authorization: Bearer $TOKEN\""
        echo 'write-out = "%{http_code} %{time_total}\n"'
        shuf -r -n "$2" "$WORK/ids-$1" | awk -v base="$API/${1}s" '{printf "url = \"%s/%s/matches\"\noutput = \"/dev/null\"\n", base, $1}'
    } >"$WORK/curl-$1.cfg"
    curl -K "$WORK/curl-$1.cfg" >"$3"
    local failed
    failed=$(awk '$1 != 200' "$3" | wc -l)
    if [ "$failed" -gt 0 ]; then
        echo "$failed of $2 requests to /${1}s/{id}/matches did not answer 200:" >&2
        awk '$1 != 200 {print $1}' "$3" | sort | uniq -c >&2
        exit 1
    fi
}

# Warm-up, untimed: every probe once through the API (filling the server's pool, its prepared
# statements and the principal cache, and counting what the probes match), then each pgbench
# script for a few seconds, so that the first round does not pay for a cold cache alone.
echo "== warm-up: each probe's matches through the API, then pgbench for 5 s each =="
sign_in
for kind in claim quote; do
    while read -r id; do
        curl -s -H "Authorization: Bearer $TOKEN" "$API/${kind}s/$id/matches" |
            jq -r 'if type == "array" then ([.[].reason] | unique | join("+") | if . == "" then "none" else . end)
                   else "error" end'
    done < <("${PSQL[@]}" -tAc "SELECT id FROM bench_probe WHERE kind = '$kind'") |
        sort | uniq -c | awk -v k="$kind" '{printf "  %s probes matching %s: %d\n", k, $2, $1}'
    run_pgbench "$kind" 5
done

declare -A RATIOS
for round in $(seq 1 "$ROUNDS"); do
    sign_in
    for kind in claim quote; do
        prefix="$WORK/r$round-$kind"
        run_pgbench "$kind" "$DURATION" "$prefix-pglog"
        # The log (one file per pgbench thread: one) gives each transaction's latency in
        # microseconds in its third column.
        cat "$prefix"-pglog.* | awk '{print $3 / 1000}' >"$prefix-pgbench.ms"
        read -r pg50 pg99 pgn < <(percentiles "$prefix-pgbench.ms")
        requests=$(( pgn < MAX_REQUESTS ? pgn : MAX_REQUESTS ))
        run_api "$kind" "$requests" "$prefix-api.out"
        awk '{print $2 * 1000}' "$prefix-api.out" >"$prefix-api.ms"
        read -r api50 api99 apin < <(percentiles "$prefix-api.ms")
        ratio=$(awk -v a="$api99" -v p="$pg99" 'BEGIN {printf "%.2f", a / p}')
        RATIOS[$kind]+="$ratio "
        printf 'round %d, %ss: pgbench p50 %s ms, p99 %s ms (%d); API p50 %s ms, p99 %s ms (%d); API/pgbench p99 %s\n' \
            "$round" "$kind" "$pg50" "$pg99" "$pgn" "$api50" "$api99" "$apin" "$ratio"
    done
done

echo "== API p99 / pgbench p99 over $ROUNDS rounds =="
for kind in claim quote; do
    # shellcheck disable=SC2086 # one ratio a word
    printf '%s\n' ${RATIOS[$kind]} | sort -g | awk -v k="$kind" '{a[NR] = $1}
        END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
             printf "%ss: median %.2f (%.2f-%.2f)\n", k, m, a[1], a[NR]}'
done
