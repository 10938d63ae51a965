#!/usr/bin/env bash
# Fuzzes the running API against openapi.yaml with schemathesis (pinned in
# scripts/requirements-schemathesis.txt): every phase (examples, coverage, fuzzing, stateful),
# every check, a fixed seed and a bounded budget (scripts/schemathesis.toml), once as an
# admin and once as a reviewer. Exits non-zero on any failure.
#
# Excluded: POST /me/password, which could change the fuzzing account's own password mid-run.
# One worker: with two threads, hypothesis (6.170) parses lambdas' source with `ast` from both
# at once, and Python 3.11's parser can fail with "AST constructor recursion depth mismatch",
# an error of the fuzzer's own (seen once in CI on GET /audit), not of the API.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18383}
API=http://127.0.0.1:$PORT
WORK=$(mktemp -d /tmp/attest-schemathesis-XXXXXX)
chmod 755 "$WORK"
VENV=target/schemathesis-venv

if [ ! -x "$VENV/bin/st" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-schemathesis.txt
fi
cargo build --release --quiet
# Webhooks: targets are written as given (no DNS look-ups of fuzzed host names) and never sent.
target/release/attest serve --data-dir "$WORK" --bind 127.0.0.1:$PORT \
    --webhook-allow-private-targets --webhook-delivery false >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -sf $API/readyz >/dev/null && break; sleep 0.5; done

token() {
    local email=$1 role=$2 password="fuzzing passphrase $RANDOM$RANDOM" extra=${3:-}
    echo "$password" | target/release/attest user add --data-dir "$WORK" --email "$email" --name "$role" \
        --role "$role" $extra --password-stdin >/dev/null 2>&1
    curl -sf -X POST $API/auth/token -H 'content-type: application/json' \
        -d "{\"email\": \"$email\", \"password\": \"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# Both tokens first: fuzzing POST /auth/token trips the sign-in throttle for this address.
# The admin is also an instance administrator, so creating workspaces is fuzzed too.
ADMIN_TOKEN=$(token admin@fuzz.example admin --instance-admin)
REVIEWER_TOKEN=$(token reviewer@fuzz.example reviewer)
for run in "admin $ADMIN_TOKEN" "reviewer $REVIEWER_TOKEN"; do
    set -- $run
    echo "== schemathesis as $1 =="
    (cd scripts && "../$VENV/bin/st" --config-file schemathesis.toml run ../openapi.yaml --url "$API" \
        -H "Authorization: Bearer $2" --checks all --workers 1 --exclude-path /me/password --no-color)
done
