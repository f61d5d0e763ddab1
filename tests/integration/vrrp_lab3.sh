#!/bin/bash
# vrrp_lab3.sh - LABS.md Lab 3 (web high availability, keepalived + nginx) end to end.
#
# Namespaces Web1 (192.168.88.87), Web2 (.88) and Client (.89) on a bridge in its own
# namespace, all created here and deleted on exit. Debian's nginx runs in Web1 and Web2 with a
# generated config (-p temp prefix) serving "Web1" / "Web2". Web1 and Web2 run the tutorial's
# own samples/labs/web-ha/web{1,2}/keepalived.conf through vipr as keepalived. The only edit:
# the configs are copied to a temp dir and the check script path /etc/keepalived/check_nginx.sh
# is replaced with a temp copy of the tutorial's check_nginx.sh (nothing is written to /etc).
#
# Two ways, as LABS.md decides:
#   fixed      (vrrp_strict removed): curl to the VIP .90 returns Web1; nginx stopped on Web1
#              -> the VIP moves to Web2 and curl returns Web2; nginx started -> back on Web1.
#   as written (vrrp_strict kept): the VIP moves the same way, but every curl times out
#              because the master drops traffic to its VIPs (nftables table `keepalived`).
# When Debian's keepalived is installed, the same steps are asserted of it too (reference).
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx not installed"; exit 77; }
command -v curl >/dev/null || { echo "curl not installed"; exit 77; }
S=l3$$
ip netns add "${S}br" 2>/dev/null || { echo "no network namespaces"; exit 77; }
KA=/usr/sbin/keepalived
T=$(mktemp -d /tmp/vipr-lab3.XXXXXX)
chmod 755 "$T" # nginx workers (nobody) read the pages
PASS=0 FAIL=0
declare -A PID

cleanup() {
	for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null; wait "${PID[$n]}" 2>/dev/null; done
	for w in w1 w2; do
		[ -s "$T/$w/nginx.pid" ] && kill -TERM "$(cat "$T/$w/nginx.pid")" 2>/dev/null
	done
	sleep 0.2
	for ns in w1 w2 cl br; do ip netns del "${S}$ns" 2>/dev/null; done
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$T"/*.log "$KEEP_LOGS"/ 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

# --- network: the tutorial's addresses, interface eth0 in every host
ip netns add "${S}w1" && ip netns add "${S}w2" && ip netns add "${S}cl" || exit 1
ip -n "${S}br" link add br0 type bridge && ip -n "${S}br" link set br0 up
i=0
for n in w1 w2 cl; do
	i=$((i + 1))
	ip link add "v$n" netns "${S}br" type veth peer name eth0 netns "${S}$n"
	ip -n "${S}br" link set "v$n" master br0 up
	ip -n "${S}$n" link set lo up
	ip -n "${S}$n" link set eth0 up
done
ip -n "${S}w1" addr add 192.168.88.87/24 dev eth0
ip -n "${S}w2" addr add 192.168.88.88/24 dev eth0
ip -n "${S}cl" addr add 192.168.88.89/24 dev eth0

# --- nginx with a generated config in each web namespace
for w in w1 w2; do
	mkdir -p "$T/$w/html" "$T/$w/logs"
	echo "Web${w#w}" >"$T/$w/html/index.html"
	cat >"$T/$w/nginx.conf" <<EOF
daemon on;
worker_processes 1;
pid $T/$w/nginx.pid;
error_log $T/$w/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $T/$w/body;
    proxy_temp_path $T/$w/proxy;
    fastcgi_temp_path $T/$w/fastcgi;
    uwsgi_temp_path $T/$w/uwsgi;
    scgi_temp_path $T/$w/scgi;
    server { listen 80; root $T/$w/html; }
}
EOF
done
nginx_start() { ip netns exec "${S}$1" "$NGINX" -p "$T/$1/" -c "$T/$1/nginx.conf" 2>>"$T/nginx.log"; }
nginx_stop() { # like systemctl stop: TERM and wait until it is gone
	local p
	p=$(cat "$T/$1/nginx.pid" 2>/dev/null) || return 0
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
}
nginx_start w1 && nginx_start w2 || { echo "nginx does not start: $(cat "$T/nginx.log")"; exit 77; }

# --- the tutorial's files, script path moved to a temp copy
cp "$SRC/samples/labs/web-ha/web1/check_nginx.sh" "$T/check_nginx.sh"
chmod 755 "$T/check_nginx.sh"
confs() { # confs fixed|written
	for w in web1 web2; do
		sed "s|/etc/keepalived/check_nginx.sh|$T/check_nginx.sh|" \
			"$SRC/samples/labs/web-ha/$w/keepalived.conf" >"$T/$w.conf"
		[ "$1" = fixed ] && sed -i '/^[[:space:]]*vrrp_strict[[:space:]]*$/d' "$T/$w.conf"
	done
}

start_ka() { # start_ka w1|w2 vipr|ka
	local n=$1 c=$T/web${1#w}.conf args
	args=(-f "$c" -n -l -D -P -p "$T/$n.pid" -r "$T/${n}_vrrp.pid" -c "$T/${n}_c.pid")
	if [ "$2" = vipr ]; then
		ip netns exec "${S}$n" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" "${args[@]}" \
			>>"$T/$n.log" 2>&1 &
	else
		ip netns exec "${S}$n" "$KA" "${args[@]}" >>"$T/$n.log" 2>&1 &
	fi
	PID[$n]=$!
}
stop_ka() {
	local p=${PID[$1]:-}
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$1]"
}

has_vip() { ip -n "${S}$1" -4 addr show dev eth0 | grep -q "inet 192.168.88.90/"; }
wait_vip() { # wait_vip NODE SECS: the VIP on NODE and not on the other one
	local other=w2 end=$((SECONDS + $2))
	[ "$1" = w2 ] && other=w1
	while [ $SECONDS -lt $end ]; do
		has_vip "$1" && ! has_vip $other && return 0
		sleep 0.1
	done
	return 1
}
get() { ip netns exec "${S}cl" curl -s -m 3 http://192.168.88.90/ 2>/dev/null; }

# expect_curl LABEL want: want is "Web1", "Web2" or "timeout"
expect_curl() {
	local out rc
	out=$(get)
	rc=$?
	if [ "$2" = timeout ]; then
		[ $rc = 28 ] && ok "$1: curl to the VIP times out (drop rule)" ||
			ko "$1: curl rc $rc [$out], want a timeout"
	else
		[ "$out" = "$2" ] && ok "$1: curl to the VIP returns $2" || ko "$1: curl returns [$out] rc $rc, want $2"
	fi
}

# scenario IMPL fixed|written
scenario() {
	local impl=$1 mode=$2 L="$1 $2" w1 w2
	w1=Web1 w2=Web2
	[ "$mode" = written ] && w1=timeout w2=timeout
	confs "$mode"
	rm -f "$T"/w1.log "$T"/w2.log
	start_ka w2 "$impl"
	start_ka w1 "$impl"
	wait_vip w1 12 && ok "$L: VIP 192.168.88.90 on Web1" || ko "$L: VIP not on Web1 alone"
	expect_curl "$L: Web1 master" $w1
	if [ "$mode" = written ]; then
		ip netns exec "${S}w1" nft list table ip keepalived 2>/dev/null |
			grep -q "elements = { 192.168.88.90 }" &&
			ok "$L: Web1 has the nftables drop set (table ip keepalived, set vips)" ||
			ko "$L: no nftables drop set on Web1: $(ip netns exec "${S}w1" nft list ruleset 2>&1 | head -20)"
		grep -q "(VI_1) setting firewall drop rule" "$T/w1.log" &&
			ok "$L: Web1 logs (VI_1) setting firewall drop rule" || ko "$L: no drop rule log line"
	fi
	local t0=$SECONDS
	nginx_stop w1
	if wait_vip w2 10; then ok "$L: nginx stopped on Web1: VIP on Web2 after $((SECONDS - t0)) s"
	else ko "$L: nginx stopped on Web1: VIP not on Web2"; fi
	grep -q "(VI_1) Entering FAULT STATE" "$T/w1.log" && ok "$L: Web1 enters FAULT" ||
		ko "$L: Web1 did not log Entering FAULT STATE"
	expect_curl "$L: Web2 master" $w2
	t0=$SECONDS
	nginx_start w1
	if wait_vip w1 15; then ok "$L: nginx started on Web1: VIP back on Web1 after $((SECONDS - t0)) s"
	else ko "$L: nginx started on Web1: VIP not back on Web1"; fi
	expect_curl "$L: Web1 master again" $w1
	stop_ka w1
	stop_ka w2
	if [ "$mode" = written ]; then
		ip netns exec "${S}w1" nft list tables 2>/dev/null | grep -q keepalived &&
			ko "$L: table keepalived left after stop" || ok "$L: table keepalived removed on stop"
	fi
	cp "$T/w1.log" "$T/${impl}-${mode}-web1.log"
	cp "$T/w2.log" "$T/${impl}-${mode}-web2.log"
	sleep 0.5
}

scenario vipr fixed
if command -v nft >/dev/null; then
	scenario vipr written
else
	echo "skip as-written: nft (Debian's nftables) is not installed"
fi
if [ -x "$KA" ] && [ -z "${LAB3_NO_KA:-}" ]; then
	scenario ka fixed
	command -v nft >/dev/null && scenario ka written
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
