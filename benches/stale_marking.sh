#!/usr/bin/env bash
# Stale verdicts at scale: one source cited by RECORDS verified claims (default 10,000) has its
# publisher changed, which makes every one of those verdicts stale in one statement (migration
# 2026-12-02-100015_stale_verdicts). Side by side in one run, rounds alternating: the same
# change to a source nobody cites, so the ratio is the marking's own cost.
# Usage: benches/stale_marking.sh [RECORDS] [ROUNDS]
source "$(dirname "$0")/lib.sh"
RECORDS=${1:-10000}
ROUNDS=${2:-3}
start_server
# Changing what published verdicts show of a source is an editor's.
echo 'editor passphrase 12345' | $BIN user add --data-dir "$WORK" --email editor@bench.example --name Editor \
    --role editor --password-stdin >/dev/null
TOKEN=$(curl -s -X POST $API/auth/token -H 'content-type: application/json' \
    -d '{"email":"editor@bench.example","password":"editor passphrase 12345"}' | jq -r .access_token)
source_with() {  # content: a new source's id
    curl -sf -X POST $API/sources -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d "{\"url\": \"https://bench.example/$RANDOM$RANDOM\", \"kind\": \"article\", \"publisher\": \"Wire 0\", \"content\": \"$1\"}" |
        jq -r .id
}
CITED=$(source_with "More than 12,000 homes lost power.")
ALONE=$(source_with "Nothing cites this.")
"${PSQL[@]}" -c "INSERT INTO claims (id, source_id, statement, metric, qualifier, value, status, reviewed_at)
    SELECT gen_random_uuid(), '$CITED', 'More than 12,000 homes lost power.', 'homes without power',
           'more_than', 12000, 'verified', now()
      FROM generate_series(1, $RECORDS)"
# Each round makes the verdicts stale again: a verdict clears them (as a review would) first.
change() {  # source, round: seconds the PATCH took
    local etag
    etag=$(curl -sf -D - -o /dev/null $API/sources/$1 -H "Authorization: Bearer $TOKEN" | awk -F': ' 'tolower($1) == "etag" {print $2}' | tr -d '\r')
    curl -sf -o /dev/null -w '%{time_total}\n' -X PATCH $API/sources/$1 -H "Authorization: Bearer $TOKEN" \
        -H "If-Match: $etag" -H 'content-type: application/json' -d "{\"publisher\": \"Wire $2\"}"
}
for round in $(seq 1 "$ROUNDS"); do
    "${PSQL[@]}" -qc "UPDATE claims SET stale_reasons = NULL, stale_since = NULL WHERE source_id = '$CITED'"
    cited=$(change "$CITED" "$round")
    stale=$("${PSQL[@]}" -tAc "SELECT count(*) FROM claims WHERE source_id = '$CITED' AND stale_reasons = '{source}'")
    alone=$(change "$ALONE" "$round")
    awk -v r="$round" -v c="$cited" -v a="$alone" -v s="$stale" \
        'BEGIN {printf "round %d: %d verdicts made stale in %.1f ms; uncited source %.1f ms; ratio %.1f\n", r, s, c * 1000, a * 1000, c / a}'
done
