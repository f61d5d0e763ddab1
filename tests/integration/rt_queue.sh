#!/bin/bash
# rt_queue.sh - server maxconn queueing and `timeout queue`, against a slow origin.
#
# A python3 origin answers every request after SLOW seconds and remembers the highest
# number of requests it served at once. Behind `server ... maxconn 1`, parallel curls must
# all succeed one after the other (the origin never sees two at once, the last answer
# comes about N*SLOW later), and with a short `timeout queue` the requests that wait too
# long get HAProxy's 503 page, byte for byte. `maxqueue` refuses a hashed request at once
# when its server's queue is full; `minconn` + `fullconn` lower a server's maxconn while its
# backend is lightly loaded (the origin's peak shows it). Debian's /usr/sbin/haproxy, when installed,
# runs the same steps first as a reference (reported, not counted), and its 503 answer is
# the expected one.
# Env: VIPR (binary). Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
command -v python3 >/dev/null && command -v curl >/dev/null || { echo "python3/curl missing"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-queue.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
ORIG=$((BASE + 1))
PASS=0 FAIL=0 MODE=count
ok() { if [ $MODE = count ]; then PASS=$((PASS + 1)); fi; echo "ok   $*"; }
ko() { if [ $MODE = count ]; then FAIL=$((FAIL + 1)); fi; echo "FAIL $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }

cat >"$T/slow.py" <<'EOF'
import sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
lock = threading.Lock(); cur = 0; peak = 0
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        global cur, peak
        if self.path.startswith("/peak"):
            with lock:
                body = ("%d\n" % peak).encode(); peak = 0
        else:
            with lock:
                cur += 1; peak = max(peak, cur)
            time.sleep(float(sys.argv[2]))
            with lock:
                cur -= 1
            body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
timeout 300 python3 "$T/slow.py" $ORIG 1 2>/dev/null &
PIDS+=($!)

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

write_cfg() { # write_cfg FILE PORT0
	cat >"$1" <<EOF
defaults
    mode http
    timeout connect 5s
    timeout client 20s
    timeout server 20s

listen wait
    bind 127.0.0.1:$2
    timeout queue 10s
    server slow 127.0.0.1:$ORIG maxconn 1

listen short
    bind 127.0.0.1:$(($2 + 1))
    timeout queue 400ms
    server slow 127.0.0.1:$ORIG maxconn 1

listen tcpwait
    bind 127.0.0.1:$(($2 + 2))
    mode tcp
    timeout queue 10s
    server slow 127.0.0.1:$ORIG maxconn 1

listen maxq
    bind 127.0.0.1:$(($2 + 3))
    balance source
    timeout queue 10s
    server slow 127.0.0.1:$ORIG maxconn 1 maxqueue 1

listen dyn
    bind 127.0.0.1:$(($2 + 4))
    fullconn 100
    timeout queue 20s
    server slow 127.0.0.1:$ORIG maxconn 10 minconn 2
EOF
}

run_checks() { # run_checks NAME PORT0
	local name=$1 p=$2 t0 t1 i
	t0=$(date +%s%N)
	for i in 1 2 3; do
		curl -s -m 15 -o "$T/$name.w$i" -w '%{http_code}' "http://127.0.0.1:$p/w$i" >"$T/$name.wc$i" &
	done
	wait_jobs
	t1=$(date +%s%N)
	check "$name: 3 parallel requests behind maxconn 1 all succeed" \
		"$(cat "$T/$name".wc1 "$T/$name".wc2 "$T/$name".wc3)" "200200200"
	check "$name: the origin served one at a time" "$(curl -s "http://127.0.0.1:$ORIG/peak")" 1
	local ms=$(((t1 - t0) / 1000000))
	if [ $ms -ge 2800 ] && [ $ms -lt 6000 ]; then ok "$name: queued one after the other ($ms ms)"; else ko "$name: 3 x 1 s took $ms ms"; fi

	for i in 1 2 3; do
		curl -s -m 15 -o "$T/$name.s$i" -w '%{http_code}\n' "http://127.0.0.1:$((p + 1))/s$i" >"$T/$name.sc$i" &
		sleep 0.05
	done
	wait_jobs
	check "$name: timeout queue: one served, two 503" "$(cat "$T/$name".sc* | sort | tr '\n' ' ')" "200 503 503 "
	for i in 1 2 3; do
		grep -q 503 "$T/$name.sc$i" && curl -s -i -m 5 "http://127.0.0.1:$((p + 1))/x" >/dev/null
	done
	# the raw 503 answer (headers included) while the only slot is busy
	curl -s -m 15 "http://127.0.0.1:$((p + 1))/busy" >/dev/null &
	sleep 0.1
	curl -s -i -m 5 "http://127.0.0.1:$((p + 1))/late" | tr -d '\r' >"$T/$name.503"
	wait_jobs

	# maxqueue: a hashed request waits for its own server; when that server's queue holds
	# maxqueue requests already, the next ones get 503 at once
	for i in 1 2 3 4; do
		curl -s -m 15 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$((p + 3))/q$i" >"$T/$name.qc$i" &
		sleep 0.1
	done
	wait_jobs
	check "$name: maxqueue 1: one served, one queued, two 503" "$(cat "$T/$name".qc* | sort | tr '\n' ' ')" "200 200 503 503 "
	curl -s "http://127.0.0.1:$ORIG/peak" >/dev/null
	# minconn 2 / maxconn 10 with fullconn 100: 5 requests make a backend load far below
	# fullconn, so the server takes max(2, 10 * 5 / 100) = 2 at once
	for i in 1 2 3 4 5; do
		curl -s -m 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((p + 4))/d$i" >"$T/$name.dc$i" &
	done
	wait_jobs
	check "$name: minconn/fullconn: all served" "$(cat "$T/$name".dc*)" "200200200200200"
	check "$name: minconn/fullconn: the origin saw 2 at once" "$(curl -s "http://127.0.0.1:$ORIG/peak")" 2

	t0=$(date +%s%N)
	for i in 1 2; do
		printf 'GET /t%s HTTP/1.0\r\n\r\n' $i | timeout 10 python3 -c '
import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read())
d=b""
while True:
    b=s.recv(4096)
    if not b: break
    d+=b
print(d.split(b"\r\n")[0].decode())' $((p + 2)) >"$T/$name.t$i" &
	done
	wait_jobs
	t1=$(date +%s%N)
	check "$name: mode tcp: two connections behind maxconn 1 both served" \
		"$(cat "$T/$name".t1 "$T/$name".t2 | tr '\n' ' ')" "HTTP/1.1 200 OK HTTP/1.1 200 OK "
	ms=$(((t1 - t0) / 1000000))
	if [ $ms -ge 1900 ]; then ok "$name: mode tcp: one after the other ($ms ms)"; else ko "$name: mode tcp: 2 x 1 s took $ms ms"; fi
}
wait_jobs() { for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" ;; esac; done; }

wait_port $ORIG || { echo "origin did not start"; exit 1; }
HAP=/usr/sbin/haproxy
if [ -x "$HAP" ]; then
	MODE=reference
	echo "--- reference: $HAP"
	write_cfg "$T/hap.cfg" $((BASE + 100))
	timeout 120 "$HAP" -f "$T/hap.cfg" -db >"$T/hap.log" 2>&1 &
	HP=$!
	PIDS+=($HP)
	if wait_port $((BASE + 100)); then run_checks haproxy $((BASE + 100)); else cat "$T/hap.log"; fi
	kill "$HP" 2>/dev/null
	wait "$HP" 2>/dev/null
	MODE=count
fi

echo "--- vipr"
mkdir -p "$T/bin"
ln -sf "$VIPR" "$T/bin/haproxy"
write_cfg "$T/vipr.cfg" $((BASE + 200))
timeout 120 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >"$T/vipr.log" 2>&1 &
VP=$!
PIDS+=($VP)
if ! wait_port $((BASE + 200)); then
	cat "$T/vipr.log"
	ko "vipr did not start listening"
else
	run_checks vipr $((BASE + 200))
	if [ -s "$T/haproxy.503" ]; then
		check "the queue's 503 answer is HAProxy's" "$(cat "$T/vipr.503")" "$(cat "$T/haproxy.503")"
	else
		check "the queue's 503 answer" "$(head -1 "$T/vipr.503")" "HTTP/1.1 503 Service Unavailable"
	fi
fi

if [ $FAIL -ne 0 ]; then echo "--- vipr log"; tail -n 20 "$T/vipr.log"; fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
