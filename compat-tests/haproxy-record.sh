#!/bin/bash
# Regenerate compat-tests/haproxy/X.expect from the real haproxy:
#   line 1: exit code of `haproxy -c -f X.cfg` (run from the corpus directory)
#   then:   its [ALERT]/[WARNING]/[NOTICE] stderr lines, PID normalized to (PID),
#           without the "haproxy version is" / "path to executable is" NOTICEs.
# Usage: compat-tests/haproxy-record.sh [CASE...]     (default: every *.cfg)
#        HAPROXY=/path/to/haproxy to use another binary (default /usr/sbin/haproxy)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/haproxy-lib.sh"
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
if [ ! -x "$HAPROXY" ]; then
    echo "haproxy-record: $HAPROXY not found" >&2
    exit 77
fi
corpus=$here/haproxy
cd "$corpus" || exit 1
"$HAPROXY" -v | head -1 >&2
n=0
while IFS= read -r name; do
    if [ ! -f "$name.cfg" ]; then
        echo "haproxy-record: no such case: $name" >&2
        exit 1
    fi
    out=$(compat_run "$HAPROXY" "$name.cfg")
    rc=$?
    { echo "$rc"; printf '%s\n' "$out" | compat_normalize; } > "$name.expect"
    n=$((n + 1))
done < <(compat_cases "$corpus" "$@")
echo "recorded $n cases" >&2
