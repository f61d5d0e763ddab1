#!/bin/bash
# rt_rules_capture.sh - captures in the HTTP log line ({...} of %hr and %hs), vipr side by side
# with HAProxy.
#
# The same haproxy.cfg (option httplog, log to stdout) runs under Debian's
# /usr/sbin/haproxy and under vipr (as `haproxy`); the same curl steps go to both and the
# log lines are compared with client ports, dates and times masked. Covered: capture
# request/response header with truncation, declare capture + http-request/http-response
# capture ... id, http-request capture ... len, HAProxy's #XX escaping, a denied request,
# slots reset between keep-alive requests, and HAProxy's alerts for malformed lines.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/rt_side.sh
. "$SRC/tests/lib/rt_side.sh"
rt_side_init rt-capture

mkdir -p "$T/web/tmp"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server_tokens off;
  server { listen 127.0.0.1:$WEB;
    location /r { add_header X-R 'a|b"c'; default_type text/plain; return 200 "r\n"; }
    location / { default_type text/plain; return 200 "web\n"; } }
}
EOF
timeout 120 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
PIDS+=($!)

mkcfg() {
	cat <<EOF
global
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fc
    bind 127.0.0.1:$1
    capture request header Host len 10
    capture request header User-Agent len 5
    declare capture request len 8
    declare capture response len 6
    capture response header Server len 20
    http-request capture req.hdr(X-Id) len 4
    http-request capture path id 2
    http-response capture res.hdr(X-R) id 0
    http-request deny if { path /deny }
    default_backend web
frontend plain
    bind 127.0.0.1:$(($1 + 1))
    default_backend web
backend web
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
for p in $WEB $PH $((PH + 1)) $PV $((PV + 1)); do
	wait_port "$p" || { echo "port $p did not open"; cat "$T/vipr.log"; ko startup; finish; }
done

# masked: client port, date, timers, connection counts, and the byte count (%B), which is
# not what this test is about
mask() { sed -E 's/^127\.0\.0\.1:[0-9]+ \[[^]]*\]/C [D]/; s/ -?[0-9]+\/-?[0-9]+\/-?[0-9]+\/-?[0-9]+\/-?[0-9]+ ([0-9]+) [0-9]+ / T \1 B /; s/ [0-9]+\/[0-9]+\/[0-9]+\/[0-9]+\/[0-9]+ 0\/0/ Q 0\/0/'; }
# step NAME WANT-LINES CURL-ARGS-WITHOUT-URL PATHS...: the new log lines of both match WANT
step() {
	local name=$1 want=$2 args=$3 off=$4
	shift 4
	local hs vs hu=() vu=() p h v
	hs=$(wc -l <"$T/hap.log") vs=$(wc -l <"$T/vipr.log")
	for p in "$@"; do hu+=("http://127.0.0.1:$((PH + off))$p"); vu+=("http://127.0.0.1:$((PV + off))$p"); done
	eval "timeout 20 curl -s -o /dev/null $args \"\${hu[@]}\"" >/dev/null
	eval "timeout 20 curl -s -o /dev/null $args \"\${vu[@]}\"" >/dev/null
	local n=$#
	for _ in $(seq 1 100); do
		[ $(($(wc -l <"$T/hap.log") - hs)) -ge "$n" ] && [ $(($(wc -l <"$T/vipr.log") - vs)) -ge "$n" ] && break
		sleep 0.05
	done
	h=$(tail -n +$((hs + 1)) "$T/hap.log" | mask)
	v=$(tail -n +$((vs + 1)) "$T/vipr.log" | mask)
	if [ "$h" = "$want" ] && [ "$v" = "$want" ]; then
		ok "$name"
	else
		ko "$name"$'\n'"  want:    $want"$'\n'"  haproxy: $h"$'\n'"  vipr:    $v"
	fi
}
L='C [D] fc web/s1 T'
step "header, declared and rule captures, truncated" \
	"$L 200 B - - ---- Q 0/0 {www.exampl|Mozil|/a|7} {|nginx} \"GET /a HTTP/1.1\"" \
	"-H 'Host: www.example.com' -A 'Mozilla/5.0' -H 'X-Id: 7'" 0 /a
step "escaping of captured values, response captures" \
	"$L 200 B - - ---- Q 0/0 {a#7Bb#7Dc|curl/|/r|#22q#23z} {a#7Cb#22c|nginx} \"GET /r HTTP/1.1\"" \
	"-H 'Host: a{b}c' -H 'X-Id: \"q#zz'" 0 /r
step "denied request keeps its request captures" \
	"C [D] fc fc/<NOSRV> T 403 B - - PR-- Q 0/0 {h|curl/|/deny|} {|} \"GET /deny HTTP/1.1\"" \
	"-H 'Host: h'" 0 /deny
step "slots reset between keep-alive requests" \
	"$L 200 B - - ---- Q 0/0 {h|curl/|/r|} {a#7Cb#22c|nginx} \"GET /r HTTP/1.1\""$'\n'"$L 200 B - - ---- Q 0/0 {h|curl/|/b|} {|nginx} \"GET /b HTTP/1.1\"" \
	"-H 'Host: h'" 0 /r /b
step "no captures: no braces" "C [D] plain web/s1 T 200 B - - ---- Q 0/0 \"GET / HTTP/1.1\"" "" 1 /

alert() { # alert NAME LINE
	printf 'defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:%s\n    %s\n' $((BASE + 41)) "$2" >"$T/e.cfg"
	local h v
	h=$("$HAP" -c -f "$T/e.cfg" 2>&1 | grep ALERT | head -1 | sed 's/^.*config : //')
	v=$("$T/haproxy" -c -f "$T/e.cfg" 2>&1 | grep ALERT | head -1 | sed 's/^.*config : //')
	if [ -n "$h" ] && [ "$h" = "$v" ]; then ok "$1: same alert"; else ko "$1: haproxy '$h' vipr '$v'"; fi
}
alert "capture without len" "capture request header Host"
alert "capture of something else" "capture foo"
alert "declare without len" "declare capture request"
alert "http-request capture without len/id" "http-request capture req.hdr(host)"
finish
