#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR - the quickstart: lint and dump samples/quickstart/haproxy.cfg,
# then run it in the foreground with vipr's haproxy personality (Ctrl-C to stop).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "demo: no build dir ${1:-build}" >&2; exit 2; }
CFG=$SRC/samples/quickstart/haproxy.cfg
[ -x "$BUILD/vipr" ] || { echo "demo: $BUILD/vipr not found (build first)" >&2; exit 2; }
[ -e "$BUILD/haproxy" ] || ln -s vipr "$BUILD/haproxy"

echo "== vipr lint $CFG"
"$BUILD/vipr" lint "$CFG"
echo "(exit $?)"
echo
echo "== vipr dump --json $CFG"
"$BUILD/vipr" dump --json "$CFG"
echo "(exit $?)"
echo

# Is the runtime wired in this build? Start it for a moment: a quick non-zero exit means no.
"$BUILD/haproxy" -db -f "$CFG" >/tmp/vipr-demo.$$.log 2>&1 &
pid=$!
sleep 1
if ! kill -0 $pid 2>/dev/null; then
	wait $pid
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "== the runtime is not available in this build (haproxy -db exited $rc):"
		tail -n 5 /tmp/vipr-demo.$$.log
		rm -f /tmp/vipr-demo.$$.log
		exit 0
	fi
fi
kill $pid 2>/dev/null
wait $pid 2>/dev/null
rm -f /tmp/vipr-demo.$$.log

cat <<'X'
== running: haproxy -db -f samples/quickstart/haproxy.cfg (Ctrl-C to stop)
   In another terminal, try:
     curl http://127.0.0.1:8080/      # a few times: Web1, Web2, Web1, ...
     curl http://127.0.0.1:8080/
     curl http://127.0.0.1:8080/
     curl -u admin:admin http://127.0.0.1:8404/stats
     open http://127.0.0.1:8404/stats in a browser (admin / admin)
X
exec "$BUILD/haproxy" -db -f "$CFG"
