#!/bin/bash
# rt_vars.sh - variables: set-var / unset-var / var() in tcp-request, http-request and
# http-response rules, vipr side by side with HAProxy.
#
# The same haproxy.cfg runs under Debian's /usr/sbin/haproxy and under vipr (as `haproxy`);
# the same curl steps go to both and the answers must be equal and as expected. Covered:
# scopes sess (set by tcp-request connection), txn, req, res and proc (a counter shared by
# every connection), converters lower/length/add, var() in an ACL, in lf-string bodies and in
# set-header values, txn variables forgotten by the next request of a keep-alive connection,
# unset-var; malformed variable names get HAProxy's alert.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/rt_side.sh
. "$SRC/tests/lib/rt_side.sh"
rt_side_init rt-vars

mkdir -p "$T/web/tmp"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server { listen 127.0.0.1:$WEB;
    location / { default_type text/plain; return 200 "web flag=[\$http_x_flag] ip=[\$http_x_ip]\n"; } }
}
EOF
timeout 120 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
PIDS+=($!)

mkcfg() {
	cat <<EOF
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fv
    bind 127.0.0.1:$1
    tcp-request connection set-var(sess.ip) src
    http-request set-var(proc.hits) int(0) unless { var(proc.hits) -m found }
    http-request set-var(proc.hits) var(proc.hits),add(1)
    http-request set-var(txn.host) req.hdr(host),lower
    http-request set-var(req.m) method
    http-request set-var(txn.len) path,length
    http-request deny deny_status 403 if { var(txn.host) -m str blocked.example }
    http-request return status 200 content-type text/plain lf-string "host=%[var(txn.host)] ip=%[var(sess.ip)] m=%[var(req.m)] len=%[var(txn.len)]" if { path /show }
    http-request return status 200 content-type text/plain lf-string "hits=%[var(proc.hits)]" if { path /hits }
    http-request set-var(txn.flag) str(yes) if { path_beg /flag }
    http-request set-header X-Flag %[var(txn.flag)]
    http-request set-header X-Ip %[var(sess.ip)]
    http-request unset-var(txn.host) if { path /unset }
    http-request return status 200 content-type text/plain lf-string "host=[%[var(txn.host)]]" if { path /unset }
    http-request deny deny_status 410 if { var(txn.len) -m int gt 20 }
    http-response set-var(res.st) status
    http-response set-header X-St %[var(res.st)]
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
for p in $WEB $PH $PV; do
	wait_port "$p" || { echo "port $p did not open"; cat "$T/vipr.log"; ko startup; finish; }
done

# get PORT ARGS...: status, the X-St header and the body of curl's answer(s)
get() {
	local port=$1
	shift
	timeout 20 curl -s --max-time 10 -D - "$@" | tr -d '\r' |
		grep -iE '^(HTTP/|x-st:|web )|^[a-z]+=' | sed -E 's/^HTTP\/1\.1 ([0-9]+).*/\1/; s/^x-st/X-St/I' | tr '\n' ' '
}
check() { # check NAME WANT PATH-OR-URLS CURL-ARGS...
	local name=$1 want=$2 paths=$3
	shift 3
	local h v hu=() vu=() p
	for p in $paths; do hu+=("http://127.0.0.1:$PH$p"); vu+=("http://127.0.0.1:$PV$p"); done
	h=$(get $PH "$@" "${hu[@]}")
	v=$(get $PV "$@" "${vu[@]}")
	if [ "$h" = "$want" ] && [ "$v" = "$want" ]; then ok "$name"; else ko "$name: haproxy '$h' vipr '$v' want '$want'"; fi
}

check "txn/sess/req variables in an lf-string" "200 host=web.example ip=127.0.0.1 m=GET len=5 " /show -H "Host: WEB.Example"
check "var() in an ACL" "403 " /x -H "Host: Blocked.Example"
check "var() -m int in an ACL" "410 " /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
check "set-header from variables, res scope from the response" "200 X-St: 200 web flag=[yes] ip=[127.0.0.1] " /flag
check "txn variable forgotten by the next keep-alive request" \
	"200 X-St: 200 web flag=[yes] ip=[127.0.0.1] 200 X-St: 200 web flag=[] ip=[127.0.0.1] " "/flag /other"
check "unset-var" "200 host=[] " /unset
h=$(get $PH "http://127.0.0.1:$PH/hits")
v=$(get $PV "http://127.0.0.1:$PV/hits")
if [ -n "$h" ] && [ "$h" = "$v" ]; then ok "proc counter over every connection ($v)"; else ko "proc counter: haproxy '$h' vipr '$v'"; fi

alert() { # alert NAME LINE
	printf 'defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:%s\n    %s\n' $((BASE + 41)) "$2" >"$T/e.cfg"
	local h v
	h=$("$HAP" -c -f "$T/e.cfg" 2>&1 | grep ALERT | head -1 | sed 's/^.*config : //')
	v=$("$T/haproxy" -c -f "$T/e.cfg" 2>&1 | grep ALERT | head -1 | sed 's/^.*config : //')
	if [ -n "$h" ] && [ "$h" = "$v" ]; then ok "$1: same alert"; else ko "$1: haproxy '$h' vipr '$v'"; fi
}
alert "bad variable scope" "http-request set-var(foo.x) str(a)"
alert "set-var without expression" "http-request set-var(txn.x)"
finish
