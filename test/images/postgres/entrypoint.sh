#!/bin/sh
# Runs as root so it can take ownership of a freshly mounted (root-owned) volume, then starts the
# server as `postgres`. An empty PGDATA is initialised first; a restored one is used as it is.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "entrypoint: initialising an empty $PGDATA"
  # --no-sync: a test image; the server syncs its own writes from then on.
  as_postgres initdb -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  printf 'host all all all trust\n' >> "$PGDATA/pg_hba.conf"
fi
if [ "${1:-postgres}" = postgres ]; then
  [ $# -gt 0 ] && shift
  exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
fi
exec "$@"
