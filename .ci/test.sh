#!/usr/bin/env bash
# Run the test-suite with everything it needs, as CI does (the README's test command calls this).
#
#   bash .ci/test.sh [pytest args]
#
# 1. Chromium + chromedriver for the browser tests and the PDF report: used when present
#    (FUNDSVC_CHROMIUM or `chromium` on PATH); else, as root on Debian/Ubuntu, installed with
#    apt-get (chromium chromium-driver); otherwise the reason is printed and those tests skip
#    with it.
# 2. A throw-away PostgreSQL for the store tests (.ci/pg.sh), unless FUNDSVC_TEST_DATABASE_URL
#    is already set; stopped and deleted on exit. Without PostgreSQL binaries (initdb, pg_ctl)
#    the reason is printed and the PostgreSQL variants skip with it.
# 3. pytest, which prints the reason of every skipped test (-rs in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

note() { echo "test.sh: $*" >&2; }

chromium_bin="${FUNDSVC_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium_bin" ] || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    note "installing Debian's chromium and chromium-driver (browser tests, PDF reports)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
    chromium_bin="$(command -v chromium)"
  else
    note "Chromium/chromedriver missing and not installable here (needs root and apt-get):" \
         "browser and PDF tests will be skipped with that reason"
  fi
fi
if [ -n "$chromium_bin" ]; then export FUNDSVC_CHROMIUM="$chromium_bin"; fi

pg_dir=""
cleanup() { if [ -n "$pg_dir" ]; then FUNDSVC_PG_DIR="$pg_dir" bash .ci/pg.sh destroy >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
if [ -z "${FUNDSVC_TEST_DATABASE_URL:-}" ]; then
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    pg_dir="$(mktemp -d /tmp/fundsvc-test-pg.XXXXXX)"
    eval "$(FUNDSVC_PG_DIR="$pg_dir" bash .ci/pg.sh start)"
    note "PostgreSQL for the store tests: $FUNDSVC_TEST_DATABASE_URL"
  else
    note "PostgreSQL binaries (initdb, pg_ctl) not found: the PostgreSQL store tests will be skipped" \
         "(Debian: apt-get install postgresql)"
  fi
fi

python -m pytest "$@"
