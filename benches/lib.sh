# Shared by the benchmark scripts: a throwaway `attest serve` with its own PostgreSQL, and
# realistic data. Source it; it sets API, PSQL, BINDIR, WORK, TOKEN.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT=${PORT:-18181}
API=http://127.0.0.1:$PORT
WORK=$(mktemp -d /tmp/attest-bench-XXXXXX)
chmod 755 "$WORK"
BIN=target/release/attest
# The default workspace's id (migration 2026-12-02-100010_workspaces).
DEFAULT_WORKSPACE=00000000-0000-7000-8000-000000000001
BINDIR=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)
PSQL=(psql -X -q -h "$WORK/pgdata" -U attest -d attest -v ON_ERROR_STOP=1)
# Rows the scripts insert as the tables' owner belong to the default workspace.
export PGOPTIONS="-c attest.workspace=$DEFAULT_WORKSPACE"

# SERVE_ARGS: more flags for `attest serve`.
start_server() {
    cargo build --release -q --bin attest --example generate
    # shellcheck disable=SC2086
    $BIN serve --data-dir "$WORK" --bind 127.0.0.1:$PORT ${SERVE_ARGS:-} >"$WORK/serve.log" 2>&1 &
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

# Grows the database to $1 quotes (and as many claims, with sources, speakers and reviews in
# proportion) with the `generate` example: words from a skewed made-up vocabulary, a few speakers
# saying most quotes.
generate_quotes() {
    target/release/examples/generate --data-dir "$WORK" --scale "$(awk "BEGIN {print $1 / 1000000}")" >/dev/null
}

# p50/p99/max in ms of a file of curl time_total seconds, one per line.
latency_summary() {
    sort -n "$1" | awk '{a[NR]=$1} END {printf "p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d requests", a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000, NR}'
}
