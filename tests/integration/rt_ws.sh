#!/bin/bash
# rt_ws.sh - WebSocket through mode http: the 101 Switching Protocols is forwarded, then bytes
# are tunnelled both ways under `timeout tunnel` (client/server timeouts without it), and
# `timeout server-fin` / `client-fin` bound half-closed tunnels.
#
# The origin and the client are a small python3 stdlib implementation of RFC 6455 (4.2.2
# handshake, 5.2 frames). Each scenario runs first against Debian's /usr/sbin/haproxy when it
# is installed (a reference that validates the expectations, reported, not counted), then
# against vipr. Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail.
# Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-ws.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
ORIGIN=$BASE
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

cat >"$T/ws.py" <<'PY'
#!/usr/bin/env python3
"""Minimal RFC 6455 pieces for rt_ws.sh: `origin PORT LOGFILE` serves an echo websocket
(handshake 4.2.2, frames 5.2); `client PORT CASE` runs one scenario through the proxy and
prints one result line."""
import base64, hashlib, os, socket, struct, sys, threading, time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

def read_head(sk):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sk.recv(1)
        if not d:
            return None, b""
        buf += d
    return buf, b""

def recv_n(sk, n):
    b = b""
    while len(b) < n:
        d = sk.recv(n - len(b))
        if not d:
            return None
        b += d
    return b

def read_frame(sk):
    h = recv_n(sk, 2)
    if h is None:
        return None, None
    op, ln = h[0] & 0x0F, h[1] & 0x7F
    masked = h[1] & 0x80
    if ln == 126:
        ln = struct.unpack("!H", recv_n(sk, 2))[0]
    elif ln == 127:
        ln = struct.unpack("!Q", recv_n(sk, 8))[0]
    key = recv_n(sk, 4) if masked else None
    data = recv_n(sk, ln) if ln else b""
    if key:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return op, data

def frame(op, data, mask):
    h = bytes([0x80 | op])
    m = 0x80 if mask else 0
    if len(data) < 126:
        h += bytes([m | len(data)])
    elif len(data) < 65536:
        h += bytes([m | 126]) + struct.pack("!H", len(data))
    else:
        h += bytes([m | 127]) + struct.pack("!Q", len(data))
    if mask:
        key = os.urandom(4)
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
        h += key
    return h + data

def serve(sk, log):
    head, _ = read_head(sk)
    if head is None:
        return
    lines = head.decode("latin1").split("\r\n")
    hdr = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    with open(log, "a") as f:
        f.write("REQ %s | %s\n" % (lines[0], ",".join(sorted(hdr))))
    if hdr.get("upgrade", "").lower() != "websocket":
        sk.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nplain\n")
        return
    acc = base64.b64encode(hashlib.sha1(hdr["sec-websocket-key"].encode() + GUID).digest())
    sk.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
    while True:
        op, data = read_frame(sk)
        if op is None:
            time.sleep(10)  # the proxy half-closed: keep our side open (server-fin test)
            return
        if op == 8:
            sk.sendall(frame(8, data, False))
            return
        if data == b"push":  # answer twice, the second time later
            sk.sendall(frame(1, b"one", False))
            time.sleep(1.5)
            sk.sendall(frame(1, b"two", False))
            continue
        if data == b"bye":  # half-close our side, wait for the proxy to close (client-fin)
            sk.sendall(frame(1, b"bye", False))
            sk.shutdown(socket.SHUT_WR)
            t0 = time.time()
            while sk.recv(4096):
                pass
            with open(log, "a") as f:
                f.write("FIN %.1f\n" % (time.time() - t0))
            return
        sk.sendall(frame(op, data, False))

def origin(port, log):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    while True:
        sk, _ = ls.accept()
        def run(sk=sk):
            try:
                serve(sk, log)
            except Exception:
                pass
            sk.close()
        threading.Thread(target=run, daemon=True).start()

def handshake(port):
    sk = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16))
    sk.sendall(b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head, _ = read_head(sk)
    want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    return sk, head.decode("latin1"), want

def client(port, case):
    sk, head, want = handshake(port)
    sk.settimeout(10)
    if case == "head":  # the 101 as the client sees it, accept key checked
        lines = head.split("\r\n")
        ok = any(l.lower() == "sec-websocket-accept: " + want.lower() for l in lines)
        print(lines[0] + " | " + ",".join(sorted(l.split(":")[0].lower() for l in lines[1:] if l)) + " | accept=" + str(ok))
    elif case == "echo":
        out = []
        for msg in (b"hello", b"x" * 300, os.urandom(70000)):
            sk.sendall(frame(2, msg, True))
            op, data = read_frame(sk)
            out.append("ok" if data == msg else "bad")
        sk.sendall(frame(8, b"\x03\xe8", True))
        op, data = read_frame(sk)
        out.append("close" if op == 8 else "noclose")
        print(" ".join(out))
    elif case == "push":  # server talks after 1.5 s of silence
        sk.sendall(frame(1, b"push", True))
        r = []
        for _ in range(2):
            try:
                op, data = read_frame(sk)
            except OSError:
                op, data = None, None
            r.append(data.decode() if data else "EOF")
        print(" ".join(r))
    elif case == "idle":  # client silent 1.5 s, then echo
        time.sleep(1.5)
        try:
            sk.sendall(frame(1, b"late", True))
            op, data = read_frame(sk)
            print(data.decode() if data else "EOF")
        except OSError:
            print("EOF")
    elif case == "serverfin":  # we half-close; the origin never does
        sk.sendall(frame(1, b"a", True))
        read_frame(sk)
        sk.shutdown(socket.SHUT_WR)
        t0 = time.time()
        try:
            while sk.recv(4096):
                pass
        except OSError:
            pass
        print("closed %s" % ("fast" if time.time() - t0 < 2 else "slow"))
    elif case == "clientfin":  # the origin half-closes; we stay open
        sk.sendall(frame(1, b"bye", True))
        op, data = read_frame(sk)
        eof = sk.recv(1) == b""
        time.sleep(2.5)
        print("bye" if data == b"bye" else "nobye", "eof" if eof else "noeof")

if __name__ == "__main__":
    if sys.argv[1] == "origin":
        origin(int(sys.argv[2]), sys.argv[3])
    else:
        client(int(sys.argv[2]), sys.argv[3])
PY

timeout 300 python3 "$T/ws.py" origin "$ORIGIN" "$T/origin.log" &
PIDS+=($!)
wait_port "$ORIGIN" || { echo "origin did not start"; exit 1; }

# Two frontends: one with `timeout tunnel` and the fin timeouts, one with only 1 s
# client/server timeouts, which then also bound the tunnel.
write_cfg() { # write_cfg FILE PORT0
	cat >"$1" <<CFG
defaults
    mode http
    option http-server-close
    timeout connect 1s
    timeout client 1s
    timeout server 1s

frontend tun
    bind 127.0.0.1:$2
    timeout client-fin 500ms
    default_backend ws_tunnel

backend ws_tunnel
    timeout tunnel 4s
    timeout server-fin 500ms
    server s1 127.0.0.1:$ORIGIN

frontend plain
    bind 127.0.0.1:$(($2 + 1))
    default_backend ws_plain

backend ws_plain
    server s1 127.0.0.1:$ORIGIN
CFG
}

client() { timeout 20 python3 "$T/ws.py" client "$1" "$2" 2>&1 | tail -n 1; }

run_checks() { # run_checks NAME PORT0
	local n=$1 p=$2
	check "$n: 101 forwarded with the accept key" "$(client "$p" head)" \
		"HTTP/1.1 101 Switching Protocols | connection,sec-websocket-accept,upgrade | accept=True"
	check "$n: frames echoed (5 B, 300 B, 70 kB) and close" "$(client "$p" echo)" \
		"ok ok ok close"
	check "$n: origin saw the upgrade request" \
		"$(grep -c 'REQ GET /chat HTTP/1.1 | connection,host,sec-websocket-key,sec-websocket-version,upgrade' "$T/origin.log")" \
		"2"
	: >"$T/origin.log"
	check "$n: timeout tunnel supersedes timeout server" "$(client "$p" push)" "one two"
	check "$n: timeout tunnel supersedes timeout client" "$(client "$p" idle)" "late"
	check "$n: without timeout tunnel, timeout server ends it" \
		"$(client $((p + 1)) push)" "one EOF"
	check "$n: without timeout tunnel, timeout client ends it" \
		"$(client $((p + 1)) idle)" "EOF"
	check "$n: server-fin closes a tunnel the origin keeps half-open" \
		"$(client "$p" serverfin)" "closed fast"
	: >"$T/origin.log"
	check "$n: origin's half-close reaches the client" "$(client "$p" clientfin)" "bye eof"
	local fin
	fin=$(sed -n 's/^FIN //p' "$T/origin.log")
	check "$n: client-fin closes the tunnel the client keeps half-open" \
		"$(awk -v f="${fin:-9}" 'BEGIN { print (f < 0.9) ? "fast" : "slow" }')" "fast"
	: >"$T/origin.log"
}

run_proxy() { # run_proxy NAME BIN PORT0
	write_cfg "$T/$1.cfg" "$3"
	"$2" -db -f "$T/$1.cfg" >"$T/$1.log" 2>&1 &
	local pid=$!
	PIDS+=($pid)
	if ! wait_port "$3"; then
		cat "$T/$1.log"
		ko "$1 did not start listening"
		return
	fi
	run_checks "$1" "$3"
	kill -TERM "$pid"
	wait "$pid"
	local rc=$?
	[ "$1" = vipr ] && check "$1: exit code after SIGTERM" "$rc" "0"
}

if [ -x /usr/sbin/haproxy ]; then
	MODE=ref
	echo "# reference: /usr/sbin/haproxy"
	run_proxy haproxy /usr/sbin/haproxy $((BASE + 2))
	MODE=count
fi
echo "# vipr"
mkdir -p "$T/bin"
ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy" # the haproxy personality
run_proxy vipr "$T/bin/haproxy" $((BASE + 5))

if [ $FAIL -ne 0 ]; then
	echo "--- vipr log"
	tail -n 40 "$T/vipr.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
