#!/bin/bash
# lvs_lab2.sh - LABS.md Lab 2 (LVS-DR made highly available by keepalived) end to end, on a
# kernel without IPVS: vipr's keepalived serves the virtual_server in userspace.
#
# Namespaces LVS1 (192.168.88.81), LVS2 (.82), Web1 (.83), Web2 (.84) and Client (.85) on a
# bridge in its own namespace, all created here and deleted on exit. The real servers carry
# the VIP .86 on lo with arp_ignore=1 / arp_announce=2, as the tutorial sets them up; Debian's
# nginx serves "Web1" / "Web2". LVS1 and LVS2 run the tutorial's
# samples/labs/lvs-ha/lvs{1,2}/keepalived.conf "fixed" as LABS.md decides (temp copies with
# vrrp_strict removed and nb_get_retry renamed retry), through vipr as keepalived.
#   1. persistence_timeout 60: the VIP is on LVS1, 6 curls from the client land on one server,
#      and the daemon logs that the kernel has no IPVS and DR is emulated by proxying.
#   2. the persistence_timeout line removed: 6 curls follow IPVS's wrr for weights 1:2 exactly
#      (IPVS lists .84 first): Web2 Web2 Web1 Web2 Web2 Web1.
#   3. keepalived stopped on LVS1: LVS2 holds the VIP, curls keep working, and LVS1's
#      virtual-server process is gone with its daemon.
#   4. nginx stopped on Web2: its TCP_CHECK fails, LVS2 removes it, curls all go to Web1.
# `vipr ipvs FILE` prints the config's table in ipvsadm -Ln layout, `vipr ipvs` in a director's
# namespace the live one (weights after the checks, ActiveConn).
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx not installed"; exit 77; }
command -v curl >/dev/null || { echo "curl not installed"; exit 77; }
S=l2$$
ip netns add "${S}br" 2>/dev/null || { echo "no network namespaces"; exit 77; }
T=$(mktemp -d /tmp/vipr-lab2.XXXXXX)
chmod 755 "$T" # nginx workers (nobody) read the pages
PASS=0 FAIL=0
declare -A PID

cleanup() {
	for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null; wait "${PID[$n]}" 2>/dev/null; done
	for w in w1 w2; do
		[ -s "$T/$w/nginx.pid" ] && kill -TERM "$(cat "$T/$w/nginx.pid")" 2>/dev/null
	done
	sleep 0.3
	for ns in l1 l2 w1 w2 cl br; do ip netns del "${S}$ns" 2>/dev/null; done
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$T"/*.log "$KEEP_LOGS"/ 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ] && exit 0 || exit 1
}

# --- network: the tutorial's addresses, interface eth0 in every host
for n in l1 l2 w1 w2 cl; do ip netns add "${S}$n" || exit 1; done
ip -n "${S}br" link add br0 type bridge && ip -n "${S}br" link set br0 up
i=80
for n in l1 l2 w1 w2 cl; do
	i=$((i + 1))
	ip link add "v$n" netns "${S}br" type veth peer name eth0 netns "${S}$n"
	ip -n "${S}br" link set "v$n" master br0 up
	ip -n "${S}$n" link set lo up
	ip -n "${S}$n" link set eth0 up
	ip -n "${S}$n" addr add "192.168.88.$i/24" dev eth0
done
# real servers: VIP on lo, ARP kept quiet about it (classic LVS-DR)
for w in w1 w2; do
	for k in all lo; do
		ip netns exec "${S}$w" sysctl -qw "net.ipv4.conf.$k.arp_ignore=1" "net.ipv4.conf.$k.arp_announce=2"
	done
	ip -n "${S}$w" addr add 192.168.88.86/32 dev lo label lo:0
done

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
	ip netns exec "${S}$w" "$NGINX" -p "$T/$w/" -c "$T/$w/nginx.conf" 2>>"$T/nginx.log" ||
		{ echo "nginx does not start: $(cat "$T/nginx.log")"; exit 77; }
done

# --- the tutorial's files, fixed (LABS.md): vrrp_strict removed, nb_get_retry -> retry
confs() { # confs persist|nopersist
	for l in lvs1 lvs2; do
		sed -e '/^[[:space:]]*vrrp_strict[[:space:]]*$/d' -e 's/nb_get_retry/retry/' \
			"$SRC/samples/labs/lvs-ha/$l/keepalived.conf" >"$T/$l.conf"
		[ "$1" = nopersist ] && sed -i '/persistence_timeout/d' "$T/$l.conf"
	done
}

start_ka() { # start_ka l1|l2
	local n=$1 c=$T/lvs${1#l}.conf
	ip netns exec "${S}$n" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" \
		-f "$c" -n -l -D -p "$T/$n.pid" -r "$T/${n}_vrrp.pid" -c "$T/${n}_c.pid" \
		>>"$T/$n.log" 2>&1 &
	PID[$n]=$!
}
stop_ka() {
	local p=${PID[$1]:-}
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$1]"
}

has_vip() { ip -n "${S}$1" -4 addr show dev eth0 | grep -q "inet 192.168.88.86/"; }
wait_vip() { # wait_vip NODE SECS: the VIP on NODE and not on the other director
	local other=l2 end=$((SECONDS + $2))
	[ "$1" = l2 ] && other=l1
	while [ $SECONDS -lt $end ]; do
		has_vip "$1" && ! has_vip $other && return 0
		sleep 0.1
	done
	return 1
}
get() { ip netns exec "${S}cl" curl -s -m 3 http://192.168.88.86/ 2>/dev/null; }
curls() { # curls N: the answers, space separated
	local out=() k
	for ((k = 0; k < $1; k++)); do out+=("$(get || echo ERR)"); done
	echo "${out[*]}"
}
diag() { # what the director listens on and what curl sees
	echo "  LVS1 listeners: $(ip netns exec "${S}l1" ss -ltn | tr '\n' ' ')"
	echo "  curl: $(ip netns exec "${S}cl" curl -sv -m 3 http://192.168.88.86/ 2>&1 | tail -5 | tr '\n' ' ')"
	echo "  nft: $(ip netns exec "${S}l1" nft list ruleset 2>&1 | head -20 | tr '\n' ' ')"
	echo "  LVS1 conns: $(ip netns exec "${S}l1" ss -tnp | tr "\n" " ")"
	echo "  neigh: $(ip -n "${S}cl" neigh | tr "\n" " ")"
	echo "  local curl on LVS1: $(ip netns exec "${S}l1" curl -s -m 3 http://192.168.88.86/ 2>&1; echo rc=$?)"
	echo "  LVS1 to Web1: $(ip netns exec "${S}l1" curl -s -m 3 http://192.168.88.83/ 2>&1; echo rc=$?)"
}
stop_both() { stop_ka l1; stop_ka l2; sleep 0.3; }

# --- vipr ipvs: ipvsadm -Ln layout
confs persist
tbl=$("$VIPR" ipvs "$T/lvs1.conf" 2>&1)
echo "$tbl" | grep -q "^TCP  192.168.88.86:80 wrr persistent 60$" &&
	echo "$tbl" | grep -Eq "^  -> 192.168.88.84:80 +Route +2 +0 +0" &&
	echo "$tbl" | grep -Eq "^  -> 192.168.88.83:80 +Route +1 +0 +0" &&
	ok "vipr ipvs: ipvsadm -Ln layout (wrr persistent 60, Route, weights)" ||
	ko "vipr ipvs output: $tbl"

# --- 1. persistence_timeout 60
start_ka l2
start_ka l1
wait_vip l1 12 && ok "persist: VIP 192.168.88.86 on LVS1" || ko "persist: VIP not on LVS1 alone"
sleep 0.3
seq1=$(curls 6)
first=${seq1%% *}
if [[ "$first" == Web[12] ]] && [ "$seq1" = "$first $first $first $first $first $first" ]; then
	ok "persist: 6 curls land on one server ($first)"
else
	ko "persist: 6 curls returned [$seq1], want one server"
	diag
fi
grep -q "the kernel has no IPVS.*\[192.168.88.86\]:tcp:80.*DR/TUN forwarding is emulated by proxying" "$T/l1.log" &&
	ok "persist: LVS1 logs that the kernel has no IPVS and DR is emulated by proxying" ||
	ko "persist: no IPVS log line on LVS1: $(grep -i ipvs "$T/l1.log")"
n=$(grep -c "the kernel has no IPVS" "$T/l1.log")
[ "$n" = 1 ] && ok "persist: the line is logged once per virtual_server" || ko "persist: logged $n times"
stop_both

# --- 2. no persistence: wrr 1:2 as IPVS walks it
confs nopersist
: >"$T/l1.log"
start_ka l2
start_ka l1
wait_vip l1 12 && ok "wrr: VIP 192.168.88.86 on LVS1" || ko "wrr: VIP not on LVS1 alone"
sleep 0.3
seq2=$(curls 6)
[ "$seq2" = "Web2 Web2 Web1 Web2 Web2 Web1" ] &&
	ok "wrr: 6 curls follow IPVS wrr 1:2 ($seq2)" || ko "wrr: curls returned [$seq2], want Web2 Web2 Web1 Web2 Web2 Web1"
w1=$(grep -o Web1 <<<"$seq2" | wc -l)
w2=$(grep -o Web2 <<<"$seq2" | wc -l)
[ "$w1" = 2 ] && [ "$w2" = 4 ] && ok "wrr: Web1:Web2 = 1:2" || ko "wrr: Web1:Web2 = $w1:$w2"
live=$(ip netns exec "${S}l1" "$VIPR" ipvs 2>&1)
echo "$live" | grep -q "^TCP  192.168.88.86:80 wrr$" &&
	echo "$live" | grep -Eq "^  -> 192.168.88.84:80 +Route +2 +[0-9]+ +0" &&
	echo "$live" | grep -Eq "^  -> 192.168.88.83:80 +Route +1 +[0-9]+ +0" &&
	ok "wrr: vipr ipvs in LVS1's namespace lists the live table" || ko "wrr: live vipr ipvs: $live"

# --- 3. keepalived stopped on LVS1: LVS2 takes over the VIP
child=$(pgrep -P "${PID[l1]}" | head -1)
t0=$SECONDS
stop_ka l1
if wait_vip l2 10; then ok "failover: keepalived stopped on LVS1: VIP on LVS2 after $((SECONDS - t0)) s"
else ko "failover: VIP not on LVS2"; fi
sleep 0.3
seq3=$(curls 3)
[[ "$seq3" =~ ^(Web[12] ){2}Web[12]$ ]] && ok "failover: curls keep working through LVS2 ($seq3)" ||
	ko "failover: curls through LVS2 returned [$seq3]"
gone=1
for _ in $(seq 30); do
	[ -n "$child" ] && kill -0 "$child" 2>/dev/null || { gone=0; break; }
	sleep 0.1
done
[ -n "$child" ] && [ $gone = 0 ] && ok "failover: LVS1's virtual-server process ended with its daemon" ||
	ko "failover: LVS1's virtual-server process (pid ${child:-none}) still running"

# --- 4. a real server failing its TCP_CHECK is removed (on LVS2, now the master)
kill -TERM "$(cat "$T/w2/nginx.pid")" 2>/dev/null
removed=1
for _ in $(seq 300); do
	grep -q "Removing service \[192.168.88.84\]:tcp:80 from VS \[192.168.88.86\]:tcp:80" "$T/l2.log" && { removed=0; break; }
	sleep 0.1
done
[ $removed = 0 ] && ok "check: Web2 down: LVS2 logs Removing service [192.168.88.84]:tcp:80" ||
	ko "check: no removal of Web2 logged on LVS2"
seq4=$(curls 3)
[ "$seq4" = "Web1 Web1 Web1" ] && ok "check: curls go to Web1 only ($seq4)" || ko "check: curls returned [$seq4]"
live=$(ip netns exec "${S}l2" "$VIPR" ipvs 2>&1)
echo "$live" | grep -Eq "^  -> 192.168.88.83:80 +Route +1 " && ! echo "$live" | grep -q "192.168.88.84" &&
	ok "check: vipr ipvs on LVS2 no longer lists Web2" || ko "check: live vipr ipvs on LVS2: $live"
stop_both
finish
