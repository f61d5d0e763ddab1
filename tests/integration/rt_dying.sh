#!/bin/bash
# rt_dying.sh - 10,000 requests against a backend that keeps dying: vipr answers each with
# HAProxy's 502 or 504 and gives back every file descriptor and its memory.
#
# A python3 origin misbehaves by path: /reset resets the connection after reading the
# request, /half closes in the middle of the response head, /hang never answers (timeout
# server strikes), /ok answers. A python3 client sends 10,000 requests (16 at a time, one
# connection each) to vipr; every answer must be the expected status, and the 502/504 pages
# must be byte for byte those Debian's /usr/sbin/haproxy sends for the same steps. vipr's
# open fds (/proc/PID/fd) and RSS are measured after a warm-up and again once the load is
# over: fds must be back at the baseline (+2), RSS within 4 MiB of it.
# Env: VIPR (binary). Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
HAP=/usr/sbin/haproxy
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
[ -x "$HAP" ] || { echo "no reference $HAP"; exit 77; }
# ASan keeps freed memory in quarantine: keep it small so that RSS means something
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64"

T=$(mktemp -d /tmp/vipr-rt-dying.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
ORIG=$BASE PH=$((BASE + 1)) PV=$((BASE + 2))
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

cat >"$T/origin.py" <<'EOF'
import socket, struct, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(512)
def serve(c):
    try:
        d = b""
        while b"\r\n\r\n" not in d:
            b = c.recv(4096)
            if not b: return
            d += b
        path = d.split(b" ")[1]
        if path.startswith(b"/reset"):
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif path.startswith(b"/half"):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Len")
        elif path.startswith(b"/hang"):
            time.sleep(3)
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    except OSError:
        pass
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
cat >"$T/client.py" <<'EOF'
# client.py PORT N: N requests, 16 at a time; prints "<count> <status>" lines
import collections, socket, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
paths = ["/ok", "/reset", "/half", "/ok", "/reset", "/half", "/ok"]
cnt = collections.Counter(); lock = threading.Lock(); nxt = [0]
def one(i):
    p = "/hang" if i % 100 == 7 else paths[i % len(paths)]
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % p).encode())
        d = b""
        while True:
            b = c.recv(65536)
            if not b: break
            d += b
        c.close()
        st = d.split(b" ")[1].decode() if d.startswith(b"HTTP/1.") else "none"
    except OSError as e:
        st = "err"
    return "%s %s" % (p, st)
def worker():
    while True:
        with lock:
            i = nxt[0]; nxt[0] += 1
        if i >= n: return
        r = one(i)
        with lock: cnt[r] += 1
ts = [threading.Thread(target=worker) for _ in range(16)]
for t in ts: t.start()
for t in ts: t.join()
for k in sorted(cnt): print(cnt[k], k)
EOF
timeout 600 python3 "$T/origin.py" $ORIG &
PIDS+=($!)

cfg() {
	cat <<EOF
global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 300ms
    retries 0
frontend fe
    bind 127.0.0.1:$1
    default_backend dying
backend dying
    server s1 127.0.0.1:$ORIG
EOF
}
cfg $PH >"$T/hap.cfg"
cfg $PV >"$T/vipr.cfg"
ln -s "$VIPR" "$T/haproxy"
timeout 600 "$HAP" -db -f "$T/hap.cfg" >"$T/hap.log" 2>&1 &
PIDS+=($!)
timeout 600 "$T/haproxy" -db -f "$T/vipr.cfg" >"$T/vipr.log" 2>&1 &
VT=$!
PIDS+=($VT)
wait_port() {
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
for p in $ORIG $PH $PV; do
	wait_port $p || { echo "port $p did not open"; cat "$T/vipr.log"; ko startup; finish; }
done
VP=$(pgrep -P "$VT" | head -1) # vipr itself, under timeout
[ -n "$VP" ] && [ -d "/proc/$VP" ] || { ko "vipr's pid not found"; finish; }

# the pages: same bytes as HAProxy's
for p in /reset /half /hang; do
	h=$(timeout 20 curl -s -i "http://127.0.0.1:$PH$p" | tr -d '\r')
	v=$(timeout 20 curl -s -i "http://127.0.0.1:$PV$p" | tr -d '\r')
	if [ -n "$h" ] && [ "$h" = "$v" ]; then ok "$p: HAProxy's answer ($(head -1 <<<"$v"))"; else ko "$p: haproxy [$h] vipr [$v]"; fi
done

fds() { ls "/proc/$VP/fd" | wc -l; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$VP/status"; }
timeout 300 python3 "$T/client.py" $PV 500 >/dev/null # warm-up: buffers, pools, idle lists
sleep 0.5
fd0=$(fds) rss0=$(rss)
want=$(timeout 300 python3 "$T/client.py" $PH 10000)
got=$(timeout 300 python3 "$T/client.py" $PV 10000)
# every non-/ok answer must be an error page: no 200, no connection closed without one
if [ "$got" = "$want" ] && ! grep -qE ' (none|err|200)$' <<<"$(grep -v '^[0-9]* /ok ' <<<"$got")"; then
	ok "10,000 requests: the same answers as HAProxy ($(tr '\n' ',' <<<"$got"))"
else
	ko "10,000 requests: haproxy [$want] vipr [$got]"
fi
# connections close asynchronously: wait for the fds to come back
fd1=$(fds)
for _ in $(seq 1 100); do
	fd1=$(fds)
	[ "$fd1" -le $((fd0 + 2)) ] && break
	sleep 0.1
done
if [ "$fd1" -le $((fd0 + 2)) ]; then ok "fds back at baseline ($fd0 -> $fd1)"; else ko "fds: $fd0 before, $fd1 after"; ls -l "/proc/$VP/fd"; fi
rss1=$(rss)
if [ "$rss1" -le $((rss0 + 4096)) ]; then ok "RSS back near baseline (${rss0} kB -> ${rss1} kB)"; else ko "RSS: ${rss0} kB before, ${rss1} kB after"; fi
finish
