# tests/lib/rt_side.sh - the opening shared by the runtime tests that run one configuration
# under Debian's haproxy and under vipr side by side (rt_tcpreq, rt_vars, rt_stick,
# rt_rules_capture, rt_rules_tarpit): the tools they need, a temporary directory, the
# processes to stop on exit, the port block, and the ok/ko/finish reporting.
# Usage: . "$SRC/tests/lib/rt_side.sh"; rt_side_init NAME. A script may define
# rt_side_cleanup_extra, run first at exit.

# wait_port, nginx_origin, check and cli: tests/lib/rt_common.sh.
. "${BASH_SOURCE[0]%/*}/rt_common.sh"

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

rt_side_cleanup() {
	if declare -F rt_side_cleanup_extra >/dev/null; then rt_side_cleanup_extra; fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}

# rt_side_init NAME: sets HAP, T, PIDS, BASE and WEB (the first port), PASS and FAIL; exits
# 77 (skip) when nginx, curl or the reference haproxy is missing.
rt_side_init() {
	: "${VIPR:?VIPR must point at the vipr binary}"
	HAP=/usr/sbin/haproxy
	command -v nginx >/dev/null && command -v curl >/dev/null || { echo "nginx/curl missing"; exit 77; }
	[ -x "$HAP" ] || { echo "no reference $HAP"; exit 77; }
	T=$(mktemp -d "/tmp/vipr-$1.XXXXXX")
	PIDS=()
	trap rt_side_cleanup EXIT
	BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
	WEB=$BASE
	PASS=0 FAIL=0
}
