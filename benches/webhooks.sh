#!/usr/bin/env bash
# Webhooks: what delivering them costs a write, and how fast a backlog is delivered, side by
# side in one run.
#
# The API server runs with delivery off; a second `attest serve` on the same database delivers
# (as a deployment may run it), to a local receiver (examples/webhook_receiver: counts and
# answers 204). Then, ROUNDS times (default 3):
#   1. Write latency, webhooks off, stored and on: WRITES reviews (default 2,000), one after
#      another on ITEMS claims (default 200), with the workspace's one subscription to
#      review.recorded disabled (off); enabled with the deliverer stopped (stored: each write
#      also stores its event and delivery, the write's own cost); enabled and delivering (on:
#      the deliverer sends meanwhile, on the same two cores). p50 and p99 of each, and the
#      ratios to off.
#   2. Delivery rate: the deliverer stopped, BACKLOG events (default 20,000, about as many
#      items as events / 20) are queued in one statement; the deliverer started again; events
#      per second from its first delivery to the last, against the receiver's own rate for the
#      same requests from `oha` (32 connections, 10 s): the ratio says how much of what the
#      receiver can take the deliverer sends.
# Then the median of each ratio over the rounds and its spread.
#
# Usage: benches/webhooks.sh [WRITES] [BACKLOG] [ROUNDS]
SERVE_ARGS="--webhook-delivery false --webhook-allow-private-targets"
source "$(dirname "$0")/lib.sh"
WRITES=${1:-2000}
BACKLOG=${2:-20000}
ROUNDS=${3:-3}
ITEMS=${ITEMS:-200}
RECEIVER_PORT=${RECEIVER_PORT:-18282}
DELIVERER_PORT=${DELIVERER_PORT:-18283}
RECEIVER=http://127.0.0.1:$RECEIVER_PORT
cargo build --release -q --example webhook_receiver
start_server
target/release/examples/webhook_receiver 127.0.0.1:$RECEIVER_PORT >/dev/null 2>&1 &
RECEIVER_PID=$!
DELIVERER=
trap 'kill $RECEIVER_PID $DELIVERER 2>/dev/null; kill -INT $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

echo 'bench passphrase 12345' | $BIN user add --data-dir "$WORK" --email editor@bench.example --name Editor \
    --role admin --password-stdin >/dev/null 2>&1
TOKEN=$(curl -sf -X POST $API/auth/token -H 'content-type: application/json' \
    -d '{"email":"editor@bench.example","password":"bench passphrase 12345"}' | jq -r .access_token)
auth=(-H "authorization: Bearer $TOKEN" -H 'content-type: application/json')

start_deliverer() {
    DATABASE_URL="host=$WORK/pgdata user=attest dbname=attest" ATTEST_JWT_KEYS="bench=$(printf 'b%.0s' {1..64})" \
        $BIN serve --bind 127.0.0.1:$DELIVERER_PORT --webhook-allow-private-targets \
        >>"$WORK/deliverer.log" 2>&1 &
    DELIVERER=$!
    for _ in $(seq 1 120); do curl -sf http://127.0.0.1:$DELIVERER_PORT/readyz >/dev/null && break; sleep 0.25; done
}
stop_deliverer() { kill -INT "$DELIVERER"; wait "$DELIVERER" 2>/dev/null || true; DELIVERER=; }
received() { curl -sf $RECEIVER/count; }

HOOK=$(curl -sf -X POST $API/webhooks "${auth[@]}" \
    -d "{\"url\": \"$RECEIVER/hooks\", \"event_types\": [\"review.recorded\"]}" | jq -r .id)
SOURCE=$(curl -sf -X POST $API/sources "${auth[@]}" -d '{"url": "https://bench.example/hooks", "kind": "article"}' | jq -r .id)
seq 1 "$ITEMS" | jq -c --arg s "$SOURCE" '{source_id: $s, statement: "Claim \(.) of the bench.", metric: "homes", qualifier: "exact", value: "\(.)"}' \
    | jq -sc '{items: .}' >"$WORK/claims.json"
curl -sf -X POST $API/claims/batch "${auth[@]}" -d @"$WORK/claims.json" | jq -r '.items[].id' >"$WORK/claims.txt"
start_deliverer

set_enabled() {  # true | false
    local tag
    tag=$(curl -sf -D - -o /dev/null $API/webhooks/$HOOK "${auth[@]}" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
    curl -sf -X PATCH $API/webhooks/$HOOK "${auth[@]}" -H "if-match: $tag" -d "{\"enabled\": $1}" >/dev/null
}

# WRITES reviews, one after another, over the claims in turn (each at the version it is at);
# prints "p50 p99" in ms.
write_reviews() {
    python3 - "$API" "$TOKEN" "$WORK/claims.txt" "$WRITES" <<'PY'
import http.client, json, sys, time, urllib.parse
api, token, claims_file, writes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
claims = open(claims_file).read().split()
host = urllib.parse.urlparse(api)
conn = http.client.HTTPConnection(host.hostname, host.port)
headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
def etag(claim):
    conn.request("GET", f"/claims/{claim}", headers=headers)
    response = conn.getresponse(); response.read()
    return response.getheader("etag")
tags = {claim: etag(claim) for claim in claims}
body = json.dumps({"status": "in_review", "rationale": "Looking again."})
took = []
for i in range(writes):
    claim = claims[i % len(claims)]
    started = time.perf_counter()
    conn.request("POST", f"/claims/{claim}/reviews", body=body, headers={**headers, "if-match": tags[claim]})
    response = conn.getresponse(); response.read()
    took.append(time.perf_counter() - started)
    if response.status != 201:
        sys.exit(f"a review answered {response.status}")
    tags[claim] = response.getheader("etag")
took.sort()
print(f"{took[len(took) // 2] * 1000:.2f} {took[int(len(took) * 0.99)] * 1000:.2f}")
PY
}

# Queues BACKLOG review.recorded events about BACKLOG / 20 items, with their deliveries.
queue_backlog() {
    "${PSQL[@]}" <<SQL
WITH items AS (SELECT gen_random_uuid() AS id FROM generate_series(1, greatest($BACKLOG / 20, 1))),
events AS (
    INSERT INTO webhook_events (id, type, subject_id, body)
    SELECT gen_random_uuid(), 'review.recorded', i.id,
           json_build_object('type', 'review.recorded', 'timestamp', now(),
                             'data', json_build_object('item_type', 'claim', 'item_id', i.id, 'status', 'in_review',
                                                       'review_id', gen_random_uuid(), 'item_version', n))::text
    FROM generate_series(1, 20) AS n, items i
    ORDER BY n
    LIMIT $BACKLOG
    RETURNING id, subject_id)
INSERT INTO webhook_deliveries (subscription_id, event_id, subject_id)
SELECT '$HOOK', id, subject_id FROM events;
SQL
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%s-%s", lo, hi}'; }
: >"$WORK/ratios"
printf '{"type":"review.recorded","timestamp":"2026-12-03T00:00:00Z","data":{"item_type":"claim","status":"in_review"}}' >"$WORK/body.json"
for round in $(seq 1 "$ROUNDS"); do
    set_enabled false
    read -r off_p50 off_p99 < <(write_reviews)
    set_enabled true
    stop_deliverer
    read -r stored_p50 stored_p99 < <(write_reviews)
    start_deliverer
    read -r on_p50 on_p99 < <(write_reviews)
    # Let the deliverer catch up before the backlog is measured.
    for _ in $(seq 1 600); do
        pending=$("${PSQL[@]}" -tAc "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'")
        [ "$pending" = 0 ] && break; sleep 0.1
    done
    stop_deliverer
    queue_backlog
    base=$(received)
    start_deliverer
    while [ "$(received)" = "$base" ]; do sleep 0.01; done
    first=$(date +%s.%N); first_count=$(received)
    while [ "$(received)" -lt $((base + BACKLOG)) ]; do sleep 0.05; done
    last=$(date +%s.%N)
    rate=$(awk "BEGIN {printf \"%.0f\", ($base + $BACKLOG - $first_count) / ($last - $first)}")
    direct=$(oha -z 10s -c 32 --no-tui --output-format json -m POST -H 'content-type: application/json' -D "$WORK/body.json" \
        "$RECEIVER/hooks" | jq '.summary.requestsPerSec | floor')
    ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
    echo "round $round: write p50 off $off_p50 ms, stored $stored_p50 ms (x$(ratio "$stored_p50" "$off_p50")), on $on_p50 ms (x$(ratio "$on_p50" "$off_p50"));" \
        "p99 off $off_p99 ms, stored $stored_p99 ms (x$(ratio "$stored_p99" "$off_p99")), on $on_p99 ms (x$(ratio "$on_p99" "$off_p99"));" \
        "delivered $rate events/s, the receiver alone $direct req/s (x$(ratio "$rate" "$direct"))"
    echo "$(ratio "$stored_p50" "$off_p50") $(ratio "$stored_p99" "$off_p99") $(ratio "$on_p50" "$off_p50") $(ratio "$on_p99" "$off_p99") $(ratio "$rate" "$direct") $rate" >>"$WORK/ratios"
done
names="write-p50-stored/off write-p99-stored/off write-p50-on/off write-p99-on/off delivered/receiver-alone events/s"
for column in 1 2 3 4 5 6; do
    name=$(echo "$names" | cut -d' ' -f$column)
    echo "median $name: $(cut -d' ' -f$column "$WORK/ratios" | median) (spread $(cut -d' ' -f$column "$WORK/ratios" | spread))"
done
