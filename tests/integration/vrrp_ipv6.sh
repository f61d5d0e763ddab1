#!/bin/bash
# vrrp_ipv6.sh - VRRPv3 over IPv6 in network namespaces: vipr with vipr, and vipr with Debian's
# real keepalived in both roles, then IPv6 unicast peers.
#
# Four namespaces are created and always deleted: a bridge and nodes a (priority 100), b (50)
# and c (a neighbour that only watches). Instance VI_6, VRID 61, VIPs fd00:88::90/64 and
# fd00:88::91. Checked: adverts leave from the link-local address to ff02::12 with hop limit
# 255 (tcpdump on the bridge); the VIPs are on the master only, added with nodad; unsolicited
# neighbour advertisements move c's neighbour entry for the VIP to the new master's MAC on
# failover (SIGTERM); the master comes back by preemption; both logs are free of refused
# adverts; with unicast_peer and unicast_src_ip over IPv6 the pair (vipr with vipr, vipr with
# keepalived) elects and fails over the same way.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-ipv6 tcpdump
S=v6$$
ns_add "${S}br"
KA=/usr/sbin/keepalived
TD=

ns_cleanup_extra() {
	ka_nodes_stop TERM
	[ -n "$TD" ] && kill "$TD" 2>/dev/null
}

ns_add "${S}a" "${S}b" "${S}c"
ns_bridge "$S" a=02:00:00:00:00:01 b=02:00:00:00:00:02 c=02:00:00:00:00:03
ip -n "${S}br" link set br0 type bridge mcast_snooping 0
ip -n "${S}a" -6 addr add fd00:88::87/64 dev eth0
ip -n "${S}b" -6 addr add fd00:88::88/64 dev eth0
ip -n "${S}c" -6 addr add fd00:88::89/64 dev eth0
# adverts leave from the link-local address: wait until duplicate address detection is done
for _ in $(seq 1 200); do
	busy=0
	for n in a b c; do
		ip -n "${S}$n" -6 addr show dev eth0 | grep -q tentative && busy=1
	done
	[ $busy = 0 ] && break
	sleep 0.05
done
LL_A=$(ip -n "${S}a" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }')
LL_B=$(ip -n "${S}b" -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }')

conf() { # conf NAME PRIO [unicast]
	{
		echo "vrrp_instance VI_6 {"
		echo "    state BACKUP"
		echo "    interface eth0"
		echo "    virtual_router_id 61"
		echo "    priority $2"
		echo "    advert_int 1"
		if [ "${3:-}" = unicast ]; then
			# keepalived binds its unicast socket to the source: a global one here
			[ "$1" = a ] && echo "    unicast_src_ip fd00:88::87" || echo "    unicast_src_ip fd00:88::88"
			echo "    unicast_peer {"
			[ "$1" = a ] && echo "        fd00:88::88" || echo "        fd00:88::87"
			echo "    }"
		fi
		echo "    virtual_ipaddress {"
		echo "        fd00:88::90/64 dev eth0"
		echo "        fd00:88::91"
		echo "    }"
		echo "}"
	} >"$T/$1.conf"
}

has_vip() { ip -n "${S}$1" -6 addr show dev eth0 | grep -q "inet6 ${2:-fd00:88::90}/"; }

mac_of() { ip -n "${S}$1" link show dev eth0 | awk '/link\/ether/ { print $2 }'; }
neigh_mac() { ip -n "${S}c" -6 neigh show fd00:88::90 dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }
neigh_is() { [ "$(neigh_mac)" = "$1" ]; }

clean_log() { # clean_log NAME LABEL
	local bad="invalid|wrong version|mismatch|discarding (packet|advert)|Netlink: error|not present|Unknown interface"
	if grep -Eq "$bad" "$T/$1.log"; then
		ko "$2: $1's log has errors: $(grep -E "$bad" "$T/$1.log" | head -3)"
	else
		ok "$2: $1's log is clean"
	fi
}

pair() { # pair LABEL IMPL_A IMPL_B [unicast]
	local L=$1
	rm -f "$T"/a.log "$T"/b.log
	conf a 100 "${4:-}"
	conf b 50 "${4:-}"
	ip netns exec "${S}br" timeout 60 tcpdump -i br0 -nn -l -v 'ip6 proto 112 or icmp6' \
		>"$T/$L.tcpdump.txt" 2>/dev/null &
	TD=$!
	sleep 0.5
	ka_node b "$3" 120
	ka_node a "$2" 120
	if wait_for 10 has_vip a && sleep 1.5 && has_vip a && has_vip a fd00:88::91 && ! has_vip b; then
		ok "$L: VIPs on A (master) only"
	else
		ko "$L: VIPs not on A only (A $(has_vip a && echo has) B $(has_vip b && echo has))"
	fi
	ip -n "${S}a" -6 addr show dev eth0 | grep "fd00:88::90/64" | grep -q nodad &&
		ok "$L: VIP added with nodad, prefix 64" || ko "$L: VIP not fd00:88::90/64 nodad"
	ip -n "${S}a" -6 addr show dev eth0 | grep -q "fd00:88::91/128" &&
		ok "$L: VIP without prefix is a /128" || ko "$L: fd00:88::91 is not a /128"
	# c learns the VIP's MAC by talking to it (a TCP attempt: neighbour discovery, then a reset)
	ip netns exec "${S}c" timeout 3 bash -c 'exec 3<>/dev/tcp/fd00:88::90/9' 2>/dev/null
	neigh_is "$(mac_of a)" && ok "$L: neighbour sees the VIP at A's MAC" ||
		ko "$L: neighbour has VIP at '$(neigh_mac)', A is $(mac_of a)"

	ka_node_stop a TERM
	if wait_for 5 has_vip b; then ok "$L: SIGTERM A: VIPs move to B"; else ko "$L: VIPs did not move to B"; fi
	! has_vip a && ok "$L: A removed its VIPs" || ko "$L: A kept its VIPs after SIGTERM"
	if wait_for 5 neigh_is "$(mac_of b)"; then
		ok "$L: unsolicited NA moved the neighbour entry to B's MAC"
	else
		ko "$L: neighbour still has '$(neigh_mac)', B is $(mac_of b)"
	fi

	ka_node a "$2" 120
	if wait_for 10 has_vip a && wait_for 5 eval '! has_vip b'; then
		ok "$L: A preempts back"
	else
		ko "$L: A did not take the VIPs back"
	fi
	sleep 1
	ka_node_stop a TERM
	ka_node_stop b TERM
	kill "$TD" 2>/dev/null
	wait "$TD" 2>/dev/null
	TD=
	local src=$LL_A dst=ff02::12
	[ "${4:-}" = unicast ] && src=fd00:88::87 dst=fd00:88::88
	# the adverts on the wire: from A's link-local address (unicast: unicast_src_ip), hop
	# limit 255, VRRPv3
	if grep -A1 "hlim 255, next-header VRRP" "$T/$L.tcpdump.txt" | grep -q "$src > $dst: VRRPv3, Advertisement, vrid 61, prio 100"; then
		ok "$L: A's adverts: $src > $dst, hop limit 255, v3"
	else
		ko "$L: no v3 advert from $src to $dst with hop limit 255 on the wire"
	fi
	grep -q "fd00:88::90 > ff02::1: .*neighbor advertisement.*tgt is fd00:88::90, Flags \[override\]" \
		"$T/$L.tcpdump.txt" && ok "$L: unsolicited NAs from the VIP to ff02::1 (override)" ||
		ko "$L: no unsolicited NA for fd00:88::90 on the wire"
	clean_log a "$L"
	clean_log b "$L"
	for n in a b; do cp "$T/$n.log" "$T/$L.$n.log"; done
}

pair "vipr+vipr" vipr vipr
grep -q "(VI_6) Sending/queueing Unsolicited Neighbour Adverts on eth0 for fd00:88::90" "$T/vipr+vipr.a.log" &&
	ok "vipr logs keepalived's NA line" || ko "vipr's log lacks the Unsolicited Neighbour Adverts line"
grep -q "(VI_6) the first IPv6 VIP address should be link local" "$T/vipr+vipr.a.log" &&
	ok "vipr warns that the first IPv6 VIP is not link local" || ko "no link-local VIP warning"
if [ -x "$KA" ]; then
	pair "vipr-master+keepalived" vipr ka
	pair "keepalived-master+vipr" ka vipr
else
	echo "skip interop: $KA missing"
fi
pair "unicast" vipr vipr unicast
grep -q "fd00:88::88 > fd00:88::87: VRRPv3" "$T/unicast.tcpdump.txt" &&
	ok "unicast: B's adverts go to A's address" || ko "unicast: no advert from B to fd00:88::87"
if [ -x "$KA" ]; then
	pair "unicast-vipr+keepalived" vipr ka unicast
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
