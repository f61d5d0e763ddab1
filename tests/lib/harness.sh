# tests/lib/harness.sh - the opening shared by the health-check tests (chk_*.sh) and the stats
# tests (rt_stats, rt_clients): the tools they need, a temporary directory, the processes to
# stop on exit, the port block, the ok/ko reporting and the waits on log lines (waits on ports
# and nginx origins: tests/lib/rt_common.sh).
# Usage: . "$SRC/tests/lib/harness.sh"; harness_init NAME [TOOL...]. A script may define
# harness_cleanup_extra, run first at exit; KEEP=1 keeps the temporary directory.

# wait_port, nginx_origin, check and cli: tests/lib/rt_common.sh.
. "${BASH_SOURCE[0]%/*}/rt_common.sh"

# harness_skip TEXT: the test cannot run here (exit 77, "skip").
harness_skip() { echo "$1"; echo "0 passed, 0 failed"; exit 77; }

harness_cleanup() {
	if declare -F harness_cleanup_extra >/dev/null; then harness_cleanup_extra; fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

# harness_init NAME TOOL...: skips when a tool is missing; sets T, PIDS, BASE (a block of 250
# ports below the ephemeral range; ctest gives each test its own), PASS, FAIL and MODE=count
# (a script sets MODE to something else while it runs the reference haproxy, not counted).
harness_init() {
	: "${VIPR:?VIPR must point at the vipr binary}"
	local name=$1 t
	shift
	for t in "$@"; do command -v "$t" >/dev/null || harness_skip "$t missing"; done
	T=$(mktemp -d "/tmp/vipr-$name.XXXXXX")
	PIDS=()
	trap harness_cleanup EXIT
	BASE=${PORT_BASE:-$((10000 + ($$ % 90) * 250))}
	PASS=0 FAIL=0 MODE=count
}

ok() { if [ "$MODE" = count ]; then PASS=$((PASS + 1)); fi; echo "ok   $*"; }
ko() { if [ "$MODE" = count ]; then FAIL=$((FAIL + 1)); fi; echo "FAIL $*"; }
now_ms() { date +%s%3N; }

# wait_line_from LOG FROM REGEX SECS: a line matching REGEX (grep -E) in LOG after byte FROM,
# within SECS seconds; prints it.
wait_line_from() {
	local end=$(($(now_ms) + $4 * 1000))
	while [ "$(now_ms)" -lt $end ]; do
		if tail -c +$(($2 + 1)) "$1" | grep -E -m1 -- "$3"; then return 0; fi
		sleep 0.05
	done
	return 1
}
