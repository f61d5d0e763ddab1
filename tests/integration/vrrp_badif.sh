#!/bin/bash
# vrrp_badif.sh - an instance on a missing or a loopback interface stops the daemon at start,
# as keepalived 2.2.7's VRRP process does ("permanent error CONFIG", exit 2), with its lines;
# `dynamic_interfaces` lets it start. Debian's keepalived runs the same configs when present.
# One namespace (always deleted). Env: VIPR. Exit 0 pass, 77 skip, 1 fail.
set -u

: "${VIPR:?VIPR must point at the vipr binary}"
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
S=vbi$$
ip netns add "$S" 2>/dev/null || { echo "no network namespaces"; exit 77; }
T=$(mktemp -d /tmp/vipr-vrrp-badif.XXXXXX)
PASS=0 FAIL=0
cleanup() {
	ip netns pids "$S" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
ip -n "$S" link set lo up

conf() { # conf NAME IFACE [GLOBAL]
	{
		[ -n "${3:-}" ] && printf 'global_defs {\n    %s\n}\n' "$3"
		printf 'vrrp_instance VI_1 {\n    interface %s\n    virtual_router_id 7\n' "$2"
		printf '    priority 100\n    virtual_ipaddress {\n        10.1.1.1/24\n    }\n}\n'
	} >"$T/$1.conf"
}
# run BIN NAME: the daemon for at most 4 s; prints its exit code, log in $T/NAME.BIN.log
run() {
	local tag=${1##*/}
	ip netns exec "$S" timeout 4 bash -c 'exec -a keepalived "$0" "$@"' "$1" -f "$T/$2.conf" \
		-n -l -P -p "$T/k.pid" -r "$T/v.pid" >"$T/$2.$tag.log" 2>&1
	echo $?
}

conf missing nosuch0
conf loop lo
conf dyn nosuch0 dynamic_interfaces
for b in "$VIPR" /usr/sbin/keepalived; do
	[ -x "$b" ] || continue
	tag=${b##*/}
	rc=$(run "$b" missing)
	[ "$rc" = 2 ] && grep -q "WARNING - interface nosuch0 for vrrp_instance VI_1 doesn't exist" "$T/missing.$tag.log" &&
		grep -q "Non-existent interface specified in configuration" "$T/missing.$tag.log" &&
		grep -q "exited with permanent error CONFIG. Terminating" "$T/missing.$tag.log" &&
		ok "$tag: missing interface: exit 2 with keepalived's lines" ||
		ko "$tag: missing interface: exit $rc: $(tail -4 "$T/missing.$tag.log")"
	rc=$(run "$b" loop)
	[ "$rc" = 2 ] && grep -q "(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring" "$T/loop.$tag.log" &&
		grep -q "(VI_1) Unknown interface!" "$T/loop.$tag.log" &&
		ok "$tag: loopback interface: exit 2 with keepalived's lines" ||
		ko "$tag: loopback interface: exit $rc: $(tail -4 "$T/loop.$tag.log")"
	rc=$(run "$b" dyn)
	[ "$rc" = 124 ] && ! grep -q "permanent error" "$T/dyn.$tag.log" &&
		ok "$tag: dynamic_interfaces: the daemon runs" ||
		ko "$tag: dynamic_interfaces: exit $rc: $(tail -4 "$T/dyn.$tag.log")"
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
