#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for the tests (Debian's PostgreSQL; as root it
# runs the server as the postgres user, which PostgreSQL requires).
#   scripts/postgres.sh start   prints the DATABASE_URL to use on stdout
#   scripts/postgres.sh stop
set -euo pipefail

PGDATA=${RA_TEST_PGDATA:-/tmp/recall-assistant-pg}
PGPORT=${RA_TEST_PGPORT:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" -eq 0 ] && chown postgres "$PGDATA"
    as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-sync >"$PGDATA.initdb.log" 2>&1 \
      || { cat "$PGDATA.initdb.log" >&2; exit 1; }
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/log" -w \
      -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
      || { cat "$PGDATA/log" >&2; exit 1; }
    echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    if [ -d "$PGDATA" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
      rm -rf "$PGDATA" "$PGDATA.initdb.log"
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
