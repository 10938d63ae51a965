# Shared by the benchmark scripts: a throwaway `attest serve` with its own PostgreSQL, and a
# generator of realistic quotes. Source it; it sets API, PSQL, BINDIR, WORK, TOKEN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT=${PORT:-18181}
API=http://127.0.0.1:$PORT
WORK=$(mktemp -d /tmp/attest-bench-XXXXXX)
chmod 755 "$WORK"
BIN=target/release/attest
BINDIR=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)
PSQL=(psql -X -q -h "$WORK/pgdata" -U attest -d attest -v ON_ERROR_STOP=1)

start_server() {
    cargo build --release -q
    $BIN serve --data-dir "$WORK" --bind 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
    SERVER=$!
    trap 'kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
    for _ in $(seq 1 120); do curl -sf $API/readyz >/dev/null && break; sleep 0.5; done
    echo 'bench passphrase 12345' | $BIN user add --data-dir "$WORK" --email bench@bench.example --name Bench \
        --role reviewer --password-stdin >/dev/null 2>&1
    TOKEN=$(curl -s -X POST $API/auth/token -H 'content-type: application/json' \
        -d '{"email":"bench@bench.example","password":"bench passphrase 12345"}' | jq -r .access_token)
}

# The server's resident memory, in MiB.
server_rss_mib() {
    awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$SERVER/status
}

# Adds $1 quotes of 8 to 30 words from a 200,000-word made-up vocabulary with a Zipf-like
# skew, over 5,000 speakers of whom a few say most quotes (rank = 5000 * random^3), in
# 1,000 sources. Creates the sources, speakers and vocabulary on first use.
generate_quotes() {
    local count=$1
    "${PSQL[@]}" <<SQL
CREATE TABLE IF NOT EXISTS bench_words AS
  WITH syllables AS (
    SELECT s, row_number() OVER () - 1 AS n FROM regexp_split_to_table(
    'ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu
     pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo zu ar er in on', '\s+') AS s
    WHERE s <> '')
  SELECT k AS n, (SELECT string_agg(s, '' ORDER BY i) FROM (
      SELECT i, (SELECT s FROM syllables WHERE n = (k / (64 ^ (i - 1))::bigint) % 64) AS s
      FROM generate_series(1, 2 + (k % 3)) i) AS parts) AS w
  FROM generate_series(0, 199999) k;
CREATE UNIQUE INDEX IF NOT EXISTS bench_words_n ON bench_words (n);
INSERT INTO sources (id, url, retrieved_at, kind, publisher, published_at, language)
  SELECT gen_random_uuid(), 'https://bench.example/' || g, now(), 'article', 'Outlet ' || (g % 50),
         now() - (g || ' minutes')::interval, 'en'
  FROM generate_series(1, 1000) g WHERE NOT EXISTS (SELECT 1 FROM sources);
INSERT INTO speakers (id, name, kind)
  SELECT gen_random_uuid(), 'Speaker ' || g, 'person' FROM generate_series(1, 5000) g
  WHERE NOT EXISTS (SELECT 1 FROM speakers);
CREATE TABLE IF NOT EXISTS bench_speakers AS SELECT id, row_number() OVER () AS n FROM speakers;
CREATE TABLE IF NOT EXISTS bench_sources AS SELECT id, row_number() OVER () AS n FROM sources;
INSERT INTO quotes (id, source_id, speaker_id, text, kind, language)
  SELECT gen_random_uuid(), src.id, sp.id, words_of.text, 'direct', 'en'
  FROM generate_series(1, $count) g
  CROSS JOIN LATERAL (SELECT 1 + floor(5000 * power(random(), 3))::int + 0 * g AS speaker_rank) pick
  JOIN bench_speakers sp ON sp.n = pick.speaker_rank
  JOIN bench_sources src ON src.n = 1 + (g % 1000)
  CROSS JOIN LATERAL (
      SELECT string_agg(w.w, ' ' ORDER BY r.i) AS text
      FROM (SELECT i, floor(200000 * power(random(), 4))::int AS k FROM generate_series(1, 8 + (g % 23)) i) r
      JOIN bench_words w ON w.n = r.k) words_of;
ANALYZE;
SQL
}

# p50/p99/max in ms of a file of curl time_total seconds, one per line.
latency_summary() {
    sort -n "$1" | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d requests", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000, NR}'
}
