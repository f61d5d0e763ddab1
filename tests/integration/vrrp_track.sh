#!/bin/bash
# vrrp_track.sh - track_script, track_interface, the own interface, notify scripts and a
# vrrp_sync_group, with vipr as keepalived in one network namespace (deleted on exit).
#
# One node (eth0 192.168.88.87 on a bridge, eth1 a veth inside the node) runs VI_1 and VI_2 in
# sync group G1 (VI_1 tracks script chk_f without weight and eth1 without weight) and VI_3
# alone (chk_w weight -20, chk_p weight 10 overridden to -30, eth1 weight -5). Scripts read
# their exit code from a file. Expected lines and notify arguments are those Debian's
# keepalived 2.2.7 printed for the same steps (see the report of issue 7).
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-track
chmod 755 "$T"
S=vt$$
P=
ns_add "${S}br" "${S}a"

ns_cleanup_extra() {
	[ -n "$P" ] && kill -TERM "$P" 2>/dev/null && wait "$P" 2>/dev/null
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$T"/notify.out "$KEEP_LOGS"/ 2>/dev/null; fi
}

ns_bridge "$S" a
ns_veth "${S}a" eth1 eth1p
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
# the carrier of a veth comes up a moment after the link (linkwatch): wait for it, so that the
# daemon starts with eth1 up and no stale "Netlink reports eth1 up" line is in the log
running() { ip -n "${S}a" link show dev "$1" | grep -q "state UP"; }
for _ in $(seq 1 100); do running eth1 && running eth0 && break; sleep 0.05; done

for s in f w p; do
	echo 0 >"$T/rc_$s"
	printf '#!/bin/sh\nexit $(cat %s/rc_%s)\n' "$T" "$s" >"$T/chk_$s.sh"
done
printf '#!/bin/sh\necho "$*" >> %s/notify.out\n' "$T" >"$T/notify.sh"
chmod 755 "$T"/*.sh
cat >"$T/k.conf" <<EOF
global_defs {
    router_id T1
}
vrrp_script chk_f {
    script "$T/chk_f.sh"
    interval 1
}
vrrp_script chk_w {
    script "$T/chk_w.sh"
    interval 1
    weight -20
}
vrrp_script chk_p {
    script "$T/chk_p.sh"
    interval 1
    weight 10
}
vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
    notify "$T/notify.sh"
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.88.90/24
    }
    track_script {
        chk_f
    }
    track_interface {
        eth1
    }
    notify "$T/notify.sh"
    notify_master "$T/notify.sh master1"
    notify_fault "$T/notify.sh fault1"
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.88.91/24
    }
}
vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.88.92/24
    }
    track_script {
        chk_w
        chk_p weight -30
    }
    track_interface {
        eth1 weight -5
    }
}
EOF
L=$T/k.log
ip netns exec "${S}a" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -f "$T/k.conf" -n -l -D -P \
	-p "$T/k.pid" -r "$T/k_vrrp.pid" >"$L" 2>&1 &
P=$!

has_vip() { ip -n "${S}a" -4 addr show dev eth0 | grep -q "inet $1/"; }
# Log lines are looked for after the mark, which each step sets before it acts, so a line
# printed by an earlier step never answers for a later one.
# (mark and logged: tests/lib/ka_daemon.sh)
MARK=0
expect() { logged "$1" "${2:-5}" && ok "log: $1" || ko "log: no [$1]"; }

expect "Script user 'keepalived_script' does not exist" 2
expect "SECURITY VIOLATION - scripts are being executed but script_security not enabled." 2
expect "VRRP_Script(chk_f) succeeded"
expect "VRRP_Group(G1) Syncing instances to MASTER state" 8
sleep 1
has_vip 192.168.88.90 && has_vip 192.168.88.91 && has_vip 192.168.88.92 &&
	ok "all three instances master" || ko "not all instances master"

# weights: -20 while failing, the -30 override, interface weight -5
mark
echo 1 >"$T/rc_w"
expect "Script \`chk_w\` now returning 1"
expect "VRRP_Script(chk_w) failed (exited with status 1)"
expect "(VI_3) Changing effective priority from 100 to 80"
mark
echo 0 >"$T/rc_w"
expect "(VI_3) Changing effective priority from 80 to 100"
mark
echo 1 >"$T/rc_p"
expect "(VI_3) Changing effective priority from 100 to 70"

# track_interface without weight: FAULT, and the sync group follows
mark
ip -n "${S}a" link set eth1 down
expect "Netlink reports eth1 down"
expect "(VI_1) Entering FAULT STATE"
expect "VRRP_Group(G1) Syncing instances to FAULT state"
expect "(VI_2) Entering FAULT STATE"
expect "(VI_3) Changing effective priority from 70 to 65"
sleep 0.5
! has_vip 192.168.88.90 && ! has_vip 192.168.88.91 && has_vip 192.168.88.92 &&
	ok "FAULT releases the group's VIPs, VI_3 keeps its own" || ko "VIPs after eth1 down wrong"
mark
ip -n "${S}a" link set eth1 up
expect "Netlink reports eth1 up"
expect "VRRP_Group(G1) Syncing instances to BACKUP state"
expect "(VI_3) Changing effective priority from 65 to 70"
logged "VRRP_Group(G1) Syncing instances to MASTER state" 10 &&
	ok "group master again after eth1 up" || ko "group not master again"

# track_script without weight: FAULT; recovery after one success (rise 1)
mark
echo 1 >"$T/rc_f"
expect "VRRP_Script(chk_f) failed (exited with status 1)"
n1=$(grep -c "(VI_1) Entering FAULT STATE" "$L")
[ "$n1" -ge 2 ] && ok "chk_f failing: VI_1 FAULT again" || ko "chk_f failing: no FAULT"
echo 0 >"$T/rc_f"
sleep 3
grep -c "VRRP_Script(chk_f) succeeded" "$L" | grep -qx 2 && ok "chk_f succeeds again" ||
	ko "chk_f: succeeded lines $(grep -c 'VRRP_Script(chk_f) succeeded' "$L")"

# own interface loses its address: FAULT for every instance on it
sleep 4
mark
ip -n "${S}a" addr del 192.168.88.87/24 dev eth0
expect "Deassigned address 192.168.88.87 from interface eth0"
expect "(VI_3) Entering FAULT STATE"
mark
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
expect "Assigned address 192.168.88.87 for interface eth0"
sleep 5

mark
kill -TERM $P && wait $P
P=
expect "(VI_1) sent 0 priority" 1
sleep 0.5
N=$T/notify.out
for want in "INSTANCE 'VI_1' MASTER 100" "master1" "GROUP 'G1' MASTER 0" "fault1" \
	"INSTANCE 'VI_1' FAULT 100" "GROUP 'G1' FAULT 0" "INSTANCE 'VI_1' BACKUP 100" \
	"GROUP 'G1' BACKUP 0" "INSTANCE 'VI_1' STOP 100" "GROUP 'G1' STOP 0"; do
	# the script sees the arguments unquoted, as keepalived passes them
	w=${want//\'/}
	grep -qxF -- "$w" "$N" && ok "notify: $w" || ko "notify: no [$w] in $(tr '\n' '|' <"$N")"
done
! has_vip 192.168.88.90 && ! has_vip 192.168.88.92 && ok "stop removes the VIPs" || ko "VIPs left"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
