#!/bin/bash
# rt_logfmt.sh - a frontend's own `log-format`, vipr side by side with Debian's haproxy.
#
# One nginx origin on loopback. The same haproxy.cfg (an http frontend and a tcp frontend,
# each with a log-format using most of HAProxy 2.6's variables, modifiers and a few sample
# fetches; a backend without servers for a 503) runs under /usr/sbin/haproxy and under vipr
# as `haproxy -db`, logging to stdout in raw format. The same client steps go to both:
# requests with a query and characters HAProxy encodes ('"', '#'), a POST, a request line
# that does not parse (<BADREQ>), a 503, a tcp connection. The log lines must be equal once
# the ports, dates and timers (which differ between two runs) are masked.
# Also: a log-format with a fetch vipr does not evaluate is refused at startup, and one
# HAProxy refuses (unknown variable) fails `haproxy -c` with HAProxy's message.
# Env: VIPR (binary), SRC, BUILD, PORT_BASE. Exit 0 pass, 77 skip, 1 fail.
# Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
HAP=/usr/sbin/haproxy
for t in nginx curl python3; do command -v $t >/dev/null || { echo "$t missing"; exit 77; }; done
[ -x "$HAP" ] || { echo "no reference $HAP"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-logfmt.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
ORIG=$BASE
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

mkdir -p "$T/www/html" "$T/www/tmp"
printf 'hello\n' >"$T/www/html/index.html"
cat >"$T/www/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $T/www/nginx.pid; error_log $T/www/error.log;
events { worker_connections 64; }
http {
  access_log off; client_body_temp_path $T/www/tmp; proxy_temp_path $T/www/tmp;
  fastcgi_temp_path $T/www/tmp; uwsgi_temp_path $T/www/tmp; scgi_temp_path $T/www/tmp;
  server_tokens off;
  server { listen 127.0.0.1:$ORIG; root $T/www/html;
    location /post { return 200 "posted\n"; } }
}
EOF
timeout 120 nginx -c "$T/www/nginx.conf" -p "$T/www" -e /dev/null &
PIDS+=($!)

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
wait_port $ORIG || { echo "nginx did not start"; exit 1; }
wait_listen() {
	for _ in $(seq 1 100); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# HTTP: no %U and %B (HAProxy counts bytes of its own re-encoding of the messages: header
# rewriting differs, which rt_basic covers), timers masked below
write_cfg() { # write_cfg FILE HTTP_PORT TCP_PORT
	cat >"$1" <<EOF
global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:$2
    log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r | %HM %HU %HP %HPO %HQ %HV %{+Q,+E}HU %{+Q}CC %ID %ts %f %fi %si:%sp %[src] %[method] %[status] %[capture.req.uri] %[str(lit)] %[int(7)] %{+Q}[fe_name] %[be_name] %[srv_name] %sslv %{+X}ST"
    use_backend none if { path_beg /none }
    default_backend be
frontend ft
    mode tcp
    bind 127.0.0.1:$3
    log-format "%ci [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq %[src] %[dst_port] %{+Q}f"
    default_backend bt
backend be
    server s1 127.0.0.1:$ORIG
backend none
backend bt
    mode tcp
    server t1 127.0.0.1:$ORIG
EOF
}

# run NAME BIN HTTP_PORT TCP_PORT: the client steps against one proxy; its log in $T/NAME.log
run() {
	local name=$1 bin=$2 ph=$3 pt=$4
	write_cfg "$T/$name.cfg" "$ph" "$pt"
	"$bin" -db -f "$T/$name.cfg" >"$T/$name.log" 2>&1 &
	local pid=$!
	PIDS+=($pid)
	# the tcp port is not probed: a probe would be a logged connection
	if ! wait_port "$ph" || ! wait_listen "$pt"; then
		ko "$name did not start: $(head -c 600 "$T/$name.log")"
		return 1
	fi
	curl -s -o /dev/null "http://127.0.0.1:$ph/index.html?a=1&b=%22x%22"
	curl -s -o /dev/null "http://127.0.0.1:$ph/with\"quote#frag"
	curl -s -o /dev/null -d hello "http://127.0.0.1:$ph/post"
	curl -s -o /dev/null "http://127.0.0.1:$ph/none/x"
	python3 - "$ph" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
try:
    s.recv(4096)
except OSError:
    pass
PY
	curl -s -o /dev/null "http://127.0.0.1:$pt/index.html"
	sleep 0.5
	kill "$pid"
	wait "$pid" 2>/dev/null
	return 0
}

# mask what differs between two runs: ports, dates, timers, pids
norm() {
	grep -v -e '^\[NOTICE\]' -e '^\[WARNING\]' "$1" |
		sed -E -e "s/127\.0\.0\.1:$2\b/FE/g; s/127\.0\.0\.1:$3\b/FT/g" \
			-e 's/127\.0\.0\.1:[0-9]+ \[/CLIENT [/; s/^127\.0\.0\.1 \[/CLIENT [/' \
			-e 's#\[[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9:.]+\]#[DATE]#' \
			-e 's#(-?[0-9]+/){4}-?[0-9]+ #TIMERS #; s#(-?[0-9]+/){2}-?[0-9]+ #TIMERS #' \
			-e "s/ $2 / FEPORT /g; s/ $3 / FTPORT /g; s/ $3\$/ FTPORT/"
}

run haproxy "$HAP" $((BASE + 1)) $((BASE + 2)) || exit 1
mkdir -p "$T/bin"
ln -sf "$VIPR" "$T/bin/haproxy"
run vipr "$T/bin/haproxy" $((BASE + 3)) $((BASE + 4)) || exit 1
norm "$T/haproxy.log" $((BASE + 1)) $((BASE + 2)) >"$T/h.txt"
norm "$T/vipr.log" $((BASE + 3)) $((BASE + 4)) >"$T/v.txt"
nh=$(wc -l <"$T/h.txt")
[ "$nh" -ge 6 ] && ok "haproxy logged $nh lines" || ko "haproxy logged $nh lines: $(cat "$T/haproxy.log")"
i=0
while IFS= read -r want; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$T/v.txt")
	if [ "$got" = "$want" ]; then
		ok "line $i: ${want:0:90}"
	else
		ko "line $i differs"
		echo "     haproxy: $want"
		echo "     vipr:    $got"
	fi
done <"$T/h.txt"
[ "$(wc -l <"$T/v.txt")" = "$nh" ] && ok "as many lines as haproxy" ||
	ko "vipr logged $(wc -l <"$T/v.txt") lines, haproxy $nh: $(cat "$T/vipr.log")"

# a fetch vipr cannot evaluate in a log line: -c accepts it (as HAProxy), running refuses it
sed 's/%\[str(lit)\]/%[ssl_fc_sni]/' "$T/vipr.cfg" >"$T/unsup.cfg"
out=$("$T/bin/haproxy" -c -f "$T/unsup.cfg" 2>&1)
rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "'%\[ssl_fc_sni\]' in log-format is not supported by vipr yet" &&
	ok "-c: an unsupported fetch is accepted with a NOTICE" || ko "-c unsupported fetch: rc=$rc $out"
out=$(timeout 5 "$T/bin/haproxy" -db -f "$T/unsup.cfg" 2>&1)
rc=$?
[ $rc != 0 ] && [ $rc != 124 ] && ok "running refuses an unsupported fetch (rc=$rc)" ||
	ko "run with unsupported fetch: rc=$rc $out"

# a variable HAProxy does not know: the same refusal as HAProxy's
sed 's/%sslv/%nosuch/' "$T/vipr.cfg" >"$T/bad.cfg"
want=$("$HAP" -c -f "$T/bad.cfg" 2>&1 | grep ALERT | head -1 | sed 's/([0-9]*)//')
got=$("$T/bin/haproxy" -c -f "$T/bad.cfg" 2>&1 | grep ALERT | head -1 | sed 's/([0-9]*)//')
[ -n "$want" ] && [ "$got" = "$want" ] && ok "unknown variable: HAProxy's alert" ||
	ko "unknown variable: haproxy [$want] vipr [$got]"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
