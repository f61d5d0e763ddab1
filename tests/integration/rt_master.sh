#!/bin/bash
# rt_master.sh - HAProxy's master-worker mode through the haproxy personality.
#
# Runs `haproxy -W -db -f cfg -p PIDFILE -S SOCK` (a symlink to $VIPR) in front of a real
# nginx origin and checks: the pidfile holds the master, the master's log lines, the master
# CLI (help as 2.6.12's, show proc, @1 forwarding, prompt mode), reloads by SIGUSR2 and by
# the CLI's `reload` while a curl loop runs (no failed request, the new config served), a
# slow download started before a reload completes from the former worker, which then exits
# ("Former worker (PID) exited with code 0 (Exit)"), a bad config on reload keeps the worker
# ("Loading failure!", show proc "[failed: 1]"), SIGTERM stops everything with exit 0, and a
# killed worker makes the master exit 137 (exit-on-failure). Then runs rt_binds.inc.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
for t in nginx curl socat; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done
REF=$(realpath -m "${SRC:-$(dirname "$0")/../..}/../shared/reference/haproxy-2.6/master-cli-help-2.6.12.txt")
[ -r "$REF" ] || REF=/work/shared/reference/haproxy-2.6/master-cli-help-2.6.12.txt

T=$(mktemp -d /tmp/vipr-rt-master.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -s "$T/h.pid" ] && kill "$(cat "$T/h.pid")" 2>/dev/null
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
WEB=$BASE FE=$((BASE + 1)) SLOW=$((BASE + 2))
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }
# wait_for SECS CMD...: polls until CMD succeeds
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.1; done
}
# log_has FROM TEXT: TEXT appears in the master's log after byte FROM
log_has() { tail -c +$(($1 + 1)) "$T/log" | grep -qF -- "$2"; }
log_size() { stat -c %s "$T/log"; }

mkdir -p "$T/web/tmp"
head -c 3000000 /dev/urandom >"$T/web/big"
echo web >"$T/web/index.html"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server { listen 127.0.0.1:$WEB; root $T/web; }
}
EOF
timeout 300 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
PIDS+=($!)
# an origin whose download stops half-way until the test creates $T/release_<path>
cat >"$T/slow.py" <<EOF
import http.server, os, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        data = open("$T/web/big", "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
        rel = "$T/release" + self.path.replace("/", "_")
        while not os.path.exists(rel): time.sleep(0.05)
        self.wfile.write(data[len(data) // 2:])
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", $SLOW), H).serve_forever()
EOF
timeout 300 python3 "$T/slow.py" &
PIDS+=($!)

write_cfg() { # write_cfg VERSION [EXTRA LINE]
	cat >"$T/h.cfg" <<EOF
global
	hard-stop-after 60s
defaults
	mode http
	timeout client 30s
	timeout server 30s
	timeout connect 5s
frontend fe
	bind 127.0.0.1:$FE
	http-request return status 200 content-type text/plain string "$1" if { path / }
	use_backend slow if { path_beg /big }
	default_backend web
backend web
	server s1 127.0.0.1:$WEB
backend slow
	server s1 127.0.0.1:$SLOW
${2:-}
EOF
}
write_cfg v1
ln -s "$VIPR" "$T/haproxy"
cd "$T" || exit 1
timeout 300 ./haproxy -W -db -f h.cfg -p "$T/h.pid" -S "$T/m.sock" >"$T/log" 2>&1 &
HPID=$!
PIDS+=($HPID)
wait_for 20 test -s "$T/h.pid" || { echo "no pidfile"; cat "$T/log"; exit 1; }
M=$(cat "$T/h.pid")
check "pidfile holds the master (timeout's child)" "$(ps -o ppid= -p "$M" | tr -d ' ')" "$HPID"
wait_for 20 log_has 0 "Loading success." && ok "startup: Loading success." || ko "startup log"
W1=$(sed -n 's/.*New worker (\([0-9]*\)) forked/\1/p' "$T/log" | tail -1)
check "worker is a child of the master" "$(ps -o ppid= -p "$W1" | tr -d ' ')" "$M"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$FE/" || true
check "v1 served" "$(curl -s "http://127.0.0.1:$FE/")" "v1"

mcli() { printf '%s\n' "$1" | timeout 10 socat -t5 - "UNIX-CONNECT:$T/m.sock"; }
mcli help >"$T/help.txt"
if diff -u "$REF" "$T/help.txt" >/dev/null; then ok "master CLI help is 2.6.12's"; else ko "master CLI help"; diff -u "$REF" "$T/help.txt" | head; fi
SP=$(mcli "show proc")
check "show proc header" "$(echo "$SP" | head -1)" "#<PID>          <type>          <reloads>       <uptime>        <version>      "
echo "$SP" | grep -qE "^$M +master +0 \[failed: 0\] +0d00h00m[0-9]{2}s +2\.6\.12" && ok "show proc master line" || ko "show proc master line: $SP"
echo "$SP" | grep -qE "^$W1 +worker +0 +0d" && ok "show proc worker line" || ko "show proc worker line"
check "@1 show info: the worker's pid" "$(mcli '@1 show info' | sed -n 's/^Pid: //p')" "$W1"
check "@!PID show info" "$(mcli "@!$W1 show info" | sed -n 's/^Pid: //p')" "$W1"
check "unknown prefix" "$(mcli '@7 show info')" "Can't find the target PID matching the prefix '@7'"
P=$(printf 'prompt\nshow cli level\n@1\nshow cli level\n@master\nquit\n' | timeout 10 socat -t5 - "UNIX-CONNECT:$T/m.sock" | tr '\n' '|')
check "prompt mode and a target" "$P" "master> admin||master> $W1> admin||$W1> master> master> "

# reloads while a client loop runs: not one request may fail
cat >"$T/loop.sh" <<EOF
while [ ! -e "$T/stop" ]; do
	c=\$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$FE/")
	echo "\$c" >>"$T/codes"
done
EOF
timeout 200 bash "$T/loop.sh" &
LOOP=$!
PIDS+=($LOOP)
timeout 100 curl -s -o "$T/big.out" "http://127.0.0.1:$FE/big" &
DL=$!
PIDS+=($DL)
wait_for 10 test -s "$T/big.out"
for i in 1 2 3 4; do
	write_cfg "v$((i % 2 + 1))"
	L=$(log_size)
	if [ $i = 3 ]; then mcli reload >/dev/null; else kill -USR2 "$M"; fi
	wait_for 30 log_has "$L" "Loading success." || ko "reload $i: no Loading success."
	sleep 0.3
done
log_has 0 "Reloading HAProxy" && ok "Reloading HAProxy logged" || ko "Reloading HAProxy logged"
log_has 0 "Proxy fe stopped (cumulated conns: FE: " && ok "a former worker: Proxy fe stopped" || ko "no Proxy fe stopped line"
# a former worker may take a connection until it handles its SIGUSR1
wait_for 30 test "$(curl -s "http://127.0.0.1:$FE/")" = v1 && ok "v1 served after the reloads" || ko "v1 not served after the reloads"
# the worker that serves the download is still there, listed in show proc
check "former worker alive during its download" "$(kill -0 "$W1" 2>/dev/null && echo yes)" "yes"
SP=$(mcli "show proc")
echo "$SP" | sed -n '/^# old workers$/,/^# programs$/p' | grep -qE "^$W1 +worker +4 " && ok "show proc: the former worker under # old workers, 4 reloads old" || ko "show proc former worker: $SP"
touch "$T/release_big"
wait "$DL"
check "download across four reloads: complete" "$(cmp -s "$T/web/big" "$T/big.out" && echo same)" "same"
wait_for 30 log_has 0 "Former worker ($W1) exited with code 0 (Exit)" && ok "Former worker exited (Exit)" || ko "former worker exit line"
touch "$T/stop"
wait "$LOOP"
N=$(wc -l <"$T/codes")
BAD=$(grep -vc '^200$' "$T/codes")
[ "$N" -gt 20 ] && ok "client loop made $N requests" || ko "client loop made only $N requests"
check "failed requests during reloads" "$BAD" "0"

# a config that does not load keeps the worker
WCUR=$(sed -n 's/.*New worker (\([0-9]*\)) forked/\1/p' "$T/log" | tail -1)
write_cfg v3 "bogus line"
L=$(log_size)
kill -USR2 "$M"
wait_for 30 log_has "$L" "Loading failure!" && ok "bad config: Loading failure!" || ko "bad config"
log_has "$L" "unknown keyword 'bogus'" && ok "bad config: alert logged" || ko "bad config alert"
check "bad config: old config still served" "$(curl -s "http://127.0.0.1:$FE/")" "v1"
echo "$(mcli 'show proc')" | grep -qE "^$M +master +5 \[failed: 1\]" && ok "show proc counts the failure" || ko "show proc failed count: $(mcli 'show proc')"
check "bad config: worker kept" "$(kill -0 "$WCUR" 2>/dev/null && echo yes)" "yes"
# and the next good one reloads
write_cfg v4
L=$(log_size)
kill -USR2 "$M"
wait_for 30 log_has "$L" "Loading success." && ok "reload after a failure" || ko "reload after a failure"
wait_for 10 test "$(curl -s "http://127.0.0.1:$FE/")" = v4 && ok "v4 served" || ko "v4 not served"

# a former worker still finishing while a reload fails, then while a new worker cannot bind:
# the master goes on, and that worker's exit is a former worker's, not a failure. (Debian's
# 2.6.12 binds in its master; its lines and counts are the same.)
current_worker() { mcli 'show proc' | awk '/^# workers/ { getline; print $1 }'; }
timeout 100 curl -s -o "$T/big2.out" "http://127.0.0.1:$FE/big2" &
DL=$!
PIDS+=($DL)
wait_for 20 test -s "$T/big2.out"
WHOLD=$(current_worker)
write_cfg v5
L=$(log_size)
kill -USR2 "$M"
wait_for 30 log_has "$L" "Loading success." || ko "v5 reload"
WCUR=$(current_worker)
write_cfg v6 "bogus line"
L=$(log_size)
kill -USR2 "$M"
wait_for 30 log_has "$L" "Loading failure!" || ko "second bad config"
write_cfg v6 "frontend clash
	bind 127.0.0.1:$WEB"
L=$(log_size)
kill -USR2 "$M"
wait_for 30 log_has "$L" "Loading failure!" && ok "a worker that cannot bind: Loading failure!" || ko "a worker that cannot bind"
log_has "$L" "cannot bind socket" && ok "a worker that cannot bind: its alert" || ko "no bind alert"
check "after both failures: the current worker is kept" "$(current_worker)" "$WCUR"
touch "$T/release_big2"
wait "$DL"
check "download across failed reloads complete" "$(cmp -s "$T/web/big" "$T/big2.out" && echo same)" "same"
wait_for 30 log_has 0 "Former worker ($WHOLD) exited with code 0 (Exit)" && ok "the former worker's exit after failed reloads" || ko "former worker exit line"
! log_has 0 "exit-on-failure" && ok "no exit-on-failure" || ko "exit-on-failure after failed reloads"
wait_for 10 test "$(curl -s "http://127.0.0.1:$FE/")" = v5 && ok "v5 still served" || ko "v5 not served"
echo "$(mcli 'show proc')" | grep -qE "^$M +master +9 \[failed: 2\]" && ok "show proc: 9 reloads, 2 failed (a bind failure is not counted)" || ko "show proc counts: $(mcli 'show proc')"

# SIGTERM: every process stops, exit 0
WCUR=$(current_worker)
L=$(log_size)
kill -TERM "$M"
wait "$HPID"
check "SIGTERM: master exit code" "$?" "0"
log_has "$L" "Exiting Master process..." && ok "Exiting Master process..." || ko "exiting line"
log_has "$L" "Current worker ($WCUR) exited with code 143 (Terminated)" && ok "worker 143 (Terminated)" || ko "worker exit line"
log_has "$L" "All workers exited. Exiting... (0)" && ok "All workers exited (0)" || ko "all workers line"
check "SIGTERM: worker gone" "$(kill -0 "$WCUR" 2>/dev/null || echo gone)" "gone"

# a killed worker takes the master down (exit-on-failure)
write_cfg v7
rm -f "$T/h.pid"
timeout 300 ./haproxy -W -db -f h.cfg -p "$T/h.pid" >"$T/log" 2>&1 &
HPID=$!
PIDS+=($HPID)
wait_for 20 log_has 0 "Loading success." || { ko "second start"; cat "$T/log"; }
W=$(sed -n 's/.*New worker (\([0-9]*\)) forked/\1/p' "$T/log" | tail -1)
kill -KILL "$W"
wait "$HPID"
check "killed worker: master exit code" "$?" "137"
log_has 0 "Current worker ($W) exited with code 137 (Killed)" && ok "Killed logged" || ko "killed line"
log_has 0 "exit-on-failure: killing every processes with SIGTERM" && ok "exit-on-failure logged" || ko "exit-on-failure line"

# The bind kinds, chroot and user: rt_binds.inc, run in this script's port block (one
# ctest script less) with its ok/FAIL lines shown and its counts added to these
OUT=$(PORT_BASE=$BASE bash "$HERE/rt_binds.inc" 2>&1)
PRC=$?
echo "$OUT" | sed '$d'
if [ $PRC = 77 ]; then
	echo "skip rt_binds.inc: $(echo "$OUT" | tail -1)"
elif [[ "$(echo "$OUT" | tail -1)" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	PASS=$((PASS + BASH_REMATCH[1])) FAIL=$((FAIL + BASH_REMATCH[2]))
else
	ko "rt_binds.inc did not finish: $(echo "$OUT" | tail -1)"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
