#!/bin/bash
# vrrp_vmac6.sh - IPv6 extras of VRRPv3: use_vmac with the IPv6 virtual MAC, the nftables drop
# rule for IPv6 VIPs, and vrrp_mcast_group6.
#
# Namespaces (always deleted): a bridge, nodes a (priority 100) and b (50). VRID 71, VIPs
# fe80::71 and fd00:71::90/64, use_vmac (vrrp.71), group ff02::171. Checked, vipr with vipr
# and vipr (a) with Debian's keepalived (b): a's vrrp.71 is a private macvlan with MAC
# 00:00:5e:00:02:47 and no generated link-local address, carrying a's own link-local address
# (nodad) and the VIPs; a's adverts leave vrrp.71 from that MAC and link-local address to
# ff02::171, never ff02::12; b stays BACKUP; after SIGTERM of a the VIPs are on b's vrrp.71
# and a removed its vmac; a's NAs come 0.2 s apart (vrrp_gna_interval). Then, one node alone with vrrp_strict: the master's `nft list
# ruleset` is keepalived's (compared with keepalived's when installed, else checked for the
# sets), and the tables are gone after it stops.
# Env: VIPR. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v tcpdump >/dev/null || { echo "tcpdump missing"; exit 77; }
S=v7$$
ip netns add "${S}br" 2>/dev/null || { echo "no network namespaces"; exit 77; }
ip -n "${S}br" link add probe0 type macvlan 2>/dev/null && ip -n "${S}br" link del probe0 2>/dev/null
KA=/usr/sbin/keepalived
T=$(mktemp -d /tmp/vipr-vrrp-vmac6.XXXXXX)
PASS=0 FAIL=0 TD=
VMAC=00:00:5e:00:02:47
declare -A PID

stop_node() { # the process under timeout gets SIGTERM
	local p=${PID[$1]:-} c
	[ -n "$p" ] || return 0
	c=$(pgrep -P "$p" | head -1)
	kill -TERM "${c:-$p}" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$1]"
}

cleanup() {
	for n in "${!PID[@]}"; do stop_node "$n"; done
	[ -n "$TD" ] && kill "$TD" 2>/dev/null
	for ns in a b br; do ip netns del "${S}$ns" 2>/dev/null; done
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$T"/*.log "$T"/*.txt "$KEEP_LOGS"/ 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

ip netns add "${S}a" && ip netns add "${S}b" || exit 1
ip -n "${S}br" link add br0 type bridge && ip -n "${S}br" link set br0 up
ip -n "${S}br" link set br0 type bridge mcast_snooping 0
i=1
for n in a b; do
	ip link add "v$n" netns "${S}br" type veth peer name eth0 netns "${S}$n"
	ip -n "${S}br" link set "v$n" master br0 up
	ip -n "${S}$n" link set lo up
	ip -n "${S}$n" link set eth0 address "02:00:00:00:00:0$i"
	ip -n "${S}$n" link set eth0 up
	ip -n "${S}$n" -6 addr add "fd00:71::8$i/64" dev eth0
	i=$((i + 1))
done
# adverts leave from the link-local address: wait for carriers and the end of DAD
end=$((SECONDS + 15))
while [ $SECONDS -lt $end ]; do
	busy=0
	for n in a b; do
		ip -n "${S}$n" link show eth0 | grep -q "state UP" || busy=1
		ip -n "${S}$n" -6 addr show dev eth0 | grep -q tentative && busy=1
		ip -n "${S}$n" -6 addr show dev eth0 scope link | grep -q inet6 || busy=1
	done
	[ $busy = 0 ] && break
	sleep 0.05
done
LL_A=$(ip -n "${S}a" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }')

conf() { # conf NAME PRIO EXTRA_GLOBAL EXTRA_INSTANCE
	cat >"$T/$1.conf" <<EOF
global_defs {
    router_id $1
    $3
}
vrrp_instance VI_6 {
    interface eth0
    virtual_router_id 71
    priority $2
    advert_int 1
    $4
    virtual_ipaddress {
        fe80::71
        fd00:71::90/64
    }
}
EOF
}

start_node() { # start_node NAME IMPL(vipr|ka)
	local n=$1 args
	args=(-f "$T/$n.conf" -n -l -D -P -p "$T/$n.pid" -r "$T/${n}_vrrp.pid" -c "$T/${n}_c.pid")
	if [ "$2" = vipr ]; then
		ip netns exec "${S}$n" timeout 120 bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" \
			"${args[@]}" >>"$T/$n.log" 2>&1 &
	else
		ip netns exec "${S}$n" timeout 120 "$KA" "${args[@]}" >>"$T/$n.log" 2>&1 &
	fi
	PID[$n]=$!
}

wait_for() { # wait_for SECS CMD...
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

vip_on() { ip -n "${S}$1" -6 addr show dev "$2" 2>/dev/null | grep -q "inet6 fd00:71::90/64"; }
no_vip() { ! ip -n "${S}$1" -6 addr show | grep -q "inet6 fd00:71::90/"; }

round() { # round LABEL IMPL_B
	local L=$1
	rm -f "$T"/a.log "$T"/b.log
	conf a 100 "vrrp_mcast_group6 ff02::171
    vrrp_gna_interval 0.2" use_vmac
	conf b 50 "vrrp_mcast_group6 ff02::171" use_vmac
	ip netns exec "${S}br" timeout 60 tcpdump -i va -nn -l -e -tt 'ip6 proto 112 or icmp6' >"$T/$L.tcpdump.txt" 2>/dev/null &
	TD=$!
	sleep 0.5
	start_node b "$2"
	start_node a vipr
	if wait_for 10 vip_on a vrrp.71 && sleep 2 && vip_on a vrrp.71 && no_vip b; then
		ok "$L: VIP on a's vrrp.71 only"
	else
		ko "$L: VIP not on a's vrrp.71 only"
	fi
	local d
	d=$(ip -n "${S}a" -d link show vrrp.71 2>/dev/null)
	grep -q "link/ether $VMAC" <<<"$d" && grep -q "macvlan mode private" <<<"$d" &&
		grep -q "addrgenmode none" <<<"$d" && ok "$L: a's vrrp.71: private macvlan, $VMAC, addrgenmode none" ||
		ko "$L: a's vrrp.71 is not right: $(tr '\n' ' ' <<<"$d")"
	ip -n "${S}a" -6 addr show dev vrrp.71 | grep -q "inet6 $LL_A/64 scope link nodad" &&
		ok "$L: vrrp.71 carries a's link-local $LL_A" || ko "$L: vrrp.71 lacks $LL_A: $(ip -n "${S}a" -6 addr show dev vrrp.71 | tr '\n' ' ')"
	grep -q "Entering MASTER" "$T/b.log" && ko "$L: b became MASTER: it did not hear a" || ok "$L: b stays BACKUP"

	stop_node a
	wait_for 6 vip_on b vrrp.71 && ok "$L: SIGTERM a: VIP on b's vrrp.71" || ko "$L: VIP not on b's vrrp.71"
	ip -n "${S}a" link show vrrp.71 >/dev/null 2>&1 && ko "$L: a left vrrp.71 behind" || ok "$L: a removed vrrp.71"
	stop_node b
	ip -n "${S}b" link del vrrp.71 2>/dev/null # keepalived 2.2.7 may leave it
	kill "$TD" 2>/dev/null
	wait "$TD" 2>/dev/null
	TD=
	grep -q "$VMAC > 33:33:00:00:01:71, .* $LL_A > ff02::171: " "$T/$L.tcpdump.txt" &&
		ok "$L: a's adverts leave from $VMAC and $LL_A to ff02::171" ||
		ko "$L: no advert from $VMAC to ff02::171: $(head -2 "$T/$L.tcpdump.txt" | tr '\n' '|')"
	grep -q "ff02::12:" "$T/$L.tcpdump.txt" && ko "$L: adverts to ff02::12 seen" || ok "$L: nothing to ff02::12"
	# a's first burst: 5 rounds of 2 VIPs, one NA every 0.2 s (slack for a loaded machine)
	local gaps
	gaps=$(grep "^[0-9.]* $VMAC > .*neighbor advertisement" "$T/$L.tcpdump.txt" | head -10 |
		awk 'NR > 1 { printf "%d ", ($1 - p) * 1000 } { p = $1 } END { print NR }')
	awk '{ for (i = 1; i < NF; i++) if ($i < 150) bad = 1 } END { exit bad || $NF != 10 }' <<<"$gaps" &&
		ok "$L: NAs spaced by vrrp_gna_interval (ms, count: $gaps)" || ko "$L: NA gaps (ms, count): $gaps"
	for n in a b; do cp "$T/$n.log" "$T/$L.$n.log"; done
}

round "vipr+vipr" vipr
[ -x "$KA" ] && round "vipr+keepalived" ka

# the drop rule: one node, strict, master alone after Master_Down
ruleset() { # ruleset IMPL: the master's nft ruleset into $T/IMPL.nft
	conf a 100 vrrp_strict ""
	rm -f "$T/a.log"
	start_node a "$1"
	if wait_for 10 vip_on a eth0; then
		sleep 0.5
		ip netns exec "${S}a" nft list ruleset >"$T/$1.nft"
	else
		ko "$1: never became master"
	fi
	stop_node a
	ip netns exec "${S}a" nft list tables 2>/dev/null | grep -q keepalived &&
		ko "$1: table left after stop" || ok "$1: no keepalived table after stop"
}
if command -v nft >/dev/null; then
	ruleset vipr
	grep -q "elements = { fd00:71::90 }" "$T/vipr.nft" &&
		grep -q 'elements = { fe80::71 . "eth0" }' "$T/vipr.nft" &&
		ok "vipr: VIPs in the ip6 drop sets" || ko "vipr: drop sets: $(tr '\n' ' ' <"$T/vipr.nft")"
	if [ -x "$KA" ]; then
		ruleset ka
		cmp -s "$T/ka.nft" "$T/vipr.nft" && ok "vipr's ruleset is keepalived's" ||
			ko "rulesets differ: $(diff "$T/ka.nft" "$T/vipr.nft" | tr '\n' '|')"
	fi
else
	echo "skip drop rule: nft is not installed"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
