#!/bin/bash
# rt_rules_tarpit.sh - http-request tarpit (+ timeout tarpit), http-request reject and
# set-log-level, vipr side by side with HAProxy.
#
# The same haproxy.cfg (logging to stdout) runs under Debian's /usr/sbin/haproxy and under
# vipr (as `haproxy`) with an nginx origin; the same curl steps go to both. Compared: the
# answers (status line, headers but Date, body), how long a tarpitted client is held (at
# least timeout tarpit: a lower bound, whatever the machine's load), the log lines of
# tarpitted and rejected requests (times, ports and dates masked), and which requests are
# logged when set-log-level raises, lowers or silences them against a target's level.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/rt_side.sh
. "$SRC/tests/lib/rt_side.sh"
rt_side_init rt-tarpit

mkdir -p "$T/web/tmp"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server_tokens off;
  server { listen 127.0.0.1:$WEB; location /missing { return 404; }
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
    timeout connect 3s
    timeout client 10s
    timeout server 10s
frontend tp
    bind 127.0.0.1:$1
    timeout tarpit 1s
    http-request tarpit if { path /tar }
    http-request tarpit deny_status 403 if { path /tar403 }
    http-request reject if { path /rej }
    default_backend web
frontend lv
    no log
    log stdout format raw local0 notice
    bind 127.0.0.1:$(($1 + 1))
    http-request set-log-level notice if { path /loud }
    http-request set-log-level debug if { path /debug }
    default_backend web
frontend quiet
    bind 127.0.0.1:$(($1 + 2))
    http-request set-log-level silent if { path /quiet }
    default_backend web
backend web
    http-response set-log-level err if { status 404 }
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
for p in $WEB $PH $((PH + 2)) $PV $((PV + 2)); do
	wait_port "$p" || { echo "port $p did not open"; cat "$T/vipr.log"; ko startup; finish; }
done

# answer PORT PATH: rc, time held (ms) and the response without its Date header
answer() {
	local t0 t1 out rc
	t0=$(date +%s%N)
	out=$(timeout 20 curl -s -i --max-time 10 "http://127.0.0.1:$1$2" | tr -d '\r' | grep -vi '^date:')
	rc=${PIPESTATUS[0]}
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000000))"
	echo "$out"
}
tarpit_case() { # NAME PATH STATUS
	local h v hm vm
	h=$(answer $PH "$2") v=$(answer $PV "$2")
	hm=$(head -1 <<<"$h") vm=$(head -1 <<<"$v")
	if [ "$hm" -ge 900 ] && [ "$vm" -ge 900 ]; then ok "$1: client held ${vm}ms (haproxy ${hm}ms)"; else ko "$1: held haproxy ${hm}ms vipr ${vm}ms, want >= 900"; fi
	h=$(tail -n +2 <<<"$h") v=$(tail -n +2 <<<"$v")
	if [ -n "$h" ] && [ "$h" = "$v" ] && grep -q "^HTTP/1.1 $3 " <<<"$v"; then ok "$1: same $3 answer"; else ko "$1: answers differ"$'\n'"haproxy: $h"$'\n'"vipr: $v"; fi
}
tarpit_case "tarpit" /tar 500
tarpit_case "tarpit deny_status" /tar403 403

hr=$(timeout 20 curl -s --max-time 10 "http://127.0.0.1:$PH/rej"; echo "rc=$?")
vr=$(timeout 20 curl -s --max-time 10 "http://127.0.0.1:$PV/rej"; echo "rc=$?")
if [ "$hr" = "rc=52" ] && [ "$vr" = "$hr" ]; then ok "reject: closed without an answer"; else ko "reject: haproxy '$hr' vipr '$vr'"; fi

# logs: tp's lines, then which requests of lv/quiet are logged
for p in /a /loud /debug /missing; do
	timeout 20 curl -s -o /dev/null "http://127.0.0.1:$((PH + 1))$p"
	timeout 20 curl -s -o /dev/null "http://127.0.0.1:$((PV + 1))$p"
done
for p in /quiet /b; do
	timeout 20 curl -s -o /dev/null "http://127.0.0.1:$((PH + 2))$p"
	timeout 20 curl -s -o /dev/null "http://127.0.0.1:$((PV + 2))$p"
done
for _ in $(seq 1 100); do
	grep -q ' quiet ' "$T/hap.log" && grep -q ' quiet ' "$T/vipr.log" && break
	sleep 0.05
done
mask() { sed -E 's/^127\.0\.0\.1:[0-9]+ \[[^]]*\]/C [D]/; s/ -?[0-9]+\/-?[0-9]+\/-?[0-9]+\/-?[0-9]+\/-?[0-9]+ ([0-9-]+) [0-9]+ / T \1 B /; s/ [0-9]+\/[0-9]+\/[0-9]+\/[0-9]+\/[0-9]+ 0\/0/ Q 0\/0/'; }
logs() { grep -E ' (tp|lv|quiet) ' "$1" | grep -v BADREQ | mask; } # BADREQ: wait_port's probes
h=$(logs "$T/hap.log") v=$(logs "$T/vipr.log")
want='C [D] tp tp/<NOSRV> T 500 B - - PT-- Q 0/0 "GET /tar HTTP/1.1"
C [D] tp tp/<NOSRV> T 403 B - - PT-- Q 0/0 "GET /tar403 HTTP/1.1"
C [D] tp tp/<NOSRV> T -1 B - - PR-- Q 0/0 "GET /rej HTTP/1.1"
C [D] lv web/s1 T 200 B - - ---- Q 0/0 "GET /loud HTTP/1.1"
C [D] lv web/s1 T 404 B - - ---- Q 0/0 "GET /missing HTTP/1.1"
C [D] quiet web/s1 T 200 B - - ---- Q 0/0 "GET /b HTTP/1.1"'
if [ "$h" = "$want" ] && [ "$v" = "$want" ]; then ok "log lines: tarpit PT, reject PR, set-log-level"; else ko "log lines"$'\n'"want:"$'\n'"$want"$'\n'"haproxy:"$'\n'"$h"$'\n'"vipr:"$'\n'"$v"; fi
finish
