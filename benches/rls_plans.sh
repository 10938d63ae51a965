#!/usr/bin/env bash
# Row-level security at scale: does each workspace's read use an index, whatever the other
# workspaces hold? Fills the default workspace with QUOTES quotes and claims (default 100,000)
# and a second workspace, "north", with ten times as many, then prints, as the server's role
# (attest_app) acting in the default workspace, the plan and the buffers of:
#   - a claim read by id (B1's query);
#   - a filtered list page in id order (B3's: status, then metric);
#   - the same page for north.
# A plan that filters the other workspace's rows out one by one would read ten times the
# buffers of the one that starts from a workspace-leading index.
# Usage: benches/rls_plans.sh [QUOTES]
source "$(dirname "$0")/lib.sh"
QUOTES=${1:-100000}
start_server
scale=$(awk "BEGIN {print $QUOTES / 1000000}")
target/release/examples/generate --data-dir "$WORK" --scale "$scale" >/dev/null
target/release/examples/generate --data-dir "$WORK" --scale "$(awk "BEGIN {print $scale * 10}")" --workspace north >/dev/null
"${PSQL[@]}" -c "ANALYZE"
"${PSQL[@]}" -tAc "SELECT w.slug, count(*) FROM claims c JOIN workspaces w ON w.id = c.workspace_id GROUP BY 1 ORDER BY 1"
NORTH=$("${PSQL[@]}" -tAc "SELECT id FROM workspaces WHERE slug = 'north'")
CLAIM=$("${PSQL[@]}" -tAc "SELECT id FROM claims WHERE workspace_id = '$DEFAULT_WORKSPACE' ORDER BY random() LIMIT 1")

plan() {  # workspace, title, query
    echo "== $2 =="
    "${PSQL[@]}" <<SQL
BEGIN;
SET LOCAL ROLE attest_app;
SET LOCAL attest.workspace = '$1';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY OFF) $3;
COMMIT;
SQL
}
plan "$DEFAULT_WORKSPACE" "default: a claim by id" \
    "SELECT * FROM claims WHERE id = '$CLAIM' AND deleted_at IS NULL"
plan "$DEFAULT_WORKSPACE" "default: verified claims, first page" \
    "SELECT * FROM claims WHERE status_key = 'verified' AND deleted_at IS NULL ORDER BY id LIMIT 51"
plan "$DEFAULT_WORKSPACE" "default: claims on inflation, first page" \
    "SELECT * FROM claims WHERE metric_key = lower('Inflation') AND deleted_at IS NULL ORDER BY id LIMIT 51"
plan "$DEFAULT_WORKSPACE" "default: every claim, first page" \
    "SELECT * FROM claims WHERE deleted_at IS NULL ORDER BY id LIMIT 51"
plan "$NORTH" "north: verified claims, first page" \
    "SELECT * FROM claims WHERE status_key = 'verified' AND deleted_at IS NULL ORDER BY id LIMIT 51"
# Search and lookalikes match with operators (`@@`, pg_trgm's `%`) that are not leakproof, so
# they run in functions of the tables' owner (migrations 2026-12-02-100011 and 100014) with the
# workspace condition written beside the match: these are the plans those functions get.
owner_plan() {  # title, query
    echo "== $1 (as the functions' owner) =="
    "${PSQL[@]}" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY OFF) $2"
}
WORD=$("${PSQL[@]}" -tAc "SELECT word FROM ts_stat('SELECT search_vector FROM claims') ORDER BY ndoc LIMIT 1 OFFSET 50")
owner_plan "default: claims matching a rare word ($WORD), oldest slice" \
    "SELECT id FROM claims r WHERE r.workspace_id = '$DEFAULT_WORKSPACE' AND r.search_vector @@ to_tsquery('simple', '$WORD')
       AND r.deleted_at IS NULL AND r.arrival_slice = 0 LIMIT 1024"
TEXT=$("${PSQL[@]}" -tAc "SELECT text FROM quotes WHERE workspace_id = '$DEFAULT_WORKSPACE' ORDER BY random() LIMIT 1" | sed "s/'/''/g")
owner_plan "default: quotes worded like one of them" \
    "SELECT id FROM quotes WHERE workspace_id = '$DEFAULT_WORKSPACE' AND text % '$TEXT'"
