#!/bin/bash
# vrrp_vmac.sh - use_vmac: the VIP answers from the VRRP virtual MAC 00:00:5e:00:01:VRID on
# whichever node is master, vipr with vipr and vipr with Debian's keepalived as backup.
#
# Namespaces (always deleted): a bridge, nodes a (priority 100) and b (50) and a neighbour c.
# VRID 51, VIP 192.168.88.95/24, use_vmac (default name vrrp.51). Checked: the master has a
# macvlan vrrp.51 in private mode with MAC 00:00:5e:00:01:33 carrying the VIP; its adverts
# leave with that source MAC; c resolves the VIP to the virtual MAC; after SIGTERM of a the
# VIP is on b's vrrp.51, c resolves it again to the same MAC and the bridge learns that MAC
# on b's port; a removed its vrrp.51 on stop.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-vmac tcpdump python3
S=vm$$
ns_add "${S}br"
ip -n "${S}br" link add probe0 type macvlan 2>/dev/null && ip -n "${S}br" link del probe0 2>/dev/null
KA=/usr/sbin/keepalived
TD=
VMAC=00:00:5e:00:01:33

ns_cleanup_extra() {
	ka_nodes_stop
	[ -n "$TD" ] && kill "$TD" 2>/dev/null
}

ns_add "${S}a" "${S}b" "${S}c"
ns_bridge "$S" a b c
i=7
for n in a b c; do
	ip -n "${S}$n" addr add "192.168.88.8$i/24" dev eth0
	i=$((i + 1))
done
ns_wait_up "${S}a" "${S}b" "${S}c"

for n in a b; do
	cat >"$T/$n.conf" <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority $([ $n = a ] && echo 100 || echo 50)
    advert_int 1
    use_vmac
    virtual_ipaddress {
        192.168.88.95/24
    }
}
EOF
done

vip_on_vmac() { ip -n "${S}$1" -4 addr show dev vrrp.51 2>/dev/null | grep -q "inet 192.168.88.95/24"; }
no_vip() { ! ip -n "${S}$1" -4 addr show | grep -q "inet 192.168.88.95/"; }
resolve() { # c asks for the VIP's MAC with one ARP request; prints the MACs that answer
	ip netns exec "${S}c" timeout 10 python3 - <<'EOF'
import socket, struct, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth0", 0))
mac = s.getsockname()[4]
me, vip = socket.inet_aton("192.168.88.89"), socket.inet_aton("192.168.88.95")
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + me + bytes(6) + vip
s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
s.settimeout(0.2)
seen, end = [], time.time() + 1.5
while time.time() < end:
    try:
        f = s.recv(100)
    except socket.timeout:
        continue
    if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and f[28:32] == vip:
        m = ":".join("%02x" % b for b in f[22:28])
        if m not in seen:
            seen.append(m)
print(" ".join(seen))
EOF
}
fdb_port() { bridge -n "${S}br" fdb show br br0 | awk -v m="$VMAC" '$1 == m && $3 ~ /^v/ { print $3; exit }'; }

round() { # round LABEL IMPL_B
	local L=$1
	rm -f "$T"/a.log "$T"/b.log
	ip netns exec "${S}br" timeout 60 tcpdump -i br0 -nn -l -e 'ip proto 112 or arp' >"$T/$L.tcpdump.txt" 2>/dev/null &
	TD=$!
	sleep 0.5
	ka_node b "$2" 120
	ka_node a vipr 120
	if wait_for 10 vip_on_vmac a && sleep 1.5 && vip_on_vmac a && no_vip b; then
		ok "$L: VIP on a's vrrp.51 only"
	else
		ko "$L: VIP not on a's vrrp.51 only"
	fi
	ip -n "${S}a" -d link show vrrp.51 | grep -q "link/ether $VMAC" &&
		ip -n "${S}a" -d link show vrrp.51 | grep -q "macvlan mode private" &&
		ok "$L: a's vrrp.51 is a private macvlan with $VMAC" || ko "$L: a's vrrp.51 is not a private macvlan with $VMAC"
	local m
	m=$(resolve)
	[ "$m" = "$VMAC" ] && ok "$L: c resolves the VIP to $VMAC" || ko "$L: c resolves the VIP to '$m'"
	[ "$(fdb_port)" = va ] && ok "$L: the bridge learnt $VMAC on a's port" || ko "$L: $VMAC learnt on '$(fdb_port)'"

	ka_node_stop a
	if wait_for 6 vip_on_vmac b; then ok "$L: SIGTERM a: VIP on b's vrrp.51"; else ko "$L: VIP not on b's vrrp.51"; fi
	ip -n "${S}a" link show vrrp.51 >/dev/null 2>&1 && ko "$L: a left vrrp.51 behind" || ok "$L: a removed vrrp.51"
	m=$(resolve)
	[ "$m" = "$VMAC" ] && ok "$L: after failover c resolves the VIP to the same $VMAC" ||
		ko "$L: after failover c resolves the VIP to '$m'"
	wait_for 3 eval '[ "$(fdb_port)" = vb ]' && ok "$L: the bridge learnt $VMAC on b's port" ||
		ko "$L: after failover $VMAC is on '$(fdb_port)'"
	ka_node_stop b
	ip -n "${S}b" link del vrrp.51 2>/dev/null # keepalived 2.2.7 may leave it
	kill "$TD" 2>/dev/null
	wait "$TD" 2>/dev/null
	TD=
	grep -q "$VMAC > 01:00:5e:00:00:12, .* 192.168.88.87 > 224.0.0.18: VRRPv2" "$T/$L.tcpdump.txt" &&
		ok "$L: a's adverts leave from $VMAC" || ko "$L: no advert from $VMAC on the wire"
	grep -q "(VI_1): Success creating VMAC interface vrrp.51" "$T/a.log" &&
		ok "$L: keepalived's VMAC log line" || ko "$L: no 'Success creating VMAC interface' line"
	for n in a b; do cp "$T/$n.log" "$T/$L.$n.log"; done
}

round "vipr+vipr" vipr
if [ -x "$KA" ]; then
	round "vipr+keepalived" ka
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
