#!/bin/bash
# chk_haproxy.sh - HAProxy health checks end to end: servers leave and rejoin the rotation
# after `fall` failures and `rise` successes, with HAProxy 2.6's exact stderr lines.
#
# Two controllable origins (tests/origin/origin.py) sit behind `listen web` (plain TCP
# checks, `check inter 500 rise 2 fall 3`) and `backend api` (`option httpchk GET /health`,
# `option log-health-checks`). The test switches web1's origin to refusing, to answering 500
# and back, and checks the lines printed on stderr (Server web/web1 is DOWN, reason: Layer4
# connection problem, info: "Connection refused" ...), their timing (DOWN after about
# fall x inter, UP after about rise x inter) and that curl through the proxy only reaches
# the healthy server meanwhile. When Debian's /usr/sbin/haproxy is installed the same
# scenario first runs against it, as a reference that validates the expectations (reported,
# not counted). Until runtime/rt_main.c calls rt_checks_start() the vipr part is skipped.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRC/tests/lib/harness.sh"
harness_init chk-hap python3 curl
# wait_line LOG REGEX SECS: waits for a line matching REGEX (grep -E) in LOG; prints it.
wait_line() { wait_line_from "$1" 0 "$2" "$3"; }

# expect_line NAME LOG REGEX SECS MIN_MS MAX_MS: the line appears, MIN..MAX ms after $T0.
expect_line() {
	local name=$1 log=$2 re=$3 secs=$4 min=$5 max=$6 line
	if ! line=$(wait_line "$log" "$re" "$secs"); then
		ko "$name: no line matching /$re/ within ${secs}s"
		return 1
	fi
	local dt=$(($(now_ms) - T0))
	if [ "$dt" -lt "$min" ] || [ "$dt" -gt "$max" ]; then
		ko "$name: after ${dt}ms, want ${min}..${max}ms: $line"
		return 1
	fi
	ok "$name (${dt}ms)"
}

start_origin() { # start_origin PORT CTL BODY
	python3 "$SRC/tests/origin/origin.py" "$1" "$2" 127.0.0.1 "$3" >/dev/null 2>&1 &
	PIDS+=($!)
	wait_port "$1"
}

curl_bodies() { # curl_bodies PORT N: the bodies of N requests, space separated
	local out=""
	for _ in $(seq 1 "$2"); do
		out="$out $(curl -s -m 2 "http://127.0.0.1:$1/" | tr -d '\n')"
	done
	echo "$out"
}

write_cfg() { # write_cfg FILE FE_PORT API_PORT WEB1 WEB2
	cat >"$1" <<EOF
global
    maxconn 100
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen web
    bind 127.0.0.1:$2
    balance roundrobin
    server web1 127.0.0.1:$4 check inter 500 rise 2 fall 3
    server web2 127.0.0.1:$5 check inter 500 rise 2 fall 3
frontend api_fe
    bind 127.0.0.1:$3
    default_backend api
backend api
    option httpchk GET /health
    option log-health-checks
    server web1 127.0.0.1:$4 check inter 500 rise 2 fall 3
EOF
}

# run_scenario LABEL BIN OFFSET: the whole scenario against one haproxy binary.
run_scenario() {
	local label=$1 bin=$2 off=$3
	local fe=$((BASE + off)) api=$((BASE + off + 1)) w1=$((BASE + off + 2)) w2=$((BASE + off + 3))
	local d=$T/$label log
	mkdir -p "$d"
	log=$d/stderr.log
	: >"$log"
	echo up >"$d/ctl1"
	echo up >"$d/ctl2"
	start_origin $w1 "$d/ctl1" Web1 && start_origin $w2 "$d/ctl2" Web2 || {
		ko "$label: origins did not start"
		return
	}
	write_cfg "$d/haproxy.cfg" $fe $api $w1 $w2
	timeout 60 "$bin" -db -f "$d/haproxy.cfg" >>"$log" 2>&1 &
	local hp=$!
	PIDS+=($hp)
	if ! wait_port $fe; then
		ko "$label: proxy did not start: $(head -3 "$log")"
		return
	fi
	sleep 1.5 # every server fully UP

	local W='^\[WARNING\]  \([0-9]+\) : ' A='^\[ALERT\]    \([0-9]+\) : '
	echo "-- $label: web1 refuses connections"
	T0=$(now_ms)
	echo refuse >"$d/ctl1"
	# 3 failures 500 ms apart: the first at 0..500 ms, the third 1000 ms later
	expect_line "$label: web1 DOWN after fall x inter" "$log" \
		"${W}Server web/web1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: [0-9]+ms\. 1 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.$" \
		5 900 2300
	local b
	b=$(curl_bodies $fe 4)
	if [ "$b" = " Web2 Web2 Web2 Web2" ]; then ok "$label: only web2 serves"; else ko "$label: bodies [$b]"; fi
	expect_line "$label: api/web1 log-health-checks 2/3 UP" "$log" \
		"${W}Health check for server api/web1 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: [0-9]+ms, status: 2/3 UP\.$" \
		1 0 3000
	expect_line "$label: api/web1 log-health-checks 0/2 DOWN" "$log" \
		"${W}Health check for server api/web1 failed, reason: Layer4 connection problem, info: \"Connection refused\", check duration: [0-9]+ms, status: 0/2 DOWN\.$" \
		3 0 4000
	expect_line "$label: api DOWN without reason (log-health-checks)" "$log" \
		"${W}Server api/web1 is DOWN\. 0 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.$" \
		3 0 4000
	expect_line "$label: backend api has no server" "$log" \
		"${A}backend 'api' has no server available!$" 3 0 4000

	echo "-- $label: web1 answers again"
	sleep 0.3
	T0=$(now_ms)
	echo up >"$d/ctl1"
	# 2 successes: the first at 0..500 ms (downinter), the second 500 ms later (fastinter)
	expect_line "$label: web1 UP after rise x inter" "$log" \
		"${W}Server web/web1 is UP, reason: Layer4 check passed, check duration: [0-9]+ms\. 2 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.$" \
		4 400 1700
	expect_line "$label: api/web1 1/2 DOWN" "$log" \
		"${W}Health check for server api/web1 succeeded, reason: Layer7 check passed, code: 200, check duration: [0-9]+ms, status: 1/2 DOWN\.$" \
		3 0 3000
	expect_line "$label: api/web1 3/3 UP" "$log" \
		"${W}Health check for server api/web1 succeeded, reason: Layer7 check passed, code: 200, check duration: [0-9]+ms, status: 3/3 UP\.$" \
		3 0 3000
	expect_line "$label: api UP" "$log" \
		"${W}Server api/web1 is UP\. 1 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.$" \
		3 0 3000
	sleep 0.2
	b=$(curl_bodies $fe 4)
	case "$b" in
	*Web1*Web2* | *Web2*Web1*) ok "$label: web1 back in rotation" ;;
	*) ko "$label: bodies after UP [$b]" ;;
	esac

	echo "-- $label: web1 answers 500 (a TCP check does not see it, httpchk does)"
	T0=$(now_ms)
	echo 500 >"$d/ctl1"
	expect_line "$label: api/web1 L7STS" "$log" \
		"${W}Health check for server api/web1 failed, reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\", check duration: [0-9]+ms, status: 2/3 UP\.$" \
		3 0 1500
	expect_line "$label: api/web1 DOWN on 500" "$log" \
		"${W}Health check for server api/web1 failed, reason: Layer7 wrong status, code: 500, info: \"Internal Server Error\", check duration: [0-9]+ms, status: 0/2 DOWN\.$" \
		4 900 2600
	if grep -qE "Server web/web1 is DOWN" <(tail -n +1 "$log" | sed -n '/wrong status/,$p'); then
		ko "$label: web/web1 (TCP check) went down on a 500"
	else ok "$label: TCP check ignores the 500"; fi

	echo "-- $label: every server of web refuses"
	T0=$(now_ms)
	echo refuse >"$d/ctl1"
	echo refuse >"$d/ctl2"
	expect_line "$label: web has no server" "$log" "${A}proxy 'web' has no server available!$" \
		5 500 2600
	kill $hp 2>/dev/null
	wait $hp 2>/dev/null
	cp "$log" "$T/$label.stderr"
}

if [ -x /usr/sbin/haproxy ]; then
	echo "== reference: /usr/sbin/haproxy (not counted)"
	MODE=ref run_scenario ref /usr/sbin/haproxy 10
fi

# The checks run once runtime/rt_main.c starts them.
wired=no
if grep -q "rt_checks_start" "$SRC/runtime/rt_main.c" 2>/dev/null; then wired=yes; fi
if [ $wired = no ] && command -v nm >/dev/null && nm "$VIPR" 2>/dev/null | grep -q " T rt_checks_start"; then
	wired=yes
fi
if [ $wired = no ]; then
	echo "SKIP vipr: runtime/rt_main.c does not call rt_checks_start() yet"
	echo "$PASS passed, $FAIL failed"
	exit 77
fi

mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/haproxy"
echo "== vipr"
MODE=count run_scenario vipr "$T/bin/haproxy" 20
if [ $FAIL -gt 0 ]; then
	echo "-- vipr stderr:"
	cat "$T/vipr.stderr" 2>/dev/null | head -60
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
