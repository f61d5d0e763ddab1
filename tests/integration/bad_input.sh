#!/usr/bin/env bash
# bad_input.sh - hostile input for `haproxy -c -f` and `keepalived -t -f`.
#
# Env: VIPR=<path to vipr>, SRC=<source tree>. Each input must make vipr exit within 30 s,
# with the exit code of the real binary (/usr/sbin/haproxy, /usr/sbin/keepalived when
# installed, else the code recorded below), never by a signal (exit >= 128) and without a
# sanitizer report; when the real binary prints something on stderr, vipr must too.
# Exit 0 pass, 1 fail; last line "N passed, M failed".
set -u
VIPR=${VIPR:?VIPR must point to the vipr binary}
VIPR=$(readlink -f "$VIPR")
REAL_HAP=${REAL_HAP:-/usr/sbin/haproxy}
REAL_KA=${REAL_KA:-/usr/sbin/keepalived}
T=$(mktemp -d /tmp/vipr-bad.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/in"
ln -s "$VIPR" "$T/bin/haproxy"
ln -s "$VIPR" "$T/bin/keepalived"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

# ---- inputs shared by both personalities
I=$T/in
head -c 1048576 /dev/urandom >"$I/random"
head -c 65536 /dev/zero >"$I/nul"
{ head -c 10485760 /dev/zero | tr '\0' 'a'; echo; } >"$I/longline"
: >"$I/empty"
mkdir "$I/dir"
# haproxy-specific
awk 'BEGIN { for (i = 0; i < 100000; i++) print ".if 1" }' >"$I/hap-nested-if"
printf 'global\n    log "127.0.0.1 local0\n' >"$I/hap-quote"
printf "defaults\n    timeout client '30s\n" >"$I/hap-squote"
printf 'global\n    maxconn 10 {\n' >"$I/hap-brace"
printf 'global\n    setenv X "${HOME\n' >"$I/hap-envbrace"
# keepalived-specific
awk 'BEGIN { for (i = 0; i < 100000; i++) print "{" }' >"$I/ka-open-braces"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "vrrp_instance v%d {\n", i }' >"$I/ka-nested"
printf 'global_defs {\n  router_id "abc\n}\n' >"$I/ka-quote"
printf 'vrrp_instance VI_1 {\n  state MASTER\n  interface lo\n' >"$I/ka-brace"

# Recorded exit codes of haproxy 2.6.12 / keepalived 2.2.7, used without the real binaries.
declare -A EXP_HAP=([random]=1 [nul]=1 [longline]=1 [empty]=2 [dir]=1 [hap-nested-if]=1
	[hap-quote]=1 [hap-squote]=1 [hap-brace]=1 [hap-envbrace]=1)
declare -A EXP_KA=([random]=5 [nul]=0 [longline]=5 [empty]=0 [dir]=0 [ka-open-braces]=5
	[ka-nested]=5 [ka-quote]=5 [ka-brace]=5)

sanitizer_report() { grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|MemorySanitizer' "$1"; }

# check PERSONALITY NAME EXPECTED_RC REAL_STDERR_NONEMPTY ARGS...
check() {
	local who=$1 name=$2 exp=$3 real_err=$4
	shift 4
	local t0 t1 rc
	t0=$(date +%s)
	timeout 30 "$T/bin/$who" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	t1=$(date +%s)
	local what="$who $name (rc=$rc, expected $exp, $((t1 - t0)) s)"
	if [ $rc -eq 124 ]; then
		ko "$what: timed out after 30 s"
	elif [ $rc -ge 128 ]; then
		ko "$what: killed by signal $((rc - 128))"; head -c 2000 "$T/err"
	elif sanitizer_report "$T/err"; then
		ko "$what: sanitizer report"; grep -m5 -E 'Sanitizer|runtime error|#[0-9] ' "$T/err"
	elif [ "$rc" != "$exp" ]; then
		ko "$what: wrong exit code"; head -c 600 "$T/err"
	elif [ "$real_err" = 1 ] && [ ! -s "$T/err" ]; then
		ko "$what: no diagnostic on stderr (the original prints one)"
	else
		ok "$what"
	fi
}

# real_run BIN ARGS... -> sets R_RC and R_ERR (1 when stderr non-empty); R_RC empty if unknown
real_run() {
	local bin=$1
	shift
	R_RC= R_ERR=
	[ -x "$bin" ] || return
	timeout 30 "$bin" "$@" >/dev/null 2>"$T/rerr"
	local rc=$?
	[ $rc -eq 124 ] || [ $rc -ge 128 ] && return
	R_RC=$rc
	[ -s "$T/rerr" ] && R_ERR=1 || R_ERR=0
}

# ---- haproxy -c -f
for name in random nul longline empty dir hap-nested-if hap-quote hap-squote hap-brace hap-envbrace; do
	real_run "$REAL_HAP" -c -f "$I/$name"
	exp=${R_RC:-${EXP_HAP[$name]}}
	# without the real binary, assume it reports something for every error exit
	rerr=${R_ERR:-$([ "$exp" = 0 ] || [ "$exp" = 2 ] && echo 0 || echo 1)}
	check haproxy "$name" "$exp" "$rerr" -c -f "$I/$name"
done

# ---- keepalived -t -f
"$T/bin/keepalived" -t -f "$I/empty" >"$T/out" 2>"$T/err"
if [ $? -eq 4 ] && grep -qi 'not implemented' "$T/out" "$T/err"; then
	echo "note: keepalived -t is not implemented in this build; keepalived inputs skipped"
else
	for name in random nul longline empty dir ka-open-braces ka-nested ka-quote ka-brace; do
		real_run "$REAL_KA" -t -f "$I/$name"
		exp=${R_RC:-${EXP_KA[$name]}}
		rerr=${R_ERR:-$([ "$exp" = 0 ] && echo 0 || echo 1)}
		check keepalived "$name" "$exp" "$rerr" -t -f "$I/$name"
	done
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
