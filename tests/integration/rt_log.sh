#!/bin/bash
# rt_log.sh - traffic logs to `log` targets, framed as HAProxy 2.6 frames them.
#
# One configuration exercises global targets (UDP rfc3164 by default, UDP rfc5424, a unix
# datagram socket with `len 100 format short`, a `raw ... notice` target that must drop info
# lines, `debug notice` min/max levels), a frontend's own target plus `log global`, `no log`,
# `log stdout format raw`, `option dontlognull` in mode tcp and http, the "<BADREQ>" line of
# an empty HTTP connection, and a client that aborts after its request. python3 sinks capture
# every datagram; times, pids, client ports, timers and byte counts are masked and the result
# compared with golden lines captured from /usr/sbin/haproxy 2.6.12. When that binary is
# installed it runs first as a reference (reported, not counted).
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
command -v python3 >/dev/null && command -v curl >/dev/null || { echo "python3/curl missing"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-log.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

B=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
PASS=0 FAIL=0 MODE=count
ok() { if [ $MODE = count ]; then PASS=$((PASS + 1)); fi; echo "ok   $*"; }
ko() { if [ $MODE = count ]; then FAIL=$((FAIL + 1)); fi; echo "FAIL $*"; }
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi
}

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

cat >"$T/sink.py" <<'PY'
import os, socket, sys
kind, addr, out = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(addr)))
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(addr):
        os.unlink(addr)
    s.bind(addr)
while True:
    d = s.recv(65536)
    with open(out, "ab") as f:
        f.write(repr(d).encode() + b"\n")
PY

norm() {
	sed -E -e "s/^b'(.*)'$/\1/" \
		-e 's/[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /DATE /' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}[+-][0-9]{2}:[0-9]{2}/ISO/' \
		-e 's/haproxy\[[0-9]+\]/haproxy[PID]/; s/ haproxy [0-9]+ - - / haproxy PID - - /' \
		-e 's/127\.0\.0\.1:[0-9]+ \[[0-9]{2}\/[A-Za-z]{3}\/[0-9]{4}:[0-9:.]+\]/CLIENT [DATE]/' \
		-e 's#-?[0-9]+/-?[0-9]+/-?[0-9]+/-?[0-9]+/-?[0-9]+ ([0-9]{3}) [0-9]+ #T \1 B #' \
		-e 's#^(.*CLIENT \[DATE\] [^ ]+ [^ ]+) -?[0-9]+/-?[0-9]+/-?[0-9]+ [0-9]+ #\1 T B #'
}

write_cfg() { # write_cfg DIR
	cat >"$1/h.cfg" <<CFG
global
  log 127.0.0.1:$((B + 1)) local0
  log 127.0.0.1:$((B + 2)) format rfc5424 local1 info
  log $1/dgram len 100 format short local2
  log 127.0.0.1:$((B + 3)) format raw local3 notice
  log 127.0.0.1:$((B + 4)) local4 debug notice
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend f
  bind 127.0.0.1:$((B + 10))
  default_backend b
frontend t
  mode tcp
  option tcplog
  log 127.0.0.1:$((B + 5)) format rfc3164 daemon
  option dontlognull
  bind 127.0.0.1:$((B + 11))
  default_backend bt
frontend t2
  mode tcp
  option tcplog
  no log
  log 127.0.0.1:$((B + 6)) len 80 user warning
  log stdout format raw local0
  bind 127.0.0.1:$((B + 12))
  default_backend bt
frontend f2
  option dontlognull
  no log
  log 127.0.0.1:$((B + 7)) format rfc5424 local7
  bind 127.0.0.1:$((B + 13))
  default_backend b
backend b
  server s1 127.0.0.1:$((B + 20))
backend bt
  mode tcp
  server s1 127.0.0.1:$((B + 20))
CFG
}

mkdir -p "$T/www"
echo hello >"$T/www/index.html"
(cd "$T/www" && exec timeout 300 python3 -m http.server --bind 127.0.0.1 $((B + 20))) >/dev/null 2>&1 &
PIDS+=($!)
wait_port $((B + 20)) || { echo "origin did not start"; exit 1; }

step() { "$@" 2>/dev/null; sleep 0.3; }
conn_close() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
aborting_client() { # sends a request and closes without reading the answer
	printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"/dev/tcp/127.0.0.1/$1"
}

run_one() { # run_one NAME BIN: every target's capture, normalized, into $T/NAME.got
	local d=$T/$1 sp=()
	mkdir -p "$d"
	write_cfg "$d"
	for i in 1 2 3 4 5 6 7; do
		timeout 120 python3 "$T/sink.py" udp $((B + i)) "$d/out.$i" &
		sp+=($!)
	done
	timeout 120 python3 "$T/sink.py" unix "$d/dgram" "$d/out.u" &
	sp+=($!)
	PIDS+=("${sp[@]}")
	sleep 0.5
	"$2" -db -f "$d/h.cfg" >"$d/stdout" 2>"$d/stderr" &
	local hp=$!
	PIDS+=($hp)
	wait_port $((B + 13)) || { cat "$d/stderr"; ko "$1 did not start"; return; }
	# wait_port's probe connections above were null connections on f2 (dontlognull)
	sleep 0.3
	step curl -s -o /dev/null "http://127.0.0.1:$((B + 10))/"
	step curl -s -o /dev/null "http://127.0.0.1:$((B + 11))/"
	step conn_close $((B + 11)) # null, dontlognull: not logged
	step conn_close $((B + 10)) # null, logged as <BADREQ>
	step curl -s -o /dev/null "http://127.0.0.1:$((B + 12))/"
	step conn_close $((B + 12)) # null in mode tcp without dontlognull: logged
	step curl -s -o /dev/null "http://127.0.0.1:$((B + 13))/nothere"
	step conn_close $((B + 13))
	step aborting_client $((B + 13))
	sleep 0.5
	kill "$hp"
	wait "$hp" 2>/dev/null
	for p in "${sp[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${sp[@]}"; do wait "$p" 2>/dev/null; done
	for f in 1 2 3 4 5 6 7 u; do
		[ -e "$d/out.$f" ] || continue
		echo "== out.$f"
		norm <"$d/out.$f"
	done >"$T/$1.got"
	echo "== stdout" >>"$T/$1.got"
	norm <"$d/stdout" >>"$T/$1.got"
}

# Golden lines, captured from /usr/sbin/haproxy 2.6.12 (out.3 and out.6 receive nothing: their
# level is below info).
cat >"$T/want" <<'GOLD'
== out.1
<134>DATE haproxy[PID]: CLIENT [DATE] f b/s1 T 200 B - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"\n
<134>DATE haproxy[PID]: CLIENT [DATE] t bt/s1 T B -- 1/1/0/0/0 0/0\n
<134>DATE haproxy[PID]: CLIENT [DATE] f f/<NOSRV> T 400 B - - CR-- 1/1/0/0/0 0/0 "<BADREQ>"\n
== out.2
<142>1 ISO - haproxy PID - - CLIENT [DATE] f b/s1 T 200 B - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"\n
<142>1 ISO - haproxy PID - - CLIENT [DATE] t bt/s1 T B -- 1/1/0/0/0 0/0\n
<142>1 ISO - haproxy PID - - CLIENT [DATE] f f/<NOSRV> T 400 B - - CR-- 1/1/0/0/0 0/0 "<BADREQ>"\n
== out.4
<166>DATE haproxy[PID]: CLIENT [DATE] f b/s1 T 200 B - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"\n
<166>DATE haproxy[PID]: CLIENT [DATE] t bt/s1 T B -- 1/1/0/0/0 0/0\n
<166>DATE haproxy[PID]: CLIENT [DATE] f f/<NOSRV> T 400 B - - CR-- 1/1/0/0/0 0/0 "<BADREQ>"\n
== out.5
<30>DATE localhost haproxy[PID]: CLIENT [DATE] t bt/s1 T B -- 1/1/0/0/0 0/0\n
== out.7
<190>1 ISO - haproxy PID - - CLIENT [DATE] f2 b/s1 T 404 B - - ---- 1/1/0/0/0 0/0 "GET /nothere HTTP/1.1"\n
<190>1 ISO - haproxy PID - - CLIENT [DATE] f2 b/s1 T 200 B - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"\n
== out.u
<6>CLIENT [DATE] f b/s1 T 200 B - - ---- 1/1/0/0/0 0/0 "GET /\n
<6>CLIENT [DATE] t bt/s1 T B -- 1/1/0/0/0 0/0\n
<6>CLIENT [DATE] f f/<NOSRV> T 400 B - - CR-- 1/1/0/0/0 0/0\n
== stdout
CLIENT [DATE] t2 bt/s1 T B -- 1/1/0/0/0 0/0
CLIENT [DATE] t2 bt/s1 T B -- 1/1/0/0/0 0/0
GOLD

section() { sed -n "/^== $2\$/,/^==/p" "$1" | grep -v '^=='; }
compare() { # compare NAME
	local g=$T/$1.got
	check "$1: default rfc3164 over UDP (global)" "$(section "$g" out.1)" "$(section "$T/want" out.1)"
	check "$1: rfc5424 over UDP" "$(section "$g" out.2)" "$(section "$T/want" out.2)"
	check "$1: raw target at level notice drops info lines" "$(section "$g" out.3)" ""
	check "$1: minlevel leaves info lines at info" "$(section "$g" out.4)" "$(section "$T/want" out.4)"
	check "$1: frontend's own rfc3164 target, dontlognull in mode tcp" \
		"$(section "$g" out.5)" "$(section "$T/want" out.5)"
	check "$1: len 80 user warning drops info lines" "$(section "$g" out.6)" ""
	check "$1: no log + own target, dontlognull in mode http, aborted request logged" \
		"$(section "$g" out.7)" "$(section "$T/want" out.7)"
	check "$1: unix datagram socket, format short, len 100" \
		"$(section "$g" out.u)" "$(section "$T/want" out.u)"
	# the null connection reads "CC" when the client's close beats the server connect
	check "$1: log stdout format raw" "$(section "$g" stdout | sed 's/ T B CC / T B -- /')" \
		"$(section "$T/want" stdout)"
}

if [ -x /usr/sbin/haproxy ]; then
	MODE=ref
	echo "# reference: /usr/sbin/haproxy"
	run_one haproxy /usr/sbin/haproxy
	compare haproxy
	MODE=count
fi
echo "# vipr"
mkdir -p "$T/bin"
ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy" # the haproxy personality
run_one vipr "$T/bin/haproxy"
compare vipr

if [ $FAIL -ne 0 ]; then
	echo "--- vipr stderr"
	tail -n 20 "$T/vipr/stderr"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
