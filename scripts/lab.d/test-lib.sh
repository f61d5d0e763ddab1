# scripts/lab.d/test-lib.sh - shared by tests/integration/lab_*.sh (sourced, not run).
#
# Runs scripts/lab with its own state directory and namespace prefix (vipr-lab-t<pid>-), so a
# lab a user has up is never touched, and checks that `down` leaves nothing behind.
# The caller calls lab_test_init LAB, then lab_test_main [--fixed].
# shellcheck shell=bash disable=SC2015,SC2001

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

lab_test_init() { # lab_test_init LAB
	LAB=$1
	: "${VIPR:?VIPR must point at the vipr binary}"
	SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
	LABCMD=$SRC/scripts/lab
	if [ "$(id -u)" != 0 ]; then echo "needs root"; echo "0 passed, 0 failed"; exit 77; fi
	for c in ip nginx curl; do
		command -v "$c" >/dev/null || { echo "$c missing"; echo "0 passed, 0 failed"; exit 77; }
	done
	T=$(mktemp -d /tmp/vipr-lab-test.XXXXXX)
	export VIPR VIPR_LAB_STATE=$T/state VIPR_LAB_PREFIX=vipr-lab-t$$-
	if ! ip netns add "${VIPR_LAB_PREFIX}probe" 2>/dev/null; then
		rm -rf "$T"
		echo "cannot create network namespaces"; echo "0 passed, 0 failed"; exit 77
	fi
	ip netns del "${VIPR_LAB_PREFIX}probe"
	HOST_ADDRS_BEFORE=$(ip -4 -o addr show | grep -c ' 192\.168\.88\.' || true)
	trap lab_test_cleanup EXIT
}

lab_test_cleanup() {
	"$LABCMD" down "$LAB" >/dev/null 2>&1 || true
	local n
	for n in $(our_namespaces); do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}

our_namespaces() { ip netns list | awk '{print $1}' | grep -F "$VIPR_LAB_PREFIX" || true; }

# our_pids: every process in our namespaces (vipr, nginx, scripts)
our_pids() {
	local n
	for n in $(our_namespaces); do ip netns pids "$n" 2>/dev/null; done
	[ -f "$VIPR_LAB_STATE/$LAB/pids" ] && awk '{print $2}' "$VIPR_LAB_STATE/$LAB/pids"
	return 0
}

# lab_check_verdict FILE: every FAIL line of `scripts/lab check` must carry
# "[feature missing: ...]", which the runner only adds when vipr's own log says so.
lab_check_verdict() {
	local f=$1 line npass nfail
	npass=$(grep -c '^PASS ' "$f" || true)
	nfail=$(grep -c '^FAIL ' "$f" || true)
	if tail -n 1 "$f" | grep -qx "$npass passed, $nfail failed"; then
		ok "check: summary line \"$npass passed, $nfail failed\""
	else
		ko "check: summary line [$(tail -n 1 "$f")] does not match its $npass PASS / $nfail FAIL lines"
	fi
	[ "$npass" -gt 0 ] || ko "check: no step passed"
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok "check: ${line#PASS }" ;;
		FAIL\ *\[feature\ missing:*)
			echo "ok   (accepted, vipr says the feature is missing) ${line#FAIL }"
			PASS=$((PASS + 1)) ;;
		FAIL\ *) ko "check: ${line#FAIL }" ;;
		esac
	done <"$f"
}

lab_test_main() { # lab_test_main ""|OPTIONS...: options of `scripts/lab up` (--fixed, --interop)
	local out rc pids p alive n t0 opt=()
	[ -z "${1:-}" ] || opt=("$@")
	t0=$(date +%s)
	rc=0
	out=$("$LABCMD" up "$LAB" "${opt[@]}" 2>&1) || rc=$?
	echo "$out" | sed 's/^/    /'
	if [ $rc = 0 ]; then ok "up $LAB ${opt[*]}"; else ko "up $LAB ${opt[*]}: exit $rc"; fi

	rc=0
	out=$("$LABCMD" up "$LAB" "${opt[@]}" 2>&1) || rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "already up"; then ok "up again: exit 1, \"$out\""
	else ko "up again: exit $rc [$out] (want 1 and 'already up')"; fi

	out=$("$LABCMD" status "$LAB" 2>&1) || true
	echo "$out" | sed 's/^/    /'
	if echo "$out" | grep -q "^$LAB (Lab [0-9]): up" && ! echo "$out" | grep -q "NOT running"; then
		ok "status: up, every process running"
	else
		ko "status: [$out]"
	fi

	"$LABCMD" check "$LAB" >"$T/check.out" 2>&1 || true
	sed 's/^/    /' "$T/check.out"
	lab_check_verdict "$T/check.out"

	pids=$(our_pids | sort -u | xargs)
	[ -n "$pids" ] && ok "processes in the lab before down: $pids" || ko "no processes found before down"

	rc=0
	"$LABCMD" down "$LAB" >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] && ok "down" || ko "down: exit $rc"
	rc=0
	"$LABCMD" down "$LAB" >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] && ok "down again (idempotent)" || ko "down again: exit $rc"

	n=$(our_namespaces | xargs)
	[ -z "$n" ] && ok "no namespaces left" || ko "namespaces left: $n"
	# a zombie (state Z) has exited; it waits for its reaper (init, or a subreaper)
	for _ in $(seq 1 30); do
		alive=
		for p in $pids; do
			if [ -e "/proc/$p/stat" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
				alive="$alive $p($(cat "/proc/$p/comm" 2>/dev/null))"
			fi
		done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	[ -z "$alive" ] && ok "no processes left" || ko "processes left:$alive"
	[ ! -e "$VIPR_LAB_STATE/$LAB" ] && ok "state directory removed" || ko "state directory left"
	n=$(ip -4 -o addr show | grep -c ' 192\.168\.88\.' || true)
	[ "$n" -le "$HOST_ADDRS_BEFORE" ] && ok "no 192.168.88.x address in the host's namespace" ||
		ko "the host's namespace has $n 192.168.88.x addresses (before: $HOST_ADDRS_BEFORE)"
	echo "    ($(($(date +%s) - t0)) s)"
}

# lab_test_half_up: an `up` that fails half-way (vipr exits at once) cleans up after itself
lab_test_half_up() {
	local rc=0 out n
	out=$(VIPR=/bin/false "$LABCMD" up "$LAB" 2>&1) || rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "up failed, cleaning up"; then
		ok "half-done up (vipr exits at once): exit 1, cleaned up"
	else
		ko "half-done up: exit $rc [$out]"
	fi
	"$LABCMD" down "$LAB" >/dev/null 2>&1 || ko "down after a half-done up failed"
	n=$(our_namespaces | xargs)
	[ -z "$n" ] && [ ! -e "$VIPR_LAB_STATE/$LAB" ] && ok "nothing left after a half-done up" ||
		ko "left after a half-done up: namespaces [$n], state $(ls "$VIPR_LAB_STATE" 2>/dev/null)"
}
