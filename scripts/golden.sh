#!/usr/bin/env bash
# Rewrites vipr's own golden files for every config of compat-tests/haproxy and samples/:
#   <case>.model.json  `vipr dump --json` (the model after merge and validation)
#   <case>.lint        `vipr lint` (findings in vipr's modern form)
# and the same for every compat-tests/keepalived/*.conf and samples/**/keepalived.conf.
# compat-tests/golden-check.sh compares against them; run `make golden` after an intended
# change and review the diff. Usage: VIPR=path/to/vipr scripts/golden.sh [--check]
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
VIPR=${VIPR:-$src/build/vipr}
check=0
[ "${1:-}" = "--check" ] && check=1
pass=0 fail=0
cases() {
	(cd "$src/compat-tests/haproxy" && ls *.cfg | sed 's|^|compat-tests/haproxy/|')
	(cd "$src/compat-tests/keepalived" && ls *.conf | sed 's|^|compat-tests/keepalived/|')
	(cd "$src" && find samples -name '*.cfg' -o -name 'keepalived.conf' | sort)
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS= read -r rel; do
	dir=$(dirname "$src/$rel") file=$(basename "$rel")
	base=${file%.*}
	(cd "$dir" && env -i PATH="$PATH" HOME=/nonexistent LC_ALL=C "$VIPR" dump --json "$file" \
		>"$tmp/model.json" 2>/dev/null)
	(cd "$dir" && env -i PATH="$PATH" HOME=/nonexistent LC_ALL=C "$VIPR" lint "$file" \
		>"$tmp/lint" 2>&1)
	if [ $check = 0 ]; then
		cp "$tmp/model.json" "$dir/$base.model.json"
		cp "$tmp/lint" "$dir/$base.lint"
		continue
	fi
	if cmp -s "$tmp/model.json" "$dir/$base.model.json" && cmp -s "$tmp/lint" "$dir/$base.lint"; then
		pass=$((pass + 1))
	else
		echo "FAIL $rel"
		diff -u "$dir/$base.model.json" "$tmp/model.json" | head -20
		diff -u "$dir/$base.lint" "$tmp/lint" | head -20
		fail=$((fail + 1))
	fi
done < <(cases)
if [ $check = 1 ]; then
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
fi
