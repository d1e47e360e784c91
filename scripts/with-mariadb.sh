#!/usr/bin/env bash
# Run a command with a throwaway MariaDB (or MySQL) server on loopback, exported as
# TEST_MYSQL_URL (an account with every privilege, able to create databases and users).
# With TEST_MYSQL_URL already set, or no server binary installed, the command just runs.
set -euo pipefail

if [ -n "${TEST_MYSQL_URL:-}" ]; then exec "$@"; fi

server=$(command -v mariadbd || command -v mysqld || true)
for candidate in /usr/sbin/mariadbd /usr/sbin/mysqld; do
  if [ -z "$server" ] && [ -x "$candidate" ]; then server=$candidate; fi
done
installer=$(command -v mariadb-install-db || command -v mysql_install_db || true)
admin=$(command -v mariadb-admin || command -v mysqladmin || true)
client=$(command -v mariadb || command -v mysql || true)
if [ -z "$server" ] || [ -z "$installer" ] || [ -z "$admin" ] || [ -z "$client" ]; then
  echo "with-mariadb: no MariaDB found; MySQL tests will be skipped." >&2
  exec "$@"
fi

port=${TEST_MYSQL_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/chatapi-my.XXXXXX)
chmod 755 "$dir"
mkdir "$dir/data" "$dir/tmp"
as_user=()
if [ "$(id -u)" = "0" ]; then
  # MariaDB will not run as root: it runs as the package's unprivileged `mysql` account.
  chown -R mysql "$dir"
  as_user=(--user=mysql)
fi
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# Small and unsafe-on-crash settings: the data lives for one test run only.
fast=(
  --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0
  --innodb-doublewrite=0 --innodb-flush-method=nosync --sync-frm=0 --skip-log-bin
  --performance-schema=OFF --skip-name-resolve --max-connections=200 --character-set-server=utf8mb4
)
"$installer" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" "${as_user[@]}" \
  --auth-root-authentication-method=normal --skip-test-db \
  "${fast[@]}" >"$dir/install.log" 2>&1 || {
  echo "with-mariadb: mariadb-install-db failed:" >&2
  cat "$dir/install.log" >&2
  exit 1
}
"$server" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" "${as_user[@]}" \
  --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/log" \
  --port="$port" --bind-address=127.0.0.1 "${fast[@]}" >/dev/null 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 300); do
  if "$admin" --no-defaults --socket="$dir/sock" -u root ping >/dev/null 2>&1; then ready=1; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "with-mariadb: the server did not start:" >&2
  cat "$dir/log" >&2 || true
  exit 1
fi
# Tests log in over TCP as a named account with every privilege (root stays on the socket).
"$client" --no-defaults --socket="$dir/sock" -u root -e "
  CREATE USER 'chatapi_admin'@'127.0.0.1';
  GRANT ALL PRIVILEGES ON *.* TO 'chatapi_admin'@'127.0.0.1' WITH GRANT OPTION;"
export TEST_MYSQL_URL="mysql://chatapi_admin@127.0.0.1:$port/"
echo "with-mariadb: throwaway server at $TEST_MYSQL_URL" >&2
set +e
"$@"
status=$?
exit $status
