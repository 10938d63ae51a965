#!/usr/bin/env bash
# Similarity lookup (variant proposals) at scale: fills a throwaway Attest database with
# QUOTES quotes (default 1,000,000) of realistic length and speaker skew, then measures, side by
# side in one run:
#   - the lookup query itself, with pgbench on the same cluster (latency, tps);
#   - the same lookup through the API, GET /quotes/{id}/similar (sequential requests, p50/p99).
# Usage: benches/similarity.sh [QUOTES]    (needs: cargo, PostgreSQL binaries, curl, jq)
set -euo pipefail
cd "$(dirname "$0")/.."
QUOTES=${1:-1000000}
SPEAKERS=5000
PROBES=500
REQUESTS=300
PORT=18181
WORK=$(mktemp -d /tmp/attest-bench-XXXXXX)
chmod 755 "$WORK"
API=http://127.0.0.1:$PORT

cargo build --release -q
BIN=target/release/attest
$BIN serve --data-dir "$WORK" --bind 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -sf $API/readyz >/dev/null && break; sleep 0.5; done
PSQL=(psql -X -q -h "$WORK/pgdata" -U attest -d attest -v ON_ERROR_STOP=1)
BINDIR=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)

echo "== generating $QUOTES quotes over $SPEAKERS speakers (skewed) =="
start=$(date +%s)
"${PSQL[@]}" <<SQL
-- A vocabulary of ~200,000 made-up words from syllables, drawn with a Zipf-like skew, so
-- that quotes share common words the way prose does but are rarely near-duplicates.
CREATE TEMP TABLE syllables AS
  SELECT s, row_number() OVER () - 1 AS n FROM regexp_split_to_table(
  'ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu
   pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo zu ar er in on', '\s+') AS s
  WHERE s <> '';
CREATE TEMP TABLE words AS
  SELECT k AS n, (SELECT string_agg(s, '' ORDER BY i) FROM (
      SELECT i, (SELECT s FROM syllables WHERE n = (k / (64 ^ (i - 1))::bigint) % 64) AS s
      FROM generate_series(1, 2 + (k % 3)) i) AS parts) AS w
  FROM generate_series(0, 199999) k;
CREATE UNIQUE INDEX ON words (n);
INSERT INTO sources (id, url, retrieved_at, kind, content, content_sha256, publisher, published_at)
  SELECT gen_random_uuid(), 'https://bench.example/' || g, now(), 'article', NULL, NULL,
         'Outlet ' || (g % 50), now() - (g || ' minutes')::interval
  FROM generate_series(1, 1000) g;
INSERT INTO speakers (id, name, kind)
  SELECT gen_random_uuid(), 'Speaker ' || g, 'person' FROM generate_series(1, $SPEAKERS) g;
CREATE TEMP TABLE speaker_ids AS SELECT id, row_number() OVER () AS n FROM speakers;
CREATE TEMP TABLE source_ids AS SELECT id, row_number() OVER () AS n FROM sources;
-- A few speakers say most of the quotes: speaker rank = SPEAKERS * random()^3.
INSERT INTO quotes (id, source_id, speaker_id, text, kind)
  SELECT gen_random_uuid(), src.id, sp.id, words_of.text, 'direct'
  FROM generate_series(1, $QUOTES) g
  CROSS JOIN LATERAL (SELECT 1 + floor($SPEAKERS * power(random(), 3))::int + 0 * g AS speaker_rank) pick
  JOIN speaker_ids sp ON sp.n = pick.speaker_rank
  JOIN source_ids src ON src.n = 1 + (g % 1000)
  CROSS JOIN LATERAL (
      SELECT string_agg(w.w, ' ' ORDER BY r.i) AS text
      FROM (SELECT i, floor(200000 * power(random(), 4))::int AS k FROM generate_series(1, 8 + (g % 23)) i) r
      JOIN words w ON w.n = r.k) words_of;
CREATE TABLE bench_probe AS
  SELECT row_number() OVER () AS n, sample.*
  FROM (SELECT id, text, speaker_id FROM quotes ORDER BY random() LIMIT $PROBES) AS sample;
-- Each probe gets three reported variants (a word dropped, a word added, a word changed).
INSERT INTO quotes (id, source_id, speaker_id, text, kind)
  SELECT gen_random_uuid(), (SELECT id FROM source_ids WHERE n = 1 + v), p.speaker_id,
         CASE v WHEN 1 THEN regexp_replace(p.text, '^\S+ ', '')
                WHEN 2 THEN p.text || ' indeed'
                ELSE regexp_replace(p.text, ' \S+$', ' tonight') END,
         'direct'
  FROM bench_probe p, generate_series(1, 3) v;
ANALYZE;
SQL
echo "generated in $(( $(date +%s) - start )) s; $("${PSQL[@]}" -tAc "SELECT count(*) FROM quotes") quotes"

echo "== the lookup, in PostgreSQL (pgbench, 1 client, 20 s) =="
cat >"$WORK/lookup.sql" <<'SQL'
\set n random(1, 500)
SELECT q.id, similarity(q.text, p.text) AS s FROM quotes q, bench_probe p
 WHERE p.n = :n AND q.text % p.text AND similarity(q.text, p.text) >= 0.5 AND q.deleted_at IS NULL
   AND q.id <> p.id AND q.speaker_id = p.speaker_id
 ORDER BY s DESC, q.id LIMIT 20;
SQL
PGBENCH_OUT=$("$BINDIR/pgbench" -n -h "$WORK/pgdata" -U attest -c 1 -T 20 -f "$WORK/lookup.sql" attest 2>&1)
echo "$PGBENCH_OUT" | grep -E "latency average|tps"
"${PSQL[@]}" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT q.id FROM quotes q, bench_probe p WHERE p.n = 7 AND q.text % p.text AND similarity(q.text, p.text) >= 0.5 AND q.speaker_id = p.speaker_id AND q.id <> p.id ORDER BY similarity(q.text, p.text) DESC LIMIT 20" | sed -n 1,25p

echo "== the lookup through the API: GET /quotes/{id}/similar, $REQUESTS sequential requests =="
echo 'bench passphrase 12345' | $BIN user add --data-dir "$WORK" --email bench@bench.example --name Bench --role reviewer --password-stdin >/dev/null 2>&1
TOKEN=$(curl -s -X POST $API/auth/token -H 'content-type: application/json' \
  -d '{"email":"bench@bench.example","password":"bench passphrase 12345"}' | jq -r .access_token)
"${PSQL[@]}" -tAc "SELECT id FROM bench_probe ORDER BY n" >"$WORK/ids"
: >"$WORK/times"
for i in $(seq 1 $REQUESTS); do
  id=$(sed -n "$(( (i % PROBES) + 1 ))p" "$WORK/ids")
  curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$API/quotes/$id/similar" >>"$WORK/times"
done
sort -n "$WORK/times" | awk '{a[NR]=$1} END {printf "API p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d requests\n", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000, NR}'
API_MEAN=$(awk '{s+=$1} END {print s/NR*1000}' "$WORK/times")
PG_MEAN=$(echo "$PGBENCH_OUT" | sed -n 's/latency average = \([0-9.]*\) ms/\1/p')
echo "API mean ${API_MEAN} ms vs query alone ${PG_MEAN} ms: ratio $(awk "BEGIN {printf \"%.2f\", $API_MEAN / $PG_MEAN}")"
