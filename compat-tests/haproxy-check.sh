#!/bin/bash
# ctest compat test: `haproxy -c -f X.cfg` by the real haproxy and by vipr
# (started under the name "haproxy"), for every compat-tests/haproxy/*.cfg,
# both run from the corpus directory. Compared: the exit code, and the first
# [ALERT] line (PID normalized), or if neither side has an ALERT the first
# [WARNING] line.
#
# Env:   VIPR=<vipr binary> (required)  SRC=<source tree> (default: this script's ..)
#        HAPROXY=<real haproxy> (default /usr/sbin/haproxy)
# Usage: haproxy-check.sh [CASE...]     (default: every case)
# Output: one PASS/FAIL line per case, then "N passed, M failed".
# Exit:  0 all passed, 1 some failed, 77 (skip) if the real haproxy is missing,
#        2 usage error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(dirname "$here")}
. "$SRC/compat-tests/haproxy-lib.sh"
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
if [ ! -x "$HAPROXY" ]; then
    echo "SKIP: $HAPROXY not found"
    exit 77
fi
if [ -z "${VIPR:-}" ]; then
    echo "haproxy-check: set VIPR to the vipr binary" >&2
    exit 2
fi
case $VIPR in /*) ;; *) VIPR=$PWD/$VIPR ;; esac
if [ ! -x "$VIPR" ]; then
    echo "haproxy-check: VIPR=$VIPR is not executable" >&2
    exit 2
fi
corpus=$SRC/compat-tests/haproxy
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vipr-compat.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
ln -s "$VIPR" "$tmp/haproxy"
cd "$corpus" || exit 2

# Cases vipr does not match yet are listed in haproxy-known-failures.txt (one name a line,
# '#' comments). They are reported as XFAIL and do not fail the run; a listed case that
# passes is reported as XPASS so the list can shrink. Any other failure fails the test.
known=" $(sed -e 's/#.*//' "$SRC/compat-tests/haproxy-known-failures.txt" 2>/dev/null | tr '\n' ' ') "
pass=0 fail=0 xfail=0
while IFS= read -r name; do
    if [ ! -f "$name.cfg" ]; then
        echo "FAIL $name: no such case"
        fail=$((fail + 1))
        continue
    fi
    out=$(compat_run "$HAPROXY" "$name.cfg"); hrc=$?
    hkey=$(printf '%s\n' "$out" | compat_normalize | compat_key)
    out=$(compat_run "$tmp/haproxy" "$name.cfg"); vrc=$?
    vkey=$(printf '%s\n' "$out" | compat_normalize | compat_key)
    if [ "$hrc" = "$vrc" ] && [ "$hkey" = "$vkey" ]; then
        case $known in *" $name "*) echo "XPASS $name (remove it from haproxy-known-failures.txt)" ;;
        *) echo "PASS $name" ;; esac
        pass=$((pass + 1))
    elif [ $# -eq 0 ] && case $known in *" $name "*) true ;; *) false ;; esac; then
        echo "XFAIL $name"
        echo "    haproxy: exit $hrc: ${hkey:-(no ALERT/WARNING)}"
        echo "    vipr:    exit $vrc: ${vkey:-(no ALERT/WARNING)}"
        xfail=$((xfail + 1))
    else
        echo "FAIL $name"
        echo "    haproxy: exit $hrc: ${hkey:-(no ALERT/WARNING)}"
        echo "    vipr:    exit $vrc: ${vkey:-(no ALERT/WARNING)}"
        fail=$((fail + 1))
    fi
done < <(compat_cases "$corpus" "$@")
echo "known mismatches (XFAIL): $xfail"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
