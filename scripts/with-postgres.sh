#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster on loopback, exported as
# TEST_POSTGRES_URL. With TEST_POSTGRES_URL already set, or no PostgreSQL
# installed, the command just runs. With CHATAPI_APP_DB=postgres the app
# database (DATABASE_URL) is put on that cluster too.
set -euo pipefail

run() {
  if [ "${CHATAPI_APP_DB:-}" = "postgres" ] && [ -n "${TEST_POSTGRES_URL:-}" ]; then
    export DATABASE_URL="$TEST_POSTGRES_URL"
  fi
  "$@"
}

if [ -n "${TEST_POSTGRES_URL:-}" ]; then run "$@"; exit $?; fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] && command -v pg_ctl >/dev/null; then bindir=$(dirname "$(command -v pg_ctl)"); fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "with-postgres: no PostgreSQL found; PostgreSQL tests will be skipped." >&2
  run "$@"; exit $?
fi

port=${TEST_POSTGRES_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/chatapi-pg.XXXXXX)
chmod 755 "$dir"
as_pg=()
if [ "$(id -u)" = "0" ]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
cleanup() { "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
  start >/dev/null
export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: throwaway cluster at $TEST_POSTGRES_URL" >&2
set +e
run "$@"
status=$?
exit $status
