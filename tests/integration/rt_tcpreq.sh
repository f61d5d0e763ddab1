#!/bin/bash
# rt_tcpreq.sh - tcp-request connection/content rules, vipr side by side with HAProxy.
#
# The same haproxy.cfg runs under Debian's /usr/sbin/haproxy and under vipr (as `haproxy`)
# on different ports, with an nginx origin. Clients connect from 127.0.0.1 and 127.0.0.2
# (curl --interface). Compared: what curl gets (exit status: 56 for a reset, 52 for a close
# without answer; else the body), and the log lines of rejected requests (times masked).
# inspect-delay: a TLS ClientHello accepted as it arrives, req_len waiting for more bytes, a
# silent client decided when the delay is over, use_backend on req_ssl_sni in mode tcp. Also:
# actions vipr does not perform make it refuse to run (never ignored), malformed lines get
# HAProxy's alert text.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/rt_side.sh
. "$SRC/tests/lib/rt_side.sh"
rt_side_init rt-tcpreq

mkdir -p "$T/web/tmp"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server { listen 127.0.0.1:$WEB; location / { default_type text/plain; return 200 "web uri=\$request_uri\n"; } }
}
EOF
timeout 120 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
PIDS+=($!)

# cfg P0: frontends on P0 (conn rules, http), P0+1 (content rules, http), P0+2 (mode tcp)
mkcfg() {
	cat <<EOF
global
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend conn
    bind 127.0.0.1:$1
    acl second src 127.0.0.2
    tcp-request connection accept if { src 127.0.0.3 }
    tcp-request connection reject if second || { src 127.0.0.3 }
    tcp-request connection reject if { src 127.0.0.4 } !{ dst_port $1 }
    default_backend web
frontend content
    bind 127.0.0.1:$(($1 + 1))
    tcp-request inspect-delay 2s
    tcp-request content accept if { hdr(x-vip) -m found }
    tcp-request content reject if { path_beg /bad } || { src 127.0.0.2 }
    http-request return status 200 content-type text/plain string ok if { path /ret }
    default_backend web
frontend rawtcp
    mode tcp
    option tcplog
    bind 127.0.0.1:$(($1 + 2))
    tcp-request content reject if { src 127.0.0.2 }
    default_backend webtcp
frontend tls
    mode tcp
    option tcplog
    bind 127.0.0.1:$(($1 + 3))
    tcp-request inspect-delay 3s
    tcp-request content accept if { req_ssl_hello_type 1 }
    tcp-request content reject
    default_backend webtcp
frontend waitlen
    mode tcp
    option tcplog
    bind 127.0.0.1:$(($1 + 4))
    tcp-request inspect-delay 3s
    tcp-request content reject if { req.len gt 1000 }
    tcp-request content accept if { req_len ge 10 }
    tcp-request content reject
    default_backend webtcp
frontend sni
    mode tcp
    option tcplog
    bind 127.0.0.1:$(($1 + 5))
    tcp-request inspect-delay 3s
    tcp-request content accept if { req_ssl_hello_type 1 }
    use_backend sni_a if { req_ssl_sni -i a.example }
    use_backend sni_b if { req.ssl_sni -m end .b.example }
    default_backend webtcp
backend sni_a
    mode tcp
    server a 127.0.0.1:$WEB
backend sni_b
    mode tcp
    server b 127.0.0.1:$WEB
backend web
    server s1 127.0.0.1:$WEB
backend webtcp
    mode tcp
    server s1 127.0.0.1:$WEB
EOF
}
PH=$((BASE + 10)) PV=$((BASE + 20))
mkcfg $PH >"$T/hap.cfg"
mkcfg $PV >"$T/vipr.cfg"
ln -s "$VIPR" "$T/haproxy"
timeout 120 "$HAP" -db -f "$T/hap.cfg" >"$T/hap.log" 2>&1 &
PIDS+=($!)
timeout 120 "$T/haproxy" -db -f "$T/vipr.cfg" >"$T/vipr.log" 2>&1 &
PIDS+=($!)
for p in $WEB $PH $((PH + 4)) $PV $((PV + 4)); do
	wait_port "$p" || { echo "port $p did not open"; cat "$T/vipr.log"; ko startup; finish; }
done

# get FROM PORT PATH [curl args]: "rc=N body"
get() {
	local from=$1 port=$2 path=$3
	shift 3
	local out
	out=$(timeout 20 curl -s --max-time 10 --interface "$from" "$@" "http://127.0.0.1:$port$path" 2>/dev/null)
	echo "rc=$? $out"
}
# check NAME FROM OFFSET PATH EXPECTED [curl args]: vipr and haproxy give EXPECTED (a regex)
check() {
	local name=$1 from=$2 off=$3 path=$4 want=$5
	shift 5
	local h v
	h=$(get "$from" $((PH + off)) "$path" "$@")
	v=$(get "$from" $((PV + off)) "$path" "$@")
	if [[ "$h" =~ ^$want$ ]] && [[ "$v" =~ ^$want$ ]]; then
		ok "$name ($v)"
	else
		ko "$name: haproxy '$h' vipr '$v' want '$want'"
	fi
}

check "connection: allowed source served" 127.0.0.1 0 /a "rc=0 web uri=/a"
# a reset: while connecting (7), sending (55) or receiving (56), as timing has it
check "connection: reject by named acl resets" 127.0.0.2 0 /a "rc=(7|55|56) "
check "connection: first matching rule wins (accept)" 127.0.0.3 0 /a "rc=0 web uri=/a"
check "connection: negated dst_port term" 127.0.0.4 0 /a "rc=0 web uri=/a"
check "content: path reject closes without answer" 127.0.0.1 1 /bad/x "rc=52 "
check "content: other paths served" 127.0.0.1 1 /good "rc=0 web uri=/good"
check "content: rules run before http-request" 127.0.0.1 1 /ret "rc=0 ok"
check "content: accept stops the list" 127.0.0.1 1 /bad/x "rc=0 web uri=/bad/x" -H "X-Vip: 1"
check "content: src reject" 127.0.0.2 1 /good "rc=52 "
check "tcp content: allowed source forwarded" 127.0.0.1 2 /t "rc=0 web uri=/t"
# closed at accept, before or after the request arrives: a close (52) or a reset (56)
check "tcp content: rejected source closed" 127.0.0.2 2 /t "rc=(52|56) "

# inspect-delay: a TLS ClientHello is recognised in the first bytes (the origin then gets
# garbage and closes: curl fails after the connect), plain HTTP is rejected at once
hello() { # hello PORT: curl's exit status for an https request, and how long it took
	local t0 t1 rc
	t0=$(date +%s%N)
	timeout 20 curl -s -k --max-time 10 "https://127.0.0.1:$1/" >/dev/null 2>&1
	rc=$?
	t1=$(date +%s%N)
	echo "$rc $(((t1 - t0) / 1000000))"
}
read -r hrc hms <<<"$(hello $((PH + 3)))"
read -r vrc vms <<<"$(hello $((PV + 3)))"
if [ "$hrc" = "$vrc" ] && [ "$vrc" != 7 ] && [ "$vms" -lt 2500 ]; then
	ok "inspect-delay: a ClientHello is accepted as it arrives (curl rc $vrc, ${vms} ms)"
else
	ko "inspect-delay: ClientHello: haproxy rc $hrc ${hms}ms, vipr rc $vrc ${vms}ms"
fi
check "inspect-delay: not TLS: rejected" 127.0.0.1 3 /t "rc=(52|56) "
# a client sending its request in two parts: req_len waits for the 10th byte
split_req() { # split_req PORT: the status line, after sending 5 bytes, a pause, the rest
	timeout 20 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /"); time.sleep(0.5); s.sendall(b"w HTTP/1.0\r\n\r\n")
d = b""
while True:
    b = s.recv(4096)
    if not b: break
    d += b
print(d.split(b"\r\n")[0].decode() or "closed")' "$1"
}
h=$(split_req $((PH + 4))) v=$(split_req $((PV + 4)))
if [ "$h" = "HTTP/1.1 200 OK" ] && [ "$v" = "$h" ]; then ok "inspect-delay: req_len waits for more bytes"; else ko "req_len wait: haproxy '$h' vipr '$v'"; fi
# nothing sent: the delay expires, the rules decide on no data (reject)
t0=$(date +%s%N)
h=$(timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(8)
print(s.recv(10) or b"closed")' $((PH + 4)) 2>&1 | tail -1)
t1=$(date +%s%N)
v=$(timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(8)
print(s.recv(10) or b"closed")' $((PV + 4)) 2>&1 | tail -1)
t2=$(date +%s%N)
hms=$(((t1 - t0) / 1000000)) vms=$(((t2 - t1) / 1000000))
if [ "$h" = "$v" ] && [ "$vms" -ge 2900 ]; then ok "inspect-delay: silent client decided after the delay ($v, ${vms} ms)"; else ko "silent client: haproxy '$h' ${hms}ms, vipr '$v' ${vms}ms"; fi

# use_backend by SNI in mode tcp: the backend each ClientHello went to, from the logs
for name in a.example x.b.example other.example; do
	for port in $((PH + 5)) $((PV + 5)); do
		timeout 20 curl -s -k --max-time 10 --resolve "$name:$port:127.0.0.1" "https://$name:$port/" >/dev/null 2>&1
	done
done
for _ in $(seq 1 100); do
	[ "$(grep -c ' sni ' "$T/hap.log")" -ge 3 ] && [ "$(grep -c ' sni ' "$T/vipr.log")" -ge 3 ] && break
	sleep 0.05
done
h=$(grep ' sni ' "$T/hap.log" | awk '{print $4}' | tr '\n' ' ')
v=$(grep ' sni ' "$T/vipr.log" | awk '{print $4}' | tr '\n' ' ')
if [ "$h" = "sni_a/a sni_b/b webtcp/s1 " ] && [ "$v" = "$h" ]; then ok "use_backend on req_ssl_sni in mode tcp ($v)"; else ko "SNI routing: haproxy '$h' vipr '$v'"; fi

# rejected requests in the logs: HAProxy's lines, times/ports/dates masked
mask() { sed -E 's/^127\.0\.0\.[0-9]+:[0-9]+ \[[^]]*\]/C [D]/; s/ [0-9]+\/[0-9]+\/[0-9]+\/[0-9]+\/[0-9]+ 0\/0/ Q 0\/0/; s/ (-?[0-9]+\/-?[0-9]+)\/[0-9]+ ([0-9]+ PR )/ \1\/T \2/; s/ (-1\/-1\/-1\/-1)\/[0-9]+ / \1\/T /'; }
for _ in $(seq 1 100); do
	[ "$(grep -c 'PR' "$T/vipr.log")" -ge 3 ] && [ "$(grep -c 'PR' "$T/hap.log")" -ge 3 ] && break
	sleep 0.05
done
hl=$(grep -E ' (content|rawtcp|tls|waitlen) ' "$T/hap.log" | grep 'PR' | mask)
vl=$(grep -E ' (content|rawtcp|tls|waitlen) ' "$T/vipr.log" | grep 'PR' | mask)
if [ -n "$hl" ] && [ "$hl" = "$vl" ]; then
	ok "log lines of content rejects match ($(echo "$vl" | wc -l) lines)"
else
	ko "log lines differ: haproxy:"$'\n'"$hl"$'\n'"vipr:"$'\n'"$vl"
fi
if grep ' conn ' "$T/vipr.log" | grep -q '^127\.0\.0\.2:'; then
	ko "connection rejects are not logged (HAProxy logs none)"
else
	ok "connection rejects are not logged"
fi

# actions vipr does not perform: haproxy accepts the file, vipr refuses to run it
refuse() { # refuse NAME LINE
	local name=$1 line=$2
	printf 'defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n    timeout server 1s\nfrontend f\n    bind 127.0.0.1:%s\n    %s\n    default_backend b\nbackend b\n    server s 127.0.0.1:%s\n' \
		$((BASE + 40)) "$line" "$WEB" >"$T/r.cfg"
	"$HAP" -c -q -f "$T/r.cfg" >/dev/null 2>&1 || { ko "$name: haproxy rejects the line"; return; }
	local out rc
	out=$(timeout 10 "$T/haproxy" -db -f "$T/r.cfg" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "refuse\|not supported" <<<"$out"; then
		ok "$name: vipr refuses to run"
	else
		ko "$name: vipr ran it (rc $rc): $out"
	fi
}
refuse "tcp-request session" "tcp-request session reject if { src 10.0.0.1 }"
refuse "tcp-request connection silent-drop" "tcp-request connection silent-drop if { src 10.0.0.1 }"
refuse "tcp-request content set-tos" "tcp-request content set-tos 2"
refuse "tcp-request connection on http fetch" "tcp-request connection reject if { path /x }"

# malformed lines: the same alert as HAProxy
alert() { # alert NAME LINE
	printf 'defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:%s\n    %s\n' $((BASE + 41)) "$2" >"$T/e.cfg"
	local h v
	h=$("$HAP" -c -f "$T/e.cfg" 2>&1 | grep ALERT | head -1 | sed 's/^.*config : //')
	v=$("$T/haproxy" -c -f "$T/e.cfg" 2>&1 | grep ALERT | head -1 | sed 's/^.*config : //')
	if [ -n "$h" ] && [ "$h" = "$v" ]; then ok "$1: same alert"; else ko "$1: haproxy '$h' vipr '$v'"; fi
}
alert "unknown tcp-request kind" "tcp-request foo"
alert "unknown connection action" "tcp-request connection foo"
alert "bad inspect-delay" "tcp-request inspect-delay 5x"
finish
