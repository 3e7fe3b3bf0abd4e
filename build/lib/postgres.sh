# shellcheck shell=bash
# Sourced by build/ scripts that need a throw-away PostgreSQL server (Debian's postgresql, installed
# through build/test-deps): a cluster in a folder of their own, on a loopback port, durable
# settings (fsync on, synchronous_commit on) so numbers taken against it mean what production's do.
# PostgreSQL refuses to run as root; under root the server runs as the postgres user.
#
#   cadml_postgres_start DIR PORT      initdb in DIR/data (if new) and start; prints the DATABASE_URL
#                                      of database "cadml" (created on first start). Returns 1 on failure.
#   cadml_postgres_stop DIR [MODE]     stops it (MODE fast|immediate, default fast) and waits.

cadml_postgres_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -n "$bin" && -x "$bin/postgres" ]] || { echo "postgres not installed: run build/test-deps postgresql" >&2; return 1; }
  echo "$bin"
}

cadml_postgres_as_owner() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

cadml_postgres_start() {
  local dir="$1" port="$2" bin
  bin="$(cadml_postgres_bin)" || return 1
  mkdir -p "$dir"
  ((EUID == 0)) && chown postgres:postgres "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    cadml_postgres_as_owner "$bin/initdb" -D "$dir/data" -U cadml -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  cadml_postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  cadml_postgres_as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U cadml -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'cadml'" | grep -q 1 \
    || cadml_postgres_as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U cadml cadml || return 1
  echo "postgres://cadml@127.0.0.1:$port/cadml"
}

cadml_postgres_stop() {
  local dir="$1" mode="${2:-fast}" bin
  bin="$(cadml_postgres_bin)" || return 1
  [[ -f "$dir/data/postmaster.pid" ]] || return 0
  cadml_postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null
}
