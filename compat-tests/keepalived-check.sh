#!/bin/bash
# keepalived-check.sh - `keepalived -t` verdicts of vipr against Debian's keepalived 2.2.7.
#
# For every compat-tests/keepalived/*.conf and every keepalived.conf.* sample Debian installs,
# runs the real `keepalived -t -f X` and vipr started as `keepalived -t -f X`, in two network
# namespaces built here: "one" has only eth0 (10.255.0.1/24, a veth whose peer stays in the
# root namespace), "many" has eth0 eth1 eth2 eth3 (veth pairs) and eth0.1 (VLAN 1 on eth0).
# A case passes when the exit codes are equal and the first message lines agree (the real
# keepalived's children write concurrently, so when the first lines differ, each first line
# must at least appear in the other's output). UPDATE=1 rewrites the .expect files (exit
# code and the messages of the real keepalived in namespace "one", paths shortened to F).
# Env: VIPR (the vipr binary), SRC (source tree). Exit 0 all passed, 1 some failed, 77 skipped.
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
VIPR=${VIPR:-$SRC/build/vipr}
REAL=$(command -v keepalived || true)
[ -x /usr/sbin/keepalived ] && REAL=/usr/sbin/keepalived
if [ -z "$REAL" ] || [ ! -x "$VIPR" ]; then echo "skip: keepalived or vipr missing"; exit 77; fi
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then echo "skip: no ip netns"; exit 77; fi

NS1=vipr-kat-$$-one
NS2=vipr-kat-$$-many
TMP=$(mktemp -d)
HOSTIF=vk$$h
cleanup() {
	ip netns del "$NS1" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	ip link del "$HOSTIF" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

setup() {
	ip netns add "$NS1" && ip netns add "$NS2" || return 1
	ip link add "$HOSTIF" type veth peer name vk$$n || return 1
	ip link set vk$$n netns "$NS1" || return 1
	ip -n "$NS1" link set vk$$n name eth0 || return 1
	ip -n "$NS1" addr add 10.255.0.1/24 dev eth0 || return 1
	ip -n "$NS1" link set eth0 up && ip -n "$NS1" link set lo up || return 1
	for i in 0 1 2 3; do
		ip -n "$NS2" link add eth$i type veth peer name peer$i || return 1
		ip -n "$NS2" link set eth$i up && ip -n "$NS2" link set peer$i up || return 1
	done
	# A VLAN when the kernel has 8021q; else a veth of that name (-t only checks it exists).
	ip -n "$NS2" link add link eth0 name eth0.1 type vlan id 1 2>/dev/null ||
		ip -n "$NS2" link add eth0.1 type veth peer name peer01 || return 1
	ip -n "$NS2" link set eth0.1 up && ip -n "$NS2" link set lo up
}
if ! setup; then echo "skip: cannot build network namespaces"; exit 77; fi
ln -s "$(readlink -f "$VIPR")" "$TMP/keepalived"

# run NS PROG FILE OUT: stderr of `PROG -t -f FILE` into OUT, exit code on stdout.
run() {
	# The real keepalived's children may still write after its parent exits: wait a little.
	(cd "$(dirname "$3")" && ip netns exec "$1" "$2" -t -f "$3" 2>"$4" >/dev/null)
	local rc=$?
	[ "$2" = "$REAL" ] && sleep 0.3
	echo $rc
}

pass=0 fail=0
check() { # NS LABEL FILE
	local ns=$1 label=$2 f=$3 r v r1 v1
	r=$(run "$ns" "$REAL" "$f" "$TMP/real")
	v=$(run "$ns" "$TMP/keepalived" "$f" "$TMP/vipr")
	r1=$(head -n1 "$TMP/real")
	v1=$(head -n1 "$TMP/vipr")
	local ok=0
	if [ "$r" = "$v" ]; then
		if [ "$r1" = "$v1" ]; then ok=1
		elif grep -qxF -- "$v1" "$TMP/real" && grep -qxF -- "$r1" "$TMP/vipr"; then ok=1
		fi
	fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "PASS $label ($ns_name) rc=$r"
	else
		fail=$((fail + 1))
		echo "FAIL $label ($ns_name) keepalived rc=$r '${r1}' vipr rc=$v '${v1}'"
	fi
	if [ "${UPDATE:-0}" = 1 ] && [ "$ns_name" = one ] && [ "${f#$SRC/compat-tests/}" != "$f" ]; then
		{ echo "rc $r"; sed "s#$f#F#g" "$TMP/real"; } >"${f%.conf}.expect"
	fi
}

for ns_name in one many; do
	ns=$NS1
	[ $ns_name = many ] && ns=$NS2
	for f in "$SRC"/compat-tests/keepalived/*.conf /usr/share/doc/keepalived/samples/keepalived.conf.*; do
		[ -f "$f" ] || continue
		check "$ns" "$(basename "$f")" "$f"
	done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
