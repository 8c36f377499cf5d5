# pg.sh - sourced by the store tests: a throwaway PostgreSQL cluster (Debian's postgresql package)
# in a temporary folder, reachable only through a UNIX socket in /tmp, trust authentication for
# the database user "vitrum". The server runs as the current user, or as "nobody" when that is
# root (PostgreSQL refuses to run as root). Nothing outside the two temporary folders is touched.
#   pg_start         start it (returns 77 when no PostgreSQL binaries are installed)
#   pg_newdb NAME    create database NAME and print its URL for --db / VT_STORE_URL
#   pg_stop          stop it and remove its folders (pg_start installs this as an EXIT trap)

pg_start() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "skipped: no PostgreSQL server (Debian package postgresql)"
    return 77
  fi
  PG_DATA=$(mktemp -d /tmp/vt-pg-data.XXXXXX)
  PG_SOCK=$(mktemp -d /tmp/vt-pg-sock.XXXXXX)
  PG_PORT=5432 # only the socket listens, in its own folder: no clash with other clusters
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    chown nobody "$PG_DATA" "$PG_SOCK"
    PG_AS=(runuser -u nobody --)
  fi
  trap pg_stop EXIT
  (cd /tmp && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA/db" -U vitrum --auth=trust -E UTF8 --locale=C \
      >"$PG_SOCK/initdb.log" 2>&1) || { cat "$PG_SOCK/initdb.log"; return 1; }
  (cd /tmp && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA/db" -l "$PG_SOCK/server.log" -w -t 60 \
      -o "-k $PG_SOCK -c listen_addresses= -p $PG_PORT -c fsync=on" start >/dev/null) ||
    { cat "$PG_SOCK/server.log"; return 1; }
  export VT_PG_SOCKDIR=$PG_SOCK VT_PG_PORT=$PG_PORT VT_PG_BIN=$PG_BIN
}

pg_newdb() {
  "$VT_PG_BIN/createdb" -h "$VT_PG_SOCKDIR" -p "$VT_PG_PORT" -U vitrum "$1" || return 1
  echo "postgresql://vitrum@/$1?host=$VT_PG_SOCKDIR&port=$VT_PG_PORT"
}

pg_stop() {
  if [ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA/db" ]; then
    (cd /tmp && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA/db" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "${PG_DATA:-/nonexistent}" "${PG_SOCK:-/nonexistent}"
}
