# shellcheck shell=bash
# tests/lib/netns.sh - the opening shared by the tests that run daemons in network namespaces
# they make (lvs_*, vrrp_*): root and the tools they need, a temporary directory, the
# namespaces deleted on exit with every process still in them, the ok/ko/finish reporting, and
# the veth and bridge topologies.
# Usage: . "$SRC/tests/lib/netns.sh"; ns_init NAME [TOOL...]; ns_add NS... A script may define
# ns_cleanup_extra (stop its daemons gently), run first at exit; KEEP_LOGS=DIR keeps the logs.

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ] && exit 0 || exit 1
}

ns_cleanup() {
	local ns
	if declare -F ns_cleanup_extra >/dev/null; then ns_cleanup_extra; fi
	# what the script did not stop (a daemon whose timeout wrapper was killed) dies with it
	for ns in "${NS_LIST[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP_LOGS:-}" ]; then
		mkdir -p "$KEEP_LOGS" && cp "$T"/*.log "$T"/*.txt "$KEEP_LOGS"/ 2>/dev/null
	fi
	rm -rf "$T"
}

# ns_init NAME [TOOL...]: exits 77 (skip) unless root with every TOOL; sets T, PASS, FAIL and
# NS_LIST (the namespaces ns_add made, deleted on exit).
ns_init() {
	: "${VIPR:?VIPR must point at the vipr binary}"
	local name=$1 t
	shift
	[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
	for t in "$@"; do command -v "$t" >/dev/null || { echo "$t missing"; exit 77; }; done
	NS_LIST=()
	T=$(mktemp -d "/tmp/vipr-$name.XXXXXX")
	PASS=0 FAIL=0
	trap ns_cleanup EXIT
}

# ns_add NS...: makes the namespaces; the first failing is a skip (no namespaces here), a
# later one a failure.
ns_add() {
	local ns
	for ns in "$@"; do
		if ! ip netns add "$ns" 2>/dev/null; then
			[ ${#NS_LIST[@]} = 0 ] && { echo "no network namespaces"; exit 77; }
			echo "cannot add namespace $ns"
			exit 1
		fi
		NS_LIST+=("$ns")
	done
}

# ns_veth NS A B: a veth pair A-B inside NS, both up.
ns_veth() {
	ip -n "$1" link add "$2" type veth peer name "$3" || exit 1
	ip -n "$1" link set "$3" up
	ip -n "$1" link set "$2" up
}

# ns_bridge PREFIX NODE[=MAC]...: bridge br0 in namespace PREFIXbr and, for each node, a veth
# from it to eth0 in namespace PREFIXnode (its MAC set before it goes up), lo and eth0 up.
# The namespaces must exist (ns_add).
ns_bridge() {
	local p=$1 n mac
	shift
	ip -n "${p}br" link add br0 type bridge && ip -n "${p}br" link set br0 up || exit 1
	for n in "$@"; do
		mac=
		[[ $n == *=* ]] && mac=${n#*=} n=${n%%=*}
		ip link add "v$n" netns "${p}br" type veth peer name eth0 netns "${p}$n" || exit 1
		ip -n "${p}br" link set "v$n" master br0 up
		ip -n "${p}$n" link set lo up
		[ -z "$mac" ] || ip -n "${p}$n" link set eth0 address "$mac"
		ip -n "${p}$n" link set eth0 up
	done
}

# ns_wait_up NS...: up to 10 s each for eth0's carrier: a daemon started before would see its
# interface down.
ns_wait_up() {
	local ns end
	for ns in "$@"; do
		end=$((SECONDS + 10))
		until ip -n "$ns" link show eth0 | grep -q "state UP" || [ $SECONDS -ge $end ]; do
			sleep 0.1
		done
	done
}

# wait_for SECS CMD...: CMD succeeds within SECS seconds (tried every 50 ms).
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
