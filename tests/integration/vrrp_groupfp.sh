#!/bin/bash
# vrrp_groupfp.sh - track_file and track_process inside vrrp_sync_group, and param_match.
#
# One namespace (always deleted), eth0 and eth2 ends of veth pairs. Sync group G (VI_1, VI_2)
# tracks file gf (weight 3: value 5 adds 15 to both members) and process gp (`process P 100`,
# param_match partial, weight 0: both members are in FAULT while no `P 100 ...` runs). VI_3
# tracks gi (`process P 10`, param_match initial, weight 10) and gx (`process P 100`, exact,
# weight 20). P is a copy of sleep under a unique name. Checked: the group's file moves both
# members' priority; `P 100 7` (partial match) lifts the group out of FAULT and gives VI_3 +10
# (initial: "100" starts with "10") but not +20 (exact wants no second argument); `P 1000`
# does not satisfy partial "100"; the group's track_interface eth2 going down and up moves both
# members to FAULT and back; the group falls back to FAULT when the processes end.
# Env: VIPR, SRC. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-groupfp
S=vg$$
ns_add "${S}a"
ka_track_procs vgp

ip -n "${S}a" link set lo up
ns_veth "${S}a" eth0 eth1
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
ns_veth "${S}a" eth2 eth3
ns_wait_up "${S}a"

inst() { # inst NAME VRID [TRACK]
	cat <<EOF
vrrp_instance $1 {
    interface eth0
    virtual_router_id $2
    priority 100
    advert_int 1
    ${3:-}
    virtual_ipaddress {
        192.168.88.$2/24
    }
}
EOF
}

cat >"$T/k.conf" <<EOF
track_file gf {
    file $T/gf
    weight 3
}
vrrp_track_process gp {
    process $PN 100
    param_match partial
}
vrrp_track_process gi {
    process $PN 10
    param_match initial
    weight 10
}
vrrp_track_process gx {
    process $PN 100
    weight 20
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    track_file {
        gf
    }
    track_process {
        gp weight 0
    }
    track_interface {
        eth2
    }
}
$(inst VI_1 61)
$(inst VI_2 62)
$(inst VI_3 63 "track_process {
        gi
        gx
    }")
EOF
echo 5 >"$T/gf"

L=$T/vipr.log MARK=0
expect() { logged "$1" "${2:-8}" && ok "$1" || ko "no [$1]"; }
absent() { logged "$1" "${2:-2}" && ko "unexpected [$1]" || ok "not logged: $1"; }

ip netns exec "${S}a" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -t -f "$T/k.conf" \
	>"$T/check.log" 2>&1 && ok "keepalived -t accepts the config" ||
	ko "keepalived -t: $(head -3 "$T/check.log" | tr '\n' '|')"
: >"$L"
ka_proc a "${S}a" vipr 120 "$T/k.conf" "$L"
expect "(VI_1) Changing effective priority from 100 to 115"
expect "(VI_2) Changing effective priority from 100 to 115"
expect "(VI_1) entering FAULT state"
expect "(VI_2) entering FAULT state"
mark
"$T/$PN" 1000 & PROCS+=($!)
absent "Process gp, number of current processes changed"
expect "Process gi, number of current processes changed from 0 to 1, quorum up"
expect "(VI_3) Changing effective priority from 100 to 110"
mark
"$T/$PN" 100 7 & PROCS+=($!)
expect "Process gp, number of current processes changed from 0 to 1, quorum up"
expect "(VI_1) Entering BACKUP STATE"
expect "(VI_2) Entering BACKUP STATE"
absent "Process gx, number of current processes changed" 1
mark
"$T/$PN" 100 & PROCS+=($!)
expect "Process gx, number of current processes changed from 0 to 1, quorum up"
expect "(VI_3) Changing effective priority from 110 to 130"
mark
echo 1 >"$T/gf"
expect "(VI_1) Changing effective priority from 115 to 103"
expect "(VI_2) Changing effective priority from 115 to 103"
mark
ip -n "${S}a" link set eth2 down
expect "(VI_1) Entering FAULT STATE"
expect "(VI_2) Entering FAULT STATE"
mark
ip -n "${S}a" link set eth2 up
expect "(VI_1) Entering BACKUP STATE"
expect "(VI_2) Entering BACKUP STATE"
mark
kill "${PROCS[1]}" "${PROCS[2]}" # both match gp (partial); the second is gx's
expect "(VI_3) Changing effective priority from 130 to 110"
expect "(VI_1) Entering FAULT STATE"
expect "(VI_2) Entering FAULT STATE"
ka_node_stop a

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
