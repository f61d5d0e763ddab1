# shellcheck shell=bash
# tests/lib/ka_daemon.sh - starting and stopping keepalived-personality daemons (vipr run as
# "keepalived", or Debian's keepalived) inside network namespaces, for the lvs_* and vrrp_*
# tests. Usage: . "$SRC/tests/lib/ka_daemon.sh" after tests/lib/netns.sh.

KA_BIN=/usr/sbin/keepalived
declare -A PID=() KA_WRAPPED=()

# ka_run NS IMPL SECS LOG ARGS...: starts the daemon (IMPL vipr or ka) in namespace NS in the
# background, under `timeout SECS` unless SECS is 0, its output appended to LOG. $! is then the
# daemon itself (or its timeout): not through a subshell.
ka_run() {
	local ns=$1 impl=$2 secs=$3 log=$4 pre=()
	shift 4
	[ "$secs" = 0 ] || pre=(timeout "$secs")
	if [ "$impl" = vipr ]; then
		ip netns exec "$ns" "${pre[@]}" bash -c 'exec -a keepalived "$0" "$@"' "$VIPR" "$@" \
			>>"$log" 2>&1 &
	else
		ip netns exec "$ns" "${pre[@]}" "$KA_BIN" "$@" >>"$log" 2>&1 &
	fi
}

# ka_proc KEY NS IMPL SECS CONF LOG: a daemon on CONF in namespace NS (under timeout SECS
# unless 0), log appended to LOG, pidfiles $T/KEY.pid, $T/KEY_vrrp.pid and $T/KEY_c.pid;
# PID[KEY] is its process (its timeout with SECS), stopped by ka_node_stop KEY.
ka_proc() {
	ka_run "$2" "$3" "$4" "$6" -f "$5" -n -l -D -P -p "$T/$1.pid" -r "$T/${1}_vrrp.pid" \
		-c "$T/${1}_c.pid"
	PID[$1]=$!
	KA_WRAPPED[$1]=$4
}

# ka_node NAME IMPL [SECS]: node NAME's daemon in namespace ${S}NAME on $T/NAME.conf, its log
# appended to $T/NAME.log.
ka_node() { ka_proc "$1" "${S}$1" "$2" "${3:-0}" "$T/$1.conf" "$T/$1.log"; }

# ka_node_stop NAME [SIGNAL]: SIGNAL (default TERM) to node NAME's daemon, not to its timeout
# (which would die alone on KILL), then waits for it.
ka_node_stop() {
	local p=${PID[$1]:-} c=
	[ -n "$p" ] || return 0
	[ "${KA_WRAPPED[$1]:-0}" = 0 ] || c=$(pgrep -P "$p" | head -1)
	kill -"${2:-TERM}" "${c:-$p}" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$1]"
}

# ka_nodes_stop [SIGNAL]: every node still running.
ka_nodes_stop() {
	local n
	for n in "${!PID[@]}"; do ka_node_stop "$n" "$@"; done
}

# The single-namespace tests (lvs_*): one daemon KA in namespace NS on $T/ka.conf, logging to
# $T/ka.log, beside helper processes PIDS (real servers).

# ka_single_init NAME NSPREFIX [TOOL...]: ns_init, then NS (NSPREFIX and the shell's pid) made
# with lo up; KA empty, PIDS empty; both stopped on exit.
ka_single_init() {
	local name=$1 prefix=$2
	shift 2
	ns_init "$name" "$@"
	NS=$prefix$$
	ns_add "$NS"
	KA=
	PIDS=()
	ns_cleanup_extra() { ka_single_cleanup; }
	ip -n "$NS" link set lo up
}

ka_single_cleanup() {
	local p
	[ -n "${KA:-}" ] && kill -TERM "$KA" 2>/dev/null && wait "$KA" 2>/dev/null
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}

inns() { ip netns exec "$NS" "$@"; }

# ka_start LOG [FLAGS...]: vipr's keepalived in NS on $T/ka.conf, pidfiles $T/ka.pid,
# $T/vrrp.pid and $T/c.pid (the checker), output to LOG (emptied first); sets KA.
ka_start() {
	local log=$1
	shift
	: >"$log"
	ka_run "$NS" vipr 0 "$log" -f "$T/ka.conf" -n -l -p "$T/ka.pid" -r "$T/vrrp.pid" \
		-c "$T/c.pid" "$@"
	KA=$!
}

# wait_log MARK REGEX: up to 20 s for REGEX in $T/ka.log after byte MARK (lines written
# after the step began).
wait_log() {
	for _ in $(seq 1 200); do
		tail -c +$(($1 + 1)) "$T/ka.log" | grep -Eq "$2" && return 0
		sleep 0.1
	done
	return 1
}

# ka_sigterm_check: SIGTERM to KA: ok when it is gone within 10 s with exit 0; KA emptied.
ka_sigterm_check() {
	local rc
	kill -TERM "$KA"
	for _ in $(seq 1 100); do kill -0 "$KA" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$KA" 2>/dev/null; then
		ko "keepalived still running 10 s after SIGTERM"
		return
	fi
	wait "$KA"
	rc=$?
	[ $rc = 0 ] && ok "stopped on SIGTERM (exit 0)" ||
		ko "exit $rc after SIGTERM: $(tail -3 "$T/ka.log")"
	KA=
}

# no_sanitizer_check LOG...: ok when no log holds a sanitizer report.
no_sanitizer_check() {
	! grep -Eq "AddressSanitizer|LeakSanitizer|runtime error:" "$@" &&
		ok "no sanitizer report in any log" ||
		ko "sanitizer: $(grep -E -A5 "Sanitizer|runtime error" "$@" | head -20)"
}

# mark: later looks at the log $L start at its current end (lines written after a step began).
mark() { MARK=$(stat -c %s "$L"); }

# logged TEXT [SECS]: TEXT (fixed string) in $L after MARK within SECS seconds (default 8).
logged() {
	local end=$((SECONDS + ${2:-8}))
	while [ $SECONDS -lt $end ]; do
		tail -c +$((MARK + 1)) "$L" | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# ka_track_procs PREFIX: for the track_process tests: PN, a process name unique to this run
# (15 characters at most, the kernel's comm length), is a copy of sleep in $T; the processes
# the test starts from it go in PROCS, killed on exit after the daemons.
ka_track_procs() {
	PROCS=()
	PN=$1$((RANDOM % 1000))$$
	PN=${PN:0:15}
	cp "$(command -v sleep)" "$T/$PN"
	ns_cleanup_extra() {
		local p
		ka_nodes_stop TERM
		for p in "${PROCS[@]}"; do kill "$p" 2>/dev/null; done
	}
}
