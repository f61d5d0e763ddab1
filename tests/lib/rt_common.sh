# shellcheck shell=bash
# tests/lib/rt_common.sh - helpers for the tests that run haproxy-personality processes on
# loopback, sourced by tests/lib/harness.sh and tests/lib/rt_side.sh (which define ok, ko and
# T): waiting for a port, nginx origins, comparing a value, a stats-socket command.

# wait_port PORT [TRIES]: something accepts on 127.0.0.1:PORT (TRIES x 50 ms, default 200).
wait_port() {
	for _ in $(seq 1 "${2:-200}"); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# nginx_origin N PORT [SECS]: nginx serving "WebN" on 127.0.0.1:PORT for at most SECS
# seconds (default 120), from $T/webN.
nginx_origin() {
	local d=$T/web$1
	mkdir -p "$d/tmp"
	echo "Web$1" >"$d/index.html"
	cat >"$d/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server { listen 127.0.0.1:$2; root $d; }
}
EOF
	timeout "${3:-120}" nginx -c "$d/nginx.conf" -p "$d" -e /dev/null &
	PIDS+=($!)
}

# check LABEL GOT WANT: ok when GOT is WANT.
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }

# cli SOCK CMD: CMD's answer on the stats socket SOCK; a command may wait for another thread
# (up to 10 s).
cli() { echo "$2" | timeout 15 socat -t12 - "UNIX-CONNECT:$1"; }

# vipr_start [CFG] [LOG]: vipr run as "haproxy" (through $T/bin/haproxy) on CFG (default
# $T/vipr.cfg) for at most 300 s, its output in LOG (default $T/vipr.log); VPID is its pid.
vipr_start() {
	mkdir -p "$T/bin"
	[ -e "$T/bin/haproxy" ] || ln -s "$VIPR" "$T/bin/haproxy"
	timeout 300 "$T/bin/haproxy" -f "${1:-$T/vipr.cfg}" -db >"${2:-$T/vipr.log}" 2>&1 &
	VPID=$!
	PIDS+=("$VPID")
}

# ref_start [CFG] [LOG]: Debian's haproxy ($HAP) likewise (defaults $T/ref.cfg, $T/ref.log).
ref_start() {
	timeout 300 "$HAP" -f "${1:-$T/ref.cfg}" -db >"${2:-$T/ref.log}" 2>&1 &
	PIDS+=($!)
}
