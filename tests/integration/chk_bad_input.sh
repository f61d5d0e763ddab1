#!/bin/bash
# chk_bad_input.sh - HTTP health checks against hostile servers: the check fails cleanly with
# HAProxy's status and memory stays bounded.
#
#   garbage  answers a line that is not HTTP and closes -> L7RSP
#   partial  reads the request, never answers, never closes -> L7TOUT
#   empty    reads the request and resets -> SOCKERR "Connection reset by peer"
#   big      200 OK with an endless body (origin.py `big`), `http-check expect string OK`
#            needs the body: the check decides on its bounded buffer, never buffers 100 MB
#   slow     200 after 3 s with inter 500 -> L7TOUT
# Each answer first comes from Debian's /usr/sbin/haproxy (not counted); then vipr runs the
# same configuration for at least 8 s (dozens of probes) while the test samples its RSS:
# it must stay under 64 MB and grow by less than 16 MB after the first 2 s.
# Env: VIPR, SRC, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRC/tests/lib/harness.sh"
harness_init chk-bad python3 socat
wait_line() { wait_line_from "$1" 0 "$2" "$3"; } # wait_line LOG REGEX SECS
expect_line() { # expect_line NAME LOG REGEX SECS
	if wait_line "$2" "$3" "$4" >/dev/null; then ok "$1"; else ko "$1: no line /$3/"; fi
}

GARB=$((BASE + 1)) PART=$((BASE + 2)) BIG=$((BASE + 3)) SLOW=$((BASE + 4)) EMPTY=$((BASE + 5))
timeout 300 socat TCP-LISTEN:$GARB,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo garbage garbage' >/dev/null 2>&1 &
PIDS+=($!)
echo hang >"$T/part.ctl"
python3 "$SRC/tests/origin/origin.py" $PART "$T/part.ctl" >/dev/null 2>&1 &
PIDS+=($!)
# reads the request, then resets the connection (SO_LINGER 0): always an RST, never a FIN
python3 -c '
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept(); c.settimeout(5)
    try:
        c.recv(4096)
    except OSError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
' $EMPTY >/dev/null 2>&1 &
PIDS+=($!)
echo big >"$T/big.ctl"
echo slow >"$T/slow.ctl"
python3 "$SRC/tests/origin/origin.py" $BIG "$T/big.ctl" >/dev/null 2>&1 &
PIDS+=($!)
python3 "$SRC/tests/origin/origin.py" $SLOW "$T/slow.ctl" >/dev/null 2>&1 &
PIDS+=($!)
for p in $GARB $PART $BIG $SLOW $EMPTY; do
	wait_port $p || { ko "origin $p did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }
done

write_cfg() { # write_cfg FILE FE
	cat >"$1" <<EOF
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    option log-health-checks
frontend fe
    bind 127.0.0.1:$2
    default_backend b
backend b
    option httpchk GET /
    http-check expect string OK
    default-server inter 500 rise 1 fall 1
    server garbage 127.0.0.1:$GARB check
    server partial 127.0.0.1:$PART check
    server big 127.0.0.1:$BIG check
    server slow 127.0.0.1:$SLOW check
    server empty 127.0.0.1:$EMPTY check
EOF
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

W='^\[WARNING\]  \([0-9]+\) : Health check for server b/'
run_scenario() { # run_scenario LABEL BIN FE
	local label=$1 bin=$2 fe=$3 log=$T/$1.log
	: >"$log"
	write_cfg "$T/$label.cfg" "$fe"
	timeout 60 "$bin" -db -f "$T/$label.cfg" >>"$log" 2>&1 &
	local hp=$!
	PIDS+=($hp)
	wait_port "$fe" || { ko "$label: did not start: $(head -3 "$log")"; return; }
	local d='check duration: [0-9]+ms, status: 0/1 DOWN\.$'
	expect_line "$label: garbage -> L7RSP" "$log" \
		"${W}garbage failed, reason: Layer7 invalid response, $d" 10
	expect_line "$label: never answers, never closes -> L7TOUT" "$log" \
		"${W}partial failed, reason: Layer7 timeout, $d" 10
	expect_line "$label: reset at once -> Socket error" "$log" \
		"${W}empty failed, reason: Socket error, info: \"Connection reset by peer\", $d" 10
	expect_line "$label: endless body -> content check fails on the bounded buffer" "$log" \
		"${W}big failed, reason: Layer7 invalid response, info: \"HTTP content check did not match\", $d" 10
	expect_line "$label: slow -> L7TOUT" "$log" "${W}slow failed, reason: Layer7 timeout, $d" 10
	if [ "$label" = vipr ]; then
		sleep 2
		local first max=0 r t_end=$(($(now_ms) + 8000)) n=0
		local vp
		vp=$(pgrep -P $hp | head -1) # vipr, the child of timeout
		first=$(rss_kb "$vp")
		while [ "$(now_ms)" -lt $t_end ]; do
			r=$(rss_kb "$vp")
			[ -n "$r" ] && [ "$r" -gt "$max" ] && max=$r
			n=$((n + 1))
			sleep 0.2
		done
		echo "   RSS first ${first} kB, max ${max} kB over $n samples"
		if [ -n "$first" ] && [ "$max" -lt 65536 ] && [ $((max - first)) -lt 16384 ]; then
			ok "$label: RSS bounded (${first} -> max ${max} kB)"
		else ko "$label: RSS first ${first:-?} kB, max $max kB"; fi
		kill -0 $hp 2>/dev/null && ok "$label: still running" || ko "$label: died: $(tail -3 "$log")"
	fi
	kill $hp 2>/dev/null
	wait $hp 2>/dev/null
}

if [ -x /usr/sbin/haproxy ]; then
	echo "== reference: /usr/sbin/haproxy (not counted)"
	MODE=ref run_scenario ref /usr/sbin/haproxy $((BASE + 10))
fi
mkdir -p "$T/bin"
ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy"
echo "== vipr"
MODE=count run_scenario vipr "$T/bin/haproxy" $((BASE + 20))
if [ $FAIL -gt 0 ]; then
	echo "-- vipr stderr:"
	head -30 "$T/vipr.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
