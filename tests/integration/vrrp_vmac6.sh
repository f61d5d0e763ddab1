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
# Env: VIPR, SRC. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-vmac6 tcpdump
S=v7$$
ns_add "${S}br"
ip -n "${S}br" link add probe0 type macvlan 2>/dev/null && ip -n "${S}br" link del probe0 2>/dev/null
KA=/usr/sbin/keepalived
TD=
VMAC=00:00:5e:00:02:47

ns_cleanup_extra() {
	ka_nodes_stop
	[ -n "$TD" ] && kill "$TD" 2>/dev/null
}

ns_add "${S}a" "${S}b"
ns_bridge "$S" a=02:00:00:00:00:01 b=02:00:00:00:00:02
ip -n "${S}br" link set br0 type bridge mcast_snooping 0
ip -n "${S}a" -6 addr add fd00:71::81/64 dev eth0
ip -n "${S}b" -6 addr add fd00:71::82/64 dev eth0
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
	ka_node b "$2" 120
	ka_node a vipr 120
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

	ka_node_stop a
	wait_for 6 vip_on b vrrp.71 && ok "$L: SIGTERM a: VIP on b's vrrp.71" || ko "$L: VIP not on b's vrrp.71"
	ip -n "${S}a" link show vrrp.71 >/dev/null 2>&1 && ko "$L: a left vrrp.71 behind" || ok "$L: a removed vrrp.71"
	ka_node_stop b
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
	ka_node a "$1" 120
	if wait_for 10 vip_on a eth0; then
		sleep 0.5
		ip netns exec "${S}a" nft list ruleset >"$T/$1.nft"
	else
		ko "$1: never became master"
	fi
	ka_node_stop a
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
