#!/usr/bin/env bash
# `vipr dump --haproxy` prints canonical haproxy.cfg that re-parses to the same model: for
# every valid config of compat-tests/haproxy and samples/, dump the model, print it as cfg,
# dump that, and compare (origins - file and line - aside). Env: VIPR, SRC.
set -u
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$VIPR" "$tmp/haproxy"
strip='import json,sys
def s(o):
    if isinstance(o, dict): return {k: s(v) for k, v in o.items() if k not in ("file", "line")}
    if isinstance(o, list): return [s(v) for v in o]
    return o
print(json.dumps(s(json.load(open(sys.argv[1]))), indent=1, sort_keys=True))'
pass=0 fail=0
while IFS= read -r cfg; do
	dir=$(dirname "$cfg") base=$(basename "$cfg")
	(cd "$dir" && env -i PATH="$PATH" LC_ALL=C "$tmp/haproxy" -c -f "$base" >/dev/null 2>"$tmp/c.err")
	rc=$?
	[ $rc = 0 ] || [ $rc = 2 ] || continue
	# What vipr does not support yet is not in the model, so it cannot come back out.
	grep -q "not supported by vipr yet" "$tmp/c.err" && continue
	rm -f "$tmp"/a.* "$tmp"/b.*
	(cd "$dir" && env -i PATH="$PATH" LC_ALL=C "$VIPR" dump --json "$base" >"$tmp/a.json" 2>/dev/null
		env -i PATH="$PATH" LC_ALL=C "$VIPR" dump --haproxy "$base" >"$tmp/b.cfg" 2>/dev/null
		env -i PATH="$PATH" LC_ALL=C "$VIPR" dump --json "$tmp/b.cfg" >"$tmp/b.json" 2>"$tmp/b.err")
	python3 -c "$strip" "$tmp/a.json" >"$tmp/a.s" 2>/dev/null
	python3 -c "$strip" "$tmp/b.json" >"$tmp/b.s" 2>/dev/null
	if [ -s "$tmp/a.s" ] && cmp -s "$tmp/a.s" "$tmp/b.s"; then
		pass=$((pass + 1))
	else
		echo "FAIL $cfg"
		diff -u "$tmp/a.s" "$tmp/b.s" | head -15
		head -3 "$tmp/b.err"
		fail=$((fail + 1))
	fi
done < <(ls "$SRC"/compat-tests/haproxy/*.cfg; find "$SRC/samples" -name '*.cfg' | sort)
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
