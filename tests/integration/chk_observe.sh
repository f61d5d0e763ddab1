#!/bin/bash
# chk_observe.sh - HAProxy's `observe layer4|layer7`, `error-limit` and `on-error`: errors of
# real traffic take a server down although its health check still passes.
#
#   b/s1  traffic port closed, check on a live port (`port`), observe layer4, error-limit 2,
#         on-error mark-down: two failed connections -> "Server b/s1 is DOWN, reason: Health
#         analyze, info: "Detected 2 consecutive errors, last one was: L4 unsuccessful
#         connection"", then the passing check brings it back UP.
#   c/s3  an origin answering 404 then 500, observe layer7, error-limit 2, on-error mark-down:
#         404s are not errors for layer7; two 500s in a row -> DOWN with "last one was: Wrong
#         http response".
#   bad values of observe / on-error / error-limit are refused with HAProxy's messages.
# The scenario first runs against Debian's /usr/sbin/haproxy as a reference (not counted).
# Env: VIPR, SRC, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRC/tests/lib/harness.sh"
harness_init chk-obs python3 curl
wait_line() { wait_line_from "$@"; } # wait_line LOG FROM REGEX SECS
expect_line() { # expect_line NAME LOG FROM REGEX SECS
	if wait_line "$2" "$3" "$4" "$5" >/dev/null; then ok "$1"; else ko "$1: no line /$4/"; fi
}
size() { stat -c %s "$1"; }
get() { curl -s -o /dev/null -m 3 -w "%{http_code}" "http://127.0.0.1:$1/"; }
# set_org MODE CODE: switches the origin and waits until it answers CODE itself
set_org() {
	echo "$1" >"$T/org.ctl"
	for _ in $(seq 1 100); do
		[ "$(get $ORG)" = "$2" ] && return 0
		sleep 0.05
	done
	ko "origin does not answer $2"
}

LIVE=$((BASE + 1)) CLOSED=$((BASE + 2)) ORG=$((BASE + 3))
echo up >"$T/live.ctl"
python3 "$SRC/tests/origin/origin.py" $LIVE "$T/live.ctl" >/dev/null 2>&1 &
PIDS+=($!)
python3 "$SRC/tests/origin/origin.py" $ORG "$T/org.ctl" >/dev/null 2>&1 &
PIDS+=($!)
wait_port $LIVE && wait_port $ORG || { ko "origins did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }

write_cfg() { # write_cfg FILE FE1 FE2
	cat >"$1" <<EOF
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    retries 0
    option log-health-checks
frontend f1
    bind 127.0.0.1:$2
    default_backend b
frontend f2
    bind 127.0.0.1:$3
    default_backend c
backend b
    server s1 127.0.0.1:$CLOSED check port $LIVE inter 300 rise 1 fall 2 observe layer4 error-limit 2 on-error mark-down
backend c
    server s3 127.0.0.1:$ORG check port $LIVE inter 300 rise 1 fall 2 observe layer7 error-limit 2 on-error mark-down
EOF
}

W='^\[WARNING\]  \([0-9]+\) : '
run_scenario() { # run_scenario LABEL BIN OFFSET
	local label=$1 bin=$2 fe1=$((BASE + $3)) fe2=$((BASE + $3 + 1)) log=$T/$1.log from
	: >"$log"
	echo up >"$T/org.ctl"
	write_cfg "$T/$label.cfg" $fe1 $fe2
	timeout 60 "$bin" -db -f "$T/$label.cfg" >>"$log" 2>&1 &
	local hp=$!
	PIDS+=($hp)
	wait_port $fe1 || { ko "$label: did not start: $(head -3 "$log")"; return; }
	# both checks fully UP (2/2) before any traffic
	wait_line "$log" 0 "Health check for server b/s1 succeeded.*status: 2/2 UP" 10 >/dev/null &&
		wait_line "$log" 0 "Health check for server c/s3 succeeded.*status: 2/2 UP" 10 >/dev/null ||
		ko "$label: checks not UP: $(cat "$log")"

	echo "-- $label: layer4, connections refused"
	from=$(size "$log")
	get $fe1 >/dev/null
	get $fe1 >/dev/null
	expect_line "$label: layer4 mark-down after error-limit" "$log" "$from" \
		"${W}Health check for server b/s1 failed, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: L4 unsuccessful connection\", status: 0/1 DOWN\.$" 5
	expect_line "$label: b/s1 DOWN, the failing session counted" "$log" "$from" \
		"${W}Server b/s1 is DOWN\. 0 active and 0 backup servers left\. 1 sessions active, 0 requeued, 0 remaining in queue\.$" 5
	expect_line "$label: the passing check brings b/s1 back" "$log" "$from" \
		"${W}Server b/s1 is UP\. 1 active and 0 backup servers online\." 5

	echo "-- $label: layer7"
	from=$(size "$log")
	set_org 404 404
	local codes
	codes="$(get $fe2) $(get $fe2) $(get $fe2)"
	sleep 0.3
	if tail -c +$((from + 1)) "$log" | grep -q "Server c/s3 is DOWN"; then
		ko "$label: 404s took c/s3 down ($codes)"
	else ok "$label: a 404 is not an error for layer7 ($codes)"; fi
	set_org 500 500
	codes="$(get $fe2) $(get $fe2)"
	expect_line "$label: layer7 mark-down on two 500s in a row" "$log" "$from" \
		"${W}Health check for server c/s3 failed, reason: Health analyze, info: \"Detected 2 consecutive errors, last one was: Wrong http response\", status: 0/1 DOWN\.$" 5
	kill $hp 2>/dev/null
	wait $hp 2>/dev/null
}

if [ -x /usr/sbin/haproxy ]; then
	echo "== reference: /usr/sbin/haproxy (not counted)"
	MODE=ref run_scenario ref /usr/sbin/haproxy 10
fi
mkdir -p "$T/bin"
ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy"
echo "== vipr"
MODE=count run_scenario vipr "$T/bin/haproxy" 20

echo "-- bad values"
for kv in "observe layer9|'observe' expects one of 'none', 'layer4', 'layer7' but got 'layer9'." \
	"on-error foo|'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got 'foo'." \
	"error-limit 0|error-limit has to be > 0.."; do
	sed "s|observe layer4 error-limit 2 on-error mark-down|${kv%%|*}|" "$T/vipr.cfg" >"$T/bad.cfg"
	out=$(timeout 10 "$T/bin/haproxy" -c -f "$T/bad.cfg" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qF "'server b/s1' : ${kv#*|}" <<<"$out"; then ok "${kv%%|*} refused"; else ko "${kv%%|*}: rc=$rc $out"; fi
done
if [ $FAIL -gt 0 ]; then
	echo "-- vipr stderr:"
	head -40 "$T/vipr.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
