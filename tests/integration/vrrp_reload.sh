#!/bin/bash
# vrrp_reload.sh - SIGHUP keeps the state of vrrp_scripts that stay configured the same
# (result, rise/fall counts: the check goes on), restarts those that changed, and keeps a
# master master.
#
# One namespace (always deleted), eth0 one end of a veth pair. VI_1 (VRID 71) tracks chk_a
# (weight 0) and chk_b (weight 0); both scripts succeed and count their runs. After SIGHUP
# with chk_a unchanged and chk_b's interval changed: chk_a reports nothing new and keeps
# running, chk_b reports "succeeded" again, VI_1 stays MASTER (no FAULT, no BACKUP). Then a
# failing chk_a (fall 1) puts VI_1 in FAULT; a second SIGHUP leaves it there without a new
# "failed" line.
# Env: VIPR, SRC, BUILD. Exit 0 pass, 77 skip, 1 fail. Last line: "N passed, M failed".
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
S=vr$$
ip netns add "${S}a" 2>/dev/null || { echo "no network namespaces"; exit 77; }
T=$(mktemp -d /tmp/vipr-vrrp-reload.XXXXXX)
chmod 755 "$T"
PASS=0 FAIL=0 P=
L=$T/k.log

cleanup() {
	[ -n "$P" ] && kill "$P" 2>/dev/null
	ip netns del "${S}a" 2>/dev/null
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$L" "$KEEP_LOGS"/reload.log 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

ip -n "${S}a" link set lo up
ip -n "${S}a" link add eth0 type veth peer name eth1 || exit 1
ip -n "${S}a" link set eth1 up
ip -n "${S}a" link set eth0 up
ip -n "${S}a" addr add 192.168.88.87/24 dev eth0
# a script's timeout defaults to its interval (0.3 s): far too short on a loaded machine,
# where a timed-out run reads as a failure; the timeouts above are 5 s. And the veth's
# carrier comes up a moment after the link: wait for it before the daemon starts.
for _ in $(seq 1 100); do ip -n "${S}a" link show dev eth0 | grep -q "state UP" && break; sleep 0.05; done

for s in a b; do
	echo 0 >"$T/rc_$s"
	printf '#!/bin/sh\necho run >> %s/runs_%s\nexit $(cat %s/rc_%s)\n' "$T" "$s" "$T" "$s" >"$T/chk_$s.sh"
	chmod 755 "$T/chk_$s.sh"
done

conf() { # conf CHK_B_INTERVAL
	cat >"$T/k.conf" <<EOF
global_defs {
    enable_script_security
}
vrrp_script chk_a {
    script "$T/chk_a.sh"
    interval 0.3
    timeout 5
    fall 1
}
vrrp_script chk_b {
    script "$T/chk_b.sh"
    interval $1
    timeout 5
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 71
    priority 100
    advert_int 1
    track_script {
        chk_a
        chk_b
    }
    virtual_ipaddress {
        192.168.88.91/24
    }
}
EOF
}

MARK=0
mark() { MARK=$(stat -c %s "$L"); }
since() { tail -c +$((MARK + 1)) "$L"; }
logged() { # logged TEXT SECS
	local end=$((SECONDS + ${2:-8}))
	while [ $SECONDS -lt $end ]; do
		since | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
expect() { logged "$1" "${2:-8}" && ok "log: $1" || ko "log: no [$1]"; }
runs() { wc -l <"$T/runs_$1" 2>/dev/null || echo 0; }

conf 0.3
: >"$L"
ip netns exec "${S}a" timeout 120 bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" -f "$T/k.conf" \
	-n -l -D -P -p "$T/k.pid" -r "$T/v.pid" -c "$T/c.pid" >"$L" 2>&1 &
P=$!
# signals go to vipr itself, not to timeout(1) above it
vpid() { pgrep -P "$P" | head -1; }
expect "VRRP_Script(chk_a) succeeded"
expect "VRRP_Script(chk_b) succeeded"
expect "(VI_1) Entering MASTER STATE" 10

conf 0.4
mark
ra=$(runs a)
kill -HUP "$(vpid)"
expect "Reload complete"
sleep 2
since | grep -q "VRRP_Script(chk_a)" && ko "chk_a reported again after SIGHUP: $(since | grep 'chk_a' | head -2)" ||
	ok "chk_a (unchanged) kept its state over SIGHUP"
[ "$(runs a)" -gt $((ra + 3)) ] && ok "chk_a kept running ($ra -> $(runs a) runs)" || ko "chk_a stopped running"
since | grep -qF "VRRP_Script(chk_b) succeeded" && ok "chk_b (interval changed) was restarted" ||
	ko "chk_b was not restarted"
since | grep -Eq "\(VI_1\) (Entering|entering) (FAULT|BACKUP)" && ko "VI_1 left MASTER on reload" ||
	ok "VI_1 stays MASTER over SIGHUP"

mark
echo 1 >"$T/rc_a"
expect "VRRP_Script(chk_a) failed (exited with status 1)"
expect "(VI_1) Entering FAULT STATE"
mark
kill -HUP "$(vpid)"
expect "Reload complete"
sleep 2
since | grep -q "VRRP_Script(chk_a)" && ko "chk_a reported again after the second SIGHUP" ||
	ok "failing chk_a kept its state over SIGHUP"
since | grep -Eq "\(VI_1\) Entering (BACKUP|MASTER)" && ko "VI_1 left FAULT on reload" ||
	ok "VI_1 stays in FAULT over SIGHUP"
mark
echo 0 >"$T/rc_a"
expect "VRRP_Script(chk_a) succeeded"
expect "(VI_1) Entering BACKUP STATE"

kill -TERM "$(vpid)"
wait "$P" 2>/dev/null
P=
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
