#!/bin/bash
# rt_basic.sh - Lab 1 through the haproxy personality, with real nginx origins and curl.
#
# Starts two nginx origins ("Web1", "Web2") on loopback high ports, runs `haproxy -f cfg -db`
# (a symlink to $VIPR) with the tutorial's defaults and a `listen webservers`, and checks
# round-robin alternation, bodies with checksums both ways (Content-Length and chunked),
# keep-alive, X-Forwarded-For, HAProxy's 400/503 pages, and exit 0 on SIGTERM and SIGUSR1.
# When Debian's /usr/sbin/haproxy is installed the same checks first run against it, as a
# reference that validates the expectations (reported, not counted).
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
command -v nginx >/dev/null && command -v curl >/dev/null || { echo "nginx/curl missing"; exit 77; }
ECHO_MOD=/usr/lib/nginx/modules/ngx_http_echo_module.so
[ -r "$ECHO_MOD" ] || { echo "nginx echo module missing"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-basic.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

# below the ephemeral port range (32768+), where live client sockets could hold a port
BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))} # a block of 250 ports below the ephemeral range; ctest gives each test its own
WEB1=$BASE WEB2=$((BASE + 1))
PASS=0 FAIL=0 MODE=count

ok() { if [ $MODE = count ]; then PASS=$((PASS + 1)); fi; echo "ok   $*"; }
ko() { if [ $MODE = count ]; then FAIL=$((FAIL + 1)); fi; echo "FAIL $*"; }
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi
}

start_nginx() { # start_nginx N PORT
	local d=$T/web$1
	mkdir -p "$d/tmp"
	echo "Web$1" >"$d/index.html"
	cat >"$d/nginx.conf" <<EOF
load_module $ECHO_MOD;
daemon off; master_process off; worker_processes 1;
pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server {
    listen 127.0.0.1:$2; root $d;
    location /echo { client_max_body_size 10m; client_body_buffer_size 10m;
      echo_read_request_body; echo_request_body; }
    location /chunked { echo a; echo b; }
    location /xff { return 200 "[\$http_x_forwarded_for]\n"; }
  }
}
EOF
	timeout 300 nginx -c "$d/nginx.conf" -p "$d" -e /dev/null &
	PIDS+=($!)
}

bounded() { # bounded SECS CMD...: run CMD in the background, killed after SECS; sets BG
	local secs=$1
	shift
	"$@" &
	BG=$!
	PIDS+=($BG)
	# the watchdog's sleep dies with it, so that cleanup leaves nothing behind
	(trap 'kill $sp 2>/dev/null; exit 0' TERM
	 sleep "$secs" & sp=$!
	 wait $sp && kill -KILL "$BG") >/dev/null 2>&1 &
	PIDS+=($!)
}

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# The tutorial's defaults (stock RHEL haproxy.cfg) and Lab 1's listen, on test ports.
write_cfg() { # write_cfg FILE PORT0
	local p=$2
	cat >"$1" <<EOF
global
    maxconn 3000

defaults
    mode                    http
    option                  httplog
    option                  dontlognull
    option http-server-close
    option forwardfor       except 127.0.0.0/8
    option                  redispatch
    retries                 3
    timeout http-request    10s
    timeout queue           1m
    timeout connect         10s
    timeout client          1m
    timeout server          1m
    timeout http-keep-alive 10s
    timeout check           10s
    maxconn                 3000

listen webservers
    bind 127.0.0.1:$p
    mode http
    balance roundrobin
    server web1 127.0.0.1:$WEB1 check inter 2000 rise 2 fall 5
    server web2 127.0.0.1:$WEB2 check inter 2000 rise 2 fall 5

listen empty
    bind 127.0.0.1:$((p + 1))

listen dead
    bind 127.0.0.1:$((p + 2))
    retries 1
    server gone 127.0.0.1:$((BASE + 2))

listen ff
    bind 127.0.0.1:$((p + 3))
    option forwardfor except 10.0.0.0/8
    server web1 127.0.0.1:$WEB1

listen tcp
    bind 127.0.0.1:$((p + 4))
    mode tcp
    server web2 127.0.0.1:$WEB2

listen ef
    bind 127.0.0.1:$((p + 50))
    errorfile 503 $T/503.http
EOF
}

raw() { # raw PORT BYTES: send, print the answer until close (3 s at most)
	timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1; printf "$2" >&3; cat <&3' _ "$1" "$2" |
		od -An -c | tr -s ' \n' ' '
}
raw_expect() { printf "$1" | od -An -c | tr -s ' \n' ' '; }

PAGE_400='HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n'
PAGE_503='HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n'

printf 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n\n' >"$T/503.http"
PAGE_503_EF='HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n\n'

run_checks() { # run_checks WHO PORT0
	local who=$1 p=$2 out want i
	local url=http://127.0.0.1:$p
	out=$(for i in 1 2 3 4 5 6; do curl -s --max-time 5 "$url/"; done | tr '\n' ' ')
	check "$who: 6 curls alternate" "$out" "Web1 Web2 Web1 Web2 Web1 Web2 "

	head -c 500000 /dev/urandom >"$T/body"
	want=$(md5sum <"$T/body")
	for i in 1 2; do
		out=$(curl -s --max-time 10 --data-binary @"$T/body" "$url/echo" | md5sum)
		check "$who: POST 500kB Content-Length echo #$i" "$out" "$want"
		out=$(curl -s --max-time 10 -H 'Transfer-Encoding: chunked' --data-binary @"$T/body" \
			"$url/echo" | md5sum)
		check "$who: POST 500kB chunked echo #$i" "$out" "$want"
	done

	out=$(curl -s --max-time 5 -i "$url/chunked" | tr -d '\r' | grep -ci '^transfer-encoding: chunked')
	check "$who: chunked response framing" "$out" "1"
	out=$(curl -s --max-time 5 "$url/chunked" | tr '\n' ' ')
	check "$who: chunked response body" "$out" "a b "

	out=$(curl -sv --max-time 5 "$url/" "$url/" 2>&1 | grep -c 'Re-using existing connection')
	check "$who: client keep-alive" "$out" "1"

	out=$(curl -s --max-time 5 "$url/xff")
	check "$who: forwardfor except 127.0.0.0/8" "$out" "[]"
	out=$(curl -s --max-time 5 "http://127.0.0.1:$((p + 3))/xff")
	check "$who: forwardfor" "$out" "[127.0.0.1]"

	out=$(raw "$p" 'GET / HTTP/1.1\r\nHost: x\r\nBad header\r\n\r\n')
	check "$who: 400 on a bad header" "$out" "$(raw_expect "$PAGE_400")"
	out=$(raw "$p" 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')
	check "$who: 400 on conflicting Content-Length" "$out" "$(raw_expect "$PAGE_400")"
	# HAProxy resets the connection when it stops parsing at the method, so the reference
	# run can lose its 400 to the reset; vipr drains before closing and must not.
	if [ $MODE = count ]; then
		out=$(raw "$p" 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n')
		check "$who: 400 on a bad method" "$out" "$(raw_expect "$PAGE_400")"
	fi

	# a client that says close gets "connection: close" in HAProxy's 503 and is closed
	out=$(raw "$((p + 1))" 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
	check "$who: 503 without server" "$out" "$(raw_expect "$PAGE_503")"
	# a keep-alive client stays connected after a 503: the pipelined request is answered
	out=$(raw "$((p + 1))" 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		grep -o 'H T T P / 1 . 1 5 0 3' | wc -l)
	check "$who: keep-alive after a 503" "$out" "2"
	local t0=$(date +%s%N)
	out=$(raw "$((p + 2))" 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
	local ms=$((($(date +%s%N) - t0) / 1000000))
	check "$who: 503 when connect fails" "$out" "$(raw_expect "$PAGE_503")"
	if [ $ms -ge 900 ] && [ $ms -lt 2500 ]; then ok "$who: one retry after 1 s ($ms ms)"
	else ko "$who: one retry after 1 s (took $ms ms)"; fi

	# an errorfile (Debian's 503.http) is re-emitted as a parsed message, then the close
	out=$(raw "$((p + 50))" 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n')
	check "$who: errorfile 503" "$out" "$(raw_expect "$PAGE_503_EF")"

	out=$(curl -s --max-time 5 "http://127.0.0.1:$((p + 4))/")
	check "$who: mode tcp" "$out" "Web2"
	out=$(curl -s --max-time 10 --data-binary @"$T/body" "http://127.0.0.1:$((p + 4))/echo" | md5sum)
	check "$who: mode tcp POST echo" "$out" "$want"
}

start_nginx 1 "$WEB1"
start_nginx 2 "$WEB2"
wait_port "$WEB1" && wait_port "$WEB2" || { echo "nginx did not start"; exit 77; }

# Reference run: the real HAProxy on other ports, to validate the expectations.
if [ -x /usr/sbin/haproxy ]; then
	write_cfg "$T/ref.cfg" $((BASE + 5 + 100))
	timeout 120 /usr/sbin/haproxy -f "$T/ref.cfg" -db >"$T/ref.log" 2>&1 &
	REF=$!
	PIDS+=($REF)
	if wait_port $((BASE + 105)); then
		MODE=ref run_checks "haproxy(ref)" $((BASE + 105))
	fi
	kill "$REF" 2>/dev/null
fi

mkdir -p "$T/bin"
ln -s "$VIPR" "$T/bin/haproxy"
write_cfg "$T/vipr.cfg" $((BASE + 5))
if ! "$T/bin/haproxy" -c -f "$T/vipr.cfg" >"$T/check.log" 2>&1; then
	cat "$T/check.log"
	echo "the haproxy personality rejects the config (binder not ready?)"
	exit 77
fi
bounded 120 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >"$T/vipr.log" 2>&1
VP=$BG
if ! wait_port $((BASE + 5)); then
	cat "$T/vipr.log"
	ko "vipr did not start listening"
else
	run_checks vipr $((BASE + 5))
	kill -TERM "$VP"
	wait "$VP"
	check "vipr: exit code after SIGTERM" "$?" "0"
fi

# Soft stop: SIGUSR1 closes the listeners at once and exits 0 when sessions are done.
bounded 60 "$T/bin/haproxy" -f "$T/vipr.cfg" -db >>"$T/vipr.log" 2>&1
VP=$BG
if wait_port $((BASE + 5)); then
	kill -USR1 "$VP"
	wait "$VP"
	check "vipr: exit code after SIGUSR1" "$?" "0"
else
	ko "vipr did not restart"
fi

if [ $FAIL -ne 0 ]; then
	echo "--- vipr log"
	tail -n 40 "$T/vipr.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
