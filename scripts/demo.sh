#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR - the quickstart: check and lint samples/quickstart/haproxy.cfg,
# then serve it in the foreground with vipr's haproxy personality (Ctrl-C to stop).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "demo: no build dir ${1:-build}" >&2; exit 2; }
CFG=$SRC/samples/quickstart/haproxy.cfg
[ -x "$BUILD/vipr" ] || { echo "demo: $BUILD/vipr not found (build first)" >&2; exit 2; }

echo "== haproxy -c -f samples/quickstart/haproxy.cfg"
"$BUILD/haproxy" -c -f "$CFG" || exit 1
echo
echo "== vipr lint samples/quickstart/haproxy.cfg"
"$BUILD/vipr" lint "$CFG"
echo
cat <<'X'
== haproxy -db -f samples/quickstart/haproxy.cfg   (Ctrl-C to stop)
   A frontend on 127.0.0.1:8080 balances over two backends that are vipr listeners
   themselves (8081 answers "Web1", 8082 "Web2"); the stats page is on 8404.
   In another terminal, try:
     curl http://127.0.0.1:8080/                      # Web1, Web2, Web1, ...
     curl -i http://127.0.0.1:8404/stats              # 401: asks for a password
     curl -u admin:admin http://127.0.0.1:8404/stats  # the statistics page (HTML)
     curl -u admin:admin 'http://127.0.0.1:8404/stats;csv'
X
exec "$BUILD/haproxy" -db -f "$CFG"
