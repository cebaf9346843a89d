#!/usr/bin/env bash
# Install motcua with its test dependencies into .venv and run the whole test suite.
#
#   bash scripts/test.sh                 # on SQLite (default)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua bash scripts/test.sh
#
# Extra arguments go to pytest. The browser tests need Debian's chromium: it is installed
# with apt-get when missing and this script runs as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test.sh: /usr/bin/chromium is missing; install Debian's chromium package." >&2
    exit 1
  fi
fi

export MOTCUA_DATA_DIR=${MOTCUA_DATA_DIR:-$(mktemp -d)}
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests; that is a failure." >&2
  exit 1
fi
exit "$status"
