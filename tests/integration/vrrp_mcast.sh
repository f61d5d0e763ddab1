#!/bin/bash
# vrrp_mcast.sh - vrrp_mcast_group4 and vrrp_garp_interval: adverts go to (and are heard on)
# a non-default group, between two vipr nodes and between vipr and Debian's keepalived; the
# gratuitous ARPs of one burst are spaced by the interval.
#
# Three namespaces are created and always deleted: a bridge and two nodes (eth0 192.168.88.87
# and .88). Both nodes use group 224.0.0.117, VRID 51, VIP 192.168.88.90; A has priority 100,
# B 50; 4 GARPs a burst, 0.25 s apart, no second burst. tcpdump on A's bridge port records
# what A sends. Checked: one master (A); A's adverts go to 224.0.0.117 and never 224.0.0.18;
# A's GARPs come at least 0.2 s apart (the interval, with slack for a loaded machine);
# after SIGHUP with group 224.0.0.118 on both, A's adverts go there and A stays master;
# keepalived as B with the same group stays BACKUP under A and takes over when A stops.
# Env: VIPR (binary), SRC. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-mcast tcpdump
S=vm$$
ns_add "${S}br"
KA=/usr/sbin/keepalived
TD=

ns_cleanup_extra() {
	ka_nodes_stop KILL
	[ -n "$TD" ] && kill "$TD" 2>/dev/null
}

ns_add "${S}a" "${S}b"
ns_bridge "$S" a b
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
ip -n "${S}b" addr add 192.168.88.88/24 dev eth0
ns_wait_up "${S}a" "${S}b"

conf() { # conf NAME PRIO
	cat >"$T/$1.conf" <<EOF
global_defs {
    router_id $1
    vrrp_mcast_group4 224.0.0.117
    vrrp_garp_interval 0.25
    vrrp_garp_master_repeat 4
    vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int 1
    virtual_ipaddress {
        192.168.88.90/24
    }
}
EOF
}

has_vip() { ip -n "${S}$1" -4 addr show dev eth0 | grep -q "inet 192.168.88.90/"; }
wait_vip() { # wait_vip NODE SECS
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do has_vip "$1" && return 0; sleep 0.05; done
	return 1
}

conf a 100
conf b 50
ip netns exec "${S}br" timeout 60 tcpdump -i va -n -l -tt 'arp or ip proto 112' >"$T/cap.txt" 2>/dev/null &
TD=$!
sleep 1 # tcpdump opens its socket
ka_node b vipr 120
ka_node a vipr 120
if wait_vip a 10 && sleep 3 && has_vip a && ! has_vip b; then
	ok "vipr pair on 224.0.0.117: VIP on A (master) only"
else
	ko "vipr pair: VIP not on A only (A $(has_vip a && echo has) B $(has_vip b && echo has))"
fi
grep -q "Entering MASTER" "$T/b.log" && ko "B (priority 50) became MASTER: it did not hear A" ||
	ok "B never became MASTER"
sleep 1
kill "$TD" 2>/dev/null
wait "$TD" 2>/dev/null
TD=
n117=$(grep -c '192.168.88.87 > 224.0.0.117: VRRPv2' "$T/cap.txt")
n18=$(grep -c '> 224.0.0.18' "$T/cap.txt")
[ "$n117" -ge 3 ] && ok "A's adverts go to 224.0.0.117 ($n117 seen)" ||
	ko "A's adverts to 224.0.0.117: $n117 seen: $(head -3 "$T/cap.txt" | tr '\n' '|')"
[ "$n18" = 0 ] && ok "nothing sent to 224.0.0.18" || ko "$n18 packets to 224.0.0.18"
# GARPs: "Request who-has 192.168.88.90 tell 192.168.88.90"
mapfile -t ts < <(grep -E 'who-has 192.168.88.90 .*tell 192.168.88.90' "$T/cap.txt" | awk '{print $1}')
if [ "${#ts[@]}" = 4 ]; then
	ok "A sent one burst of 4 GARPs"
else
	ko "A sent ${#ts[@]} GARPs, want 4"
fi
gaps=$(printf '%s\n' "${ts[@]}" | awk 'NR > 1 { printf "%d ", ($1 - p) * 1000 } { p = $1 }')
if [ "${#ts[@]}" -ge 2 ] && ! printf '%s\n' $gaps | awk '$1 < 200 { bad = 1 } END { exit !bad }'; then
	ok "GARPs spaced by vrrp_garp_interval: gaps $gaps ms"
else
	ko "GARP gaps $gaps ms (want >= 200 each)"
fi

# SIGHUP with another group: both nodes leave 224.0.0.117 for 224.0.0.118, A stays master
sed -i 's/224.0.0.117/224.0.0.118/' "$T/a.conf" "$T/b.conf"
ip netns exec "${S}br" timeout 60 tcpdump -i va -n -l 'ip proto 112' >"$T/cap2.txt" 2>/dev/null &
TD=$!
sleep 1
for n in a b; do kill -HUP "$(pgrep -P "${PID[$n]}" | head -1)"; done
sleep 4
kill "$TD" 2>/dev/null
wait "$TD" 2>/dev/null
TD=
n118=$(grep -c '192.168.88.87 > 224.0.0.118: VRRPv2' "$T/cap2.txt")
[ "$n118" -ge 2 ] && ! tail -n 2 "$T/cap2.txt" | grep -q '224.0.0.117' &&
	ok "after SIGHUP A's adverts go to 224.0.0.118 ($n118 seen)" ||
	ko "after SIGHUP: $n118 adverts to 224.0.0.118: $(tail -3 "$T/cap2.txt" | tr '\n' '|')"
has_vip a && ! has_vip b && ! grep -q "Entering MASTER" "$T/b.log" &&
	ok "after SIGHUP A is still the only master" || ko "after SIGHUP: masters changed"

if [ -x "$KA" ]; then
	sed -i 's/224.0.0.118/224.0.0.117/' "$T/b.conf"
	sed -i 's/224.0.0.118/224.0.0.117/' "$T/a.conf"
	for n in a; do kill -HUP "$(pgrep -P "${PID[$n]}" | head -1)"; done
	ka_node_stop b TERM
	: >"$T/b.log"
	ka_node b ka 120
	sleep 4
	if has_vip a && ! has_vip b && grep -q "(VI_1) Entering BACKUP STATE" "$T/b.log" &&
		! grep -q "Entering MASTER" "$T/b.log"; then
		ok "keepalived on 224.0.0.117 stays BACKUP under vipr"
	else
		ko "keepalived under vipr: $(grep -E 'Entering|invalid' "$T/b.log" | tr '\n' '|')"
	fi
	ka_node_stop a TERM
	wait_vip b 5 && ok "vipr stopped: keepalived takes the VIP" || ko "keepalived did not take the VIP"
	grep -Eq "invalid|wrong version|mismatch" "$T/b.log" && ko "keepalived logged refused adverts" ||
		ok "keepalived's log is clean"
	ka_node_stop b TERM
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
