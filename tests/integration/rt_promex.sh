#!/bin/bash
# rt_promex.sh - `http-request use-service prometheus-exporter`, against the real HAProxy.
#
# One nginx origin, the same config for vipr and /usr/sbin/haproxy: an http frontend whose
# /metrics is the exporter (`if { path /metrics }`), an http backend with a checked server,
# an unchecked one and a `disabled` one, and a tcp listen (no http metrics). Checks: status
# line and headers, every `# HELP`/`# TYPE` line, metric names and labels byte-equal to
# haproxy's (values aside) for the whole dump, each `?scope=` and `no-maint`; names and types
# all from promex-metric-names-2.6.12.txt; the 400 for an unknown scope byte-equal; counters
# that move with traffic; other paths still proxied.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
REF=/work/shared/reference/haproxy-2.6
[ -r "$REF/promex-metric-names-2.6.12.txt" ] || REF=$SRC/docs/reference/haproxy-2.6
command -v nginx >/dev/null && command -v curl >/dev/null && command -v socat >/dev/null ||
	{ echo "nginx/curl/socat missing"; echo "0 passed, 0 failed"; exit 77; }
HAP=/usr/sbin/haproxy
[ -x $HAP ] && $HAP -vv 2>/dev/null | grep -q 'prometheus-exporter' || HAP=

T=$(mktemp -d /tmp/vipr-rt-promex.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
WEB=$BASE
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }

mkdir -p "$T/web/tmp"
echo "Web" >"$T/web/index.html"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server { listen 127.0.0.1:$WEB; root $T/web; }
}
EOF
timeout 120 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
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
global
    maxconn 2000
    nbthread 1

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend fe
    bind 127.0.0.1:$2
    http-request use-service prometheus-exporter if { path /metrics }
    default_backend be

backend be
    server s1 127.0.0.1:$WEB check inter 300
    server s2 127.0.0.1:$WEB
    server s3 127.0.0.1:$WEB disabled

listen tcpx
    mode tcp
    bind 127.0.0.1:$(($2 + 1))
    server t1 127.0.0.1:$WEB
EOF
}

wait_port $WEB || { echo "origin did not start"; echo "0 passed, 0 failed"; exit 77; }
V=$((BASE + 2)) H=$((BASE + 5))
write_cfg "$T/vipr.cfg" $V
mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/haproxy"
timeout 120 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >"$T/vipr.log" 2>&1 &
VPID=$!
PIDS+=($VPID)
if [ -n "$HAP" ]; then
	write_cfg "$T/ref.cfg" $H
	timeout 120 $HAP -f "$T/ref.cfg" -db >"$T/ref.log" 2>&1 &
	PIDS+=($!)
	wait_port $H || HAP=
fi
wait_port $V || { cat "$T/vipr.log"; ko "vipr did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }
get() { timeout 5 curl -s "http://127.0.0.1:$1$2"; }
wait_l4ok() { # the first health check of s1
	for _ in $(seq 1 100); do
		get "$1" '/metrics?scope=server' | grep -q 'server="s1",state="L4OK"} 1' && return 0
		sleep 0.05
	done
	return 1
}
wait_l4ok $V || ko "vipr: s1 never L4OK"
[ -z "$HAP" ] || wait_l4ok $H || ko "haproxy: s1 never L4OK"

raw() { printf "$2" | timeout 3 socat - "TCP:127.0.0.1:$1"; }
# names and labels only: values differ between two processes
shape() { grep -v '^#' | sed 's/ [^ ]*$//; s/version="[^"]*"/version=""/'; }

# --- traffic through both, then the dump
for i in 1 2 3 4 5 6; do get $V / >/dev/null; done
check "other paths are proxied" "$(get $V /)" "Web"
get $V /metrics >"$T/v.all"
REQ='GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
raw $V "$REQ" | sed '/^\r$/q' >"$T/v.hdr"
check "200 and content-type" "$(sed -n '1p;3p' "$T/v.hdr" | tr -d '\r' | tr '\n' '|')" \
	"HTTP/1.1 200 OK|content-type: text/plain; version=0.0.4|"
check "every TYPE is a 2.6.12 metric with its type" \
	"$(grep '^# TYPE' "$T/v.all" | awk '{ print $3 " " $4 }' | grep -vxFf "$REF/promex-metric-names-2.6.12.txt" | wc -l)" 0
check "all 2.6.12 metrics present (checked server)" "$(grep -c '^# TYPE' "$T/v.all")" \
	"$(wc -l <"$REF/promex-metric-names-2.6.12.txt")"
check "one HELP per TYPE" "$(grep -c '^# HELP' "$T/v.all")" "$(grep -c '^# TYPE' "$T/v.all")"
check "backend sessions counted" "$(grep '^haproxy_backend_sessions_total{proxy="be"}' "$T/v.all" | cut -d' ' -f2)" 7
check "server in maintenance" "$(grep '^haproxy_server_status{proxy="be",server="s3",state="MAINT"}' "$T/v.all" | cut -d' ' -f2)" 1
check "checked server L4OK" "$(grep '^haproxy_server_check_status{proxy="be",server="s1",state="L4OK"}' "$T/v.all" | cut -d' ' -f2)" 1
check "unchecked server has no check_status" "$(grep -c 'check_status{proxy="be",server="s2"' "$T/v.all")" 0
check "tcp proxy has no http metrics" "$(grep -c 'http_.*proxy="tcpx"' "$T/v.all")" 0
check "frontend is UP" "$(grep '^haproxy_frontend_status{proxy="fe",state="UP"}' "$T/v.all" | cut -d' ' -f2)" 1
icount() { grep '^haproxy_frontend_intercepted_requests_total{proxy="fe"}' | cut -d' ' -f2; }
N=$(icount <"$T/v.all")
check "intercepted requests counted" "$(get $V '/metrics?scope=frontend' | icount)" $((N + 2)) # v.hdr was one more
check "no-maint hides s3" "$(get $V '/metrics?no-maint' | grep -c 'server="s3"')" 0
check "scope=frontend only frontends" "$(get $V '/metrics?scope=frontend' | grep -v '^#' | grep -vc '^haproxy_frontend_')" 0
check "empty scope: empty body" "$(get $V '/metrics?scope=' | wc -c)" 0
check "unknown scope: 400" "$(raw $V 'GET /metrics?scope=foo HTTP/1.1\r\nHost: x\r\n\r\n' | head -1 | tr -d '\r')" \
	"HTTP/1.1 400 Bad request"

# --- against the real haproxy
if [ -n "$HAP" ]; then
	for i in 1 2 3 4 5 6 7; do get $H / >/dev/null; done
	get $H /metrics >"$T/h.all"
	raw $H "$REQ" | sed '/^\r$/q' >"$T/h.hdr"
	check "response head byte-equal to haproxy's" "$(od -c <"$T/v.hdr")" "$(od -c <"$T/h.hdr")"
	check "HELP and TYPE lines byte-equal to haproxy's" "$(grep '^#' "$T/v.all" | md5sum)" "$(grep '^#' "$T/h.all" | md5sum)"
	diff <(shape <"$T/v.all") <(shape <"$T/h.all") >"$T/diff" &&
		ok "names and labels equal haproxy's" || { ko "names and labels differ"; head -20 "$T/diff"; }
	for q in 'scope=global' 'scope=frontend' 'scope=backend' 'scope=server' 'scope=server&scope=global' \
		'scope=*' 'scope=' 'scope=frontend&scope=' 'scope=&scope=backend' 'no-maint' 'no-maint&scope=server' \
		'scope=backend&x=y'; do
		check "?$q: names and labels equal haproxy's" "$(get $V "/metrics?$q" | shape | md5sum)" \
			"$(get $H "/metrics?$q" | shape | md5sum)"
	done
	for q in 'scope=foo' 'scope=all' 'scope=Frontend'; do
		check "?$q: 400 byte-equal to haproxy's" \
			"$(raw $V "GET /metrics?$q HTTP/1.1\r\nHost: x\r\n\r\n" | od -c)" \
			"$(raw $H "GET /metrics?$q HTTP/1.1\r\nHost: x\r\n\r\n" | od -c)"
	done
	for m in haproxy_backend_sessions_total haproxy_server_status haproxy_backend_agg_server_status \
		haproxy_server_check_status haproxy_backend_active_servers haproxy_server_weight \
		haproxy_server_http_responses_total; do
		check "$m values equal haproxy's" "$(grep "^$m{" "$T/v.all" | sed 's/tcpx/x/')" \
			"$(grep "^$m{" "$T/h.all" | sed 's/tcpx/x/')"
	done
fi

# --- clean stop, no sanitizer report
VCHILD=$(pgrep -P $VPID | head -1)
kill -TERM "${VCHILD:-$VPID}"
wait $VPID
check "exit code after SIGTERM" $? 0
grep -q "Sanitizer" "$T/vipr.log" && { ko "sanitizer report"; grep -A20 Sanitizer "$T/vipr.log" | head -40; } || ok "no sanitizer report"

echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ] || exit 1
exit 0
