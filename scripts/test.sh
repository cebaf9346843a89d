#!/usr/bin/env bash
# Install motcua with its test dependencies into .venv and run the whole test suite.
#
#   bash scripts/test.sh                 # on SQLite (default)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua bash scripts/test.sh
#
# Extra arguments go to pytest. The browser tests need Debian's chromium (and npm, for the
# axe-core accessibility checks), and the PDF forms need Pango and HarfBuzz (WeasyPrint): they
# are installed with apt-get when missing and this script runs as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

missing=""
[ -x /usr/bin/chromium ] || missing="chromium"
# axe-core (the WCAG checks of the browser tests) comes from the npm registry
command -v npm >/dev/null 2>&1 || missing="$missing npm"
# WeasyPrint (forms 01-06 as PDF) loads these libraries at run time
if command -v dpkg >/dev/null 2>&1; then
  for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq $missing >/dev/null
  else
    echo "scripts/test.sh: missing Debian packages:$missing; install them with apt-get." >&2
    exit 1
  fi
fi

# axe-core for tests/e2e/test_accessibility.py: loaded into the pages by the test only.
AXE_JS=.cache/axe/node_modules/axe-core/axe.min.js
if [ ! -f "$AXE_JS" ]; then
  npm install --prefix .cache/axe --no-audit --no-fund --silent "axe-core@^4.10" >/dev/null
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
