#!/usr/bin/env bash
# Similarity lookup (variant proposals) at scale: fills a throwaway Attest database with
# QUOTES quotes (default 1,000,000; see lib.sh for the corpus), adds three reported variants
# of 500 sampled quotes, then measures side by side in one run:
#   - the lookup query alone, with pgbench on the same cluster (latency, tps), and its plan;
#   - the same lookup through the API, GET /quotes/{id}/similar (300 sequential requests).
# Usage: benches/similarity.sh [QUOTES]
source "$(dirname "$0")/lib.sh"
QUOTES=${1:-1000000}
PROBES=500
REQUESTS=300
start_server

echo "== generating $QUOTES quotes =="
start=$(date +%s)
generate_quotes "$QUOTES"
"${PSQL[@]}" <<SQL
CREATE TABLE bench_probe AS
  SELECT row_number() OVER () AS n, sample.*
  FROM (SELECT id, text, speaker_id FROM quotes ORDER BY random() LIMIT $PROBES) AS sample;
-- Each probe gets three reported variants (a word dropped, a word added, a word changed).
INSERT INTO quotes (id, source_id, speaker_id, text, kind)
  SELECT gen_random_uuid(), (SELECT id FROM sources ORDER BY id OFFSET v LIMIT 1), p.speaker_id,
         CASE v WHEN 1 THEN regexp_replace(p.text, '^\S+ ', '')
                WHEN 2 THEN p.text || ' indeed'
                ELSE regexp_replace(p.text, ' \S+$', ' tonight') END,
         'direct'
  FROM bench_probe p, generate_series(1, 3) v;
ANALYZE;
SQL
echo "generated in $(( $(date +%s) - start )) s; $("${PSQL[@]}" -tAc "SELECT count(*) FROM quotes") quotes"

echo "== the lookup, in PostgreSQL (pgbench, 1 client, 20 s) =="
# The same query the API sends, with the probe's text as a parameter (as the API binds it),
# so that PostgreSQL can walk the GiST index nearest-first.
"${PSQL[@]}" <<'SQL'
CREATE FUNCTION bench_lookup(probe int) RETURNS TABLE (id uuid, s real) LANGUAGE plpgsql AS $$
DECLARE
    probe_text text;
    probe_speaker uuid;
    probe_id uuid;
BEGIN
    SELECT p.text, p.speaker_id, p.id INTO probe_text, probe_speaker, probe_id FROM bench_probe p WHERE p.n = probe;
    RETURN QUERY
    SELECT * FROM (
        SELECT q.id, similarity(q.text, probe_text) AS s FROM quotes q
         WHERE q.speaker_id = probe_speaker AND q.deleted_at IS NULL AND q.id <> probe_id
         ORDER BY q.text <-> probe_text LIMIT 20) AS nearest
    WHERE nearest.s >= 0.5 ORDER BY nearest.s DESC, nearest.id;
END
$$;
SQL
cat >"$WORK/lookup.sql" <<'SQL'
\set n random(1, 500)
SELECT * FROM bench_lookup(:n);
SQL
PGBENCH_OUT=$("$BINDIR/pgbench" -n -h "$WORK/pgdata" -U attest -c 1 -T 20 -f "$WORK/lookup.sql" attest 2>&1)
echo "$PGBENCH_OUT" | grep -E "latency average|tps"

echo "== the lookup through the API: GET /quotes/{id}/similar, $REQUESTS sequential requests =="
"${PSQL[@]}" -tAc "SELECT id FROM bench_probe ORDER BY n" >"$WORK/ids"
: >"$WORK/times"
for i in $(seq 1 $REQUESTS); do
    id=$(sed -n "$(( (i % PROBES) + 1 ))p" "$WORK/ids")
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$API/quotes/$id/similar" >>"$WORK/times"
done
echo "API: $(latency_summary "$WORK/times")"
API_MEAN=$(awk '{s+=$1} END {print s/NR*1000}' "$WORK/times")
PG_MEAN=$(echo "$PGBENCH_OUT" | sed -n 's/latency average = \([0-9.]*\) ms/\1/p')
echo "API mean ${API_MEAN} ms vs query alone ${PG_MEAN} ms: ratio $(awk "BEGIN {printf \"%.2f\", $API_MEAN / $PG_MEAN}")"
