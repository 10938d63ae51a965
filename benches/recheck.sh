#!/usr/bin/env bash
# Source re-fetch at scale: an article of WORDS words (default 50,000) with RECORDS verified
# quotes anchored in it (default 500) gets a new version, edited as a wire story is (a paragraph
# added at the top, so most passages move; one passage in ten with a word changed; one in
# twenty cut), and the create re-checks every record and marks the verdicts on changed or lost
# words stale. Side by side in one run, rounds alternating: the same new text stored under a
# URL with no earlier version, so the ratio is the re-check's own cost.
# Usage: benches/recheck.sh [RECORDS] [WORDS] [ROUNDS]
source "$(dirname "$0")/lib.sh"
RECORDS=${1:-500}
WORDS=${2:-50000}
ROUNDS=${3:-3}
start_server
SPEAKER=$(curl -sf -X POST $API/speakers -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"name": "Bench Speaker", "kind": "person"}' | jq -r .id)
# The article, its anchors and its new versions, from a skewed made-up vocabulary.
python3 - "$WORK" "$RECORDS" "$WORDS" "$ROUNDS" <<'PY'
import json, random, sys
work, records, words, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(21)
vocabulary = ["".join(rng.choice("aeioulmnrstkdp") for _ in range(rng.randint(2, 9))) for _ in range(5000)]
weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
text_words = rng.choices(vocabulary, weights, k=words)
for i in range(0, words, 12):
    text_words[i] = text_words[i].capitalize()
    if i:
        text_words[i - 1] += "."
old = " ".join(text_words)
starts, at = [], 0
for word in text_words:
    starts.append(at)
    at += len(word) + 1
step = words // records
anchors, edited = [], list(text_words)
for k in range(records):
    first, length = k * step + 3, rng.randint(6, 20)
    start, end = starts[first], starts[first + length - 1] + len(text_words[first + length - 1])
    anchors.append({"start": start, "end": end, "exact": old[start:end],
                    "prefix": old[max(0, start - 32):start], "suffix": old[end:end + 32]})
    if k % 10 == 3:
        edited[first + length // 2] = "altered"
    elif k % 20 == 7:
        for i in range(first, first + length):
            edited[i] = ""
new = "Updated with reaction from the capital. " + " ".join(w for w in edited if w)
json.dump({"url": "https://bench.example/long-story", "kind": "article", "content": old},
          open(f"{work}/v1.json", "w"))
for r in range(1, rounds + 1):
    content = f"{new} Revision {r}."
    json.dump({"url": "https://bench.example/long-story", "kind": "article", "content": content},
              open(f"{work}/v{r + 1}.json", "w"))
    json.dump({"url": f"https://bench.example/fresh-{r}", "kind": "article", "content": content},
              open(f"{work}/fresh{r}.json", "w"))
with open(f"{work}/anchors.tsv", "w") as out:
    for a in anchors:
        fields = [a["prefix"], a["exact"], a["suffix"], str(a["start"]), str(a["end"])]
        out.write("\t".join(fields) + "\n")
PY
post() {  # body file: seconds the create took (and the answer in $WORK/answer.json)
    curl -sf -o "$WORK/answer.json" -w '%{time_total}\n' -X POST $API/sources -H "Authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' --data-binary "@$1"
}
V1=$(curl -sf -X POST $API/sources -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    --data-binary "@$WORK/v1.json" | jq -r .id)
"${PSQL[@]}" <<SQL
CREATE TEMP TABLE bench_anchors (prefix text, exact text, suffix text, start_at int, end_at int);
\copy bench_anchors FROM '$WORK/anchors.tsv'
INSERT INTO quotes (id, source_id, speaker_id, text, kind, status, reviewed_at, anchor_prefix, anchor_exact,
                    anchor_suffix, anchor_start, anchor_end)
SELECT gen_random_uuid(), '$V1', '$SPEAKER', exact, 'direct', 'verified', now(), prefix, exact, suffix,
       start_at, end_at
  FROM bench_anchors;
SQL
for round in $(seq 1 "$ROUNDS"); do
    # Each round marks the verdicts stale again: clear them first, as a review would.
    "${PSQL[@]}" -qc "UPDATE quotes SET stale_reasons = NULL, stale_since = NULL WHERE source_id = '$V1'"
    rechecked=$(post "$WORK/v$((round + 1)).json")
    summary=$(jq -c '.recheck | [.counts, .made_stale]' "$WORK/answer.json")
    fresh=$(post "$WORK/fresh$round.json")
    awk -v r="$round" -v c="$rechecked" -v f="$fresh" -v s="$summary" -v n="$RECORDS" \
        'BEGIN {printf "round %d: new version re-checking %d records %.1f ms; same text, no earlier version %.1f ms; ratio %.1f; %s\n", r, n, c * 1000, f * 1000, c / f, s}'
done
