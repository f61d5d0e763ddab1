#!/bin/bash
# haproxy-difffuzz.sh - differential fuzzing of `haproxy -c` (a tool, not a ctest): random
# configurations built from the lines of the compat corpus and the samples (each line kept in
# the kind of section it came from, mixed into frontend/backend/defaults/global sections
# where it may or may not be allowed), checked by Debian's haproxy and by vipr. Prints every
# configuration whose exit codes differ, with both sides' first findings, then a count.
# A mismatch worth keeping becomes a case in compat-tests/haproxy/ (haproxy-record.sh).
# Usage: VIPR=build/vipr compat-tests/haproxy-difffuzz.sh [SEED [COUNT]]   (1, 300)
# Env: KEEP=DIR copies the mismatching configurations there.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${VIPR:?set VIPR to the vipr binary}"
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
[ -x "$HAPROXY" ] || { echo "no $HAPROXY"; exit 77; }
T=$(mktemp -d /tmp/vipr-difffuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin"
ln -s "$(readlink -f "$VIPR")" "$T/bin/haproxy"
python3 - "$here/.." "$T" "${1:-1}" "${2:-300}" <<'PY'
import glob, os, random, re, sys
src, out, seed, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(seed)
secs = {k: set() for k in ('global', 'defaults', 'frontend', 'backend', 'listen')}
for f in glob.glob(src + '/compat-tests/haproxy/*.cfg') + glob.glob(src + '/samples/**/*.cfg', recursive=True):
    txt = open(f, errors='replace').read()
    if '.if' in txt or 'include' in txt:
        continue
    cur = None
    for line in txt.splitlines():
        s = line.strip()
        if not s or s.startswith('#'):
            continue
        if not line[0].isspace():
            cur = s.split()[0] if s.split()[0] in secs else None
        elif cur and '${' not in s and not re.search(r'(crt|ca-file|errorfile|file|lua|/etc/|/var/|\.pem|\.lst|\.map)', s):
            secs[cur].add(s)
secs = {k: sorted(v) for k, v in secs.items()}
pick = lambda k, lo, hi: ['    ' + random.choice(k) for _ in range(random.randint(lo, hi))]
for i in range(n):
    c = ['global'] + pick(secs['global'], 0, 3)
    c += ['defaults', '    mode http', '    timeout connect 5s', '    timeout client 30s',
          '    timeout server 30s'] + pick(secs['defaults'], 0, 3)
    c += ['frontend fe', '    bind 127.0.0.1:8080', '    default_backend be']
    c += pick(secs['frontend'] + secs['listen'], 1, 4)
    c += ['backend be', '    server s1 127.0.0.1:8081'] + pick(secs['backend'] + secs['listen'], 1, 4)
    open('%s/%04d.cfg' % (out, i), 'w').write('\n'.join(c) + '\n')
PY
cd "$T" || exit 1
n=0 bad=0
for f in *.cfg; do
	a=$(timeout 10 "$HAPROXY" -c -f "$f" 2>&1)
	ra=$?
	b=$(timeout 10 "$T/bin/haproxy" -c -f "$f" 2>&1)
	rb=$?
	n=$((n + 1))
	[ $ra = $rb ] && continue
	bad=$((bad + 1))
	[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$f" "$KEEP/seed${1:-1}-$f"
	echo "== seed ${1:-1} case $f: haproxy exit $ra, vipr exit $rb"
	echo "$a" | grep -E 'ALERT|WARNING' | head -2 | sed 's/^/   haproxy: /'
	echo "$b" | grep -E 'ALERT|WARNING|not supported' | head -2 | sed 's/^/   vipr:    /'
	sed 's/^/   | /' "$f"
done
echo "$n configurations, $bad exit-code mismatches"
