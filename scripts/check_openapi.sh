#!/usr/bin/env bash
# Check that docs/openapi.yaml is exactly the schema the code generates (drf-spectacular,
# English texts, validated against the OpenAPI 3 JSON schema).
#
#   bash scripts/check_openapi.sh            # fail with a diff when the file is stale
#   bash scripts/check_openapi.sh --update   # rewrite docs/openapi.yaml
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
committed=docs/openapi.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

generate() {
  # A throw-away data directory: the schema needs no database, but settings want a place.
  MOTCUA_DATA_DIR="$tmp/data" "$PYTHON" -m motcua.cli manage spectacular \
    --lang en --validate --file "$1"
}

if [ "${1:-}" = "--update" ]; then
  generate "$committed"
  echo "scripts/check_openapi.sh: wrote $committed"
  exit 0
fi

generate "$tmp/openapi.yaml"
if [ ! -f "$committed" ] || ! diff -u "$committed" "$tmp/openapi.yaml" >"$tmp/diff"; then
  head -n 200 "$tmp/diff" 2>/dev/null || true
  echo >&2
  echo "scripts/check_openapi.sh: $committed is not what the code generates." >&2
  echo "run: bash scripts/check_openapi.sh --update   (then review and commit $committed)" >&2
  exit 1
fi
echo "scripts/check_openapi.sh: $committed is up to date."
