#!/bin/bash
# vrrp_trackfp.sh - track_file (weights, FAULT, init_file, reverse) compared line for line
# with Debian's keepalived, and vrrp_track_process (quorum, quorum_max, delay, weight 0).
#
# One namespace (always deleted) with eth0, one end of a veth pair. Files: tf1 (weight -2) moves
# VI_1's priority, tf2 (init_file 3 overwrite, weight 0 in VI_2) holds VI_2 in FAULT while
# non-zero. The same steps run under keepalived (when installed) and vipr, and the
# instance lines of both logs must be the same. Processes (vipr only: keepalived's proc
# connector does not work in a network namespace): copies of sleep under a unique name
# (vtpNNN), tp1 (quorum 2, quorum_max 3, delay 0.5, weight 10) for VI_3, tp2 (weight 0) for
# VI_4.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-trackfp
S=vt$$
ns_add "${S}a"
KA=/usr/sbin/keepalived
ka_track_procs vtp

ip -n "${S}a" link set lo up
ns_veth "${S}a" eth0 eth1
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
ns_wait_up "${S}a"

inst() { # inst NAME VRID TRACKBLOCK
	cat <<EOF
vrrp_instance $1 {
    interface eth0
    virtual_router_id $2
    priority 100
    advert_int 1
    $3
    virtual_ipaddress {
        192.168.88.$((90 + $2 - 60))/24
    }
}
EOF
}

conf() { # conf WITH_PROCESSES
	cat <<EOF
track_file tf1 {
    file $T/tf1
    weight -2
}
track_file tf2 {
    file $T/tf2
    init_file 3 overwrite
}
EOF
	inst VI_1 61 "track_file {
        tf1
    }"
	inst VI_2 62 "track_file {
        tf2 weight 0
    }"
	[ "$1" = 1 ] || return 0
	cat <<EOF
vrrp_track_process tp1 {
    process $PN
    quorum 2
    quorum_max 3
    delay 0.5
    weight 10
}
vrrp_track_process tp2 {
    process $PN
}
EOF
	inst VI_3 63 "track_process {
        tp1
    }"
	inst VI_4 64 "track_process {
        tp2 weight 0
    }"
}

MARK=0
expect() { logged "$1" "${2:-8}" && ok "$R: $1" || ko "$R: no [$1]"; }

start() { # start LABEL IMPL WITH_PROCESSES
	R=$1 L=$T/$1.log MARK=0
	conf "$3" >"$T/k.conf"
	echo 5 >"$T/tf1"
	echo 9 >"$T/tf2"
	: >"$L"
	ka_proc "$R" "${S}a" "$2" 120 "$T/k.conf" "$L"
}

stop() { ka_node_stop "$R"; }

files() { # the track_file steps; every step waits for its line
	expect "(VI_1) Changing effective priority from 100 to 90"
	expect "(VI_2): entering FAULT state (tracked file tf2 has status -254)"
	[ "$(cat "$T/tf2")" = 3 ] && ok "$R: init_file overwrote tf2 with 3" || ko "$R: tf2 holds '$(cat "$T/tf2")'"
	expect "(VI_1) Entering BACKUP STATE (init)"
	mark
	echo 7 >"$T/tf1"
	expect "(VI_1) Changing effective priority from 90 to 86"
	mark
	rm "$T/tf1"
	expect "(VI_1) Changing effective priority from 86 to 100"
	mark
	echo 200 >"$T/tf1"
	expect "(VI_1): tracked file tf1 now FAULT state"
	expect "(VI_1) Entering FAULT STATE"
	mark
	echo " 3" >"$T/tf1"
	expect "(VI_1): tracked file tf1 leaving FAULT state"
	expect "(VI_1) Setting effective priority to 94"
	expect "(VI_1) Entering BACKUP STATE"
	mark
	echo 0 >"$T/tf2"
	expect "(VI_2): tracked file tf2 leaving FAULT state"
	expect "(VI_2) Entering BACKUP STATE"
	mark
	echo 1 >"$T/tf2.new" && mv "$T/tf2.new" "$T/tf2"
	expect "(VI_2): tracked file tf2 now FAULT state"
	expect "(VI_2) Entering FAULT STATE"
}

# the lines about the two instances and their files, without times
lines() { sed -n 's/^[^:]*:[0-9][0-9]:[0-9][0-9] [0-9]*: //p' "$1" | grep -E '^\(VI_[12]\)|tracked file' | grep -v "gratuitous\|VIPs" | grep -v "Entering MASTER\|advertisement timeout\|sent 0 priority"; }

if [ -x "$KA" ]; then
	start keepalived ka 0
	files
	stop
fi
start vipr vipr 1
files
if [ -x "$KA" ]; then
	# MASTER comes from an advert timeout, so whether it falls between two steps is timing
	if [ "$(lines "$T/keepalived.log")" = "$(lines "$T/vipr.log")" ]; then
		ok "track_file: vipr's lines are keepalived's"
	else
		ko "track_file lines differ: $(diff <(lines "$T/keepalived.log") <(lines "$T/vipr.log") | tr '\n' '|')"
	fi
fi

# processes: none yet, VI_4 (weight 0) in FAULT, VI_3 at 100
R=vipr
grep -qF "(VI_4) entering FAULT state" "$L" && ok "VI_4 (weight 0) starts in FAULT without processes" ||
	ko "VI_4 did not start in FAULT"
grep -q "(VI_3) Changing effective priority" "$L" && ko "VI_3's priority moved without processes" ||
	ok "VI_3 stays at 100 without processes"
mark
for _ in 1 2; do "$T/$PN" 100 & PROCS+=($!); done
expect "Process tp1, number of current processes changed from 0 to 2, quorum up"
expect "(VI_3) Changing effective priority from 100 to 110"
expect "(VI_4) Entering BACKUP STATE"
mark
for _ in 1 2; do "$T/$PN" 100 & PROCS+=($!); done
expect "Process tp1, number of current processes changed from 2 to 4, quorum down"
expect "(VI_3) Changing effective priority from 110 to 100"
mark
kill "${PROCS[2]}" "${PROCS[3]}"
expect "Process tp1, number of current processes changed from 4 to 2, quorum up"
expect "(VI_3) Changing effective priority from 100 to 110"
mark
kill "${PROCS[0]}" "${PROCS[1]}"
expect "Process tp2, number of current processes changed from 2 to 0, quorum down"
expect "(VI_4) Entering FAULT STATE"
stop
PROCS=()

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
