#!/usr/bin/env bash
# CSV export of 100,000 claims, streamed: the server's resident memory before, at peak during
# the download (sampled every 50 ms), and after; and the export's throughput.
# Usage: benches/export.sh [ROWS]   (default 100000)
source "$(dirname "$0")/lib.sh"
ROWS=${1:-100000}
start_server
"${PSQL[@]}" <<SQL
INSERT INTO sources (id, url, retrieved_at, kind, publisher) VALUES (gen_random_uuid(), 'https://bench.example/export', now(), 'dataset', 'Bench');
INSERT INTO claims (id, source_id, statement, metric, qualifier, value, unit)
  SELECT gen_random_uuid(), (SELECT id FROM sources LIMIT 1),
         'More than ' || g || ' people were displaced by the floods in the northern provinces, officials said',
         'people displaced', 'more_than', g + 0.5, 'people'
  FROM generate_series(1, $ROWS) g;
ANALYZE;
SQL
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/claims?limit=1"
before=$(server_rss_mib)
peak=$before
curl -s -H "Authorization: Bearer $TOKEN" "$API/claims/export" -o "$WORK/claims.csv" -w '%{time_total}\n' >"$WORK/time" &
CURL=$!
while kill -0 $CURL 2>/dev/null; do
    now=$(server_rss_mib)
    peak=$(awk "BEGIN {print ($now > $peak) ? $now : $peak}")
    sleep 0.05
done
after=$(server_rss_mib)
lines=$(($(wc -l <"$WORK/claims.csv") - 1))
echo "exported $lines rows ($(du -m "$WORK/claims.csv" | cut -f1) MiB) in $(cat "$WORK/time") s"
echo "server RSS: before ${before} MiB, peak during ${peak} MiB, after ${after} MiB"
