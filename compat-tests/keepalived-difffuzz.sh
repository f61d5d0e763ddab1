#!/bin/bash
# keepalived-difffuzz.sh - differential fuzzing of `keepalived -t` (a tool, not a ctest):
# configurations of the compat corpus mutated at random (a value replaced by another one of
# a small palette of good and bad values, a line dropped or doubled), checked by Debian's
# keepalived and by vipr as keepalived in a network namespace with eth0 (created here,
# deleted on exit). Prints each configuration whose exit codes differ, then a count.
# Usage: VIPR=build/vipr compat-tests/keepalived-difffuzz.sh [SEED [COUNT]]   (1, 200)
# Env: KEEP=DIR copies the mismatching configurations there.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${VIPR:?set VIPR to the vipr binary}"
REAL=/usr/sbin/keepalived
[ -x "$REAL" ] || { echo "no $REAL"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
T=$(mktemp -d /tmp/vipr-kadiff.XXXXXX)
NS=vipr-kadf-$$
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
ip netns add "$NS" || exit 77
ip -n "$NS" link add eth0 type veth peer name eth0p && ip -n "$NS" link set eth0p up && ip -n "$NS" addr add 10.255.0.1/24 dev eth0 &&
	ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up
mkdir -p "$T/bin" "$T/c"
ln -s "$(readlink -f "$VIPR")" "$T/bin/keepalived"
python3 - "$here/keepalived" "$T/c" "${1:-1}" "${2:-200}" <<'PY'
import glob, random, sys
src, out, seed, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(seed)
files = sorted(f for f in glob.glob(src + '/*.conf')
               if 'include' not in open(f, errors='replace').read())
palette = ['abc', '-1', '0', '1', '255', '256', '3.5', '10.0.0.1', '10.0.0.1/33', 'eth9',
           'eth0', '""', 'on', 'off', 'true', '100000', '1e3', '0x10', 'MASTER', 'BACKUP']
for i in range(n):
    lines = open(random.choice(files), errors='replace').read().splitlines()
    for _ in range(random.randint(1, 3)):
        idx = [k for k, l in enumerate(lines) if l.strip() and not l.strip().startswith(('#', '!'))
               and '{' not in l and '}' not in l]
        if not idx:
            break
        k = random.choice(idx)
        words = lines[k].split()
        r = random.random()
        if r < 0.6 and len(words) > 1:
            words[random.randrange(1, len(words))] = random.choice(palette)
            lines[k] = '    ' + ' '.join(words)
        elif r < 0.8:
            del lines[k]
        else:
            lines.insert(k, lines[k])
    open('%s/%04d.conf' % (out, i), 'w').write('\n'.join(lines) + '\n')
PY
cd "$T/c" || exit 1
n=0 bad=0
for f in *.conf; do
	a=$(timeout 10 ip netns exec "$NS" "$REAL" -t -f "$T/c/$f" 2>&1)
	ra=$?
	b=$(timeout 10 ip netns exec "$NS" "$T/bin/keepalived" -t -f "$T/c/$f" 2>&1)
	rb=$?
	n=$((n + 1))
	[ $ra = $rb ] && continue
	bad=$((bad + 1))
	[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$f" "$KEEP/seed${1:-1}-$f"
	echo "== seed ${1:-1} case $f: keepalived exit $ra, vipr exit $rb"
	echo "$a" | head -3 | sed 's/^/   keepalived: /'
	echo "$b" | head -3 | sed 's/^/   vipr:       /'
	sed 's/^/   | /' "$f" | head -60
done
echo "$n configurations, $bad exit-code mismatches"
