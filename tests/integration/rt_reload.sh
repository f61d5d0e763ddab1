#!/bin/bash
# rt_reload.sh - reloads outside master-worker mode: `haproxy -f cfg -sf OLDPID...` and -st.
#
# Starts `haproxy -db -f cfg` (a symlink to $VIPR), then new generations with -sf naming the
# previous one while a curl loop runs: no request may fail, the new config is served, the
# old process finishes a download started before the reload (the origin holds the second
# half until the test releases it) and then exits 0. -st ends the old process at once. The
# init-script form `haproxy -D -p PIDFILE -sf $(cat PIDFILE)` replaces a daemon. Then runs
# rt_reload_systemd.inc (Debian's haproxy.service under a systemd stand-in).
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
for t in curl python3 cmp; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done

T=$(mktemp -d /tmp/vipr-rt-reload.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -s "$T/d.pid" ] && kill "$(cat "$T/d.pid")" 2>/dev/null
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
FE=$((BASE + 20)) SLOW=$((BASE + 21))
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.1; done
}
serves() { [ "$(curl -s --max-time 5 "http://127.0.0.1:$FE/")" = "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# haproxy's pid under the `timeout` that bounds it (signals go to haproxy, not timeout)
child() {
	local end=$((SECONDS + 20)) c
	until c=$(pgrep -P "$1") && [ -n "$c" ]; do [ $SECONDS -ge $end ] && return; sleep 0.1; done
	echo "$c"
}

head -c 2000000 /dev/urandom >"$T/big"
cat >"$T/slow.py" <<EOF
import http.server, os, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        data = open("$T/big", "rb").read()
        rel = "$T/release" + self.path.replace("/", "_")
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
        while not os.path.exists(rel): time.sleep(0.05)
        self.wfile.write(data[len(data) // 2:])
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", $SLOW), H).serve_forever()
EOF
timeout 300 python3 "$T/slow.py" 2>/dev/null & # (-st cuts a download: BrokenPipe)
PIDS+=($!)

write_cfg() { # write_cfg FILE VERSION
	cat >"$1" <<EOF
defaults
	mode http
	timeout client 30s
	timeout server 30s
	timeout connect 5s
frontend fe
	bind 127.0.0.1:$FE
	http-request return status 200 content-type text/plain string "$2" if { path / }
	default_backend slow
backend slow
	server s1 127.0.0.1:$SLOW
EOF
}
ln -s "$VIPR" "$T/haproxy"
H=$T/haproxy

write_cfg "$T/c1.cfg" v1
timeout 300 "$H" -db -f "$T/c1.cfg" 2>"$T/log1" &
TP1=$!
PIDS+=($TP1)
P1=$(child $TP1)
wait_for 20 serves v1 && ok "v1 served" || ko "v1 not served"

cat >"$T/loop.sh" <<EOF
while [ ! -e "$T/stop" ]; do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 "http://127.0.0.1:$FE/" >>"$T/codes"
done
EOF
timeout 200 bash "$T/loop.sh" &
LOOP=$!
PIDS+=($LOOP)
timeout 100 curl -s -o "$T/dl1" "http://127.0.0.1:$FE/dl1" &
DL=$!
PIDS+=($DL)
wait_for 20 test -s "$T/dl1"

PREV=$P1
for g in 2 3 4; do
	write_cfg "$T/c$g.cfg" "v$g"
	timeout 300 "$H" -db -f "$T/c$g.cfg" -sf "$PREV" 2>"$T/log$g" &
	PIDS+=($!)
	NEW=$(child $!)
	wait_for 20 serves "v$g" && ok "-sf generation $g served" || ko "generation $g not served"
	if [ "$PREV" != "$P1" ]; then
		wait_for 20 gone "$PREV" && ok "generation $((g - 1)) leaves after -sf" || ko "generation $((g - 1)) still there"
	fi
	PREV=$NEW
done
check "the first process still serves its download" "$(kill -0 "$P1" 2>/dev/null && echo alive)" "alive"
touch "$T/release_dl1"
wait "$DL"
check "download across three reloads complete" "$(cmp -s "$T/big" "$T/dl1" && echo same)" "same"
wait "$TP1"
check "the first process exits 0 once its download ended" "$?" "0"
touch "$T/stop"
wait "$LOOP"
N=$(wc -l <"$T/codes")
[ "$N" -gt 20 ] && ok "client loop made $N requests" || ko "client loop made only $N requests"
check "failed requests during -sf reloads" "$(grep -vc '^200$' "$T/codes")" "0"

# -st: the old process ends now, its download cut
timeout 100 curl -s -o "$T/dl2" "http://127.0.0.1:$FE/dl2" &
DL=$!
PIDS+=($DL)
wait_for 20 test -s "$T/dl2"
write_cfg "$T/c5.cfg" v5
timeout 300 "$H" -db -f "$T/c5.cfg" -st "$PREV" 2>"$T/log5" &
PIDS+=($!)
P5=$(child $!)
wait_for 20 serves v5 && ok "-st: v5 served" || ko "-st: v5 not served"
wait_for 20 gone "$PREV" && ok "-st: the old process is gone with a download in progress" || ko "-st: old process still there"
touch "$T/release_dl2"
wait "$DL"
check "-st: that download was cut" "$(cmp -s "$T/big" "$T/dl2" && echo same || echo cut)" "cut"

# the init-script form: daemon, pidfile, -sf $(cat pidfile)
kill "$P5"
wait_for 20 gone "$P5"
timeout 300 "$H" -D -f "$T/c1.cfg" -p "$T/d.pid" 2>>"$T/logd"
check "-D: exit 0" "$?" "0"
wait_for 20 serves v1 && ok "-D: v1 served" || ko "-D: v1 not served"
D1=$(cat "$T/d.pid")
timeout 300 "$H" -D -f "$T/c2.cfg" -p "$T/d.pid" -sf "$(cat "$T/d.pid")" 2>>"$T/logd"
wait_for 20 serves v2 && ok "-D -sf: v2 served" || ko "-D -sf: v2 not served"
wait_for 20 gone "$D1" && ok "-D -sf: the old daemon left" || ko "-D -sf: the old daemon is still there"
D2=$(cat "$T/d.pid")
[ "$D2" != "$D1" ] && kill -0 "$D2" && ok "-D -sf: pidfile names the new daemon" || ko "pidfile"
kill "$D2"
wait_for 20 gone "$D2" && ok "daemon stopped" || ko "daemon still running"
# Debian's haproxy.service run by a systemd stand-in: rt_reload_systemd.inc, run in this script's port block (one
# ctest script less) with its ok/FAIL lines shown and its counts added to these
OUT=$(PORT_BASE=$BASE bash "$HERE/rt_reload_systemd.inc" 2>&1)
PRC=$?
echo "$OUT" | sed '$d'
if [ $PRC = 77 ]; then
	echo "skip rt_reload_systemd.inc: $(echo "$OUT" | tail -1)"
elif [[ "$(echo "$OUT" | tail -1)" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	PASS=$((PASS + BASH_REMATCH[1])) FAIL=$((FAIL + BASH_REMATCH[2]))
else
	ko "rt_reload_systemd.inc did not finish: $(echo "$OUT" | tail -1)"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
