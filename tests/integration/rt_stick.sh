#!/bin/bash
# rt_stick.sh - stick tables, track-sc and the sc_*/src_* fetches, vipr side by side with
# HAProxy.
#
# The same haproxy.cfg runs under Debian's /usr/sbin/haproxy and under vipr (as `haproxy`)
# on different ports, with an nginx origin; the same client steps go to both and the status
# codes must be the expected ones on both. Covered: the classic rate limit (track-sc0 src +
# deny 429 on sc_http_req_rate), per-key counting (another source is not limited), keep-alive
# requests counted one by one, concurrent connections limited by tcp-request connection
# track-sc1 + sc1_conn_cur, sc-inc-gpc0 read back through src_get_gpc0 from another
# frontend, http_err_rate from 404s, a size-bounded table forgetting its least recently
# used key, and expiry.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/lib/rt_side.sh
. "$SRC/tests/lib/rt_side.sh"
rt_side_cleanup_extra() { exec 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- 2>/dev/null; }
rt_side_init rt-stick

mkdir -p "$T/web/tmp"
cat >"$T/web/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server { listen 127.0.0.1:$WEB;
    location /missing { return 404; }
    location / { default_type text/plain; return 200 "web\n"; } }
}
EOF
timeout 300 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
PIDS+=($!)

# frontends at P+0 (rate limit), P+1 (connection limit), P+2 (gpc0 mark), P+3 (reads rl's
# gpc0), P+4 (http errors), P+5 (tiny table), P+6 (expiry)
mkcfg() {
	cat <<EOF
defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s
frontend rl
    bind 127.0.0.1:$1
    stick-table type ip size 100k expire 60s store http_req_rate(60s),gpc0
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 10 }
    default_backend web
frontend cc
    bind 127.0.0.1:$(($1 + 1))
    stick-table type ip size 1k expire 60s store conn_cur,conn_cnt
    tcp-request connection track-sc1 src
    tcp-request connection reject if { sc1_conn_cur gt 2 }
    default_backend web
frontend mark
    bind 127.0.0.1:$(($1 + 2))
    http-request track-sc2 src table rl
    http-request sc-inc-gpc0(2) if { path /mark }
    default_backend web
frontend check
    bind 127.0.0.1:$(($1 + 3))
    http-request deny deny_status 403 if { src_get_gpc0(rl) gt 0 }
    default_backend web
frontend errs
    bind 127.0.0.1:$(($1 + 4))
    stick-table type ip size 1k expire 60s store http_err_rate(60s)
    tcp-request content track-sc0 src
    http-request deny deny_status 403 if { sc0_http_err_rate gt 2 }
    default_backend web
frontend tiny
    bind 127.0.0.1:$(($1 + 5))
    stick-table type ip size 2 expire 60s store http_req_cnt
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc0_http_req_cnt gt 1 }
    default_backend web
frontend exp
    bind 127.0.0.1:$(($1 + 6))
    stick-table type ip size 1k expire 1s store http_req_cnt
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc0_http_req_cnt gt 1 }
    default_backend web
backend web
    server s1 127.0.0.1:$WEB
EOF
}
PH=$((BASE + 10)) PV=$((BASE + 20))
mkcfg $PH >"$T/hap.cfg"
mkcfg $PV >"$T/vipr.cfg"
ln -s "$VIPR" "$T/haproxy"
timeout 300 "$HAP" -db -f "$T/hap.cfg" >"$T/hap.log" 2>&1 &
PIDS+=($!)
timeout 300 "$T/haproxy" -db -f "$T/vipr.cfg" >"$T/vipr.log" 2>&1 &
PIDS+=($!)
for p in $WEB $PH $((PH + 6)) $PV $((PV + 6)); do
	wait_port "$p" || { echo "port $p did not open"; cat "$T/vipr.log"; ko startup; finish; }
done

# codes FROM PORT PATH N: the status codes of N requests, one connection each
codes() {
	local out="" i
	for i in $(seq 1 "$4"); do
		out+="$(timeout 20 curl -s -o /dev/null --max-time 10 --interface "$1" -w '%{http_code}' "http://127.0.0.1:$2$3") "
	done
	echo "$out"
}
# both NAME WANT OFFSET FUNC ARGS...: FUNC run against haproxy then vipr gives WANT
both() {
	local name=$1 want=$2 off=$3 fn=$4
	shift 4
	local h v
	h=$($fn "$PH" "$off" "$@")
	v=$($fn "$PV" "$off" "$@")
	if [ "$h" = "$want" ] && [ "$v" = "$want" ]; then ok "$name"; else ko "$name: haproxy '$h' vipr '$v' want '$want'"; fi
}
seq_codes() { codes "$3" $(($1 + $2)) "$4" "$5"; }
ka_codes() { # one keep-alive connection, N requests
	local urls=() i
	for i in $(seq 1 "$5"); do urls+=(-o /dev/null "http://127.0.0.1:$(($1 + $2))$4"); done
	timeout 30 curl -s --interface "$3" -w '%{http_code} ' "${urls[@]}"
	echo
}

R10="200 200 200 200 200 200 200 200 200 200"
both "rate limit: 11th request of a source gets 429" "$R10 429 429 429 " 0 seq_codes 127.0.0.1 / 13
both "rate limit: another source is counted apart" "200 200 " 0 seq_codes 127.0.0.2 / 2
both "rate limit: keep-alive requests each count" "$R10 429 429 " 0 ka_codes 127.0.0.3 / 12

# concurrent connections: two held open, the third is reset, a fourth after closing one is served
conn_limit() {
	local port=$(($1 + $2)) r
	exec 4<>"/dev/tcp/127.0.0.1/$port" 5<>"/dev/tcp/127.0.0.1/$port"
	r="$(timeout 20 curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://127.0.0.1:$port/")"
	exec 5>&-
	# the server notices the close asynchronously: retry until served
	local r2=000
	for _ in $(seq 1 100); do
		r2="$(timeout 20 curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://127.0.0.1:$port/")"
		[ "$r2" = 200 ] && break
		sleep 0.05
	done
	exec 4>&-
	echo "$r $r2"
}
both "connection limit: sc1_conn_cur rejects the third, serves after a close" "000 200" 1 conn_limit

both "gpc0: not marked yet" "200 " 3 seq_codes 127.0.0.4 / 1
both "gpc0: sc-inc-gpc0 on another frontend's table" "200 " 2 seq_codes 127.0.0.4 /mark 1
both "gpc0: src_get_gpc0(rl) sees the mark" "403 " 3 seq_codes 127.0.0.4 / 1

both "http_err_rate: 404s counted, then denied" "404 404 404 403 403 " 4 ka_codes 127.0.0.1 /missing 5
both "tiny table: a key is limited" "200 429 " 5 seq_codes 127.0.0.1 / 2
tiny_evict() {
	codes 127.0.0.2 $(($1 + $2)) / 1 >/dev/null
	codes 127.0.0.3 $(($1 + $2)) / 1 >/dev/null
	codes 127.0.0.1 $(($1 + $2)) / 1
}
both "tiny table (size 2): the least recent key is forgotten" "200 " 5 tiny_evict

expiry() {
	local port=$(($1 + $2)) c
	c=$(codes 127.0.0.1 "$port" / 2)
	# expire 1s: leave the entry untouched longer than that; a check that comes too early
	# (a loaded machine) refreshes it, so each try waits again
	for _ in $(seq 1 6); do
		sleep 1.5
		[ "$(codes 127.0.0.1 "$port" / 1)" = "200 " ] && { echo "$c then 200"; return; }
	done
	echo "$c never expired"
}
both "expire: the counter is gone after expire" "200 429  then 200" 6 expiry
finish
