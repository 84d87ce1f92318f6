#!/usr/bin/env bash
# Throw-away PostgreSQL for the store tests.
#
#   eval "$(.ci/pg.sh start)"   # starts (or reuses) the server, prints the export line
#   pytest -m postgres tests/store
#   .ci/pg.sh stop
#
# Other commands: status, env (print the export line only), destroy (stop and delete data).
# Settings: FUNDSVC_PG_DIR (default /tmp/fundsvc-pg), FUNDSVC_PG_PORT (default: 55432, or the
# next free port if that one is taken; the chosen port is remembered in $FUNDSVC_PG_DIR/port).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

PG_DIR="${FUNDSVC_PG_DIR:-/tmp/fundsvc-pg}"
PGDATA="$PG_DIR/data"
LOG="$PG_DIR/server.log"
PORT_FILE="$PG_DIR/port"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  if [ -n "${FUNDSVC_PG_PORT:-}" ]; then echo "$FUNDSVC_PG_PORT"; return; fi
  local port=55432
  while port_in_use "$port"; do
    port=$((port + 1))
    if [ "$port" -gt 55632 ]; then echo "pg.sh: no free port in 55432-55632" >&2; exit 1; fi
  done
  echo "$port"
}

if [ -f "$PORT_FILE" ]; then PG_PORT="$(cat "$PORT_FILE")"; else PG_PORT="${FUNDSVC_PG_PORT:-55432}"; fi
url() { echo "postgresql+psycopg://postgres@127.0.0.1:${PG_PORT}/postgres"; }

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

is_running() {
  [ -f "$PGDATA/PG_VERSION" ] && as_pg "pg_ctl -D '$PGDATA' status" >/dev/null 2>&1
}

print_env() { echo "export FUNDSVC_TEST_DATABASE_URL=$(url)"; }

start() {
  if is_running; then print_env; return 0; fi
  mkdir -p "$PG_DIR"
  PG_PORT="$(pick_port)"
  echo "$PG_PORT" >"$PORT_FILE"
  if [ "$(id -u)" = "0" ]; then chown postgres "$PG_DIR"; fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    as_pg "initdb -D '$PGDATA' -A trust -U postgres >'$PG_DIR/initdb.log' 2>&1" \
      || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  fi
  as_pg "pg_ctl -D '$PGDATA' -l '$LOG' -o \"-k /tmp -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off\" -w start >/dev/null" \
    || { echo "pg.sh: PostgreSQL did not start; log follows" >&2; cat "$LOG" >&2; exit 1; }
  print_env
}

stop() {
  if is_running; then as_pg "pg_ctl -D '$PGDATA' -m fast -w stop >/dev/null"; fi
  echo "pg.sh: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if is_running; then echo "running on port $PG_PORT ($PGDATA)"; else echo "not running"; exit 3; fi ;;
  env) print_env ;;
  destroy) stop; rm -rf "$PG_DIR" ;;
  *) echo "usage: $0 start|stop|status|env|destroy" >&2; exit 2 ;;
esac
