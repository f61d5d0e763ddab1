#!/bin/bash
# Strict compat test: vipr (started under the name "haproxy") against the
# stored compat-tests/haproxy/X.expect files (recorded from the real haproxy by
# haproxy-record.sh): exit code and every normalized [ALERT]/[WARNING]/[NOTICE]
# line must match.
#
# Env:   VIPR=<vipr binary> (required)  SRC=<source tree> (default: this script's ..)
# Usage: haproxy-golden.sh [CASE...]    (default: every case)
# Output: one PASS/FAIL line per case (with a diff on failure), then
#         "N passed, M failed". Exit: 0 all passed, 1 some failed, 2 usage error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(dirname "$here")}
. "$SRC/compat-tests/haproxy-lib.sh"
if [ -z "${VIPR:-}" ]; then
    echo "haproxy-golden: set VIPR to the vipr binary" >&2
    exit 2
fi
case $VIPR in /*) ;; *) VIPR=$PWD/$VIPR ;; esac
if [ ! -x "$VIPR" ]; then
    echo "haproxy-golden: VIPR=$VIPR is not executable" >&2
    exit 2
fi
corpus=$SRC/compat-tests/haproxy
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vipr-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
ln -s "$VIPR" "$tmp/haproxy"
cd "$corpus" || exit 2

pass=0 fail=0
while IFS= read -r name; do
    if [ ! -f "$name.cfg" ] || [ ! -f "$name.expect" ]; then
        echo "FAIL $name: missing $name.cfg or $name.expect"
        fail=$((fail + 1))
        continue
    fi
    out=$(compat_run "$tmp/haproxy" "$name.cfg"); rc=$?
    { echo "$rc"; printf '%s\n' "$out" | compat_normalize; } > "$tmp/got"
    if cmp -s "$name.expect" "$tmp/got"; then
        echo "PASS $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        diff -u --label "expected ($name.expect)" --label "vipr" "$name.expect" "$tmp/got" \
            | sed 1,2d | sed 's/^/    /'
        fail=$((fail + 1))
    fi
done < <(compat_cases "$corpus" "$@")
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
