#!/bin/bash
# rt_api_maxconn.sh - a frontend at its maxconn with nbthread 2: the listeners that the
# workers paused resume when a session of ANY worker ends, not only one of their own.
#
# maxconn 1: one connection holds the frontend's slot, then 6 HTTP clients are started; the
# kernel spreads them over both workers' listeners, which pause. Once the held connection
# ends, every client must be served within its 15 s: a client left in the backlog of a
# worker with no session of its own would wait forever. `set maxconn frontend` raising the
# limit through the CLI resumes them likewise.
# Env: VIPR, SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line "N passed, M failed".
set -u
: "${VIPR:?VIPR must point at the vipr binary}"
command -v nginx >/dev/null && command -v curl >/dev/null && command -v socat >/dev/null ||
	{ echo "nginx/curl/socat missing"; exit 77; }
T=$(mktemp -d /tmp/vipr-rt-maxconn.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
WEB=$BASE V=$((BASE + 10))
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
wait_port() {
	for _ in $(seq 1 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
cli() { echo "$1" | timeout 15 socat -t12 - "UNIX-CONNECT:$T/s.sock"; }
scur() { cli "show stat" | awk -F, -v p="$1" '$1 == p && $2 == "FRONTEND" { print $5 }'; }

mkdir -p "$T/web/tmp"
echo Web >"$T/web/index.html"
cat >"$T/web/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1;
pid $T/web/nginx.pid; error_log $T/web/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $T/web/tmp; proxy_temp_path $T/web/tmp;
  fastcgi_temp_path $T/web/tmp; uwsgi_temp_path $T/web/tmp; scgi_temp_path $T/web/tmp;
  server { listen 127.0.0.1:$WEB; root $T/web; }
}
NGINX
timeout 300 nginx -c "$T/web/nginx.conf" -p "$T/web" -e /dev/null &
PIDS+=($!)
wait_port $WEB || { echo "origin did not start"; exit 77; }

cat >"$T/v.cfg" <<CFG
global
    nbthread 2
    stats socket $T/s.sock level admin
defaults
    mode http
    timeout connect 5s
    timeout client 1m
    timeout server 1m
frontend fe
    bind 127.0.0.1:$V
    maxconn 1
    default_backend be
backend be
    server w 127.0.0.1:$WEB
CFG
mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/haproxy" # run as haproxy: HAProxy's command line
timeout 300 "$T/bin/haproxy" -f "$T/v.cfg" -db >"$T/v.log" 2>&1 &
VPID=$!
PIDS+=($VPID)
wait_port $V || { cat "$T/v.log"; ko "vipr did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }
for _ in $(seq 1 100); do [ "$(scur fe)" = 0 ] && break; sleep 0.1; done # wait_port's probe ended

# round LABEL RELEASE: hold fe's one slot (a connection that sends nothing), start 6
# clients, then RELEASE (a shell command) must let every one of them through
round() {
	exec 5<>"/dev/tcp/127.0.0.1/$V"
	for _ in $(seq 1 100); do [ "$(scur fe)" = 1 ] && break; sleep 0.1; done
	local pids=() i served=0
	for i in $(seq 1 6); do
		timeout 20 curl -s -m 15 -o "$T/out.$i" "http://127.0.0.1:$V/" 5>&- &
		pids+=($!)
	done
	sleep 1 # the clients reach both workers' backlogs and their listeners pause
	eval "$2"
	for i in $(seq 1 6); do
		wait "${pids[$((i - 1))]}" && grep -q Web "$T/out.$i" && served=$((served + 1))
	done
	exec 5>&- 2>/dev/null
	[ "$served" = 6 ] && ok "$1: 6 of 6 waiting clients served" || ko "$1: $served of 6 served"
}
round "held connection closed" "exec 5>&-"
for _ in $(seq 1 100); do [ "$(scur fe)" = 0 ] && break; sleep 0.1; done
round "set maxconn frontend 10" "cli 'set maxconn frontend fe 10' >/dev/null"

kill -0 "$VPID" 2>/dev/null && ok "vipr still running" || ko "vipr died"
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
