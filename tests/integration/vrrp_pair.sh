#!/bin/bash
# vrrp_pair.sh - two VRRP nodes in network namespaces: vipr with vipr, and vipr with Debian's
# real keepalived in both roles (VRRPv2, PASS authentication, Lab 3's addresses).
#
# Three namespaces are created and always deleted: a bridge namespace and two nodes (eth0
# 192.168.88.87 and .88 on the bridge). Node A has priority 100, node B 50, advert_int 1,
# VRID 51 and VIP 192.168.88.90/24. Checked: the VIP is on the master only; SIGTERM of the
# master moves it within 1.5 s (priority-0 advert); a restarted master preempts back; SIGKILL
# moves it after Master_Down (3.8 s for priority 50); SIGHUP adds a VIP without dropping the
# one that stays; logs are free of refused adverts on both sides. Times are printed.
# Env: VIPR (binary), SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

. "$SRC/tests/lib/netns.sh"
. "$SRC/tests/lib/ka_daemon.sh"
ns_init vrrp-pair
S=vp$$
ns_add "${S}br"
KA=/usr/sbin/keepalived

ns_cleanup_extra() {
	for n in "${!PID[@]}"; do stop_node "$n" KILL; done
}

ns_add "${S}a" "${S}b"
ns_bridge "$S" a b
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
ip -n "${S}b" addr add 192.168.88.88/24 dev eth0
ns_wait_up "${S}a" "${S}b"

conf() { # conf NAME PRIO [extra VIP]
	cat >"$T/$1.conf" <<EOF
global_defs {
    router_id $1
}
vrrp_instance VI_1 {
    state $([ "$2" = 100 ] && echo MASTER || echo BACKUP)
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass test
    }
    virtual_ipaddress {
        192.168.88.90/24 dev eth0 label eth0:1
        ${3:-}
    }
}
EOF
}

stop_node() { # stop_node NAME SIGNAL: sets T_SIG (ms) and RC. On KILL, the real keepalived's
	# VRRP child goes first: killed after its parent it would still send priority 0.
	local n=$1 p=${PID[$1]:-}
	[ -n "$p" ] || return 0
	T_SIG=$(now_ms)
	if [ "$2" = KILL ] && [ -s "$T/${n}_vrrp.pid" ]; then
		local c
		c=$(cat "$T/${n}_vrrp.pid")
		[ "$c" != "$p" ] && kill -KILL "$c" 2>/dev/null
	fi
	kill -"$2" "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	RC=$?
	unset "PID[$n]"
}

has_vip() { ip -n "${S}$1" -4 addr show dev eth0 | grep -q "inet ${2:-192.168.88.90}/"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

wait_vip() { # wait_vip NODE SECS [T0]: sets WAITED, ms since T0 (default now)
	local t0=${3:-$(now_ms)} end
	end=$((t0 + $2 * 1000))
	while [ "$(now_ms)" -lt $end ]; do
		if has_vip "$1"; then
			WAITED=$(($(now_ms) - t0))
			return 0
		fi
		sleep 0.02
	done
	WAITED=-1
	return 1
}

clean_log() { # clean_log NAME: no refused adverts, no netlink errors
	if grep -Eq "invalid|wrong version|mismatch|discarding packet|Netlink: error|not present" \
		"$T/$1.log"; then
		ko "$2: $1's log has errors: $(grep -E 'invalid|wrong|mismatch|discarding packet|Netlink|not present' "$T/$1.log" | head -3)"
	else
		ok "$2: $1's log is clean"
	fi
}

pair() { # pair LABEL IMPL_A IMPL_B
	local L=$1
	rm -f "$T"/*.log
	conf a 100
	conf b 50
	ka_node b "$3"
	sleep 0.5
	ka_node a "$2"
	if wait_vip a 8 && sleep 2.5 && has_vip a && ! has_vip b; then
		ok "$L: VIP on A (master) only"
	else
		ko "$L: VIP not on A only (A $(has_vip a && echo has) B $(has_vip b && echo has))"
	fi
	grep -q "Entering BACKUP STATE (init)" "$T/a.log" && ok "$L: A starts in BACKUP (init)" ||
		ko "$L: A did not log Entering BACKUP STATE (init)"

	stop_node a TERM
	local rc=$RC
	if wait_vip b 3 "$T_SIG" && [ "$WAITED" -le 1500 ]; then
		ok "$L: SIGTERM A: VIP on B after $WAITED ms"
	else
		ko "$L: SIGTERM A: VIP on B after $WAITED ms (want <= 1500)"
	fi
	[ "$rc" = 0 ] && ok "$L: A exits 0 on SIGTERM" || ko "$L: A exit $rc on SIGTERM"
	! has_vip a && ok "$L: A removed its VIP" || ko "$L: A kept its VIP after SIGTERM"
	[ ! -e "$T/a.pid" ] && ok "$L: A removed its pidfile" || ko "$L: A left its pidfile"

	ka_node a "$2"
	if wait_vip a 8; then
		sleep 0.3
		if ! has_vip b; then ok "$L: restarted A preempts after $WAITED ms"
		else ko "$L: after preemption B still has the VIP"; fi
	else
		ko "$L: restarted A did not preempt"
	fi

	sleep 1.5
	stop_node a KILL
	if wait_vip b 6 "$T_SIG" && [ "$WAITED" -ge 2500 ] && [ "$WAITED" -le 4800 ]; then
		ok "$L: SIGKILL A: VIP on B after $WAITED ms (Master_Down 3805)"
	else
		ko "$L: SIGKILL A: VIP on B after $WAITED ms (want 2500..4800)"
	fi
	ip -n "${S}a" addr del 192.168.88.90/24 dev eth0 2>/dev/null
	clean_log a "$L"
	clean_log b "$L"
	stop_node b TERM
	local tag=${L//[^a-z]/_}
	cp "$T/a.log" "$T/$tag-a.log.txt"
	cp "$T/b.log" "$T/$tag-b.log.txt"
}

pair "vipr+vipr" vipr vipr

# SIGHUP: add a VIP to the running master's configuration, the first one stays.
conf a 100
conf b 50
ka_node b vipr
ka_node a vipr
wait_vip a 8
sleep 2
conf a 100 "192.168.88.91/24 dev eth0"
conf b 50 "192.168.88.91/24 dev eth0"
kill -HUP "${PID[b]}"
kill -HUP "${PID[a]}"
sleep 1
if has_vip a 192.168.88.91 && has_vip a && ! has_vip b; then
	ok "SIGHUP: master keeps 192.168.88.90 and adds 192.168.88.91"
else
	ko "SIGHUP: VIPs after reload: $(ip -n "${S}a" -4 -o addr show dev eth0 | awk '{print $4}' | xargs)"
fi
grep -q "Reload complete" "$T/a.log" && ok "SIGHUP: Reload complete logged" ||
	ko "SIGHUP: no Reload complete"
# already running: same pidfiles, exits 0 at once
out=$(ip netns exec "${S}a" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -f "$T/a.conf" -n -l \
	-P -p "$T/a.pid" -r "$T/a_vrrp.pid" 2>&1)
rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "daemon is already running" &&
	ok "second instance: daemon is already running, exit 0" || ko "second instance: rc $rc [$out]"
stop_node a TERM
stop_node b TERM
ip -n "${S}a" addr flush dev eth0 label eth0:1 2>/dev/null

if [ -x "$KA" ]; then
	pair "vipr master+keepalived backup" vipr ka
	pair "keepalived master+vipr backup" ka vipr
else
	echo "skip interop: $KA not installed"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
