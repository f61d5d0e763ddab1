#!/bin/bash
# chk_tls.sh - HAProxy `check-ssl` health checks over TLS, with HAProxy 2.6's statuses and
# log wording, against nginx with a self-signed certificate made here.
#
# Servers of one proxy (rise 1 fall 1 inter 500, option log-health-checks):
#   tcpok    TLS server, plain check           -> "Layer6 check passed", UP
#   tcpgarb  a plain server sending garbage     -> "Layer6 invalid response", "SSL handshake failure"
#   tcphang  accepts and never answers         -> "Layer6 timeout"
#   httpok   TLS server, option httpchk        -> "Layer7 check passed, code: 200"
#   verok    verify required, ca-file = the certificate, check-sni localhost -> L7OK
#   verbad   verify required, ca-file = another certificate -> "SSL handshake failure"
#   snibad   verify required, check-sni wrong.example -> "Server presented an SSL certificate
#            different from the expected one"
# The same configuration first runs against Debian's /usr/sbin/haproxy as a reference
# (reported, not counted). Then: a missing ca-file is refused at start, `ssl` on a server
# (TLS for traffic) is still refused, and a TLS server switched off goes DOWN and back UP.
# Env: VIPR, SRC, PORT_BASE. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRC/tests/lib/harness.sh"
harness_init chk-tls openssl python3 nginx socat
wait_line() { wait_line_from "$@"; } # wait_line LOG FROM REGEX SECS
expect_line() { # expect_line NAME LOG FROM REGEX SECS
	if wait_line "$2" "$3" "$4" "$5" >/dev/null; then ok "$1"; else ko "$1: no line /$4/"; fi
}
size() { stat -c %s "$1"; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost >/dev/null 2>&1 || {
	echo "cannot make a certificate"
	echo "0 passed, 0 failed"
	exit 77
}
# another self-signed certificate: a CA file that does not sign cert.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/okey.pem" -out "$T/other.pem" -days 2 \
	-subj /CN=other >/dev/null 2>&1
SYSCA=$T/other.pem

TLS=$((BASE + 1)) PLAIN=$((BASE + 2)) HANG=$((BASE + 3))
# nginx over TLS (index.html "OK"); started again after being stopped
start_tls() {
	local d=$T/nginx
	mkdir -p "$d/tmp"
	echo OK >"$d/index.html"
	cat >"$d/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server {
    listen 127.0.0.1:$TLS ssl; root $d;
    ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem;
  }
}
EOF
	timeout 300 nginx -c "$d/nginx.conf" -p "$d" -e /dev/null &
	TLSPID=$!
	PIDS+=($TLSPID)
	wait_port $TLS
}
start_tls || { ko "nginx over TLS did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }
# a plain server that answers garbage at once and closes
timeout 300 socat TCP-LISTEN:$PLAIN,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo garbage' >/dev/null 2>&1 &
PIDS+=($!)
echo hang >"$T/hang.ctl"
python3 "$SRC/tests/origin/origin.py" $HANG "$T/hang.ctl" >/dev/null 2>&1 &
PIDS+=($!)
wait_port $PLAIN && wait_port $HANG || { ko "origins did not start"; echo "$PASS passed, $FAIL failed"; exit 1; }

write_cfg() { # write_cfg FILE FE_PORT
	cat >"$1" <<EOF
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    option log-health-checks
frontend fe
    bind 127.0.0.1:$2
    default_backend l4
backend l4
    server tcpok 127.0.0.1:$TLS check check-ssl verify none inter 500 rise 1 fall 1
    server tcpgarb 127.0.0.1:$PLAIN check check-ssl verify none inter 500 rise 1 fall 1
    server tcphang 127.0.0.1:$HANG check check-ssl verify none inter 500 rise 1 fall 1
backend l7
    option httpchk GET /
    default-server ca-file $T/cert.pem
    server httpok 127.0.0.1:$TLS check check-ssl verify none inter 500 rise 1 fall 1
    server verok 127.0.0.1:$TLS check check-ssl check-sni localhost verify required inter 500 rise 1 fall 1
    server verbad 127.0.0.1:$TLS check check-ssl verify required ca-file $SYSCA inter 500 rise 1 fall 1
    server snibad 127.0.0.1:$TLS check check-ssl check-sni wrong.example verify required inter 500 rise 1 fall 1
EOF
}

W='^\[WARNING\]  \([0-9]+\) : '
run_scenario() { # run_scenario LABEL BIN PORT
	local label=$1 bin=$2 fe=$3 log=$T/$1.log
	: >"$log"
	write_cfg "$T/$label.cfg" "$fe"
	timeout 60 "$bin" -db -f "$T/$label.cfg" >>"$log" 2>&1 &
	local hp=$!
	PIDS+=($hp)
	if ! wait_port "$fe"; then
		ko "$label: did not start: $(head -3 "$log")"
		return
	fi
	local d='check duration: [0-9]+ms'
	expect_line "$label: tcpok L6OK" "$log" 0 \
		"${W}Health check for server l4/tcpok succeeded, reason: Layer6 check passed, $d, status: 1/1 UP\.$" 8
	expect_line "$label: tcpgarb L6RSP SSL handshake failure" "$log" 0 \
		"${W}Health check for server l4/tcpgarb failed, reason: Layer6 invalid response, info: \"SSL handshake failure\", $d, status: 0/1 DOWN\.$" 8
	expect_line "$label: tcphang L6TOUT" "$log" 0 \
		"${W}Health check for server l4/tcphang failed, reason: Layer6 timeout, $d, status: 0/1 DOWN\.$" 8
	expect_line "$label: httpok L7OK over TLS" "$log" 0 \
		"${W}Health check for server l7/httpok succeeded, reason: Layer7 check passed, code: 200, $d, status: 1/1 UP\.$" 8
	expect_line "$label: verok verify required + check-sni" "$log" 0 \
		"${W}Health check for server l7/verok succeeded, reason: Layer7 check passed, code: 200, $d, status: 1/1 UP\.$" 8
	expect_line "$label: verbad untrusted certificate" "$log" 0 \
		"${W}Health check for server l7/verbad failed, reason: Layer6 invalid response, info: \"SSL handshake failure\", $d, status: 0/1 DOWN\.$" 8
	expect_line "$label: snibad certificate for another name" "$log" 0 \
		"${W}Health check for server l7/snibad failed, reason: Layer6 invalid response, info: \"Server presented an SSL certificate different from the expected one\", $d, status: 0/1 DOWN\.$" 8
	expect_line "$label: Server l7/verbad is DOWN" "$log" 0 \
		"${W}Server l7/verbad is DOWN\. [0-9]+ active and 0 backup servers left\." 8
	if [ "$label" = vipr ]; then
		echo "-- $label: the TLS server stops, then comes back"
		local from
		from=$(size "$log")
		kill $TLSPID 2>/dev/null
		wait $TLSPID 2>/dev/null
		expect_line "$label: httpok DOWN when TLS server stops" "$log" "$from" \
			"${W}Health check for server l7/httpok failed, reason: Layer4 connection problem, info: \"Connection refused\", $d, status: 0/1 DOWN\.$" 8
		from=$(size "$log")
		start_tls || ko "s_server restart"
		expect_line "$label: httpok UP again" "$log" "$from" \
			"${W}Health check for server l7/httpok succeeded, reason: Layer7 check passed, code: 200, $d, status: 1/1 UP\.$" 8
	fi
	kill $hp 2>/dev/null
	wait $hp 2>/dev/null
}

if [ -x /usr/sbin/haproxy ]; then
	echo "== reference: /usr/sbin/haproxy (not counted)"
	MODE=ref run_scenario ref /usr/sbin/haproxy $((BASE + 10))
fi

mkdir -p "$T/bin"
ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy"
echo "== vipr"
MODE=count run_scenario vipr "$T/bin/haproxy" $((BASE + 20))

echo "-- refusals"
sed "s|ca-file $T/cert.pem|ca-file $T/missing.pem|" "$T/vipr.cfg" >"$T/noca.cfg"
out=$(timeout 10 "$T/bin/haproxy" -c -f "$T/noca.cfg" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "Couldn't open the ca-file '$T/missing.pem'" <<<"$out"; then
	ok "missing ca-file refused by -c"
else ko "missing ca-file: rc=$rc $out"; fi
sed -e '/^    server tcphang/d' -e "s|^    server tcpok .*|    server tcpok 127.0.0.1:$TLS check check-ssl verify none inter 500|" "$T/vipr.cfg" >"$T/nover.cfg"
sed -i "s|check check-ssl verify none inter 500$|check check-ssl inter 500|" "$T/nover.cfg"
out=$(timeout 10 "$T/bin/haproxy" -c -f "$T/nover.cfg" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "verify is enabled by default but no CA file specified" <<<"$out"; then
	ok "check-ssl without verify none nor ca-file refused (as HAProxy)"
else ko "check-ssl without CA: rc=$rc $out"; fi
sed "s|^    server tcpok 127.0.0.1:$TLS check |    server tcpok 127.0.0.1:$TLS ssl check |" "$T/vipr.cfg" >"$T/ssl.cfg"
out=$(timeout 10 "$T/bin/haproxy" -db -f "$T/ssl.cfg" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "server keyword 'ssl'' is not supported by vipr yet; vipr refuses to run" <<<"$out"; then
	ok "ssl on a server (TLS for traffic) still refused"
else ko "ssl on a server: rc=$rc $out"; fi

if [ $FAIL -gt 0 ]; then
	echo "-- vipr stderr:"
	head -60 "$T/vipr.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
