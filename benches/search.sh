#!/usr/bin/env bash
# Full-text search latency at 10,000 and at 1,000,000 quotes, in one run on one server:
# GET /search with words drawn from the corpus' own vocabulary (common and rare ones), 300
# sequential requests at each size; reports p50/p99 and the growth ratio.
# Usage: benches/search.sh [LARGE]   (default 1000000)
source "$(dirname "$0")/lib.sh"
LARGE=${1:-1000000}
REQUESTS=300
start_server

measure() {
    local label=$1
    "${PSQL[@]}" -tAc "SELECT w FROM bench_words WHERE n IN (SELECT floor(200000 * power(random(), 4))::int FROM generate_series(1, 100))" >"$WORK/words"
    : >"$WORK/times"
    for i in $(seq 1 $REQUESTS); do
        local a b
        a=$(sed -n "$(( (i % $(wc -l <"$WORK/words")) + 1 ))p" "$WORK/words")
        b=$(sed -n "$(( ((i * 7) % $(wc -l <"$WORK/words")) + 1 ))p" "$WORK/words")
        curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" \
            "$API/search?type=quote&limit=20&q=$a%20$b" >>"$WORK/times"
    done
    echo "$label: $(latency_summary "$WORK/times")"
    sort -n "$WORK/times" | awk '{a[NR]=$1} END {print a[int(NR*0.99)]*1000}' >"$WORK/p99-$label"
}

generate_quotes 10000
measure "10k quotes"
generate_quotes $(( LARGE - 10000 ))
echo "now $("${PSQL[@]}" -tAc "SELECT count(*) FROM quotes") quotes"
measure "large"
echo "p99 growth (large / 10k): $(awk "BEGIN {printf \"%.2f\", $(cat "$WORK/p99-large") / $(cat "$WORK/p99-10k quotes")}")"
"${PSQL[@]}" -c "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM quotes WHERE search_vector @@ websearch_to_tsquery('english', 'bababa') LIMIT 20" | grep -E "Index|Execution"
