#!/usr/bin/env bash
# Run a command with a throwaway Redis server on a random loopback port, exported
# as TEST_REDIS_URL. With TEST_REDIS_URL already set, or no redis-server
# installed, the command just runs (the Redis tests are then skipped).
set -euo pipefail

if [ -n "${TEST_REDIS_URL:-}" ]; then exec "$@"; fi

server=$(command -v redis-server || true)
if [ -z "$server" ] && [ -x /usr/bin/redis-server ]; then server=/usr/bin/redis-server; fi
if [ -z "$server" ]; then
  echo "with-redis: no redis-server found; Redis tests will be skipped." >&2
  exec "$@"
fi

port=${TEST_REDIS_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
dir=$(mktemp -d /tmp/chatapi-redis.XXXXXX)
cleanup() {
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# No persistence, loopback only, gone with the directory.
"$server" --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/log" >/dev/null
for _ in $(seq 50); do
  if python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then break; fi
  sleep 0.1
done
export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
echo "with-redis: throwaway server at $TEST_REDIS_URL" >&2
set +e
"$@"
status=$?
exit $status
